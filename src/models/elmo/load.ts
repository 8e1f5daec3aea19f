/**
 * Loading and saving a biLM as the pair of files bilm-tf and AllenNLP use: `options.json`
 * and `weights.hdf5`. Paths work in Node (URLs in a browser); bytes and objects work anywhere.
 */
import { BiLm } from './bilm';
import { BiLmWeights, weightsFromArrays, weightsToArrays } from './bilm-weights';
import { Hdf5Source, readHdf5, writeHdf5 } from './hdf5-weights';
import { isNode, nodeBuiltin } from './node-modules';
import { ElmoOptions, parseElmoOptions } from './options';

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');

/** A path or URL to options.json, its text, or the parsed object. */
export type OptionsSource = string | ElmoOptions | Record<string, unknown>;

async function readText(path: string): Promise<string> {
  if (isNode && !/^https?:/.test(path)) {
    const fs = await nodeBuiltin<Fs>('fs/promises', path);
    try {
      return await fs.readFile(path, 'utf8');
    } catch (err) {
      throw new Error(`${path}: cannot read (${(err as Error).message})`);
    }
  }
  const res = await fetch(path);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.text();
}

export async function loadElmoOptions(source: OptionsSource): Promise<ElmoOptions> {
  if (typeof source !== 'string') return parseElmoOptions(source, 'options');
  if (source.trimStart().startsWith('{')) return parseElmoOptions(source, 'options');
  return parseElmoOptions(await readText(source), source);
}

export async function loadBiLmWeights(options: ElmoOptions, weights: Hdf5Source): Promise<BiLmWeights> {
  const name = typeof weights === 'string' ? weights : 'weights.hdf5';
  return weightsFromArrays(await readHdf5(weights), options, name);
}

/** A biLM from options.json and weights.hdf5 (paths, text/bytes, or objects). */
export async function loadBiLm(
  optionsSource: OptionsSource,
  weightsSource: Hdf5Source,
  config: { stateful?: boolean } = {},
): Promise<BiLm> {
  const options = await loadElmoOptions(optionsSource);
  return new BiLm(options, await loadBiLmWeights(options, weightsSource), config.stateful ?? false);
}

/**
 * Writes a biLM's options and weights. With a directory (Node), writes `options.json` and
 * `weights.hdf5` there; always returns both, as text and bytes.
 */
export async function saveBiLm(
  bilm: { options: ElmoOptions; weights: BiLmWeights },
  directory?: string,
): Promise<{ options: string; weights: Uint8Array }> {
  const optionsText = JSON.stringify({ ...bilm.options, char_cnn: { ...bilm.options.char_cnn, n_characters: 262 } }, null, 2);
  const bytes = await writeHdf5(await weightsToArrays(bilm.weights));
  if (directory !== undefined) {
    const fs = await nodeBuiltin<Fs>('fs/promises', 'saveBiLm to a directory');
    const path = await nodeBuiltin<Path>('path', 'saveBiLm to a directory');
    await fs.mkdir(directory, { recursive: true });
    await fs.writeFile(path.join(directory, 'options.json'), optionsText);
    await fs.writeFile(path.join(directory, 'weights.hdf5'), bytes);
  }
  return { options: optionsText, weights: bytes };
}
