import * as tf from '@tensorflow/tfjs-core';
import { Embedding } from './embedding';
import { Recurrent, type RecurrentState } from './recurrent';
import { uniqueVariableName } from './variable-names';
import { TextEncoding, type TextSettings, type VocabJSON } from './text-encoding';
import { NoiseSeeds } from './noise-seeds';
import { TEXT_CLASSIFIER_LEARNING_RATE } from './optimizers';

export type EncoderKind = 'lstm' | 'bilstm' | 'gru' | 'bigru';
export type Pooling = 'last' | 'mean' | 'max';

/** Everything that shapes the network (not its weights, vocabulary or labels). */
export interface ClassifierArchitecture {
  embeddingDim: number;
  encoder: EncoderKind;
  hiddenSize: number;
  numLayers: number;
  /** Dropout between recurrent layers and on the pooled features, while training. */
  dropout: number;
  pooling: Pooling;
  /**
   * 'zeros' (the default, what a recurrent network normally starts from) or 'random': a fresh
   * N(0, 1) initial state at every forward pass, as the notebook's `torch.randn` h0/c0 do.
   */
  initialState: 'zeros' | 'random';
}

export interface ClassifierConfig extends ClassifierArchitecture {
  vocabSize: number;
  numClasses: number;
  /** Seeds the weight initialisation and the stream of dropout masks / random states. */
  seed: number;
}

/** The notebook's model: Embedding(V, 64) → 5-layer LSTM hidden 16 → Linear on the last hidden state, random h0/c0. */
export const NOTEBOOK_ARCHITECTURE: ClassifierArchitecture = {
  embeddingDim: 64,
  encoder: 'lstm',
  hiddenSize: 16,
  numLayers: 5,
  dropout: 0,
  pooling: 'last',
  initialState: 'random',
};

/** Defaults that learn on short reviews in a few epochs: a 1-layer BiLSTM with max pooling. */
export const DEFAULT_ARCHITECTURE: ClassifierArchitecture = {
  embeddingDim: 64,
  encoder: 'bilstm',
  hiddenSize: 64,
  numLayers: 1,
  dropout: 0.2,
  pooling: 'max',
  initialState: 'zeros',
};

export interface Prediction {
  /** The most probable label. */
  label: string;
  /** Its class index. */
  index: number;
  /** Probability of every label, keyed by label name. */
  probabilities: Record<string, number>;
}

export interface ForwardOptions {
  training?: boolean;
}

export interface TextClassifierInit {
  /** The vocabulary, as `Vocab.toJSON()` gives it (a Vocab instance works too). */
  vocab: VocabJSON | { toJSON(): VocabJSON };
  /** Label names, in class-index order. */
  labels: readonly string[];
  /** Text preprocessing, tokenizer and padding: how raw text becomes ids. */
  text?: Partial<TextSettings>;
  /** Architecture, 'default' or 'notebook', or a partial override of the defaults. */
  architecture?: 'default' | 'notebook' | Partial<ClassifierArchitecture>;
  seed?: number;
}

const FEATURE_MASK_FILL = -1e9;

/**
 * Embedding → recurrent encoder → pooling over the true tokens → dense layer, together with
 * the vocabulary, text settings and label names that make it usable on raw text.
 * Weights are named as PyTorch's `state_dict` of the notebook's model names them
 * (`embedding.weight`, `lstm.weight_ih_l0`, …, `fc.weight`, `fc.bias`).
 */
export class TextClassifier {
  readonly config: ClassifierConfig;
  readonly labels: readonly string[];
  readonly encoding: TextEncoding;
  readonly embedding: Embedding;
  readonly encoder: Recurrent;
  readonly fcWeight: tf.Variable;
  readonly fcBias: tf.Variable;
  private readonly noise: NoiseSeeds;
  private disposed = false;

  constructor(init: TextClassifierInit) {
    const arch = resolveArchitecture(init.architecture);
    const vocabJson = 'toJSON' in init.vocab && typeof init.vocab.toJSON === 'function' ? init.vocab.toJSON() : (init.vocab as VocabJSON);
    this.encoding = new TextEncoding(vocabJson, init.text);
    if (init.labels.length < 2) throw new Error(`TextClassifier: need at least 2 labels, got ${init.labels.length}`);
    if (new Set(init.labels).size !== init.labels.length) throw new Error(`TextClassifier: duplicate label names in [${init.labels.join(', ')}]`);
    this.labels = [...init.labels];
    const seed = init.seed ?? 0;
    this.config = { ...arch, vocabSize: this.encoding.vocabSize, numClasses: this.labels.length, seed };
    this.noise = new NoiseSeeds(seed);
    validateConfig(this.config);

    const { embeddingDim, hiddenSize, numLayers, dropout, encoder } = this.config;
    const kind = encoder === 'lstm' || encoder === 'bilstm' ? 'lstm' : 'gru';
    const bidirectional = encoder === 'bilstm' || encoder === 'bigru';
    // Distinct seeds per part so that the embedding, encoder and head do not share random draws.
    this.embedding = new Embedding(this.config.vocabSize, embeddingDim, { seed: seed * 7 + 1, name: 'classifier/embedding' });
    this.encoder = new Recurrent({
      kind,
      inputSize: embeddingDim,
      hiddenSize,
      numLayers,
      bidirectional,
      dropout: numLayers > 1 ? dropout : 0,
      seed: seed * 7 + 2,
      name: `classifier/${kind}`,
    });
    const features = this.featureSize;
    // PyTorch's nn.Linear initialisation: U(-1/sqrt(in), 1/sqrt(in)); weight stored [out, in].
    const bound = 1 / Math.sqrt(features);
    this.fcWeight = tf.tidy(() =>
      tf.variable(tf.randomUniform([this.config.numClasses, features], -bound, bound, 'float32', seed * 7 + 3), true, uniqueVariableName('classifier/fc', 'weight')),
    );
    this.fcBias = tf.tidy(() =>
      tf.variable(tf.randomUniform([this.config.numClasses], -bound, bound, 'float32', seed * 7 + 4), true, uniqueVariableName('classifier/fc', 'bias')),
    );
  }

  get directions(): number {
    return this.config.encoder === 'bilstm' || this.config.encoder === 'bigru' ? 2 : 1;
  }

  get featureSize(): number {
    return this.config.hiddenSize * this.directions;
  }

  get seqLength(): number {
    return this.encoding.settings.seqLength;
  }

  /** The prefix PyTorch's notebook model uses for the encoder's weights. */
  get encoderPrefix(): string {
    return this.config.encoder === 'lstm' || this.config.encoder === 'bilstm' ? 'lstm' : 'gru';
  }

  /** Every trainable variable, keyed by its PyTorch `state_dict` name. */
  namedWeights(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = { 'embedding.weight': this.embedding.weight };
    for (const [name, v] of Object.entries(this.encoder.namedWeights())) out[`${this.encoderPrefix}.${name}`] = v;
    out['fc.weight'] = this.fcWeight;
    out['fc.bias'] = this.fcBias;
    return out;
  }

  /** What fit's Adam uses when given no learning rate (measurements: TEXT_CLASSIFIER_LEARNING_RATE). */
  readonly adamLearningRate = TEXT_CLASSIFIER_LEARNING_RATE;

  get trainableVariables(): tf.Variable[] {
    return Object.values(this.namedWeights());
  }

  /** Restarts the stream of dropout masks and random initial states (fit does this with its seed). */
  reseed(seed: number): void {
    this.noise.reseed(seed);
  }

  /**
   * ids int32 [batch, time] and each row's true length → logits [batch, classes].
   * Padding positions never reach the head: 'last' reads the state at each row's true last
   * token (first token for the backward direction); 'mean' and 'max' ignore padded steps.
   */
  logits(ids: tf.Tensor2D, lengths: Int32Array | number[], opts: ForwardOptions = {}): tf.Tensor2D {
    this.assertUsable();
    const [batch, time] = ids.shape;
    if (lengths.length !== batch) throw new Error(`TextClassifier: ${lengths.length} lengths for a batch of ${batch}`);
    for (let i = 0; i < lengths.length; i++) {
      if (!(lengths[i] >= 0 && lengths[i] <= time)) throw new Error(`TextClassifier: row ${i} has length ${lengths[i]}, outside [0, ${time}]`);
    }
    const training = opts.training ?? false;
    const padding = this.encoding.settings.padding;
    return tf.tidy(() => {
      const embedded = this.embedding.apply(ids);
      let initialState: RecurrentState | undefined;
      if (this.config.initialState === 'random') {
        const shape: [number, number, number] = [this.config.numLayers * this.directions, batch, this.config.hiddenSize];
        initialState = { h: tf.randomNormal(shape, 0, 1, 'float32', this.noise.next()) };
        if (this.encoderPrefix === 'lstm') initialState.c = tf.randomNormal(shape, 0, 1, 'float32', this.noise.next());
      }
      // Rows of length 0 (an empty review) still need a defined state: the encoder runs them as
      // all-padding, so they come out as the initial state / zeros.
      const result = this.encoder.apply(embedded, lengths, { training, initialState, padding });
      let features: tf.Tensor2D;
      if (this.config.pooling === 'last') {
        const dirs = this.directions;
        const layersDirs = result.h.shape[0];
        const top = tf.slice(result.h, [layersDirs - dirs, 0, 0], [dirs, batch, this.config.hiddenSize]);
        // [dirs, batch, hidden] → [batch, dirs*hidden], forward half first (PyTorch's cat(h[-2], h[-1])).
        features = tf.reshape(tf.transpose(top, [1, 0, 2]), [batch, this.featureSize]);
      } else {
        const mask = lengthMask(lengths, time, padding); // [batch, time, 1]
        if (this.config.pooling === 'mean') {
          const sums = tf.sum(tf.mul(result.output, mask), 1);
          const counts = tf.maximum(tf.sum(mask, 1), 1);
          features = tf.div(sums, counts) as tf.Tensor2D;
        } else {
          const masked = tf.add(tf.mul(result.output, mask), tf.mul(tf.sub(1, mask), FEATURE_MASK_FILL));
          // A row with no tokens has nothing to pool: give it zeros rather than -1e9.
          const anyToken = tf.minimum(tf.sum(mask, 1), 1);
          features = tf.mul(tf.max(masked, 1), anyToken) as tf.Tensor2D;
        }
      }
      if (training && this.config.dropout > 0) {
        features = tf.dropout(features, this.config.dropout, undefined, this.noise.next()) as tf.Tensor2D;
      }
      return tf.add(tf.matMul(features, this.fcWeight, false, true), this.fcBias) as tf.Tensor2D;
    });
  }

  /** Mean softmax cross-entropy of the logits against integer labels. */
  loss(ids: tf.Tensor2D, lengths: Int32Array | number[], labels: tf.Tensor1D, opts: ForwardOptions = {}): tf.Scalar {
    return tf.tidy(() => {
      const logits = this.logits(ids, lengths, opts);
      return softmaxCrossEntropy(logits, labels, this.config.numClasses);
    });
  }

  /** Class probabilities [batch, classes] for already-encoded ids. */
  probabilities(ids: tf.Tensor2D, lengths: Int32Array | number[]): tf.Tensor2D {
    return tf.tidy(() => tf.softmax(this.logits(ids, lengths, { training: false })));
  }

  /** Label and class probabilities of one raw text (preprocessed, tokenised and padded as in training). */
  async predict(text: string): Promise<Prediction> {
    return (await this.predictBatch([text]))[0];
  }

  /** Predictions for many raw texts, in order. */
  async predictBatch(texts: readonly string[], batchSize = 64): Promise<Prediction[]> {
    this.assertUsable();
    const out: Prediction[] = [];
    for (let start = 0; start < texts.length; start += batchSize) {
      const chunk = texts.slice(start, start + batchSize);
      const { ids, lengths } = this.encoding.encodeBatch(chunk);
      const probs = tf.tidy(() => this.probabilities(tf.tensor2d(ids, [chunk.length, this.seqLength], 'int32'), lengths));
      const values = await probs.data();
      probs.dispose();
      const k = this.config.numClasses;
      for (let r = 0; r < chunk.length; r++) {
        const row = Array.from(values.subarray(r * k, (r + 1) * k));
        let best = 0;
        for (let c = 1; c < k; c++) if (row[c] > row[best]) best = c;
        const probabilities: Record<string, number> = {};
        this.labels.forEach((label, c) => (probabilities[label] = row[c]));
        out.push({ label: this.labels[best], index: best, probabilities });
      }
    }
    return out;
  }

  /** Copies weights in (by PyTorch name); every name must be present with the right shape, or nothing changes. */
  setWeights(weights: Record<string, tf.Tensor>): void {
    this.assertUsable();
    const own = this.namedWeights();
    const problems: string[] = [];
    for (const [name, v] of Object.entries(own)) {
      const w = weights[name];
      if (!w) problems.push(`missing weight "${name}" (expected shape [${v.shape}])`);
      else if (!sameShape(w.shape, v.shape)) problems.push(`weight "${name}" has shape [${w.shape}], expected [${v.shape}]`);
    }
    for (const name of Object.keys(weights)) if (!(name in own)) problems.push(`unexpected weight "${name}"`);
    if (problems.length) throw new Error(`TextClassifier.setWeights: ${problems.join('; ')}`);
    tf.tidy(() => {
      for (const [name, v] of Object.entries(own)) v.assign(tf.cast(weights[name], 'float32'));
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.embedding.dispose();
    this.encoder.dispose();
    this.fcWeight.dispose();
    this.fcBias.dispose();
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error('TextClassifier: used after dispose()');
  }
}

function resolveArchitecture(a: TextClassifierInit['architecture']): ClassifierArchitecture {
  if (a === undefined || a === 'default') return { ...DEFAULT_ARCHITECTURE };
  if (a === 'notebook') return { ...NOTEBOOK_ARCHITECTURE };
  if (typeof a === 'string') throw new Error(`TextClassifier: unknown architecture preset "${a}" (have: default, notebook)`);
  return { ...DEFAULT_ARCHITECTURE, ...a };
}

export function validateConfig(c: ClassifierConfig): void {
  const problems: string[] = [];
  const posInt = (name: keyof ClassifierConfig) => {
    const v = c[name] as number;
    if (!Number.isInteger(v) || v < 1) problems.push(`${name} must be a positive integer, got ${v}`);
  };
  posInt('embeddingDim');
  posInt('hiddenSize');
  posInt('numLayers');
  posInt('vocabSize');
  posInt('numClasses');
  if (!['lstm', 'bilstm', 'gru', 'bigru'].includes(c.encoder)) problems.push(`encoder must be lstm, bilstm, gru or bigru, got "${c.encoder}"`);
  if (!['last', 'mean', 'max'].includes(c.pooling)) problems.push(`pooling must be last, mean or max, got "${c.pooling}"`);
  if (!['zeros', 'random'].includes(c.initialState)) problems.push(`initialState must be zeros or random, got "${c.initialState}"`);
  if (!(c.dropout >= 0 && c.dropout < 1)) problems.push(`dropout must be in [0, 1), got ${c.dropout}`);
  if (!Number.isFinite(c.seed)) problems.push(`seed must be a number, got ${c.seed}`);
  if (problems.length) throw new Error(`TextClassifier config: ${problems.join('; ')}`);
}

/** [batch, time, 1] float mask: 1 at real tokens, 0 at padding. */
export function lengthMask(lengths: Int32Array | number[], time: number, padding: 'post' | 'pre'): tf.Tensor3D {
  const batch = lengths.length;
  const m = new Float32Array(batch * time);
  for (let r = 0; r < batch; r++) {
    const len = Math.min(lengths[r], time);
    const from = padding === 'pre' ? time - len : 0;
    m.fill(1, r * time + from, r * time + from + len);
  }
  return tf.tensor3d(m, [batch, time, 1]);
}

/** Mean cross-entropy of softmax(logits) against integer class labels. */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, numClasses: number): tf.Scalar {
  return tf.tidy(() => {
    const logProbs = tf.logSoftmax(logits);
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), numClasses);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logProbs), 1))) as tf.Scalar;
  });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
