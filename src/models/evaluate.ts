import * as tf from '@tensorflow/tfjs-core';
import type { TrainableClassifier } from './trainable';
import { softmaxCrossEntropy } from './classifier';
import { ConfusionMatrix, type ClassificationMetrics } from './metrics';
import { abortError, batchTensors, checkLabelRange, iterateBatches, type BatchSource } from './batches';

export interface EvaluationResult extends ClassificationMetrics {
  /** Mean cross-entropy per example. */
  loss: number;
  /** Wall-clock seconds spent. */
  seconds: number;
}

export interface EvaluateOptions {
  signal?: AbortSignal;
}

/** Loss, accuracy, macro-F1, per-class precision/recall and the confusion matrix over labelled batches. */
export async function evaluate(model: TrainableClassifier, batches: BatchSource, opts: EvaluateOptions = {}): Promise<EvaluationResult> {
  const started = Date.now();
  const k = model.config.numClasses;
  const confusion = new ConfusionMatrix(k);
  let lossSum = 0;
  let index = 0;
  for await (const batch of iterateBatches(batches, 'evaluate')) {
    if (opts.signal?.aborted) throw abortError(opts.signal, 'evaluate');
    checkLabelRange(batch, k, 'evaluate', index);
    const [lossTensor, predictedTensor] = tf.tidy(() => {
      const { ids, labels } = batchTensors(batch);
      const logits = model.logits(ids, batch.lengths, { training: false });
      return [tf.mul(softmaxCrossEntropy(logits, labels, k), batch.size), tf.argMax(logits, 1)];
    });
    const [lossValue, predicted] = await Promise.all([lossTensor.data(), predictedTensor.data()]);
    lossTensor.dispose();
    predictedTensor.dispose();
    lossSum += lossValue[0];
    confusion.addAll(batch.labels as Int32Array, predicted);
    index += 1;
  }
  if (confusion.total === 0) throw new Error('evaluate: the batches were empty; nothing to evaluate');
  const metrics = confusion.metrics(model.labels);
  return { ...metrics, loss: lossSum / metrics.n, seconds: (Date.now() - started) / 1000 };
}
