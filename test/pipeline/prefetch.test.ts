import { describe, expect, it } from 'vitest';
import { pipe, prefetch } from '../../src/pipeline';

const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('prefetch', () => {
  it('keeps order and reads at most n items ahead', async () => {
    let reads = 0;
    async function* counted() {
      for (let i = 0; i < 20; i++) {
        reads++;
        yield i;
      }
    }
    const it = pipe(() => counted(), prefetch<number>(3))[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe(0);
    await ticks(20);
    expect(reads).toBe(4); // the one consumed + 3 waiting
    const rest: number[] = [];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
    expect(rest).toEqual(Array.from({ length: 19 }, (_, i) => i + 1));
  });

  it('stops the source when the consumer stops early, and passes errors on', async () => {
    let closed = false;
    async function* endless() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    for await (const x of pipe(() => endless(), prefetch<number>(2))) if (x === 5) break;
    await ticks(5);
    expect(closed).toBe(true);

    async function* failing() {
      yield 1;
      throw new Error('source broke at row 2');
    }
    await expect(pipe(() => failing(), prefetch<number>(4)).toArray()).rejects.toThrow('source broke at row 2');
    expect(() => prefetch(0)).toThrow('prefetch: n must be a positive integer, got 0');
  });
});
