/**
 * Row gather with a gradient built on scatterND: tfjs's own gather gradient goes through
 * UnsortedSegmentSum, which is slow on cpu and missing on wasm.
 */
import * as tf from '@tensorflow/tfjs-core';

const gatherWithGrad = tf.customGrad(((table: tf.Tensor, indices: tf.Tensor, save: tf.GradSaveFunc) => {
  // Saved (not captured) so the index tensor outlives the forward pass until the gradient runs.
  save([indices]);
  const rows = table.shape[0];
  const width = table.shape.slice(1);
  return {
    value: tf.gather(table, indices),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const idx = saved[0];
      const grad = tf.scatterND(tf.reshape(idx, [-1, 1]), tf.reshape(dy as tf.Tensor, [-1, ...width]), [rows, ...width]);
      return [grad, tf.zerosLike(idx)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/** `table[indices]` along axis 0; `indices` is a 1-D int32 tensor. */
export function gatherRows<T extends tf.Tensor>(table: T, indices: tf.Tensor1D): T {
  return gatherWithGrad(table, indices) as T;
}
