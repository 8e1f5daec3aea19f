import { describe, expect, it } from 'vitest';
import { bucketBySequenceLength, pad, pipe } from '../../src/pipeline';

describe('bucketBySequenceLength', () => {
  const rows = [[1], [1, 2, 3, 4, 5], [2, 2], [3, 3, 3, 3, 3, 3, 3], [4], [5, 5, 5]].map((ids, i) => ({ ids, label: i }));

  it('batches rows by length and pads each batch to its longest row', async () => {
    // buckets: length < 3 (size 2), 3..5 (size 2), >= 6 (size 2)
    const batches = await pipe(rows, pad({ key: 'ids' }), bucketBySequenceLength([3, 6], [2, 2, 2], { padValue: 9 })).toArray();
    // full buckets are yielded as they fill; the rest are flushed in bucket order at the end
    expect(batches.map((b) => Array.from(b.labels!))).toEqual([[0, 2], [1, 5], [4], [3]]);
    expect(Array.from(batches[0].ids)).toEqual([1, 9, 2, 2]);
    expect(batches[0].seqLength).toBe(2);
    expect(Array.from(batches[1].ids)).toEqual([1, 2, 3, 4, 5, 5, 5, 5, 9, 9]);
    expect(Array.from(batches[1].lengths)).toEqual([5, 3]);
    expect(batches[2].size).toBe(1);
    expect(Array.from(batches[3].ids)).toEqual([3, 3, 3, 3, 3, 3, 3]);
  });

  it('flushes remainders unless dropRemainder, and can pad to the bucket bound', async () => {
    const all = await pipe(rows, pad({ key: 'ids' }), bucketBySequenceLength([3, 6], [2, 2, 2], { padToBoundary: true })).toArray();
    expect(all.flatMap((b) => Array.from(b.labels!)).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(all.map((b) => b.seqLength)).toEqual([2, 5, 2, 7]);
    const dropped = await pipe(rows, pad({ key: 'ids' }), bucketBySequenceLength([3, 6], [2, 2, 2], { dropRemainder: true })).toArray();
    expect(dropped).toHaveLength(2);
  });

  it('rejects bad arguments and non-Examples', async () => {
    expect(() => bucketBySequenceLength([3, 2], [1, 1, 1])).toThrow(/increasing positive integers/);
    expect(() => bucketBySequenceLength([3], [1])).toThrow('bucketBySequenceLength: expected 2 batch sizes (one per bucket: boundaries.length + 1), got 1');
    await expect(pipe([[1, 2]] as any[], bucketBySequenceLength([3], [1, 1])).toArray()).rejects.toThrow(/item 0 is not an Example/);
  });
});
