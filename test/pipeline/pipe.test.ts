import { describe, expect, expectTypeOf, it } from 'vitest';
import { filter, map } from 'ix/asynciterable/operators';
import { batch, collate, encode, encodeLabels, pad, pipe, preprocess, tokenize, Vocab } from '../../src/pipeline';

describe('pipe', () => {
  it('re-reads the source on each epoch: arrays, re-iterables and functions', async () => {
    let opened = 0;
    const reiterable = {
      async *[Symbol.asyncIterator]() {
        opened++;
        yield 'a b';
        yield 'c';
      },
    };
    const ds = pipe(reiterable, tokenize('whitespace'));
    expect(await ds.toArray()).toEqual([['a', 'b'], ['c']]);
    expect(await ds.toArray()).toEqual([['a', 'b'], ['c']]);
    expect(opened).toBe(2);
    expect(ds.epoch).toBe(2);

    async function* gen() {
      yield 1;
      yield 2;
    }
    const fromFn = pipe(() => gen(), map((x: number) => x * 10));
    expect(await fromFn.toArray()).toEqual([10, 20]);
    expect(await fromFn.toArray()).toEqual([10, 20]);
  });

  it('refuses to silently yield an empty second epoch from a one-shot generator', async () => {
    async function* gen() {
      yield 1;
    }
    const ds = pipe(gen());
    expect(await ds.toArray()).toEqual([1]);
    await expect(ds.toArray()).rejects.toThrow(/one-shot iterator.*pipe\(\(\) => gen\(\), \.\.\.\)/);
  });

  it('mixes IxJS operators, user functions and seqflow operators, and extends with .pipe()', async () => {
    const double = async function* (src: AsyncIterable<number>) {
      for await (const x of src) yield x * 2;
    };
    const ds = pipe([1, 2, 3, 4, 5], filter((x: number) => x % 2 === 1), double, batch<number>(2));
    expect(await ds.toArray()).toEqual([[2, 6], [10]]);
    const more = ds.pipe(map((g: number[]) => g.length));
    expect(await more.toArray()).toEqual([2, 1]);
  });

  it('names a bad operator or source', () => {
    expect(() => pipe([1], 'oops' as any)).toThrow('pipe: operator 1 is string, expected a function');
    expect(() => pipe(42 as any)).toThrow(/pipe: the source is number/);
  });
});

describe('pipe typing', () => {
  it('carries record field types through the keyed operators to Example and Batch', async () => {
    const vocab = new Vocab(['<unk>', '<pad>', 'good'], 0);
    const rows = [{ review: 'Good!', score: 'great', product: 'B01' }];
    const examples = pipe(
      rows,
      preprocess({ key: 'review' }),
      tokenize('basic_english', { key: 'review' }),
      encode(vocab, { key: 'review' }),
      encodeLabels(['other', 'great'], { key: 'score' }),
      pad({ key: 'review', labelKey: 'score', length: 3, value: 1 }),
    );
    const [ex] = await examples.toArray();
    expectTypeOf(ex.ids).toEqualTypeOf<Int32Array>();
    expectTypeOf(ex.product).toEqualTypeOf<string>();
    expect(ex.product).toBe('B01');
    expect(Array.from(ex.ids)).toEqual([2, 0, 1]);
    expect(ex.label).toBe(1);
    const [b] = await examples.pipe(batch(2), collate()).toArray();
    expectTypeOf(b.lengths).toEqualTypeOf<Int32Array>();
    expect(Array.from(b.lengths)).toEqual([2]);
  });
});
