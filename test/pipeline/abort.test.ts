import { describe, expect, it } from 'vitest';
import {
  abortable, batch, bucketBySequenceLength, collate, encode, encodeLabels, pad, pipe, prefetch, preprocess, progress,
  shuffle, tokenize, Vocab, type Operator,
} from '../../src/pipeline';

/** A source that yields `first` and then never answers; records whether it was told to stop. */
function stuckSource(first: unknown) {
  const state = { returned: false, reads: 0 };
  const source: AsyncIterable<unknown> = {
    [Symbol.asyncIterator]: () => ({
      next: () => (state.reads++ === 0 ? Promise.resolve({ done: false, value: first }) : new Promise<never>(() => undefined)),
      return: async () => {
        state.returned = true;
        return { done: true, value: undefined };
      },
    }),
  };
  return { source, state };
}

const vocab = new Vocab(['<unk>', 'a'], 0);
const cases: [string, (signal: AbortSignal) => Operator<any, any>, unknown][] = [
  ['preprocess', (signal) => preprocess({ signal }), 'A'],
  ['tokenize', (signal) => tokenize('basic_english', { signal }), 'a'],
  ['encode', (signal) => encode(vocab, { signal }), ['a']],
  ['encodeLabels', (signal) => encodeLabels(['x'], { signal }), { label: 'x' }],
  ['pad', (signal) => pad({ length: 2, signal }), [1]],
  ['batch', (signal) => batch(1, { signal }), 1],
  ['collate', (signal) => collate({ signal }), [{ ids: Int32Array.of(1), length: 1 }]],
  ['shuffle', (signal) => shuffle(1, { seed: 1, signal }), 1],
  ['bucketBySequenceLength', (signal) => bucketBySequenceLength([2], [1, 1], { signal }), { ids: Int32Array.of(1), length: 1 }],
  ['prefetch', (signal) => prefetch(2, { signal }), 1],
  ['progress', (signal) => progress(() => undefined, { signal }), 1],
  ['abortable', (signal) => abortable(signal), 1],
];

describe('every operator stops on abort', () => {
  for (const [name, make, first] of cases) {
    it(`${name}: a stuck read ends with an AbortError and the source is told to stop`, async () => {
      const { source, state } = stuckSource(first);
      const controller = new AbortController();
      const it = pipe(source, make(controller.signal))[Symbol.asyncIterator]();
      const pending = it.next().then(() => it.next());
      // Abort once the operator is waiting on the stuck second read.
      await new Promise<void>((resolve) => {
        const check = () => (state.reads >= 2 ? resolve() : setImmediate(check));
        check();
      });
      controller.abort();
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
      expect(state.returned).toBe(true);
    });
  }

  it('a signal aborted before the start rejects without reading, with the signal reason when given', async () => {
    const { source, state } = stuckSource('x');
    await expect(pipe(source as AsyncIterable<string>, preprocess({ signal: AbortSignal.abort() })).toArray()).rejects.toMatchObject({ name: 'AbortError' });
    expect(state.reads).toBe(0);
    const reason = new Error('stop now');
    await expect(pipe(['a'], tokenize('whitespace', { signal: AbortSignal.abort(reason) })).toArray()).rejects.toBe(reason);
  });

  it('an unaborted signal changes nothing', async () => {
    const signal = new AbortController().signal;
    expect(await pipe(['A b'], preprocess({ signal }), tokenize('basic_english', { signal })).toArray()).toEqual([['a', 'b']]);
  });
});
