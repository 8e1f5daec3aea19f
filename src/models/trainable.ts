import type * as tf from '@tensorflow/tfjs-core';

/**
 * What `fit` and `evaluate` need of a model: any classifier of token ids (the TextClassifier,
 * the ElmoClassifier, or your own) trains and scores through the same loop.
 */
export interface TrainableClassifier {
  readonly config: { readonly numClasses: number };
  readonly labels: readonly string[];
  readonly trainableVariables: tf.Variable[];
  /** Adam's learning rate for this model when fit is given none (default: 1e-3, Adam's usual). */
  readonly adamLearningRate?: number;
  /** Restarts the model's stream of dropout masks / random states from a seed. */
  reseed(seed: number): void;
  logits(ids: tf.Tensor2D, lengths: Int32Array | number[], opts?: { training?: boolean }): tf.Tensor2D;
}
