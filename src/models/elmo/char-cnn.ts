/**
 * The context-independent token representation: char embedding → convolutions (max-pooled
 * over characters, then the activation, as bilm-tf orders them) → highway → projection.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gatherRows } from './gather-rows';
import { highway, HighwayWeights } from './highway';

export interface CharCnnWeights {
  /** The stored table: 261 rows for character ids 1..261 (id 0, "no token", maps to zeros). */
  charEmbed: tf.Tensor2D;
  /** Per filter: [width, charDim, count] (the file's [1, width, charDim, count] without its leading 1). */
  convW: tf.Tensor3D[];
  convB: tf.Tensor1D[];
  highway: HighwayWeights[];
  /** Absent when the filter total already equals the LSTM input width. */
  projection?: { w: tf.Tensor2D; b: tf.Tensor1D };
}

/**
 * Token representations for character ids `[tokens, maxChars]` (int32, shifted so 0 = none).
 * Returns `[tokens, width]`.
 */
export function charCnn(weights: CharCnnWeights, charIds: tf.Tensor2D, activation: 'relu' | 'tanh'): tf.Tensor2D {
  return tf.tidy(() => {
    const [nTokens, maxChars] = charIds.shape;
    const dim = weights.charEmbed.shape[1];
    const table = tf.concat([tf.zeros([1, dim]), weights.charEmbed], 0);
    const embedded = tf.reshape(gatherRows(table, tf.reshape(charIds, [-1]) as tf.Tensor1D), [nTokens, maxChars, dim]) as tf.Tensor3D;
    const pooled = weights.convW.map((w, i) => {
      // A convolution as one matMul over stacked character windows: its gradient needs only
      // slice/concat/matMul, which every backend has (wasm lacks Conv2DBackpropFilter).
      const [width, , count] = w.shape;
      const positions = maxChars - width + 1;
      const windows =
        width === 1 ? embedded : tf.concat(Array.from({ length: width }, (_, k) => tf.slice(embedded, [0, k, 0], [nTokens, positions, dim])), 2);
      const conv = tf.add(
        tf.matMul(tf.reshape(windows, [nTokens * positions, width * dim]), tf.reshape(w, [width * dim, count])),
        weights.convB[i],
      );
      const max = maxOverPositions(tf.reshape(conv, [nTokens, positions, count]) as tf.Tensor3D);
      return activation === 'relu' ? tf.relu(max) : tf.tanh(max);
    });
    let x = (pooled.length === 1 ? pooled[0] : tf.concat(pooled, 1)) as tf.Tensor2D;
    x = highway(x, weights.highway);
    if (weights.projection) x = tf.add(tf.matMul(x, weights.projection.w), weights.projection.b) as tf.Tensor2D;
    return x;
  });
}

/**
 * max over axis 1 of [tokens, positions, channels]. Its gradient compares same-shape tensors
 * (tiled max) because tfjs's own, a broadcasting Equal, is the slowest kernel of a wasm
 * training step. Ties pass the gradient to every maximal position, as tfjs's does.
 */
const maxOverPositions = tf.customGrad(((x: tf.Tensor3D, save: tf.GradSaveFunc) => {
  const y = tf.max(x, 1);
  save([x, y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [input, max] = saved;
      const reps = [1, input.shape[1] as number, 1];
      const hit = tf.cast(tf.equal(input, tf.tile(tf.expandDims(max, 1), reps)), 'float32');
      return [tf.mul(hit, tf.tile(tf.expandDims(dy, 1), reps))];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor3D) => tf.Tensor2D;
