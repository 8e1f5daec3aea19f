import * as tf from '@tensorflow/tfjs-core';
import { assignSavedWeights, littleEndianBytes } from './weight-bytes';
import { TextClassifier, validateConfig, type ClassifierArchitecture } from './classifier';
import type { TextSettings, VocabJSON } from './text-encoding';

/**
 * Saving and loading a TextClassifier.
 *
 * A saved classifier is four files: `config.json` (format name and version, architecture,
 * labels, text settings), `vocab.json`, `weights.json` (the manifest: name, shape and dtype of
 * each tensor, in the order their bytes appear) and `weights.bin` (little-endian float32).
 * In Node they go in one folder; a browser reads the same files from a URL or dropped files.
 * Through tfjs IO handlers (IndexedDB, downloads) the same content travels as ModelArtifacts:
 * config and vocabulary in `modelTopology`, the manifest as `weightSpecs`.
 *
 * Loading checks everything (files present, format, version, shapes, byte counts) before a
 * model is returned; a mismatch throws an error naming the file and what is wrong, and
 * leaves no half-built model or tensors behind.
 */

export const CLASSIFIER_FORMAT = 'seqflow-text-classifier';
export const CLASSIFIER_FORMAT_VERSION = 1;
export const CLASSIFIER_FILES = ['config.json', 'vocab.json', 'weights.json', 'weights.bin'] as const;
export type ClassifierFileName = (typeof CLASSIFIER_FILES)[number];

export interface ClassifierConfigFile {
  format: typeof CLASSIFIER_FORMAT;
  formatVersion: number;
  architecture: ClassifierArchitecture;
  seed: number;
  vocabSize: number;
  labels: string[];
  text: TextSettings;
  /** Free-form facts about training (data, metrics), for people reading the folder. */
  metadata?: Record<string, unknown>;
}

export interface WeightsManifest {
  formatVersion: number;
  weights: { name: string; shape: number[]; dtype: 'float32' }[];
}

/** The four files' contents. */
export interface ClassifierFiles {
  'config.json': string;
  'vocab.json': string;
  'weights.json': string;
  'weights.bin': Uint8Array;
}

export interface SaveOptions {
  metadata?: Record<string, unknown>;
}

const ARCHITECTURE_KEYS: (keyof ClassifierArchitecture)[] = [
  'embeddingDim',
  'encoder',
  'hiddenSize',
  'numLayers',
  'dropout',
  'pooling',
  'initialState',
];

// ---------------------------------------------------------------- to and from files

export async function classifierToFiles(model: TextClassifier, opts: SaveOptions = {}): Promise<ClassifierFiles> {
  const architecture = Object.fromEntries(ARCHITECTURE_KEYS.map((k) => [k, model.config[k]])) as unknown as ClassifierArchitecture;
  const config: ClassifierConfigFile = {
    format: CLASSIFIER_FORMAT,
    formatVersion: CLASSIFIER_FORMAT_VERSION,
    architecture,
    seed: model.config.seed,
    vocabSize: model.config.vocabSize,
    labels: [...model.labels],
    text: { ...model.encoding.settings },
    ...(opts.metadata ? { metadata: opts.metadata } : {}),
  };
  const named = model.namedWeights();
  const manifest: WeightsManifest = { formatVersion: CLASSIFIER_FORMAT_VERSION, weights: [] };
  const parts: Float32Array[] = [];
  for (const [name, v] of Object.entries(named)) {
    manifest.weights.push({ name, shape: [...v.shape], dtype: 'float32' });
    parts.push((await v.data()) as Float32Array);
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const all = new Float32Array(total);
  let offset = 0;
  for (const p of parts) {
    all.set(p, offset);
    offset += p.length;
  }
  return {
    'config.json': JSON.stringify(config, null, 2) + '\n',
    'vocab.json': JSON.stringify(model.encoding.vocab.toJSON()) + '\n',
    'weights.json': JSON.stringify(manifest, null, 2) + '\n',
    'weights.bin': littleEndianBytes(all),
  };
}

/** Builds a classifier from the four files' contents; `where` names their origin in errors. */
export function classifierFromFiles(
  files: Partial<Record<ClassifierFileName, string | Uint8Array | ArrayBuffer>>,
  where = 'classifier',
): TextClassifier {
  const missing = CLASSIFIER_FILES.filter((f) => files[f] === undefined);
  if (missing.length) throw new Error(`${where}: missing ${missing.join(', ')} (a saved classifier has ${CLASSIFIER_FILES.join(', ')})`);
  const config = parseJson(files['config.json']!, `${where}/config.json`);
  const vocab = parseJson(files['vocab.json']!, `${where}/vocab.json`);
  const manifest = parseJson(files['weights.json']!, `${where}/weights.json`);
  const bin = files['weights.bin']!;
  const bytes = typeof bin === 'string' ? undefined : bin instanceof Uint8Array ? bin : new Uint8Array(bin);
  if (!bytes) throw new Error(`${where}/weights.bin: expected binary data, got text`);
  return buildClassifier(config, vocab, manifest, bytes, where);
}

// ---------------------------------------------------------------- tfjs IO handlers

/** The classifier as tfjs ModelArtifacts (config and vocabulary in modelTopology). */
export async function classifierToArtifacts(model: TextClassifier, opts: SaveOptions = {}): Promise<tf.io.ModelArtifacts> {
  const files = await classifierToFiles(model, opts);
  const manifest = JSON.parse(files['weights.json']) as WeightsManifest;
  const bin = files['weights.bin'];
  return {
    format: CLASSIFIER_FORMAT,
    generatedBy: 'seqflow',
    modelTopology: { config: JSON.parse(files['config.json']), vocab: JSON.parse(files['vocab.json']) },
    weightSpecs: manifest.weights,
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
  };
}

export function classifierFromArtifacts(artifacts: tf.io.ModelArtifacts, where = 'model artifacts'): TextClassifier {
  const topology = artifacts.modelTopology as { config?: unknown; vocab?: unknown } | ArrayBuffer | undefined;
  if (!topology || topology instanceof ArrayBuffer || topology.config === undefined) {
    throw new Error(`${where}: modelTopology has no seqflow classifier config (was it saved by saveClassifier?)`);
  }
  if (topology.vocab === undefined) throw new Error(`${where}: modelTopology has no vocab`);
  if (!artifacts.weightSpecs) throw new Error(`${where}: no weightSpecs (weights manifest)`);
  if (!artifacts.weightData) throw new Error(`${where}: no weight data`);
  const data = artifacts.weightData;
  const buffer = Array.isArray(data) ? concatBuffers(data) : data;
  const manifest = { formatVersion: CLASSIFIER_FORMAT_VERSION, weights: artifacts.weightSpecs };
  return buildClassifier(topology.config, topology.vocab, manifest, new Uint8Array(buffer), where);
}

// ---------------------------------------------------------------- save / load entry points

export interface SaveResult {
  /** Where it went: a folder path, or the tfjs URL. */
  location: string;
  /** Bytes of weights written. */
  weightBytes: number;
}

/**
 * Saves a classifier. `destination`: a folder path (Node); `indexeddb://name`,
 * `localstorage://name` or `downloads://name` (browser, through tfjs's handlers); or any tfjs
 * IOHandler with `save`.
 */
export async function saveClassifier(model: TextClassifier, destination: string | tf.io.IOHandler, opts: SaveOptions = {}): Promise<SaveResult> {
  if (typeof destination !== 'string') {
    if (!destination.save) throw new Error('saveClassifier: the IO handler has no save method');
    const artifacts = await classifierToArtifacts(model, opts);
    await destination.save(artifacts);
    return { location: 'io handler', weightBytes: (artifacts.weightData as ArrayBuffer).byteLength };
  }
  if (hasScheme(destination)) {
    const handlers = tf.io.getSaveHandlers(destination);
    if (handlers.length === 0) throw new Error(`saveClassifier: no tfjs save handler for "${destination}" in this environment`);
    const handler = handlers[0];
    if (!handler.save) throw new Error(`saveClassifier: the tfjs handler for "${destination}" cannot save`);
    const artifacts = await classifierToArtifacts(model, opts);
    await handler.save(artifacts);
    return { location: destination, weightBytes: (artifacts.weightData as ArrayBuffer).byteLength };
  }
  const files = await classifierToFiles(model, opts);
  await writeFolder(destination, files);
  return { location: destination, weightBytes: files['weights.bin'].byteLength };
}

/**
 * Loads a classifier from: a folder path (Node); an http(s) or relative URL of a folder
 * holding the four files (browser, or Node's fetch); `indexeddb://name` / `localstorage://name`;
 * dropped files (the four files, or a `downloads://` pair `name.json` + `name.weights.bin`);
 * a tfjs IOHandler with `load`; or the files' contents.
 */
export async function loadClassifier(
  source: string | URL | tf.io.IOHandler | ArrayLike<Blob & { name: string }> | Partial<ClassifierFiles>,
): Promise<TextClassifier> {
  if (source instanceof URL) return loadFromUrl(source.href);
  if (typeof source === 'string') {
    if (/^https?:\/\//i.test(source) || (!isNode() && !hasScheme(source))) return loadFromUrl(source);
    if (hasScheme(source)) {
      const handlers = tf.io.getLoadHandlers(source);
      if (handlers.length === 0) throw new Error(`loadClassifier: no tfjs load handler for "${source}" in this environment`);
      const handler = handlers[0];
      if (!handler.load) throw new Error(`loadClassifier: the tfjs handler for "${source}" cannot load`);
      return classifierFromArtifacts(await handler.load(), source);
    }
    return classifierFromFiles(await readFolder(source), source);
  }
  if (isIOHandler(source)) {
    if (!source.load) throw new Error('loadClassifier: the IO handler has no load method');
    return classifierFromArtifacts(await source.load(), 'io handler');
  }
  if (isFileList(source)) return loadFromFileList(source);
  return classifierFromFiles(source as Partial<ClassifierFiles>, 'files');
}

async function loadFromUrl(url: string): Promise<TextClassifier> {
  const base = url.endsWith('/') ? url : `${url}/`;
  const get = async (name: ClassifierFileName): Promise<string | Uint8Array> => {
    let response: Response;
    try {
      response = await fetch(base + name);
    } catch (err) {
      throw new Error(`loadClassifier: could not fetch ${base + name}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!response.ok) throw new Error(`loadClassifier: ${base + name}: HTTP ${response.status} ${response.statusText} (missing file?)`);
    return name === 'weights.bin' ? new Uint8Array(await response.arrayBuffer()) : await response.text();
  };
  const contents = await Promise.all(CLASSIFIER_FILES.map(get));
  return classifierFromFiles(Object.fromEntries(CLASSIFIER_FILES.map((n, i) => [n, contents[i]])), url);
}

async function loadFromFileList(list: ArrayLike<Blob & { name: string }>): Promise<TextClassifier> {
  const files = Array.from(list);
  const byName = new Map(files.map((f) => [baseName(f.name), f]));
  if (CLASSIFIER_FILES.some((n) => byName.has(n))) {
    const contents: Partial<Record<ClassifierFileName, string | Uint8Array>> = {};
    for (const n of CLASSIFIER_FILES) {
      const f = byName.get(n);
      if (f) contents[n] = n === 'weights.bin' ? new Uint8Array(await f.arrayBuffer()) : await f.text();
    }
    return classifierFromFiles(contents, 'dropped files');
  }
  // A tfjs downloads:// pair: NAME.json (topology + manifest) and NAME.weights.bin.
  const json = files.find((f) => f.name.endsWith('.json'));
  const bins = files.filter((f) => f.name.endsWith('.bin'));
  if (!json || bins.length === 0) {
    throw new Error(
      `loadClassifier: dropped files [${files.map((f) => f.name).join(', ')}] are neither a saved folder ` +
        `(${CLASSIFIER_FILES.join(', ')}) nor a tfjs download (NAME.json + NAME.weights.bin)`,
    );
  }
  const modelJson = parseJson(await json.text(), json.name) as tf.io.ModelJSON;
  const specs = modelJson.weightsManifest?.flatMap((g) => g.weights) ?? [];
  const buffers = await Promise.all(bins.map((b) => b.arrayBuffer()));
  return classifierFromArtifacts(
    { modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData: concatBuffers(buffers) },
    json.name,
  );
}

// ---------------------------------------------------------------- validation and construction

function buildClassifier(configRaw: unknown, vocabRaw: unknown, manifestRaw: unknown, bytes: Uint8Array, where: string): TextClassifier {
  const configFile = `${where}/config.json`;
  const config = configRaw as Partial<ClassifierConfigFile>;
  if (!isObject(config)) throw new Error(`${configFile}: expected a JSON object`);
  if (config.format !== CLASSIFIER_FORMAT) {
    throw new Error(`${configFile}: format is ${JSON.stringify(config.format)}, expected "${CLASSIFIER_FORMAT}"`);
  }
  if (config.formatVersion !== CLASSIFIER_FORMAT_VERSION) {
    throw new Error(
      `${configFile}: format version ${JSON.stringify(config.formatVersion)} is not supported ` +
        `(this seqflow reads version ${CLASSIFIER_FORMAT_VERSION})`,
    );
  }
  for (const field of ['architecture', 'labels', 'text', 'vocabSize', 'seed'] as const) {
    if (config[field] === undefined) throw new Error(`${configFile}: missing field "${field}"`);
  }
  if (!isObject(config.architecture)) throw new Error(`${configFile}: "architecture" must be an object`);
  for (const key of ARCHITECTURE_KEYS) {
    if ((config.architecture as unknown as Record<string, unknown>)[key] === undefined) throw new Error(`${configFile}: missing field "architecture.${key}"`);
  }
  if (!Array.isArray(config.labels) || !config.labels.every((l) => typeof l === 'string')) {
    throw new Error(`${configFile}: "labels" must be an array of strings`);
  }
  try {
    validateConfig({ ...config.architecture, vocabSize: config.vocabSize!, numClasses: config.labels.length, seed: config.seed! });
  } catch (err) {
    throw new Error(`${configFile}: ${(err as Error).message}`);
  }

  const vocabFile = `${where}/vocab.json`;
  const vocab = vocabRaw as VocabJSON;
  if (!isObject(vocab) || !Array.isArray(vocab.itos)) throw new Error(`${vocabFile}: expected { "itos": [tokens…], "defaultIndex": n }`);
  if (vocab.itos.length !== config.vocabSize) {
    throw new Error(`${vocabFile}: has ${vocab.itos.length} tokens but config.json says vocabSize ${config.vocabSize}`);
  }

  const manifestFile = `${where}/weights.json`;
  const manifest = manifestRaw as WeightsManifest;
  if (!isObject(manifest) || !Array.isArray(manifest.weights)) throw new Error(`${manifestFile}: expected { "weights": [{ name, shape, dtype }…] }`);
  if (manifest.formatVersion !== undefined && manifest.formatVersion !== CLASSIFIER_FORMAT_VERSION) {
    throw new Error(`${manifestFile}: format version ${manifest.formatVersion} is not supported (this seqflow reads ${CLASSIFIER_FORMAT_VERSION})`);
  }
  let expectedBytes = 0;
  for (const [i, w] of manifest.weights.entries()) {
    if (!isObject(w) || typeof w.name !== 'string' || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new Error(`${manifestFile}: entry ${i} must be { name, shape: [ints], dtype }`);
    }
    if (w.dtype !== 'float32') throw new Error(`${manifestFile}: weight "${w.name}" has dtype ${w.dtype}; only float32 is supported`);
    expectedBytes += w.shape.reduce((a, b) => a * b, 1) * 4;
  }
  if (bytes.byteLength !== expectedBytes) {
    throw new Error(`${where}/weights.bin: has ${bytes.byteLength} bytes, but weights.json describes ${expectedBytes}`);
  }

  // Check names and shapes against the model this config builds, before any tensor exists.
  const model = new TextClassifier({
    vocab,
    labels: config.labels,
    text: config.text,
    architecture: config.architecture,
    seed: config.seed,
  });
  try {
    assignSavedWeights(model.namedWeights(), manifest.weights, bytes, manifestFile);
    return model;
  } catch (err) {
    model.dispose();
    throw err;
  }
}

// ---------------------------------------------------------------- Node folder access

function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
}

// Node's fs is reached through a name held in a variable so that browser bundles of this
// file do not try to include it; folder paths are only accepted in Node.
function nodeFs(): typeof import('node:fs/promises') {
  if (!isNode() || typeof require !== 'function') throw new Error('saveClassifier/loadClassifier: folder paths work only in Node; in a browser use a URL, indexeddb:// or downloads://');
  const name = 'node:fs/promises';
  return require(name);
}

async function writeFolder(dir: string, files: ClassifierFiles): Promise<void> {
  const fs = nodeFs();
  await fs.mkdir(dir, { recursive: true });
  // Write every file under a temporary name first, then rename: a crash mid-save never
  // leaves a folder whose files come from two different models.
  const stamp = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  for (const name of CLASSIFIER_FILES) await fs.writeFile(joinPath(dir, `.${name}.${stamp}.tmp`), files[name]);
  for (const name of CLASSIFIER_FILES) await fs.rename(joinPath(dir, `.${name}.${stamp}.tmp`), joinPath(dir, name));
}

async function readFolder(dir: string): Promise<Partial<Record<ClassifierFileName, string | Uint8Array>>> {
  const fs = nodeFs();
  let stat;
  try {
    stat = await fs.stat(dir);
  } catch {
    throw new Error(`loadClassifier: ${dir}: no such folder`);
  }
  if (!stat.isDirectory()) throw new Error(`loadClassifier: ${dir} is not a folder (a saved classifier is a folder with ${CLASSIFIER_FILES.join(', ')})`);
  const out: Partial<Record<ClassifierFileName, string | Uint8Array>> = {};
  for (const name of CLASSIFIER_FILES) {
    try {
      out[name] = name === 'weights.bin' ? new Uint8Array(await fs.readFile(joinPath(dir, name))) : await fs.readFile(joinPath(dir, name), 'utf8');
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') throw new Error(`loadClassifier: ${joinPath(dir, name)}: ${(err as Error).message}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------- small helpers

function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? dir + name : `${dir}/${name}`;
}

function baseName(p: string): string {
  return p.replace(/^.*[\\/]/, '');
}

function hasScheme(s: string): boolean {
  // Two letters or more, so that Windows drive letters (C:\) stay paths.
  return /^[a-z][a-z0-9+.-]+:\/\//i.test(s);
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIOHandler(v: unknown): v is tf.io.IOHandler {
  return isObject(v) && (typeof v.load === 'function' || typeof v.save === 'function');
}

function isFileList(v: unknown): v is ArrayLike<Blob & { name: string }> {
  if (typeof v !== 'object' || v === null || typeof (v as ArrayLike<unknown>).length !== 'number') return false;
  const first = (v as ArrayLike<unknown>)[0];
  return typeof Blob !== 'undefined' && first instanceof Blob && typeof (first as { name?: unknown }).name === 'string';
}

function parseJson(content: string | Uint8Array | ArrayBuffer, file: string): unknown {
  const text = typeof content === 'string' ? content : new TextDecoder().decode(content);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

function concatBuffers(buffers: ArrayBuffer[]): ArrayBuffer {
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out.buffer;
}
