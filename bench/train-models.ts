// The two configurations of bench/train.ts and what is timed for them, shared by the Node child
// process (cpu, wasm) and the Chromium page (webgl): seqflow's Embedding → Recurrent → dense on
// the last layer's final states, and tfjs-layers' LSTM stack on the same embedding op and head.
// No Node modules here: the page bundles this file.
import * as tf from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';
import { Embedding } from '../src/models/embedding';
import { Recurrent } from '../src/models/recurrent';
import { FusedAdam, FusedSgd } from '../src/backends/kernels/cpu/fused-optimizers';

export type ConfigName = 'notebook' | 'bilstm128';

export interface BenchConfig {
  name: ConfigName;
  emb: number;
  hidden: number;
  layers: number;
  bidirectional: boolean;
  optimizer: 'sgd' | 'adam';
  torchArgs: string[];
}

export const CONFIGS: Record<ConfigName, BenchConfig> = {
  notebook: { name: 'notebook', emb: 64, hidden: 16, layers: 5, bidirectional: false, optimizer: 'sgd', torchArgs: ['--layers', '5', '--hidden', '16'] },
  bilstm128: {
    name: 'bilstm128', emb: 64, hidden: 128, layers: 1, bidirectional: true, optimizer: 'adam',
    torchArgs: ['--layers', '1', '--hidden', '128', '--bidir', '--optim', 'adam', '--lr', '1e-3'],
  },
};

export const LEARNING_RATE = 1e-3;

/** One batch as plain arrays: token ids [batch × seqLen] row-major, true lengths, class ids. */
export interface PlainBatch {
  ids: Int32Array;
  lengths: Int32Array;
  labels: Int32Array;
}

export interface Rates {
  examplesPerSecond: number;
  inferExamplesPerSecond: number;
  /** Training examples per second of process CPU time (user + system, all threads): less
   * sensitive than wall time to other processes on a shared machine. Null where the process
   * cannot read its CPU time (a browser page). */
  examplesPerCpuSecond: number | null;
}

export interface Variant {
  train: (i: number) => void;
  infer: (i: number) => void;
}

/** A variant that owns tensors (an optimizer's slots, a model's weights) to free after timing. */
export interface OwnedVariant extends Variant {
  dispose(): void;
}

/**
 * Times variants step by step in turn (A, B, A, B, …), so that a change of machine load
 * between them (other processes on a shared machine) falls on all of them alike.
 * `cpuMs` reads the process's CPU time where it can.
 */
export function timeInterleaved(batch: number, steps: number, variants: Variant[], warmup = 2, cpuMs: (() => number) | null = null): Rates[] {
  for (const v of variants) {
    // warm-up: JIT, kernels (or shaders) compiled, optimizer slots made, memory grown
    for (let i = 0; i < warmup; i++) {
      v.train(i);
      v.infer(i);
    }
  }
  const train = variants.map(() => 0);
  const trainCpu = variants.map(() => 0);
  const infer = variants.map(() => 0);
  for (let i = 1; i <= steps; i++) {
    variants.forEach((v, k) => {
      const c0 = cpuMs?.() ?? 0;
      const t0 = performance.now();
      v.train(i);
      train[k] += performance.now() - t0;
      trainCpu[k] += (cpuMs?.() ?? 0) - c0;
    });
  }
  for (let i = 1; i <= steps; i++) {
    variants.forEach((v, k) => {
      const t0 = performance.now();
      v.infer(i);
      infer[k] += performance.now() - t0;
    });
  }
  return variants.map((_, k) => ({
    examplesPerSecond: (steps * batch * 1000) / train[k],
    inferExamplesPerSecond: (steps * batch * 1000) / infer[k],
    examplesPerCpuSecond: cpuMs ? (steps * batch * 1000) / trainCpu[k] : null,
  }));
}

/** A trainable variable holding `init`'s values; `init` itself is freed (a variable keeps its own reference). */
function variableOf(init: tf.Tensor): tf.Variable {
  const v = tf.variable(init);
  init.dispose();
  return v;
}

interface BatchTensors {
  ids: tf.Tensor2D;
  labels: tf.Tensor2D;
  lengths: Int32Array;
  fullLengths: Int32Array;
}

/** The batches as tensors, and the models that train on them, for one configuration. */
export class TrainBench {
  readonly batch: number;
  readonly seqLen: number;
  readonly embedding: Embedding;
  private readonly batches: BatchTensors[];

  constructor(readonly config: BenchConfig, vocabSize: number, plain: PlainBatch[]) {
    this.batch = plain[0].lengths.length;
    this.seqLen = plain[0].ids.length / this.batch;
    this.batches = plain.map((b) => ({
      ids: tf.tensor2d(b.ids, [this.batch, this.seqLen], 'int32'),
      labels: tf.tidy(() => tf.oneHot(tf.tensor1d(b.labels, 'int32'), 2) as tf.Tensor2D),
      lengths: b.lengths,
      fullLengths: new Int32Array(this.batch).fill(this.seqLen),
    }));
    this.embedding = new Embedding(vocabSize, config.emb, { seed: 1 });
  }

  private pick(i: number): BatchTensors {
    return this.batches[i % this.batches.length];
  }

  /** A variant that trains with `minimize` and infers with one forward pass. */
  private variant(optimizer: tf.Optimizer, logits: (b: BatchTensors, training: boolean) => tf.Tensor2D, owned: () => void): OwnedVariant {
    return {
      train: (i) => {
        const b = this.pick(i);
        const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(b.labels, logits(b, true)) as tf.Scalar, true);
        loss!.dataSync();
        loss!.dispose();
      },
      infer: (i) => {
        const b = this.pick(i);
        tf.tidy(() => logits(b, false).dataSync());
      },
      dispose: () => {
        optimizer.dispose();
        owned();
      },
    };
  }

  /**
   * seqflow's recurrent core on true lengths (or every row at full length), with seqflow's
   * optimizers (one loop per variable on cpu/wasm, tf.train's elsewhere).
   */
  seqflow(useFullLengths: boolean): OwnedVariant {
    const { config, batch } = this;
    const rnn = new Recurrent({
      kind: 'lstm', inputSize: config.emb, hiddenSize: config.hidden, numLayers: config.layers,
      bidirectional: config.bidirectional, seed: 2,
    });
    const outWidth = config.hidden * (config.bidirectional ? 2 : 1);
    const dense = variableOf(tf.randomUniform([outWidth, 2], -0.1, 0.1, 'float32', 3));
    const bias = variableOf(tf.zeros([2]));
    const D = config.bidirectional ? 2 : 1;
    const logits = (b: BatchTensors, training: boolean) => {
      const r = rnn.apply(this.embedding.apply(b.ids), useFullLengths ? b.fullLengths : b.lengths, { training });
      const L = r.h.shape[0];
      // The last layer's final state (both directions): slices, since gather's gradient has no wasm kernel.
      const last = tf.reshape(tf.transpose(tf.slice(r.h, [L - D, 0, 0], [D, batch, config.hidden]), [1, 0, 2]), [batch, outWidth]);
      return tf.add(tf.matMul(last as tf.Tensor2D, dense), bias) as tf.Tensor2D;
    };
    const optimizer = config.optimizer === 'sgd' ? new FusedSgd(LEARNING_RATE) : new FusedAdam(LEARNING_RATE);
    return this.variant(optimizer, logits, () => {
      rnn.dispose();
      tf.dispose([dense, bias]);
    });
  }

  /** tfjs-layers' LSTM (Bidirectional for bilstm128) on the same embedding op, with tf.train's optimizer. */
  layers(tfl: typeof TfLayers): OwnedVariant {
    const { config, seqLen } = this;
    const model = tfl.sequential();
    for (let l = 0; l < config.layers; l++) {
      const returnSequences = l < config.layers - 1;
      const shape = l === 0 ? { inputShape: [seqLen, config.emb] } : {};
      model.add(
        config.bidirectional
          ? tfl.layers.bidirectional({ layer: tfl.layers.lstm({ units: config.hidden, returnSequences }), mergeMode: 'concat', ...shape })
          : tfl.layers.lstm({ units: config.hidden, returnSequences, ...shape }),
      );
    }
    model.add(tfl.layers.dense({ units: 2 }));
    const optimizer = config.optimizer === 'sgd' ? tf.train.sgd(LEARNING_RATE) : tf.train.adam(LEARNING_RATE);
    return this.variant(optimizer, (b, training) => model.apply(this.embedding.apply(b.ids), { training }) as tf.Tensor2D, () => model.dispose());
  }

  dispose(): void {
    for (const b of this.batches) tf.dispose([b.ids, b.labels]);
    this.embedding.dispose();
  }
}
