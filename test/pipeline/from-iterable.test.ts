import { describe, expect, it } from 'vitest';
import { fromIterable } from '../../src/pipeline/from-iterable';

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

describe('fromIterable', () => {
  it('an array or Set is re-iterable', async () => {
    const ds = fromIterable([1, 2, 3]);
    expect(await collect(ds)).toEqual([1, 2, 3]);
    expect(await collect(ds)).toEqual([1, 2, 3]);
    const set = fromIterable(new Set(['a', 'b']));
    expect(await collect(set)).toEqual(await collect(set));
  });

  it('a function is called once per iteration', async () => {
    let calls = 0;
    const ds = fromIterable(async function* () {
      calls++;
      yield calls;
    });
    expect(await collect(ds)).toEqual([1]);
    expect(await collect(ds)).toEqual([2]);
  });

  it('a generator object can be read once; the second iteration says how to fix it', async () => {
    function* gen() {
      yield 1;
    }
    const ds = fromIterable(gen());
    expect(await collect(ds)).toEqual([1]);
    await expect(collect(ds)).rejects.toThrow(/already read.*pass a function that returns a fresh iterable/);
  });

  it('breaking out early closes the source', async () => {
    let closed = false;
    const ds = fromIterable(async function* () {
      try {
        yield 1;
        yield 2;
      } finally {
        closed = true;
      }
    });
    for await (const _ of ds) break;
    expect(closed).toBe(true);
  });

  it('aborting ends a source stuck waiting and tells it to stop', async () => {
    let resolveStuck: (() => void) | undefined;
    let finished = false;
    const ds = fromIterable(
      async function* () {
        try {
          yield 'first';
          await new Promise<void>((r) => (resolveStuck = r));
          yield 'late';
        } finally {
          finished = true;
        }
      },
      { signal: undefined },
    );
    const controller = new AbortController();
    const aborting = fromIterable(() => ds, { signal: controller.signal });
    const got: string[] = [];
    const reading = (async () => {
      for await (const x of aborting) {
        got.push(x);
        queueMicrotask(() => controller.abort(new Error('cancelled')));
      }
    })();
    await expect(reading).rejects.toThrow('cancelled');
    expect(got).toEqual(['first']);
    // The source was told to stop: once its pending wait ends, its finally runs.
    resolveStuck?.();
    await new Promise((r) => setImmediate(r));
    expect(finished).toBe(true);
  });

  it('a synchronous iterable stops at an abort between items', async () => {
    const controller = new AbortController();
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const x of fromIterable([1, 2, 3, 4], { signal: controller.signal })) {
          got.push(x);
          if (x === 2) controller.abort();
        }
      })(),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(got).toEqual([1, 2]);
  });
});
