/**
 * ScalarMix (Peters et al., 2018, eq. 1): gamma · Σ_k softmax(s)_k · h_k, with AllenNLP's
 * optional layer norm of each layer over the unmasked positions before mixing.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface ScalarMixOptions {
  /** Initial (pre-softmax) layer weights; zeros by default. */
  initialWeights?: number[];
  initialGamma?: number;
  /** Normalise each layer (mean 0, variance 1 over unmasked values) before mixing. */
  layerNorm?: boolean;
  /** Keep the weights fixed (not variables a trainer would update). */
  trainable?: boolean;
}

export class ScalarMix {
  readonly weights: tf.Variable;
  readonly gamma: tf.Variable;
  readonly layerNorm: boolean;

  constructor(
    readonly nLayers: number,
    options: ScalarMixOptions = {},
  ) {
    const init = options.initialWeights ?? new Array(nLayers).fill(0);
    if (init.length !== nLayers) {
      throw new Error(`ScalarMix: ${init.length} initial weights for ${nLayers} layers`);
    }
    const trainable = options.trainable ?? true;
    this.weights = tf.tidy(() => tf.variable(tf.tensor1d(init), trainable));
    this.gamma = tf.tidy(() => tf.variable(tf.scalar(options.initialGamma ?? 1), trainable));
    this.layerNorm = options.layerNorm ?? false;
  }

  /** Mixes layers [batch, steps, dim]; `mask` [batch, steps] is needed for layer norm. */
  apply(layers: readonly tf.Tensor3D[], mask?: tf.Tensor2D): tf.Tensor3D {
    if (layers.length !== this.nLayers) {
      throw new Error(`ScalarMix: got ${layers.length} layers, expected ${this.nLayers}`);
    }
    if (this.layerNorm && !mask) throw new Error('ScalarMix: layer norm needs the mask');
    return tf.tidy(() => {
      const w = tf.unstack(tf.softmax(this.weights));
      let sum: tf.Tensor | undefined;
      for (let k = 0; k < layers.length; k++) {
        const layer = this.layerNorm ? normalise(layers[k], mask!) : layers[k];
        const term = tf.mul(w[k], layer);
        sum = sum ? tf.add(sum, term) : term;
      }
      return tf.mul(this.gamma, sum!) as tf.Tensor3D;
    });
  }

  get variables(): tf.Variable[] {
    return [this.weights, this.gamma];
  }

  dispose(): void {
    this.weights.dispose();
    this.gamma.dispose();
  }
}

function normalise(x: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor3D {
  const m = tf.expandDims(mask, 2);
  const count = tf.mul(tf.sum(mask), x.shape[2]);
  const mean = tf.div(tf.sum(tf.mul(x, m)), count);
  const centred = tf.mul(tf.sub(x, mean), m);
  const variance = tf.div(tf.sum(tf.square(centred)), count);
  return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-12))) as tf.Tensor3D;
}
