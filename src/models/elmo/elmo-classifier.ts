/**
 * A text classifier with ELMo underneath: the mixed ELMo representation of each token
 * (optionally concatenated with a word embedding learnt from scratch) → masked mean or max
 * pooling → dense layer. The biLM is frozen by default; `fineTune` makes its weights
 * trainable too. It has the members `fit` and `evaluate` use (config.numClasses, labels,
 * trainableVariables, reseed, logits(ids, lengths, {training})), reading the batches' ids
 * back into words through the vocabulary, since ELMo works from characters.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Embedding } from '../embedding';
import { TextEncoding, type TextSettings, type VocabJSON } from '../text-encoding';
import { listWeights, makeWeightsTrainable } from './bilm-weights';
import type { Elmo } from './elmo';
import { NoiseSeeds } from '../noise-seeds';

export interface ElmoClassifierInit {
  elmo: Elmo;
  /** The vocabulary the batches' ids come from (ids are read back into words for ELMo). */
  vocab: VocabJSON | { toJSON(): VocabJSON };
  labels: readonly string[];
  text?: Partial<TextSettings>;
  pooling?: 'mean' | 'max';
  /** Also learn a word embedding of this width and concatenate it to ELMo's (0 = none, the default). */
  wordEmbeddingDim?: number;
  /** Dropout on the pooled features while training (default 0.2). */
  dropout?: number;
  /** Train the biLM's weights as well (its word cache is then off). Default false. */
  fineTune?: boolean;
  seed?: number;
}

export interface ElmoPrediction {
  label: string;
  index: number;
  probabilities: Record<string, number>;
}

const MASK_FILL = -1e9;

export class ElmoClassifier {
  readonly elmo: Elmo;
  readonly labels: readonly string[];
  readonly encoding: TextEncoding;
  readonly config: { numClasses: number; pooling: 'mean' | 'max'; wordEmbeddingDim: number; dropout: number; fineTune: boolean; seed: number };
  readonly wordEmbedding?: Embedding;
  readonly fcWeight: tf.Variable;
  readonly fcBias: tf.Variable;
  private readonly noise: NoiseSeeds;

  constructor(init: ElmoClassifierInit) {
    const vocabJson = 'toJSON' in init.vocab && typeof init.vocab.toJSON === 'function' ? init.vocab.toJSON() : (init.vocab as VocabJSON);
    this.encoding = new TextEncoding(vocabJson, init.text);
    if (init.labels.length < 2) throw new Error(`ElmoClassifier: need at least 2 labels, got ${init.labels.length}`);
    this.labels = [...init.labels];
    const pooling = init.pooling ?? 'max';
    if (pooling !== 'mean' && pooling !== 'max') throw new Error(`ElmoClassifier: pooling must be mean or max, got ${JSON.stringify(pooling)}`);
    const dropout = init.dropout ?? 0.2;
    if (!(dropout >= 0 && dropout < 1)) throw new Error(`ElmoClassifier: dropout must be in [0, 1), got ${dropout}`);
    const wordEmbeddingDim = init.wordEmbeddingDim ?? 0;
    const seed = init.seed ?? 0;
    this.config = { numClasses: this.labels.length, pooling, wordEmbeddingDim, dropout, fineTune: init.fineTune ?? false, seed };
    this.noise = new NoiseSeeds(seed);
    this.elmo = init.elmo;
    if (this.config.fineTune) {
      makeWeightsTrainable(this.elmo.bilm.weights);
      this.elmo.clearCache();
      this.elmo.cacheWords = false;
      this.elmo.disableSentenceCache();
    }
    if (wordEmbeddingDim > 0) {
      this.wordEmbedding = new Embedding(this.encoding.vocabSize, wordEmbeddingDim, { seed: seed * 7 + 1, name: 'elmo_classifier/embedding' });
    }
    const features = this.elmo.outputDim + wordEmbeddingDim;
    const limit = 1 / Math.sqrt(features);
    this.fcWeight = tf.tidy(() => tf.variable(tf.randomUniform([this.labels.length, features], -limit, limit, 'float32', seed * 7 + 2), true));
    this.fcBias = tf.tidy(() => tf.variable(tf.zeros([this.labels.length]), true));
  }

  get trainableVariables(): tf.Variable[] {
    const vars = [...this.elmo.trainableVariables, this.fcWeight, this.fcBias];
    if (this.wordEmbedding) vars.push(this.wordEmbedding.weight);
    if (this.config.fineTune) {
      for (const t of listWeights(this.elmo.bilm.weights)) if (t instanceof tf.Variable && t.trainable) vars.push(t);
    }
    return vars;
  }

  /**
   * The head's weights by name (what a saved folder's weights.bin holds): each scalar mix,
   * the dense layer and the optional word embedding. The biLM's weights are saved apart, as
   * options.json + weights.hdf5.
   */
  namedWeights(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = {};
    this.elmo.mixes.forEach((mix, k) => {
      out[`scalar_mix.${k}.weights`] = mix.weights;
      out[`scalar_mix.${k}.gamma`] = mix.gamma;
    });
    out['fc.weight'] = this.fcWeight;
    out['fc.bias'] = this.fcBias;
    if (this.wordEmbedding) out['word_embedding.weight'] = this.wordEmbedding.weight;
    return out;
  }

  reseed(seed: number): void {
    this.noise.reseed(seed);
  }

  /** ids int32 [batch, time] and each row's true length → logits [batch, classes]. */
  logits(ids: tf.Tensor2D, lengths: Int32Array | number[], opts: { training?: boolean } = {}): tf.Tensor2D {
    const [batch, time] = ids.shape;
    if (lengths.length !== batch) throw new Error(`ElmoClassifier: ${lengths.length} lengths for a batch of ${batch}`);
    const training = opts.training ?? false;
    const idValues = ids.dataSync();
    const pre = this.encoding.settings.padding === 'pre';
    const rowIds: Int32Array[] = [];
    const sentences = Array.from({ length: batch }, (_, r) => {
      const len = lengths[r];
      if (!(len >= 0 && len <= time)) throw new Error(`ElmoClassifier: row ${r} has length ${len}, outside [0, ${time}]`);
      const start = r * time + (pre ? time - len : 0);
      const row = idValues.subarray(start, start + len) as Int32Array;
      rowIds.push(row);
      return this.encoding.vocab.lookupTokens(row);
    });
    const dropoutSeed = training ? this.noise.next() : undefined;
    return tf.tidy(() => {
      const out = this.elmo.embed(sentences, { training, dropoutSeed });
      let x = out.representations[0];
      const steps = x.shape[1];
      if (this.wordEmbedding) {
        const aligned = new Int32Array(batch * steps).fill(this.encoding.padId);
        rowIds.forEach((row, r) => aligned.set(row, r * steps));
        const words = this.wordEmbedding.apply(tf.tensor2d(aligned, [batch, steps], 'int32'));
        x = tf.concat([x, words], 2);
      }
      const mask = tf.expandDims(out.mask, 2);
      let features: tf.Tensor2D;
      if (steps === 0) {
        features = tf.zeros([batch, x.shape[2]]);
      } else if (this.config.pooling === 'mean') {
        features = tf.div(tf.sum(tf.mul(x, mask), 1), tf.maximum(tf.sum(mask, 1), 1)) as tf.Tensor2D;
      } else {
        const masked = tf.add(tf.mul(x, mask), tf.mul(tf.sub(1, mask), MASK_FILL));
        features = tf.mul(tf.max(masked, 1), tf.minimum(tf.sum(mask, 1), 1)) as tf.Tensor2D;
      }
      if (training && this.config.dropout > 0) {
        features = tf.dropout(features, this.config.dropout, undefined, this.noise.next()) as tf.Tensor2D;
      }
      return tf.add(tf.matMul(features, this.fcWeight, false, true), this.fcBias) as tf.Tensor2D;
    });
  }

  probabilities(ids: tf.Tensor2D, lengths: Int32Array | number[]): tf.Tensor2D {
    return tf.tidy(() => tf.softmax(this.logits(ids, lengths, { training: false })));
  }

  /** Predictions for many raw texts, in order, run `batchSize` texts at a time. */
  async predictBatch(texts: readonly string[], batchSize = 64): Promise<ElmoPrediction[]> {
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`ElmoClassifier.predictBatch: batchSize must be a positive integer, got ${batchSize}`);
    const out: ElmoPrediction[] = [];
    for (let start = 0; start < texts.length; start += batchSize) out.push(...(await this.predictChunk(texts.slice(start, start + batchSize))));
    return out;
  }

  private async predictChunk(texts: readonly string[]): Promise<ElmoPrediction[]> {
    const { ids, lengths } = this.encoding.encodeBatch(texts);
    const probs = tf.tidy(() => this.probabilities(tf.tensor2d(ids, [texts.length, this.encoding.settings.seqLength], 'int32'), lengths));
    const values = await probs.data();
    probs.dispose();
    const k = this.labels.length;
    return texts.map((_, r) => {
      const row = Array.from(values.subarray(r * k, (r + 1) * k));
      const index = row.indexOf(Math.max(...row));
      return { label: this.labels[index], index, probabilities: Object.fromEntries(this.labels.map((l, i) => [l, row[i]])) };
    });
  }

  async predict(text: string): Promise<ElmoPrediction> {
    return (await this.predictBatch([text]))[0];
  }

  dispose(): void {
    this.fcWeight.dispose();
    this.fcBias.dispose();
    this.wordEmbedding?.dispose();
    this.elmo.dispose();
  }
}
