import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../pipeline/types';

/** Where fit and evaluate read batches from: re-iterable, each iteration one pass (an epoch). */
export type BatchSource = AsyncIterable<Batch> | Iterable<Batch>;

export async function* iterateBatches(source: BatchSource, what: string): AsyncGenerator<Batch> {
  if (source == null || (typeof (source as AsyncIterable<Batch>)[Symbol.asyncIterator] !== 'function' && typeof (source as Iterable<Batch>)[Symbol.iterator] !== 'function')) {
    throw new Error(`${what}: batches must be an AsyncIterable or Iterable of Batch, got ${source === null ? 'null' : typeof source}`);
  }
  let index = 0;
  for await (const batch of source as AsyncIterable<Batch>) {
    checkBatch(batch, what, index);
    yield batch;
    index += 1;
  }
}

export function checkBatch(batch: Batch, what: string, index: number, needLabels = true): void {
  const where = `${what}: batch ${index}`;
  if (!batch || !(batch.ids instanceof Int32Array) || !(batch.lengths instanceof Int32Array)) {
    throw new Error(`${where} is not a Batch (ids and lengths must be Int32Array)`);
  }
  if (batch.ids.length !== batch.size * batch.seqLength) {
    throw new Error(`${where}: ids has ${batch.ids.length} values, expected size ${batch.size} × seqLength ${batch.seqLength}`);
  }
  if (batch.lengths.length !== batch.size) throw new Error(`${where}: ${batch.lengths.length} lengths for ${batch.size} rows`);
  if (needLabels && !(batch.labels instanceof Int32Array && batch.labels.length === batch.size)) {
    throw new Error(`${where} has no labels (or not one per row); training and evaluation need labelled examples`);
  }
}

/** The ids and labels of a batch as tensors (the caller disposes them). */
export function batchTensors(batch: Batch): { ids: tf.Tensor2D; labels: tf.Tensor1D } {
  return {
    ids: tf.tensor2d(batch.ids, [batch.size, batch.seqLength], 'int32'),
    labels: tf.tensor1d(batch.labels as Int32Array, 'int32'),
  };
}

export function checkLabelRange(batch: Batch, numClasses: number, what: string, index: number): void {
  const labels = batch.labels as Int32Array;
  for (let r = 0; r < labels.length; r++) {
    if (!(labels[r] >= 0 && labels[r] < numClasses)) {
      throw new Error(`${what}: batch ${index} row ${r} has label ${labels[r]}, but the model has ${numClasses} classes (0..${numClasses - 1})`);
    }
  }
}

export function abortError(signal: AbortSignal, what: string): Error {
  const reason = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error(`${what} aborted${reason !== undefined ? `: ${String(reason)}` : ''}`);
  err.name = 'AbortError';
  return err;
}
