import { withSignal } from './abort';
import { SignalOptions } from './common';
import { stackExamples } from './collate';
import type { Batch, Example, Operator } from './types';

export interface BucketOptions extends SignalOptions {
  /** The padding id (default 0). */
  padValue?: number;
  /**
   * Pad each batch to its bucket's upper bound (`boundaries[i] - 1`) instead of its longest
   * row (default false; the last bucket, which has no bound, always uses its longest row).
   */
  padToBoundary?: boolean;
  /** Drop the partly filled batches left in the buckets at the end (default false). */
  dropRemainder?: boolean;
}

/**
 * Groups Examples of similar length into batches (like tf.data's
 * `bucket_by_sequence_length`), so short rows are not padded to the longest row of the
 * whole dataset. An example of length `n` goes to the first bucket `i` with
 * `n < boundaries[i]`, or to the last bucket; bucket `i` yields a Batch when it holds
 * `batchSizes[i]` examples, padded to its longest row. Each example's tokens are its first
 * `length` ids, so feed it unpadded examples (`pad()` without `length`) or post-padded ones.
 */
export function bucketBySequenceLength(boundaries: readonly number[], batchSizes: readonly number[], options: BucketOptions = {}): Operator<Example, Batch> {
  const { padValue = 0, padToBoundary = false, dropRemainder = false, signal } = options;
  boundaries.forEach((b, i) => {
    if (!(Number.isInteger(b) && b > 0 && (i === 0 || b > boundaries[i - 1]))) {
      throw new RangeError(`bucketBySequenceLength: boundaries must be increasing positive integers, got ${JSON.stringify(boundaries)}`);
    }
  });
  if (batchSizes.length !== boundaries.length + 1) {
    throw new RangeError(`bucketBySequenceLength: expected ${boundaries.length + 1} batch sizes (one per bucket: boundaries.length + 1), got ${batchSizes.length}`);
  }
  batchSizes.forEach((s) => {
    if (!(Number.isInteger(s) && s > 0)) throw new RangeError(`bucketBySequenceLength: batch sizes must be positive integers, got ${JSON.stringify(batchSizes)}`);
  });
  if (!Number.isInteger(padValue)) throw new RangeError(`bucketBySequenceLength: padValue must be an integer id, got ${padValue}`);

  const bucketOf = (length: number): number => {
    let i = 0;
    while (i < boundaries.length && length >= boundaries[i]) i++;
    return i;
  };
  const flush = (bucket: Example[], i: number): Batch => {
    let width = 0;
    for (const ex of bucket) if (ex.length > width) width = ex.length;
    if (padToBoundary && i < boundaries.length) width = boundaries[i] - 1;
    const rows = bucket.map((ex) => {
      if (ex.ids.length === width) return ex;
      const ids = new Int32Array(width);
      if (padValue !== 0) ids.fill(padValue, ex.length);
      ids.set(ex.ids.subarray(0, ex.length));
      return { ...ex, ids };
    });
    return stackExamples(rows);
  };

  return async function* (source) {
    const buckets: Example[][] = batchSizes.map(() => []);
    let row = 0;
    for await (const ex of withSignal(source, signal)) {
      if (ex === null || typeof ex !== 'object' || !(ex.ids instanceof Int32Array) || !Number.isInteger(ex.length) || ex.length > ex.ids.length) {
        throw new TypeError(`bucketBySequenceLength: item ${row} is not an Example { ids: Int32Array, length <= ids.length } (make them with pad())`);
      }
      const i = bucketOf(ex.length);
      buckets[i].push(ex);
      if (buckets[i].length === batchSizes[i]) {
        yield flush(buckets[i], i);
        buckets[i] = [];
      }
      row++;
    }
    if (!dropRemainder) {
      for (let i = 0; i < buckets.length; i++) if (buckets[i].length > 0) yield flush(buckets[i], i);
    }
  };
}
