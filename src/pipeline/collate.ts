import { withSignal } from './abort';
import { describe, SignalOptions } from './common';
import type { Batch, Example, Operator } from './types';

export interface CollateOptions extends SignalOptions {
  /**
   * Rows of different lengths are padded with this id to the longest row of their batch;
   * without it, rows must all have the same length (as `pad({ length })` makes them).
   */
  padValue?: number;
}

/**
 * Stacks an array of {@link Example}s into one {@link Batch}: ids flattened row-major,
 * lengths, and labels when every example has one. Raises an error naming the row when an
 * example is malformed, when some rows are labelled and others not, or when lengths differ
 * without `padValue`.
 */
export function stackExamples(examples: readonly Example[], padValue?: number): Batch {
  const size = examples.length;
  if (size === 0) throw new RangeError('collate: cannot stack an empty batch');
  let seqLength = 0;
  for (let r = 0; r < size; r++) {
    const ex = examples[r];
    if (ex === null || typeof ex !== 'object' || !(ex.ids instanceof Int32Array) || typeof ex.length !== 'number') {
      throw new TypeError(`collate: row ${r} is ${describe(ex)}, expected an Example { ids: Int32Array, length: number } (run pad first)`);
    }
    if (r === 0) seqLength = ex.ids.length;
    else if (ex.ids.length !== seqLength) {
      if (padValue === undefined) {
        throw new RangeError(`collate: row ${r} has ${ex.ids.length} ids but row 0 has ${seqLength}; pad rows to one length or pass { padValue }`);
      }
      if (ex.ids.length > seqLength) seqLength = ex.ids.length;
    }
  }
  const ids = new Int32Array(size * seqLength);
  if (padValue !== undefined && padValue !== 0) ids.fill(padValue);
  const lengths = new Int32Array(size);
  const labelled = examples[0].label !== undefined;
  const labels = labelled ? new Int32Array(size) : undefined;
  for (let r = 0; r < size; r++) {
    const ex = examples[r];
    ids.set(ex.ids, r * seqLength);
    lengths[r] = ex.length;
    if ((ex.label !== undefined) !== labelled) {
      throw new TypeError(`collate: row ${r} ${labelled ? 'has no label' : 'has a label'} but row 0 ${labelled ? 'has one' : 'has none'}`);
    }
    if (labels) labels[r] = ex.label!;
  }
  return labels ? { ids, lengths, labels, size, seqLength } : { ids, lengths, size, seqLength };
}

/** Turns arrays of Examples (from `batch(size)`) into {@link Batch}es. */
export function collate(options: CollateOptions = {}): Operator<readonly Example[], Batch> {
  const { padValue, signal } = options;
  if (padValue !== undefined && !Number.isInteger(padValue)) throw new RangeError(`collate: padValue must be an integer id, got ${padValue}`);
  return async function* (source) {
    let n = 0;
    for await (const examples of withSignal(source, signal)) {
      if (!Array.isArray(examples)) throw new TypeError(`collate: item ${n} is ${describe(examples)}, expected an array of Examples (from batch(size))`);
      yield stackExamples(examples, padValue);
      n++;
    }
  };
}
