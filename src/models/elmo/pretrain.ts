/**
 * Pre-training a biLM from a stream of tokenised sentences: the forward stack predicts each
 * next token and the backward stack each previous one, over a word softmax shared by both
 * directions (full, or sampled with a log-uniform sampler as bilm-tf trains). Gradients are
 * clipped by global norm; each epoch logs the loss, held-out perplexity per direction, and
 * can write a checkpoint in the options.json + weights.hdf5 layout (plus bilm-tf's vocab file).
 */
import * as tf from '@tensorflow/tfjs-core';
import { engineMatMul } from '../engine-matmul';
import seedrandom from 'seedrandom';
import { registerGradients } from '../gradients';
import { clipByGlobalNorm } from '../optimizers';
import { BiLm } from './bilm';
import { initWeights, makeWeightsTrainable } from './bilm-weights';
import type { BiLmWeights, SoftmaxWeights } from './bilm-weights';
import { batchToCharIds, CharIdBatch } from './char-ids';
import { gatherRows } from './gather-rows';
import { saveBiLm } from './load';
import { LmVocab } from './lm-vocab';
import { nodeBuiltin } from './node-modules';
import { ElmoOptions, parseElmoOptions } from './options';

export type Sentences = Iterable<readonly string[]> | AsyncIterable<readonly string[]>;

export type SoftmaxMode = 'full' | { sampled: number };

export interface PretrainConfig {
  /** Model sizes in the options.json layout (see `tinyElmoOptions`, `smallElmoOptions`). */
  options: ElmoOptions | Record<string, unknown>;
  epochs?: number;
  batchSize?: number;
  /** Longer sentences are cut into pieces of at most this many words (default 20). */
  maxTokens?: number;
  /** A vocabulary, or how to build one from the first pass over the data. */
  vocab?: LmVocab | { maxSize?: number; minCount?: number };
  softmax?: SoftmaxMode;
  /** 'adagrad' (bilm-tf's choice, default) or 'adam', or any tfjs optimizer. */
  optimizer?: 'adagrad' | 'adam' | tf.Optimizer;
  learningRate?: number;
  /** Global gradient-norm clip (default 10, as bilm-tf). */
  clipNorm?: number;
  /** Dropout on each LSTM layer's input (default 0.1, as bilm-tf). */
  dropout?: number;
  /** Held-out sentences: each direction's perplexity (full softmax) is logged every epoch. */
  heldOut?: Sentences;
  /** Write options.json, weights.hdf5 and vocab.txt here after each epoch (Node). */
  checkpointDir?: string;
  /**
   * Continue from these weights (a checkpoint's, read with `loadBiLmWeights`) instead of fresh
   * ones: they must hold the softmax, and `vocab` must be the checkpoint's vocabulary. They are
   * made trainable in place and belong to the returned biLM. Optimizer slots start afresh.
   */
  initialWeights?: BiLmWeights;
  /** Stop an epoch after this many batches (for quick runs). */
  maxBatchesPerEpoch?: number;
  seed?: number;
  onEpoch?: (log: PretrainEpochLog) => void;
  onBatch?: (info: { epoch: number; batch: number; loss: number; gradNorm: number }) => void;
}

export interface PretrainEpochLog {
  epoch: number;
  /** Mean training loss per predicted token (both directions). */
  loss: number;
  /** exp(mean held-out NLL) of each direction; absent without held-out data. */
  forwardPerplexity?: number;
  backwardPerplexity?: number;
  tokens: number;
  seconds: number;
  tokensPerSecond: number;
}

export interface PretrainResult {
  bilm: BiLm;
  vocab: LmVocab;
  history: PretrainEpochLog[];
}

/** The fixture's sizes (AllenNLP's test model). */
export function tinyElmoOptions(): ElmoOptions {
  return parseElmoOptions({
    lstm: { cell_clip: 3, use_skip_connections: true, n_layers: 2, proj_clip: 3, projection_dim: 16, dim: 64 },
    char_cnn: {
      embedding: { dim: 4 },
      filters: [[1, 4], [2, 8], [3, 16], [4, 32], [5, 64]],
      n_highway: 2,
      n_characters: 262,
      max_characters_per_token: 50,
      activation: 'relu',
    },
  });
}

/**
 * Between the two: 512 char filters, one highway layer, LSTMs of 512 cells projected to 128
 * (the published small model has 2,048 filters and 1,024 cells). Pre-trains at a few hundred
 * tokens per second on one CPU core.
 */
export function mediumElmoOptions(): ElmoOptions {
  return parseElmoOptions({
    lstm: { cell_clip: 3, use_skip_connections: true, n_layers: 2, proj_clip: 3, projection_dim: 128, dim: 512 },
    char_cnn: {
      embedding: { dim: 16 },
      filters: [[1, 32], [2, 32], [3, 64], [4, 128], [5, 256]],
      n_highway: 1,
      n_characters: 262,
      max_characters_per_token: 50,
      activation: 'relu',
    },
  });
}

/** The published 'small' ELMo's sizes. */
export function smallElmoOptions(): ElmoOptions {
  return parseElmoOptions({
    lstm: { cell_clip: 3, use_skip_connections: true, n_layers: 2, proj_clip: 3, projection_dim: 128, dim: 1024 },
    char_cnn: {
      embedding: { dim: 16 },
      filters: [[1, 32], [2, 32], [3, 64], [4, 128], [5, 256], [6, 512], [7, 1024]],
      n_highway: 1,
      n_characters: 262,
      max_characters_per_token: 50,
      activation: 'relu',
    },
  });
}

/** A batch with each row's word ids (BOS and EOS included), aligned with the char ids. */
interface LmBatch {
  chars: CharIdBatch;
  wordIds: Int32Array[];
  /** Predicted tokens per direction in this batch. */
  predictions: number;
}

async function* pieces(sentences: Sentences, maxTokens: number): AsyncGenerator<readonly string[]> {
  for await (const s of sentences) {
    if (s.length === 0) continue;
    for (let i = 0; i < s.length; i += maxTokens) yield s.slice(i, i + maxTokens);
  }
}

async function* lmBatches(sentences: Sentences, vocab: LmVocab, batchSize: number, maxTokens: number, maxChars: number): AsyncGenerator<LmBatch> {
  let rows: (readonly string[])[] = [];
  const flush = (): LmBatch => {
    const chars = batchToCharIds(rows, { maxChars });
    const wordIds = rows.map((r) => Int32Array.from([vocab.bos, ...r.map((w) => vocab.id(w)), vocab.eos]));
    const predictions = rows.reduce((n, r) => n + r.length + 1, 0);
    rows = [];
    return { chars, wordIds, predictions };
  };
  for await (const piece of pieces(sentences, maxTokens)) {
    rows.push(piece);
    if (rows.length === batchSize) yield flush();
  }
  if (rows.length > 0) yield flush();
}

/** Positions (flat, over [batch * steps]) and targets of each direction's predictions. */
function predictionTargets(batch: LmBatch): { fwdPos: Int32Array; fwdTgt: Int32Array; bwdPos: Int32Array; bwdTgt: Int32Array } {
  const steps = batch.chars.steps;
  const n = batch.predictions;
  const fwdPos = new Int32Array(n);
  const fwdTgt = new Int32Array(n);
  const bwdPos = new Int32Array(n);
  const bwdTgt = new Int32Array(n);
  let k = 0;
  batch.wordIds.forEach((ids, b) => {
    for (let t = 0; t + 1 < ids.length; t++, k++) {
      fwdPos[k] = b * steps + t; // forward output after reading ids[t] predicts ids[t+1]
      fwdTgt[k] = ids[t + 1];
      bwdPos[k] = b * steps + t + 1; // backward output after reading ids[t+1] (from the end) predicts ids[t]
      bwdTgt[k] = ids[t];
    }
  });
  return { fwdPos, fwdTgt, bwdPos, bwdTgt };
}

/**
 * log Σ exp over axis 1, whose gradient is the softmax: tfjs's own goes through the gradient
 * of a max with a broadcasting Equal, slow on wasm.
 */
const logSumExpRows = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: tf.logSumExp(x, 1),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(tf.expandDims(dy, 1), tf.softmax(saved[0]))],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D) => tf.Tensor1D;

/** Per-token NLL with the full softmax, [n]. */
function fullSoftmaxNll(h: tf.Tensor2D, targets: tf.Tensor1D, softmax: SoftmaxWeights): tf.Tensor1D {
  const logits = tf.add(engineMatMul(h, softmax.w, true), softmax.b);
  const targetLogit = tf.add(tf.sum(tf.mul(h, gatherRows(softmax.w, targets)), 1), gatherRows(softmax.b, targets));
  return tf.sub(logSumExpRows(logits as tf.Tensor2D), targetLogit) as tf.Tensor1D;
}

/** Per-token NLL with a sampled softmax over `candidates`, corrected by their expected counts. */
function sampledSoftmaxNll(
  h: tf.Tensor2D,
  targets: tf.Tensor1D,
  targetIds: Int32Array,
  candidates: Int32Array,
  logExpected: (id: number) => number,
  softmax: SoftmaxWeights,
): tf.Tensor1D {
  const cand = tf.tensor1d(candidates, 'int32');
  const candCorrection = tf.tensor1d(Float32Array.from(candidates, logExpected));
  const targetCorrection = tf.tensor1d(Float32Array.from(targetIds, logExpected));
  // A sampled candidate equal to the target is an accidental hit: removed from the negatives.
  const hits = new Float32Array(targetIds.length * candidates.length);
  targetIds.forEach((t, i) => candidates.forEach((c, j) => c === t && (hits[i * candidates.length + j] = -1e9)));
  const trueLogit = tf.sub(
    tf.add(tf.sum(tf.mul(h, gatherRows(softmax.w, targets)), 1), gatherRows(softmax.b, targets)),
    targetCorrection,
  );
  const candLogits = tf.add(
    tf.sub(tf.add(engineMatMul(h, gatherRows(softmax.w, cand), true), gatherRows(softmax.b, cand)), candCorrection),
    tf.tensor2d(hits, [targetIds.length, candidates.length]),
  );
  const all = tf.concat([tf.expandDims(trueLogit, 1), candLogits], 1);
  return tf.sub(logSumExpRows(all as tf.Tensor2D), trueLogit) as tf.Tensor1D;
}

/** Log-uniform (Zipfian) sampler over ids sorted by frequency, as TF's candidate sampler. */
function logUniformSampler(vocabSize: number, rng: () => number) {
  const logRange = Math.log(vocabSize + 1);
  const p = (id: number) => (Math.log(id + 2) - Math.log(id + 1)) / logRange;
  return {
    sample(k: number): Int32Array {
      const out = new Int32Array(k);
      for (let i = 0; i < k; i++) out[i] = Math.min(vocabSize - 1, Math.floor(Math.exp(rng() * logRange)) - 1);
      return out;
    },
    logExpected: (k: number) => (id: number) => Math.log(k * p(id)),
  };
}

/** Summed NLL of each direction over a batch (full softmax), as two scalars. */
function directionNll(
  bilm: BiLm,
  batch: LmBatch,
  dropout: number,
  lossOf: (h: tf.Tensor2D, tgt: Int32Array) => tf.Tensor1D,
  dropoutSeed?: number,
) {
  const { fwdPos, fwdTgt, bwdPos, bwdTgt } = predictionTargets(batch);
  const out = bilm.run(batch.chars, { dropout, dropoutSeed });
  const top = bilm.nLayers - 1;
  const { batchSize, steps } = batch.chars;
  const p = bilm.projectionDim;
  const flat = (x: tf.Tensor3D) => tf.reshape(x, [batchSize * steps, p]) as tf.Tensor2D;
  const hF = gatherRows(flat(out.forward[top]), tf.tensor1d(fwdPos, 'int32'));
  const hB = gatherRows(flat(out.backward[top]), tf.tensor1d(bwdPos, 'int32'));
  const fwd = tf.sum(lossOf(hF, fwdTgt));
  const bwd = tf.sum(lossOf(hB, bwdTgt));
  return { fwd, bwd };
}

/** exp(mean NLL) of each direction over held-out sentences, with the full softmax. */
export async function perplexity(
  bilm: BiLm,
  vocab: LmVocab,
  sentences: Sentences,
  options: { batchSize?: number; maxTokens?: number } = {},
): Promise<{ forward: number; backward: number; tokens: number }> {
  const softmax = bilm.weights.softmax;
  if (!softmax) throw new Error('perplexity: this biLM has no softmax weights (train it, or load a file with softmax/W)');
  let fwd = 0;
  let bwd = 0;
  let n = 0;
  const wasStateful = bilm.stateful;
  bilm.stateful = false;
  try {
    const maxChars = bilm.options.char_cnn.max_characters_per_token;
    for await (const batch of lmBatches(sentences, vocab, options.batchSize ?? 32, options.maxTokens ?? 20, maxChars)) {
      const sums = tf.tidy(() => {
        const { fwd: f, bwd: b } = directionNll(bilm, batch, 0, (h, t) => fullSoftmaxNll(h, tf.tensor1d(t, 'int32'), softmax));
        return tf.stack([f, b]);
      });
      const [f, b] = await sums.data();
      sums.dispose();
      fwd += f;
      bwd += b;
      n += batch.predictions;
    }
  } finally {
    bilm.stateful = wasStateful;
  }
  if (n === 0) throw new Error('perplexity: no held-out tokens');
  return { forward: Math.exp(fwd / n), backward: Math.exp(bwd / n), tokens: n };
}

/** Writes options.json (with the vocabulary size), weights.hdf5 and vocab.txt into `directory`. */
export async function saveCheckpoint(bilm: BiLm, vocab: LmVocab, directory: string): Promise<void> {
  const options = { ...bilm.options, n_tokens_vocab: vocab.size };
  await saveBiLm({ options, weights: bilm.weights }, directory);
  const fs = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises', 'saveCheckpoint');
  const path = await nodeBuiltin<typeof import('node:path')>('path', 'saveCheckpoint');
  await fs.writeFile(path.join(directory, 'vocab.txt'), vocab.toText());
}

export async function pretrainBiLm(sentences: Sentences, config: PretrainConfig): Promise<PretrainResult> {
  registerGradients();
  const options = parseElmoOptions(config.options, 'pretrain options');
  const epochs = config.epochs ?? 1;
  const batchSize = config.batchSize ?? 32;
  const maxTokens = config.maxTokens ?? 20;
  const clipNorm = config.clipNorm ?? 10;
  const dropout = config.dropout ?? 0.1;
  const softmaxMode = config.softmax ?? 'full';
  const seed = config.seed ?? 1;
  const rng = seedrandom(String(seed));
  const vocab = config.vocab instanceof LmVocab ? config.vocab : await LmVocab.build(sentences, config.vocab ?? {});
  if (typeof softmaxMode !== 'string' && !(softmaxMode.sampled > 0 && softmaxMode.sampled < vocab.size)) {
    throw new Error(`pretrain: softmax.sampled must be between 1 and the vocabulary size − 1 (${vocab.size - 1})`);
  }
  const weights = config.initialWeights ?? initWeights(options, vocab.size, seed);
  if (config.initialWeights) {
    const rows = weights.softmax?.w.shape[0];
    if (rows !== vocab.size) {
      throw new Error(rows === undefined
        ? 'pretrain: initialWeights hold no softmax (softmax/W, softmax/b), so training cannot continue from them'
        : `pretrain: initialWeights' softmax has ${rows} rows but the vocabulary has ${vocab.size} words (pass the checkpoint's vocab.txt as vocab)`);
    }
    makeWeightsTrainable(weights);
  }
  const bilm = new BiLm({ ...options, n_tokens_vocab: vocab.size }, weights, false);
  const softmax = weights.softmax!;
  const ownOptimizer = typeof config.optimizer !== 'object';
  const optimizer =
    typeof config.optimizer === 'object'
      ? config.optimizer
      : config.optimizer === 'adam'
        ? tf.train.adam(config.learningRate ?? 1e-3)
        : tf.train.adagrad(config.learningRate ?? 0.2, 1.0);
  const sampler = logUniformSampler(vocab.size, rng);
  const maxChars = options.char_cnn.max_characters_per_token;
  const history: PretrainEpochLog[] = [];
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const started = Date.now();
      let lossSum = 0;
      let tokens = 0;
      let batchIndex = 0;
      for await (const batch of lmBatches(sentences, vocab, batchSize, maxTokens, maxChars)) {
        if (config.maxBatchesPerEpoch !== undefined && batchIndex >= config.maxBatchesPerEpoch) break;
        // The sampled softmax draws one candidate set per batch, shared by its rows and both directions.
        const lossOf =
          softmaxMode === 'full'
            ? (h: tf.Tensor2D, t: Int32Array) => fullSoftmaxNll(h, tf.tensor1d(t, 'int32'), softmax)
            : (() => {
                const k = softmaxMode.sampled;
                const candidates = sampler.sample(k);
                const logExpected = sampler.logExpected(k);
                return (h: tf.Tensor2D, t: Int32Array) =>
                  sampledSoftmaxNll(h, tf.tensor1d(t, 'int32'), t, candidates, logExpected, softmax);
              })();
        const dropoutSeed = Math.floor(rng() * 2 ** 31);
        const { value, grads } = tf.variableGrads(() => {
          const { fwd, bwd } = directionNll(bilm, batch, dropout, lossOf, dropoutSeed);
          return tf.div(tf.add(fwd, bwd), 2 * batch.predictions) as tf.Scalar;
        });
        const clipped = clipByGlobalNorm(grads, clipNorm);
        optimizer.applyGradients(clipped.grads as tf.NamedTensorMap);
        const loss = (await value.data())[0];
        tf.dispose([value, ...Object.values(grads), ...Object.values(clipped.grads)]);
        if (!Number.isFinite(loss)) throw new Error(`pretrain: loss became ${loss} at epoch ${epoch}, batch ${batchIndex}`);
        lossSum += loss * batch.predictions;
        tokens += batch.predictions;
        config.onBatch?.({ epoch, batch: batchIndex, loss, gradNorm: clipped.norm });
        batchIndex++;
      }
      if (tokens === 0) throw new Error('pretrain: the training data holds no tokens');
      const seconds = (Date.now() - started) / 1000;
      const log: PretrainEpochLog = { epoch, loss: lossSum / tokens, tokens, seconds, tokensPerSecond: tokens / Math.max(seconds, 1e-9) };
      if (config.heldOut) {
        const ppl = await perplexity(bilm, vocab, config.heldOut, { batchSize, maxTokens });
        log.forwardPerplexity = ppl.forward;
        log.backwardPerplexity = ppl.backward;
      }
      if (config.checkpointDir !== undefined) await saveCheckpoint(bilm, vocab, config.checkpointDir);
      history.push(log);
      config.onEpoch?.(log);
    }
  } catch (err) {
    bilm.dispose();
    throw err;
  } finally {
    if (ownOptimizer) optimizer.dispose();
  }
  return { bilm, vocab, history };
}
