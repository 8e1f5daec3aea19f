import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { batch, collate, pad, pipe, stackExamples, type Example } from '../../src/pipeline';

describe('batch', () => {
  it('preserves order and makes fixed sizes, the last smaller unless dropRemainder (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer(), { maxLength: 60 }), fc.integer({ min: 1, max: 9 }), fc.boolean(), async (items, size, drop) => {
        const groups = await pipe(items, batch<number>(size, { dropRemainder: drop })).toArray();
        const full = Math.floor(items.length / size);
        const rest = items.length % size;
        expect(groups.length).toBe(full + (rest > 0 && !drop ? 1 : 0));
        groups.forEach((g, i) => expect(g.length).toBe(i < full ? size : rest));
        expect(groups.flat()).toEqual(drop ? items.slice(0, full * size) : items);
      }),
    );
  });

  it('rejects a bad size', () => {
    expect(() => batch(0)).toThrow('batch: size must be a positive integer, got 0');
  });
});

describe('collate', () => {
  it('stacks Examples row-major with lengths and labels', async () => {
    const rows = [{ ids: [1, 2, 3], label: 0 }, { ids: [4], label: 1 }, { ids: [5, 6], label: 1 }];
    const batches = await pipe(rows, pad({ key: 'ids', length: 4, value: 9 }), batch(2), collate()).toArray();
    expect(batches).toHaveLength(2);
    const [b0, b1] = batches;
    expect(Array.from(b0.ids)).toEqual([1, 2, 3, 9, 4, 9, 9, 9]);
    expect(Array.from(b0.lengths)).toEqual([3, 1]);
    expect(Array.from(b0.labels!)).toEqual([0, 1]);
    expect([b0.size, b0.seqLength]).toEqual([2, 4]);
    expect([b1.size, Array.from(b1.ids)]).toEqual([1, [5, 6, 9, 9]]);
  });

  it('pads rows of different lengths only when given padValue', () => {
    const exs: Example[] = [{ ids: Int32Array.from([1]), length: 1 }, { ids: Int32Array.from([2, 3]), length: 2 }];
    expect(() => stackExamples(exs)).toThrow('collate: row 1 has 2 ids but row 0 has 1; pad rows to one length or pass { padValue }');
    const b = stackExamples(exs, 7);
    expect(Array.from(b.ids)).toEqual([1, 7, 2, 3]);
    expect(b.labels).toBeUndefined();
  });

  it('names malformed rows', () => {
    expect(() => stackExamples([{ ids: Int32Array.from([1]), length: 1, label: 0 }, { ids: Int32Array.from([1]), length: 1 }])).toThrow(
      'collate: row 1 has no label but row 0 has one',
    );
    expect(() => stackExamples([{ ids: [1], length: 1 } as any])).toThrow(/collate: row 0 is .*expected an Example/);
  });
});
