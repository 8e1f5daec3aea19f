import { describe, expect, it } from 'vitest';
import { split } from '../../src/pipeline';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('split', () => {
  it('partitions the source by a seeded index hash, the same every epoch', async () => {
    const { train, validation } = split(range(2000), { validation: 0.2, seed: 3 });
    const t = await train.toArray();
    const v = await validation.toArray();
    expect([...t, ...v].sort((a, b) => a - b)).toEqual(range(2000));
    expect(v.length).toBeGreaterThan(320);
    expect(v.length).toBeLessThan(480);
    expect(await train.toArray()).toEqual(t);
    expect(await validation.toArray()).toEqual(v);
    const again = split(range(2000), { validation: 0.2, seed: 3 });
    expect(await again.validation.toArray()).toEqual(v);
    expect(await split(range(2000), { validation: 0.2, seed: 4 }).validation.toArray()).not.toEqual(v);
  });

  it('handles the extremes and refuses a one-shot source', async () => {
    expect(await split(range(10), { validation: 0 }).validation.toArray()).toEqual([]);
    expect(await split(range(10), { validation: 1 }).train.toArray()).toEqual([]);
    expect(() => split(range(3), { validation: 1.5 })).toThrow('split: validation must be a fraction in [0, 1], got 1.5');
    async function* gen() {
      yield 1;
    }
    expect(() => split(gen(), { validation: 0.5 })).toThrow(/one-shot/);
    expect((await split(() => gen(), { validation: 0 }).train.toArray())).toEqual([1]);
  });
});
