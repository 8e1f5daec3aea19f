/**
 * ELMo embeddings: the biLM's layers, mixed by one or more ScalarMixes, with masks.
 * The biLM is frozen here; the mixes (and whatever sits on top) are what a trainer updates.
 * Token representations come from a per-word cache of char-CNN outputs, filled on demand.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BiLm } from './bilm';
import { BOS_TOKEN, EOS_TOKEN, tokenToCharIds } from './char-ids';
import type { Hdf5Source } from './hdf5-weights';
import { registerGradients } from '../gradients';
import { gatherRows } from './gather-rows';
import { loadBiLm, OptionsSource } from './load';
import { ScalarMix } from './scalar-mix';

export interface ElmoConfig {
  /** How many mixed representations to produce from one biLM run (default 1). */
  numOutputRepresentations?: number;
  /** Dropout rate on each mixed representation when `training` (default 0.5, as AllenNLP). */
  dropout?: number;
  /** Layer-normalise each layer before mixing (default false). */
  layerNorm?: boolean;
  /** Keep `<S>`/`</S>` positions in the output (default false: removed). */
  keepSentenceBoundaries?: boolean;
  /** Carry the biLM states row by row from batch to batch (default false). */
  stateful?: boolean;
  /** Fixed (pre-softmax) mix weights; the mixes are then not trainable. */
  scalarMixParameters?: number[];
  /** Cache the char-CNN output of each word (default true). */
  cacheWords?: boolean;
  /**
   * Keep the biLM layers of up to this many sentences (default 0: off). For a frozen biLM
   * trained over several epochs (only the mixes and the head learn), each sentence then runs
   * through the biLM once. Not used in stateful mode.
   */
  sentenceCacheSize?: number;
  /**
   * And at most this many bytes of layer values (default: no limit beyond the count); the
   * oldest sentences make room. A sentence takes 4 · layers · 2·projection_dim bytes per token.
   */
  sentenceCacheBytes?: number;
}

export interface ElmoOutput {
  /** Every biLM layer, [batch, steps, 2 * projDim] (layer 0 = token representation twice). */
  layers: tf.Tensor3D[];
  /** The mixed representations, [batch, steps, 2 * projDim]. */
  representations: tf.Tensor3D[];
  /** [batch, steps], 1 at real tokens. */
  mask: tf.Tensor2D;
  /** Real tokens per row (boundaries excluded unless kept). */
  lengths: Int32Array;
}

export class Elmo {
  readonly mixes: ScalarMix[];
  private readonly cache = new Map<string, Float32Array>();
  private readonly sentenceCache = new Map<string, Float32Array[]>();
  private sentenceCacheUsed = 0;
  private readonly config: Required<Omit<ElmoConfig, 'scalarMixParameters'>>;

  constructor(
    readonly bilm: BiLm,
    config: ElmoConfig = {},
  ) {
    this.config = {
      numOutputRepresentations: config.numOutputRepresentations ?? 1,
      dropout: config.dropout ?? 0.5,
      layerNorm: config.layerNorm ?? false,
      keepSentenceBoundaries: config.keepSentenceBoundaries ?? false,
      stateful: config.stateful ?? false,
      cacheWords: config.cacheWords ?? true,
      sentenceCacheSize: config.sentenceCacheSize ?? 0,
      sentenceCacheBytes: config.sentenceCacheBytes ?? Infinity,
    };
    if (!(this.config.sentenceCacheBytes >= 0)) throw new Error(`Elmo: sentenceCacheBytes must be >= 0, got ${config.sentenceCacheBytes}`);
    if (!(this.config.numOutputRepresentations >= 1)) throw new Error('Elmo: numOutputRepresentations must be >= 1');
    if (this.config.dropout < 0 || this.config.dropout >= 1) throw new Error('Elmo: dropout must be in [0, 1)');
    bilm.stateful = this.config.stateful;
    // The mixes are trained; tfjs-core alone registers no gradients.
    registerGradients();
    const nLayers = bilm.nLayers + 1;
    this.mixes = Array.from(
      { length: this.config.numOutputRepresentations },
      () =>
        new ScalarMix(nLayers, {
          layerNorm: this.config.layerNorm,
          initialWeights: config.scalarMixParameters,
          trainable: config.scalarMixParameters === undefined,
        }),
    );
  }

  /** Loads options.json and weights.hdf5 (paths, text/bytes or objects). */
  static async load(options: OptionsSource, weights: Hdf5Source, config: ElmoConfig = {}): Promise<Elmo> {
    return new Elmo(await loadBiLm(options, weights), config);
  }

  /** Width of each representation (forward and backward concatenated). */
  get outputDim(): number {
    return 2 * this.bilm.projectionDim;
  }

  /** The trainable variables of the scalar mixes (the biLM's weights are fixed unless made variables). */
  get trainableVariables(): tf.Variable[] {
    return this.mixes.flatMap((m) => m.variables).filter((v) => v.trainable);
  }

  /** Whether token representations come from the per-word cache (off while fine-tuning the char-CNN). */
  get cacheWords(): boolean {
    return this.config.cacheWords;
  }

  set cacheWords(on: boolean) {
    this.config.cacheWords = on;
    if (!on) this.cache.clear();
  }

  /** Sentences whose biLM layers are cached (0 unless sentenceCacheSize is set). */
  get sentenceCacheCount(): number {
    return this.sentenceCache.size;
  }

  /** Bytes of layer values the sentence cache holds. */
  get sentenceCacheByteCount(): number {
    return this.sentenceCacheUsed;
  }

  /** Turns the sentence cache off (and empties it), e.g. when the biLM's weights start to train. */
  disableSentenceCache(): void {
    this.config.sentenceCacheSize = 0;
    this.sentenceCache.clear();
    this.sentenceCacheUsed = 0;
  }

  /**
   * Embeds tokenised sentences. Synchronous so that it can run inside a gradient tape
   * (the mixes get gradients; the biLM is frozen).
   */
  embed(sentences: readonly (readonly string[])[], options: { training?: boolean; dropoutSeed?: number } = {}): ElmoOutput {
    const batchSize = sentences.length;
    if (batchSize === 0) throw new Error('Elmo.embed: no sentences');
    const rows = sentences.map((s, i) => {
      if (!Array.isArray(s)) throw new Error(`Elmo.embed: sentence ${i} is not an array of tokens`);
      return [BOS_TOKEN, ...s, EOS_TOKEN];
    });
    const lengths = Int32Array.from(rows, (r) => r.length);
    const steps = Math.max(...lengths);
    const computed = this.biLmLayers(rows, lengths, steps);
    const keep = this.config.keepSentenceBoundaries;
    const result = tf.tidy(() => {
      let layers = computed.layers;
      let mask = computed.mask;
      // As AllenNLP does: mix (and layer-normalise) with the boundaries in, then remove them.
      let representations = this.mixes.map((mix, k) => {
        const mixed = mix.apply(layers, mask);
        if (!(options.training && this.config.dropout > 0)) return mixed;
        const seed = options.dropoutSeed === undefined ? undefined : options.dropoutSeed + k;
        return tf.dropout(mixed, this.config.dropout, undefined, seed) as tf.Tensor3D;
      });
      let outLengths = lengths;
      if (!keep) {
        outLengths = Int32Array.from(lengths, (l) => l - 2);
        const inner = Math.max(0, steps - 2);
        const idx = tf.tensor1d(removeBoundaries(lengths, steps), 'int32');
        layers = layers.map((l) => gatherPositions(l, idx, inner));
        representations = representations.map((r) => gatherPositions(r, idx, inner));
        mask = tf.squeeze(gatherPositions(tf.expandDims(mask, 2) as tf.Tensor3D, idx, inner), [2]);
      }
      return { layers, representations, mask, lengths: outLengths } as unknown as tf.TensorContainer;
    }) as unknown as ElmoOutput;
    tf.dispose([...computed.layers, computed.mask]);
    return result;
  }

  /** Caches one sentence's layers, evicting the oldest past the count or byte limit; too large alone, it is not kept. */
  private keepSentence(key: string, perLayer: Float32Array[]): void {
    const bytes = perLayer.reduce((n, v) => n + v.byteLength, 0);
    const { sentenceCacheSize: maxCount, sentenceCacheBytes: maxBytes } = this.config;
    if (bytes > maxBytes) return;
    while (this.sentenceCache.size > 0 && (this.sentenceCache.size >= maxCount || this.sentenceCacheUsed + bytes > maxBytes)) {
      const [oldKey, oldLayers] = this.sentenceCache.entries().next().value!;
      this.sentenceCache.delete(oldKey);
      this.sentenceCacheUsed -= oldLayers.reduce((n, v) => n + v.byteLength, 0);
    }
    this.sentenceCache.set(key, perLayer);
    this.sentenceCacheUsed += bytes;
  }

  /** The biLM layers with boundaries, from the sentence cache where it holds every row. */
  private biLmLayers(rows: string[][], lengths: Int32Array, steps: number): { layers: tf.Tensor3D[]; mask: tf.Tensor2D } {
    const useCache = this.config.sentenceCacheSize > 0 && !this.bilm.stateful;
    const keys = useCache ? rows.map((r) => r.join('\u0001')) : [];
    // This call's layers by sentence, taken before any eviction below.
    const found = new Map<string, Float32Array[]>();
    for (const k of keys) {
      const hit = this.sentenceCache.get(k);
      if (hit) found.set(k, hit);
    }
    const missing = useCache ? [...new Set(keys.filter((k) => !found.has(k)))] : [];
    if (!useCache || missing.length > 0) {
      const runRows = useCache ? missing.map((k) => k.split('\u0001')) : rows;
      const runLengths = Int32Array.from(runRows, (r) => r.length);
      const runSteps = Math.max(...runLengths);
      const tokens = this.tokenTensor(runRows, runSteps);
      const out = this.bilm.runEmbedded(tokens, runLengths);
      tokens.dispose();
      const layers = BiLm.layers(out);
      const mask = tf.clone(out.mask);
      BiLm.disposeOutput(out);
      if (!useCache) return { layers, mask };
      const width = this.outputDim;
      const values = layers.map((l) => l.dataSync() as Float32Array);
      tf.dispose([...layers, mask]);
      missing.forEach((key, r) => {
        const len = runLengths[r];
        const perLayer = values.map((v) => v.slice(r * runSteps * width, (r * runSteps + len) * width));
        found.set(key, perLayer);
        this.keepSentence(key, perLayer);
      });
    }
    const width = this.outputDim;
    const nLayers = this.bilm.nLayers + 1;
    const layers = Array.from({ length: nLayers }, (_, k) => {
      const buf = new Float32Array(rows.length * steps * width);
      keys.forEach((key, r) => buf.set(found.get(key)![k], r * steps * width));
      return tf.tensor3d(buf, [rows.length, steps, width]);
    });
    const maskValues = new Float32Array(rows.length * steps);
    lengths.forEach((l, r) => maskValues.fill(1, r * steps, r * steps + l));
    return { layers, mask: tf.tensor2d(maskValues, [rows.length, steps]) };
  }

  static disposeOutput(out: ElmoOutput): void {
    tf.dispose([...out.layers, ...out.representations, out.mask]);
  }

  /** Fills the word cache for these words ahead of time. */
  warmCache(words: Iterable<string>): void {
    const missing = [...new Set(words)].filter((w) => !this.cache.has(w));
    this.fillCache(missing);
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  clearCache(): void {
    this.cache.clear();
    this.sentenceCache.clear();
    this.sentenceCacheUsed = 0;
  }

  resetStates(): void {
    this.bilm.resetStates();
  }

  dispose(): void {
    this.mixes.forEach((m) => m.dispose());
    this.bilm.dispose();
    this.cache.clear();
  }

  private fillCache(words: string[]): void {
    const maxChars = this.bilm.options.char_cnn.max_characters_per_token;
    const chunk = 4096;
    for (let start = 0; start < words.length; start += chunk) {
      const part = words.slice(start, start + chunk);
      const ids = new Int32Array(part.length * maxChars);
      part.forEach((w, i) => ids.set(tokenToCharIds(w, maxChars), i * maxChars));
      const values = tf.tidy(() => this.bilm.tokenEmbeddings(tf.tensor2d(ids, [part.length, maxChars], 'int32')).dataSync());
      const p = this.bilm.projectionDim;
      part.forEach((w, i) => this.cache.set(w, (values as Float32Array).slice(i * p, (i + 1) * p)));
    }
  }

  private tokenTensor(rows: string[][], steps: number): tf.Tensor3D {
    const p = this.bilm.projectionDim;
    const maxChars = this.bilm.options.char_cnn.max_characters_per_token;
    if (!this.config.cacheWords) {
      const ids = new Int32Array(rows.length * steps * maxChars);
      rows.forEach((r, b) => r.forEach((w, t) => ids.set(tokenToCharIds(w, maxChars), (b * steps + t) * maxChars)));
      return tf.tidy(() =>
        tf.reshape(this.bilm.tokenEmbeddings(tf.tensor2d(ids, [rows.length * steps, maxChars], 'int32')), [rows.length, steps, p]),
      ) as tf.Tensor3D;
    }
    const missing = new Set<string>();
    for (const r of rows) for (const w of r) if (!this.cache.has(w)) missing.add(w);
    if (missing.size > 0) this.fillCache([...missing]);
    const values = new Float32Array(rows.length * steps * p);
    rows.forEach((r, b) => r.forEach((w, t) => values.set(this.cache.get(w)!, (b * steps + t) * p)));
    return tf.tensor3d(values, [rows.length, steps, p]);
  }
}

/** For each row, the flat positions of its tokens without the boundaries, padded with the row's own padding. */
function removeBoundaries(lengths: Int32Array, steps: number): Int32Array {
  const inner = Math.max(0, steps - 2);
  const idx = new Int32Array(lengths.length * inner);
  for (let b = 0; b < lengths.length; b++) {
    for (let t = 0; t < inner; t++) {
      // Past the row's tokens, point at its last step (padding, or its EOS which the mask zeroes).
      idx[b * inner + t] = b * steps + (t < lengths[b] - 2 ? t + 1 : steps - 1);
    }
  }
  return idx;
}

function gatherPositions(x: tf.Tensor3D, idx: tf.Tensor1D, inner: number): tf.Tensor3D {
  const [batch, steps, width] = x.shape;
  const flat = tf.reshape(x, [batch * steps, width]);
  return tf.reshape(gatherRows(flat, idx), [batch, inner, width]) as tf.Tensor3D;
}
