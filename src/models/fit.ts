import * as tf from '@tensorflow/tfjs-core';
import { registerGradients } from './gradients';
import type { TrainableClassifier } from './trainable';
import { softmaxCrossEntropy } from './classifier';
import { evaluate, type EvaluationResult } from './evaluate';
import { clipByGlobalNorm, resolveOptimizer, type OptimizerName } from './optimizers';
import { ProgressBar, terminalStream } from './progress-bar';
import { batchTensors, checkLabelRange, iterateBatches, type BatchSource } from './batches';

registerGradients();

export type MonitoredMetric = 'loss' | 'accuracy' | 'macroF1';

export interface EarlyStoppingOptions {
  /** Validation metric to watch (training loss when there is no validation data). Default 'loss'. */
  monitor?: MonitoredMetric;
  /** Epochs without improvement before stopping. Default 2. */
  patience?: number;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Put back the weights of the best epoch when stopping or finishing. Default true. */
  restoreBest?: boolean;
}

export interface BatchLog {
  epoch: number;
  /** Batch index within the epoch, from 0. */
  batch: number;
  /** Global step count, from 1. */
  step: number;
  loss: number;
  /** Training accuracy of this batch (dropout on). */
  accuracy: number;
  size: number;
}

export interface EpochLog {
  /** From 1. */
  epoch: number;
  /** Mean training loss per example over the epoch. */
  loss: number;
  /** Training accuracy over the epoch (measured with dropout on, as the steps ran). */
  accuracy: number;
  examples: number;
  batches: number;
  seconds: number;
  /** Time waiting for the batch source (the pipeline). */
  dataSeconds: number;
  /** Time in forward, backward and the optimizer. */
  stepSeconds: number;
  validation?: EvaluationResult;
}

export interface FitCallbacks {
  onTrainBegin?(info: { epochs: number; seed?: number }): void | Promise<void>;
  onEpochBegin?(epoch: number): void | Promise<void>;
  onBatchEnd?(log: BatchLog): void | Promise<void>;
  onEpochEnd?(log: EpochLog): void | Promise<void>;
  onTrainEnd?(history: History): void | Promise<void>;
}

export interface FitOptions {
  epochs?: number;
  /** 'adam' (default), 'sgd' or a tf.Optimizer (which fit then does not dispose). */
  optimizer?: OptimizerName | tf.Optimizer;
  /** Default: the model's `adamLearningRate` with Adam (the TextClassifier's is 3e-3), else 1e-3. */
  learningRate?: number;
  /** Clip the gradients' global L2 norm to this value. */
  clipNorm?: number;
  /** Labelled batches evaluated after every epoch. */
  validation?: BatchSource;
  earlyStopping?: boolean | EarlyStoppingOptions;
  /** Stops training between steps; fit then returns the history so far with stopReason 'aborted'. */
  signal?: AbortSignal;
  callbacks?: FitCallbacks | FitCallbacks[];
  /** Seeds dropout masks and random initial states, so that the same seed gives the same model. */
  seed?: number;
  /** Draw a progress bar: 'auto' (default) draws one when stderr is a Node terminal. */
  progress?: boolean | 'auto';
  /** Batches per epoch, for the progress bar's total before the first epoch has been counted. */
  stepsPerEpoch?: number;
}

export interface History {
  epochs: EpochLog[];
  stopReason: 'completed' | 'early-stopping' | 'aborted';
  /** The epoch (from 1) whose weights the model holds when early stopping restored the best. */
  bestEpoch?: number;
  seconds: number;
  /** Where the time went, in seconds. */
  timing: { data: number; step: number; validation: number };
}

/**
 * Trains a classifier on labelled batches. Each epoch iterates `trainBatches` once (so a
 * pipeline that shuffles with a seed gives a new order per epoch). Tensors made here are freed:
 * `tf.memory().numTensors` is the same after fit as before (an optimizer passed in keeps its
 * own state until the caller disposes it).
 */
export async function fit(model: TrainableClassifier, trainBatches: BatchSource, opts: FitOptions = {}): Promise<History> {
  const epochs = opts.epochs ?? 3;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`fit: epochs must be a positive integer, got ${opts.epochs}`);
  if (opts.clipNorm !== undefined && !(opts.clipNorm > 0)) throw new Error(`fit: clipNorm must be positive, got ${opts.clipNorm}`);
  const callbacks = opts.callbacks === undefined ? [] : Array.isArray(opts.callbacks) ? opts.callbacks : [opts.callbacks];
  const early = resolveEarlyStopping(opts.earlyStopping);
  const drawProgress = opts.progress === true || ((opts.progress ?? 'auto') === 'auto' && terminalStream() !== undefined);
  if (opts.seed !== undefined) model.reseed(opts.seed);

  const optimizerChoice = opts.optimizer ?? 'adam';
  const learningRate = opts.learningRate ?? (optimizerChoice === 'adam' ? model.adamLearningRate : undefined);
  const { optimizer, owned } = resolveOptimizer(optimizerChoice, learningRate);
  const variables = model.trainableVariables;
  const k = model.config.numClasses;
  const history: History = { epochs: [], stopReason: 'completed', seconds: 0, timing: { data: 0, step: 0, validation: 0 } };
  const started = now();
  let step = 0;
  let knownSteps = opts.stepsPerEpoch;
  let best: { value: number; epoch: number; weights?: tf.Tensor[] } | undefined;
  let sinceBest = 0;

  try {
    for (const cb of callbacks) await cb.onTrainBegin?.({ epochs, seed: opts.seed });
    for (let epoch = 1; epoch <= epochs; epoch++) {
      if (opts.signal?.aborted) {
        history.stopReason = 'aborted';
        break;
      }
      for (const cb of callbacks) await cb.onEpochBegin?.(epoch);
      const bar = drawProgress ? new ProgressBar({ description: `epoch ${epoch}/${epochs}`, total: knownSteps, unit: 'batch' }) : undefined;
      const epochStart = now();
      let dataSeconds = 0;
      let stepSeconds = 0;
      let lossSum = 0;
      let correct = 0;
      let examples = 0;
      let batchIndex = 0;
      const iterator = iterateBatches(trainBatches, 'fit')[Symbol.asyncIterator]();
      let aborted = false;
      try {
        for (;;) {
          let t = now();
          const next = await iterator.next();
          dataSeconds += now() - t;
          if (next.done) break;
          if (opts.signal?.aborted) {
            aborted = true;
            break;
          }
          const batch = next.value;
          checkLabelRange(batch, k, 'fit', batchIndex);
          t = now();
          const { loss, accuracy } = await trainStep(model, batch, optimizer, variables, k, opts.clipNorm);
          stepSeconds += now() - t;
          step += 1;
          lossSum += loss * batch.size;
          correct += accuracy * batch.size;
          examples += batch.size;
          const log: BatchLog = { epoch, batch: batchIndex, step, loss, accuracy, size: batch.size };
          batchIndex += 1;
          bar?.update(batchIndex, { loss: lossSum / examples });
          for (const cb of callbacks) await cb.onBatchEnd?.(log);
          await yieldToEventLoop();
        }
      } finally {
        if (aborted || opts.signal?.aborted) await iterator.return?.(undefined);
      }
      history.timing.data += dataSeconds;
      history.timing.step += stepSeconds;
      if (aborted) {
        bar?.close({ loss: examples ? lossSum / examples : NaN, stopped: 'aborted' });
        history.stopReason = 'aborted';
        break;
      }
      if (examples === 0) throw new Error(`fit: epoch ${epoch} had no batches (is the training source re-iterable?)`);
      knownSteps = batchIndex;
      const log: EpochLog = {
        epoch,
        loss: lossSum / examples,
        accuracy: correct / examples,
        examples,
        batches: batchIndex,
        seconds: 0,
        dataSeconds,
        stepSeconds,
      };
      if (opts.validation) {
        const t = now();
        log.validation = await evaluate(model, opts.validation, { signal: opts.signal });
        history.timing.validation += now() - t;
      }
      log.seconds = now() - epochStart;
      bar?.close(
        log.validation
          ? { loss: log.loss, val_loss: log.validation.loss, val_acc: log.validation.accuracy, val_f1: log.validation.macroF1 }
          : { loss: log.loss },
      );
      history.epochs.push(log);
      for (const cb of callbacks) await cb.onEpochEnd?.(log);

      if (early) {
        const value = monitoredValue(log, early.monitor);
        const improved =
          best === undefined || (early.monitor === 'loss' ? value < best.value - early.minDelta : value > best.value + early.minDelta);
        if (improved) {
          best?.weights?.forEach((w) => w.dispose());
          best = { value, epoch, weights: early.restoreBest ? variables.map((v) => tf.clone(v)) : undefined };
          sinceBest = 0;
        } else {
          sinceBest += 1;
          if (sinceBest >= early.patience) {
            history.stopReason = 'early-stopping';
            break;
          }
        }
      }
    }
    if (best?.weights && best.epoch !== history.epochs[history.epochs.length - 1]?.epoch) {
      const saved = best.weights;
      tf.tidy(() => variables.forEach((v, i) => v.assign(saved[i])));
      history.bestEpoch = best.epoch;
    } else if (best) {
      history.bestEpoch = best.epoch;
    }
  } finally {
    best?.weights?.forEach((w) => w.dispose());
    if (owned) optimizer.dispose();
  }
  history.seconds = now() - started;
  for (const cb of callbacks) await cb.onTrainEnd?.(history);
  return history;
}

async function trainStep(
  model: TrainableClassifier,
  batch: import('../pipeline/types').Batch,
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  numClasses: number,
  clipNorm: number | undefined,
): Promise<{ loss: number; accuracy: number }> {
  const { ids, labels } = batchTensors(batch);
  let correctTensor: tf.Tensor | undefined;
  try {
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.logits(ids, batch.lengths, { training: true });
      correctTensor = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')));
      return softmaxCrossEntropy(logits, labels, numClasses);
    }, variables);
    let applied = grads;
    if (clipNorm !== undefined) {
      applied = clipByGlobalNorm(grads, clipNorm).grads;
      Object.values(grads).forEach((g) => g.dispose());
    }
    optimizer.applyGradients(applied);
    Object.values(applied).forEach((g) => g.dispose());
    const [lossValue, correctValue] = await Promise.all([value.data(), (correctTensor as tf.Tensor).data()]);
    value.dispose();
    if (!Number.isFinite(lossValue[0])) {
      throw new Error(`fit: the loss became ${lossValue[0]} (try a lower learningRate or clipNorm)`);
    }
    return { loss: lossValue[0], accuracy: correctValue[0] / batch.size };
  } finally {
    ids.dispose();
    labels.dispose();
    correctTensor?.dispose();
  }
}

function resolveEarlyStopping(e: FitOptions['earlyStopping']): Required<EarlyStoppingOptions> | undefined {
  if (!e) return undefined;
  const o = e === true ? {} : e;
  const monitor = o.monitor ?? 'loss';
  if (!['loss', 'accuracy', 'macroF1'].includes(monitor)) throw new Error(`fit: earlyStopping.monitor must be loss, accuracy or macroF1, got "${monitor}"`);
  const patience = o.patience ?? 2;
  if (!Number.isInteger(patience) || patience < 1) throw new Error(`fit: earlyStopping.patience must be a positive integer, got ${o.patience}`);
  return { monitor, patience, minDelta: o.minDelta ?? 0, restoreBest: o.restoreBest ?? true };
}

function monitoredValue(log: EpochLog, monitor: MonitoredMetric): number {
  if (log.validation) return log.validation[monitor];
  if (monitor === 'loss') return log.loss;
  if (monitor === 'accuracy') return log.accuracy;
  throw new Error('fit: earlyStopping on macroF1 needs validation data');
}

function now(): number {
  return (typeof performance !== 'undefined' ? performance.now() : Date.now()) / 1000;
}

const inNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/**
 * In a browser, hand the event loop a turn between steps so that the page stays responsive
 * (a MessageChannel turn is not throttled like setTimeout in background tabs). Node needs none.
 */
async function yieldToEventLoop(): Promise<void> {
  if (inNode) return;
  if (typeof MessageChannel !== 'undefined') {
    await new Promise<void>((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  } else {
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }
}
