/**
 * The context-independent token representation: char embedding → convolutions (max-pooled
 * over characters, then the activation, as bilm-tf orders them) → highway → projection.
 */
import * as tf from '@tensorflow/tfjs-core';
import { engineMatMul } from '../engine-matmul';
import { PAD_CHAR } from './char-ids';
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
    const ids = charIds.dataSync() as Int32Array;
    const rows = table.shape[0];
    for (let k = 0; k < ids.length; k++) {
      if (!(ids[k] >= 0 && ids[k] < rows)) throw new Error(`charCnn: character id ${ids[k]} at token ${Math.floor(k / maxChars)} is outside 0..${rows - 1}`);
    }
    // Past the longest token's last character every window holds only padding (or only the
    // "no token" zeros) in every row, so all such windows give one value per row: computing
    // the first of them stands for the rest, max and gradient alike (ties route to the first).
    // Words are short, so this cuts the convolutions' work several times over.
    let used = 0;
    for (let t = 0; t < nTokens; t++) {
      const row = t * maxChars;
      for (let c = maxChars - 1; c >= used; c--) {
        if (ids[row + c] !== PAD_CHAR + 1 && ids[row + c] !== 0) {
          used = c + 1;
          break;
        }
      }
    }
    const pooled = weights.convW.map((w, i) => {
      // The convolution as one matMul over character windows gathered straight from the
      // embedding table: one gather (scatterND gradient) replaces lookup, slices and concat,
      // and needs no Conv2DBackpropFilter (missing on wasm).
      const [width, , count] = w.shape;
      const positions = Math.min(maxChars, used + width) - width + 1;
      const windowIds = new Int32Array(nTokens * positions * width);
      for (let t = 0, o = 0; t < nTokens; t++) {
        const row = t * maxChars;
        for (let p = 0; p < positions; p++) for (let k = 0; k < width; k++) windowIds[o++] = ids[row + p + k];
      }
      const windows = tf.reshape(gatherRows(table, tf.tensor1d(windowIds, 'int32')), [nTokens * positions, width * dim]);
      const conv = tf.add(engineMatMul(windows as tf.Tensor2D, tf.reshape(w, [width * dim, count])), weights.convB[i]);
      const max = maxOverPositions(tf.reshape(conv, [nTokens, positions, count]) as tf.Tensor3D);
      return activation === 'relu' ? tf.relu(max) : tf.tanh(max);
    });
    let x = (pooled.length === 1 ? pooled[0] : tf.concat(pooled, 1)) as tf.Tensor2D;
    x = highway(x, weights.highway);
    if (weights.projection) x = tf.add(engineMatMul(x, weights.projection.w), weights.projection.b) as tf.Tensor2D;
    return x;
  });
}

/**
 * max over axis 1 of [tokens, positions, channels], with the gradient routed to the first
 * maximal position as TF's max_pool gradient does (tfjs's tf.max gradient feeds every tied
 * position, and its broadcasting Equal/Tile were the slowest kernels of a wasm training step).
 * Both passes are plain loops over typed arrays.
 */
export function maxOverPositions(x: tf.Tensor3D): tf.Tensor2D {
  const [n, positions, channels] = x.shape;
  const argmax = new Int32Array(n * channels);
  const op = tf.customGrad(((input: tf.Tensor) => {
    const values = input.dataSync() as Float32Array;
    const out = new Float32Array(n * channels);
    for (let t = 0; t < n; t++) {
      const base = t * positions * channels;
      for (let ch = 0; ch < channels; ch++) {
        let best = values[base + ch];
        let at = 0;
        for (let p = 1; p < positions; p++) {
          const v = values[base + p * channels + ch];
          if (v > best) {
            best = v;
            at = p;
          }
        }
        out[t * channels + ch] = best;
        argmax[t * channels + ch] = at;
      }
    }
    return {
      value: tf.tensor2d(out, [n, channels]),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync() as Float32Array;
        const dx = new Float32Array(n * positions * channels);
        for (let t = 0; t < n; t++) {
          for (let ch = 0; ch < channels; ch++) {
            dx[(t * positions + argmax[t * channels + ch]) * channels + ch] = g[t * channels + ch];
          }
        }
        return [tf.tensor3d(dx, [n, positions, channels])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as tf.Tensor2D;
}
