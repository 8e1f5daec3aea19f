/**
 * Highway layers as bilm-tf computes them. The weights the files call `W_carry`/`b_carry`
 * gate the transform: t = σ(x·W_carry + b_carry), y = t·relu(x·W_transform + b_transform) + (1−t)·x.
 */
import * as tf from '@tensorflow/tfjs-core';
import { engineMatMul } from '../engine-matmul';

export interface HighwayWeights {
  wCarry: tf.Tensor2D;
  bCarry: tf.Tensor1D;
  wTransform: tf.Tensor2D;
  bTransform: tf.Tensor1D;
}

export function highway(x: tf.Tensor2D, layers: readonly HighwayWeights[]): tf.Tensor2D {
  return tf.tidy(() => {
    let y = x;
    for (const layer of layers) {
      const gate = tf.sigmoid(tf.add(engineMatMul(y, layer.wCarry), layer.bCarry));
      const transform = tf.relu(tf.add(engineMatMul(y, layer.wTransform), layer.bTransform));
      y = tf.add(tf.mul(gate, transform), tf.mul(tf.sub(1, gate), y)) as tf.Tensor2D;
    }
    return y;
  });
}
