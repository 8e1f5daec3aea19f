import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pipe, shuffle } from '../../src/pipeline';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

describe('shuffle', () => {
  it('is a permutation of its input for any buffer size (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer(), { maxLength: 80 }), fc.integer({ min: 1, max: 100 }), fc.integer(), async (items, buf, seed) => {
        const out = await pipe(items, shuffle<number>(buf, { seed })).toArray();
        expect(sorted(out)).toEqual(sorted(items));
      }),
    );
  });

  it('is deterministic per seed and differs between epochs and seeds', async () => {
    const a = pipe(range(100), shuffle<number>(100, { seed: 7 }));
    const b = pipe(range(100), shuffle<number>(100, { seed: 7 }));
    const a1 = await a.toArray();
    const a2 = await a.toArray();
    expect(await b.toArray()).toEqual(a1);
    expect(await b.toArray()).toEqual(a2);
    expect(a2).not.toEqual(a1);
    expect(a1).not.toEqual(range(100));
    expect(await pipe(range(100), shuffle<number>(100, { seed: 8 })).toArray()).not.toEqual(a1);
  });

  it('with a small buffer only moves items locally', async () => {
    const out = await pipe(range(200), shuffle<number>(4, { seed: 1 })).toArray();
    // An item can be emitted only once it has been read, and it waits in a buffer of 4.
    out.forEach((v, i) => expect(v).toBeLessThanOrEqual(i + 4));
    expect(sorted(out)).toEqual(range(200));
  });

  it('rejects bad arguments', () => {
    expect(() => shuffle(0)).toThrow('shuffle: bufferSize must be a positive integer, got 0');
    expect(() => shuffle(2, { seed: 1.5 })).toThrow('shuffle: seed must be an integer, got 1.5');
  });
});
