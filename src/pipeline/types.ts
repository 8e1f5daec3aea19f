/**
 * The shapes that flow between pipeline stages and into the models. Plain data only:
 * strings, arrays and typed arrays, so a pipeline runs anywhere and tensors are made only
 * at the batch boundary.
 */

/** Every operator is a plain function over async iterables, so IxJS operators plug in beside ours. */
export type Operator<A, B> = (source: AsyncIterable<A>) => AsyncIterable<B>;

/** One encoded, padded example, ready to be batched. */
export interface Example {
  /** Token ids, padded or truncated to a fixed length. */
  ids: Int32Array;
  /** The number of real (non-padding) tokens in `ids`, after truncation. */
  length: number;
  /** Class index, when the example is labelled. */
  label?: number;
  [key: string]: unknown;
}

/** A fixed-size batch of examples, flattened row-major: `ids[row * seqLength + t]`. */
export interface Batch {
  ids: Int32Array;
  lengths: Int32Array;
  labels?: Int32Array;
  /** Rows in this batch (the last batch may be smaller unless `dropRemainder`). */
  size: number;
  seqLength: number;
}
