/**
 * Saving and loading an ElmoClassifier as a self-contained folder (Node):
 *
 *   config.json         format "seqflow-elmo-classifier", version, labels, text settings, head
 *                       settings (pooling, word embedding, dropout, fine-tune), ELMo settings
 *   vocab.json          the vocabulary the text settings encode with
 *   weights.json        manifest of the head's tensors (name, shape, dtype), in byte order
 *   weights.bin         the head's tensors, little-endian float32 (scalar mixes, dense layer,
 *                       optional word embedding) — the same manifest/bytes layout as the
 *                       TextClassifier's folder (src/models/io.ts)
 *   elmo/options.json   the biLM, in bilm-tf / AllenNLP's pair of files, written from the
 *   elmo/weights.hdf5   model's current weights (so fine-tuned weights are what is saved)
 *
 * Loading reads and checks every file before any tensor exists, then builds the model; any
 * failure after that disposes what was built, so a load either returns a whole model or throws
 * (naming the file) and leaves no tensors behind.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { WeightsManifest } from '../io';
import { assignSavedWeights, littleEndianBytes } from '../weight-bytes';
import type { TextSettings, VocabJSON } from '../text-encoding';
import { Elmo, type ElmoConfig } from './elmo';
import { ElmoClassifier } from './elmo-classifier';
import { saveBiLm } from './load';
import { BiLm } from './bilm';
import { weightsFromArrays, type BiLmWeights } from './bilm-weights';
import { readHdf5 } from './hdf5-weights';
import { parseElmoOptions } from './options';

export const ELMO_CLASSIFIER_FORMAT = 'seqflow-elmo-classifier';
export const ELMO_CLASSIFIER_FORMAT_VERSION = 1;
export const ELMO_CLASSIFIER_FILES = ['config.json', 'vocab.json', 'weights.json', 'weights.bin', 'elmo/options.json', 'elmo/weights.hdf5'] as const;
type FileName = (typeof ELMO_CLASSIFIER_FILES)[number];

/** The Elmo settings a saved classifier rebuilds its Elmo with. */
export interface SavedElmoSettings {
  numOutputRepresentations: number;
  dropout: number;
  layerNorm: boolean;
  keepSentenceBoundaries: boolean;
}

export interface ElmoClassifierConfigFile {
  format: typeof ELMO_CLASSIFIER_FORMAT;
  formatVersion: number;
  labels: string[];
  vocabSize: number;
  text: TextSettings;
  seed: number;
  head: { pooling: 'mean' | 'max'; wordEmbeddingDim: number; dropout: number; fineTune: boolean };
  elmo: SavedElmoSettings;
  metadata?: Record<string, unknown>;
}

/**
 * The settings an Elmo was built with. Elmo keeps them in a private field with no accessor;
 * TypeScript's bracket access reads it (an `Elmo.settings` getter would be the clean way).
 */
function elmoSettings(elmo: Elmo): SavedElmoSettings {
  const config = (elmo as unknown as { config: Required<Omit<ElmoConfig, 'scalarMixParameters'>> }).config;
  return {
    numOutputRepresentations: elmo.mixes.length,
    dropout: config.dropout,
    layerNorm: elmo.mixes[0].layerNorm,
    keepSentenceBoundaries: config.keepSentenceBoundaries,
  };
}

/** Every file's contents for a saved ElmoClassifier. */
export async function elmoClassifierToFiles(model: ElmoClassifier, opts: { metadata?: Record<string, unknown> } = {}): Promise<Record<FileName, string | Uint8Array>> {
  const { pooling, wordEmbeddingDim, dropout, fineTune, seed } = model.config;
  const config: ElmoClassifierConfigFile = {
    format: ELMO_CLASSIFIER_FORMAT,
    formatVersion: ELMO_CLASSIFIER_FORMAT_VERSION,
    labels: [...model.labels],
    vocabSize: model.encoding.vocabSize,
    text: { ...model.encoding.settings },
    seed,
    head: { pooling, wordEmbeddingDim, dropout, fineTune },
    elmo: elmoSettings(model.elmo),
    ...(opts.metadata ? { metadata: opts.metadata } : {}),
  };
  const manifest: WeightsManifest = { formatVersion: ELMO_CLASSIFIER_FORMAT_VERSION, weights: [] };
  const parts: Float32Array[] = [];
  for (const [name, v] of Object.entries(model.namedWeights())) {
    manifest.weights.push({ name, shape: [...v.shape], dtype: 'float32' });
    parts.push((await v.data()) as Float32Array);
  }
  const bilm = await saveBiLm(model.elmo.bilm);
  return {
    'config.json': `${JSON.stringify(config, null, 2)}\n`,
    'vocab.json': JSON.stringify(model.encoding.vocab.toJSON()),
    'weights.json': `${JSON.stringify(manifest, null, 2)}\n`,
    'weights.bin': littleEndianBytes(concatFloat32(parts)),
    'elmo/options.json': bilm.options,
    'elmo/weights.hdf5': bilm.weights,
  };
}

/**
 * Saves an ElmoClassifier into folder `dir` (created if needed). Every file is written under a
 * temporary name first and then renamed, so a crash mid-save leaves no mixed folder.
 */
export async function saveElmoClassifier(model: ElmoClassifier, dir: string, opts: { metadata?: Record<string, unknown> } = {}): Promise<{ location: string; weightBytes: number }> {
  const files = await elmoClassifierToFiles(model, opts);
  await fs.mkdir(path.join(dir, 'elmo'), { recursive: true });
  const stamp = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const temp = (name: string) => path.join(dir, path.dirname(name), `.${path.basename(name)}.${stamp}.tmp`);
  for (const name of ELMO_CLASSIFIER_FILES) await fs.writeFile(temp(name), files[name]);
  for (const name of ELMO_CLASSIFIER_FILES) await fs.rename(temp(name), path.join(dir, name));
  const weightBytes = (files['weights.bin'] as Uint8Array).byteLength + (files['elmo/weights.hdf5'] as Uint8Array).byteLength;
  return { location: dir, weightBytes };
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function readFile(dir: string, name: FileName, binary: boolean): Promise<string | Uint8Array> {
  const file = path.join(dir, name);
  try {
    return binary ? new Uint8Array(await fs.readFile(file)) : await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new Error(`${file}: ${code === 'ENOENT' ? 'missing (a saved ELMo classifier folder holds ' + ELMO_CLASSIFIER_FILES.join(', ') + ')' : (err as Error).message}`);
  }
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

/** Checks config.json's fields; returns it typed. */
function checkConfig(raw: unknown, file: string): ElmoClassifierConfigFile {
  if (!isObject(raw)) throw new Error(`${file}: expected a JSON object`);
  if (raw.format !== ELMO_CLASSIFIER_FORMAT) throw new Error(`${file}: format is ${JSON.stringify(raw.format)}, expected "${ELMO_CLASSIFIER_FORMAT}"`);
  if (raw.formatVersion !== ELMO_CLASSIFIER_FORMAT_VERSION) {
    throw new Error(`${file}: format version ${JSON.stringify(raw.formatVersion)} is not supported (this seqflow reads version ${ELMO_CLASSIFIER_FORMAT_VERSION})`);
  }
  for (const field of ['labels', 'vocabSize', 'text', 'seed', 'head', 'elmo'] as const) {
    if (raw[field] === undefined) throw new Error(`${file}: missing field "${field}"`);
  }
  if (!Array.isArray(raw.labels) || !raw.labels.every((l: unknown) => typeof l === 'string')) throw new Error(`${file}: "labels" must be an array of strings`);
  if (!Number.isInteger(raw.vocabSize)) throw new Error(`${file}: "vocabSize" must be an integer`);
  if (!isObject(raw.text)) throw new Error(`${file}: "text" must be an object`);
  const head = raw.head;
  if (!isObject(head)) throw new Error(`${file}: "head" must be an object`);
  if (head.pooling !== 'mean' && head.pooling !== 'max') throw new Error(`${file}: "head.pooling" must be "mean" or "max", got ${JSON.stringify(head.pooling)}`);
  if (!Number.isInteger(head.wordEmbeddingDim) || head.wordEmbeddingDim < 0) throw new Error(`${file}: "head.wordEmbeddingDim" must be an integer >= 0`);
  if (typeof head.dropout !== 'number') throw new Error(`${file}: "head.dropout" must be a number`);
  if (typeof head.fineTune !== 'boolean') throw new Error(`${file}: "head.fineTune" must be true or false`);
  const elmo = raw.elmo;
  if (!isObject(elmo)) throw new Error(`${file}: "elmo" must be an object`);
  if (!Number.isInteger(elmo.numOutputRepresentations) || elmo.numOutputRepresentations < 1) throw new Error(`${file}: "elmo.numOutputRepresentations" must be an integer >= 1`);
  if (typeof elmo.dropout !== 'number') throw new Error(`${file}: "elmo.dropout" must be a number`);
  if (typeof elmo.layerNorm !== 'boolean') throw new Error(`${file}: "elmo.layerNorm" must be true or false`);
  if (typeof elmo.keepSentenceBoundaries !== 'boolean') throw new Error(`${file}: "elmo.keepSentenceBoundaries" must be true or false`);
  return raw as ElmoClassifierConfigFile;
}

function checkManifest(raw: unknown, bytes: Uint8Array, file: string, binFile: string): WeightsManifest {
  if (!isObject(raw) || !Array.isArray(raw.weights)) throw new Error(`${file}: expected { "weights": [{ name, shape, dtype }…] }`);
  if (raw.formatVersion !== ELMO_CLASSIFIER_FORMAT_VERSION) throw new Error(`${file}: format version ${JSON.stringify(raw.formatVersion)} is not supported (this seqflow reads ${ELMO_CLASSIFIER_FORMAT_VERSION})`);
  let expected = 0;
  for (const [i, w] of (raw.weights as unknown[]).entries()) {
    if (!isObject(w) || typeof w.name !== 'string' || !Array.isArray(w.shape) || !w.shape.every((d: unknown) => Number.isInteger(d) && (d as number) >= 0)) {
      throw new Error(`${file}: entry ${i} must be { name, shape: [ints], dtype }`);
    }
    if (w.dtype !== 'float32') throw new Error(`${file}: weight "${w.name}" has dtype ${JSON.stringify(w.dtype)}; only float32 is supported`);
    expected += (w.shape as number[]).reduce((a, b) => a * b, 1) * 4;
  }
  if (bytes.byteLength !== expected) throw new Error(`${binFile}: has ${bytes.byteLength} bytes, but weights.json describes ${expected}`);
  return raw as unknown as WeightsManifest;
}

/** Whether folder `dir` holds a saved ElmoClassifier (by config.json's format). */
export async function isElmoClassifierFolder(dir: string): Promise<boolean> {
  try {
    const config = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8')) as { format?: unknown };
    return config.format === ELMO_CLASSIFIER_FORMAT;
  } catch {
    return false;
  }
}

/** Loads a folder written by saveElmoClassifier (see the file comment for what it checks). */
export async function loadElmoClassifier(dir: string): Promise<ElmoClassifier> {
  let stat;
  try {
    stat = await fs.stat(dir);
  } catch {
    throw new Error(`${dir}: no such folder`);
  }
  if (!stat.isDirectory()) throw new Error(`${dir} is not a folder (a saved ELMo classifier is a folder with ${ELMO_CLASSIFIER_FILES.join(', ')})`);
  const where = (name: FileName) => path.join(dir, name);

  const config = checkConfig(parseJson((await readFile(dir, 'config.json', false)) as string, where('config.json')), where('config.json'));
  const vocab = parseJson((await readFile(dir, 'vocab.json', false)) as string, where('vocab.json')) as VocabJSON;
  if (!isObject(vocab) || !Array.isArray(vocab.itos)) throw new Error(`${where('vocab.json')}: expected { "itos": [tokens…], "defaultIndex": n }`);
  if (vocab.itos.length !== config.vocabSize) throw new Error(`${where('vocab.json')}: has ${vocab.itos.length} tokens but config.json says vocabSize ${config.vocabSize}`);
  const bytes = (await readFile(dir, 'weights.bin', true)) as Uint8Array;
  const manifest = checkManifest(parseJson((await readFile(dir, 'weights.json', false)) as string, where('weights.json')), bytes, where('weights.json'), where('weights.bin'));
  const optionsText = (await readFile(dir, 'elmo/options.json', false)) as string;
  const biLmBytes = (await readFile(dir, 'elmo/weights.hdf5', true)) as Uint8Array;

  // Errors from the biLM loader say what is wrong; the folder's file names say where.
  let elmo: Elmo;
  try {
    const options = parseElmoOptions(parseJson(optionsText, where('elmo/options.json')) as Record<string, unknown>, 'options.json');
    const arrays = await readHdf5(biLmBytes);
    // weightsFromArrays leaves the tensors it made before a mismatching dataset undisposed;
    // the tidy scope frees them when it throws (and keeps them all when it returns).
    const weights = tf.tidy(() => weightsFromArrays(arrays, options, 'weights.hdf5') as unknown as tf.TensorContainer) as unknown as BiLmWeights;
    elmo = new Elmo(new BiLm(options, weights), {
      numOutputRepresentations: config.elmo.numOutputRepresentations,
      dropout: config.elmo.dropout,
      layerNorm: config.elmo.layerNorm,
      keepSentenceBoundaries: config.elmo.keepSentenceBoundaries,
    });
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(message.includes(dir) ? message : `${where('elmo/options.json')} + ${where('elmo/weights.hdf5')}: ${message}`);
  }
  let model: ElmoClassifier;
  try {
    model = new ElmoClassifier({
      elmo,
      vocab,
      labels: config.labels,
      text: config.text,
      pooling: config.head.pooling,
      wordEmbeddingDim: config.head.wordEmbeddingDim,
      dropout: config.head.dropout,
      fineTune: config.head.fineTune,
      seed: config.seed,
    });
  } catch (err) {
    elmo.dispose();
    throw new Error(`${where('config.json')}: ${(err as Error).message}`);
  }
  try {
    assignSavedWeights(model.namedWeights(), manifest.weights, bytes, where('weights.json'), 'the config and biLM need');
    return model;
  } catch (err) {
    model.dispose();
    throw err;
  }
}

function concatFloat32(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
