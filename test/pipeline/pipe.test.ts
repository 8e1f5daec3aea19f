import { describe, expect, it } from 'vitest';
import { filter, map } from 'ix/asynciterable/operators';
import { batch, pipe, tokenize } from '../../src/pipeline';

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
