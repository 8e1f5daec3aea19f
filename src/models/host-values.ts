import * as tf from '@tensorflow/tfjs-core';

const kept = new WeakMap<object, Float32Array>();

/**
 * A float32 tensor's values on the host, for reading only. On cpu that is the backing array
 * itself. On wasm `dataSync` copies out of the module's heap on every call, so the copy is kept
 * beside the tensor's data id for as long as that data lives: tfjs never rewrites data in place
 * (an update gives a variable a new data id), so weights that every batch reads are copied
 * once, not once per batch, and views of them (reshapes share the data id) read the same copy.
 * Elsewhere it is `dataSync`.
 */
export function hostValues(t: tf.Tensor): Float32Array {
  if (tf.getBackend() !== 'wasm') return t.dataSync() as Float32Array;
  const dataId = t.dataId as object;
  let values = kept.get(dataId);
  if (values === undefined) {
    values = t.dataSync() as Float32Array;
    kept.set(dataId, values);
  }
  return values;
}
