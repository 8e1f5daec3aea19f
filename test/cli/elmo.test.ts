// `seqflow train --model elmo` end to end, and the ELMo classifier's saved folder.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { runCli } from './run-cli';
import { csvField } from '../../src/cli/csv-writer';
import { loadAnyClassifier } from '../../src/cli/model-folder';
import { useBackend } from '../../src/backends';
import { readCsv } from '../../src/pipeline/read-csv';
import { Elmo } from '../../src/models/elmo/elmo';
import { ElmoClassifier } from '../../src/models/elmo/elmo-classifier';
import { loadElmoClassifier, saveElmoClassifier } from '../../src/models/elmo/classifier-io';
import { TextClassifier } from '../../src/models/classifier';
import { saveClassifier } from '../../src/models/io';
import { fixture, maxAbsDiff } from '../models/elmo/fixtures';

const REVIEWS = path.resolve(__dirname, '../../../shared/data/amazon-fine-foods/train.csv');
const ELMO = `${fixture('options.json')},${fixture('lm_weights.hdf5')}`;

const run = runCli;

async function records(file: string): Promise<Record<string, string>[]> {
  const out: Record<string, string>[] = [];
  for await (const r of readCsv(file)) out.push(r);
  return out;
}

/** Probabilities of every text, row-major. */
async function probabilities(model: { predictBatch(texts: readonly string[]): Promise<{ probabilities: Record<string, number> }[]>; labels: readonly string[] }, texts: string[]): Promise<number[]> {
  return (await model.predictBatch(texts)).flatMap((p) => model.labels.map((l) => p.probabilities[l]));
}

function copyFolder(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

describe('seqflow train --model elmo', () => {
  let dir: string;
  let trainFile: string;
  let labelledFile: string;
  let testFile: string;
  let heldOut: { review: string; score: string }[];
  let model: string;
  let start: number;

  beforeAll(async () => {
    await useBackend('cpu');
    start = tf.memory().numTensors;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqflow-cli-elmo-'));
    const rows = (await records(REVIEWS)).map((r) => ({ review: r.review, score: r.score }));
    const line = (r: { review: string; score: string }) => `${csvField(r.review)},${csvField(r.score)}`;
    trainFile = path.join(dir, 'train.csv');
    fs.writeFileSync(trainFile, ['review,score', ...rows.slice(0, 200).map(line)].join('\r\n') + '\r\n');
    heldOut = rows.slice(200, 250);
    labelledFile = path.join(dir, 'labelled.csv');
    fs.writeFileSync(labelledFile, ['review,score', ...heldOut.map(line)].join('\r\n') + '\r\n');
    testFile = path.join(dir, 'test.csv');
    fs.writeFileSync(testFile, ['id,review', ...heldOut.map((r, i) => `r${i},${csvField(r.review)}`)].join('\r\n') + '\r\n');
    model = path.join(dir, 'model');
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    expect(tf.memory().numTensors).toBe(start);
  });

  it('trains, saves a self-contained folder, and evaluate / predict agree on it', async () => {
    const before = tf.memory().numTensors;
    const train = await run('train', '--model', 'elmo', '--elmo', ELMO, '--data', trainFile, '--text-column', 'review', '--label-column', 'score',
      '--epochs', '1', '--seed', '2', '--seq-length', '24', '--batch-size', '16', '--validation-split', '0.1', '--backend', 'cpu', '--out', model);
    expect(train.stderr).toContain('biLM frozen');
    expect(train.code).toBe(0);
    for (const f of ['config.json', 'vocab.json', 'weights.json', 'weights.bin', 'elmo/options.json', 'elmo/weights.hdf5']) expect(fs.existsSync(path.join(model, f)), f).toBe(true);
    const config = JSON.parse(fs.readFileSync(path.join(model, 'config.json'), 'utf8'));
    expect(config.format).toBe('seqflow-elmo-classifier');
    expect(config.head.fineTune).toBe(false);
    expect(config.text.seqLength).toBe(24);
    // A frozen biLM is saved as it was loaded.
    const original = await Elmo.load(fixture('options.json'), fixture('lm_weights.hdf5'));
    const saved = await Elmo.load(path.join(model, 'elmo/options.json'), path.join(model, 'elmo/weights.hdf5'));
    expect(maxAbsDiff(await original.bilm.weights.forward[1].wx.data(), await saved.bilm.weights.forward[1].wx.data())).toBe(0);
    original.dispose();
    saved.dispose();

    // Columns default to those trained with.
    const evaluation = await run('evaluate', '--model', model, '--data', labelledFile, '--json', '--backend', 'cpu');
    expect(evaluation.code).toBe(0);
    const scores = JSON.parse(evaluation.stdout.trim());
    const unseen = heldOut.filter((r) => !config.labels.includes(r.score)).length;
    expect(scores.n).toBe(heldOut.length - unseen);

    const submission = path.join(dir, 'submission.csv');
    const predict = await run('predict', '--model', model, '--data', testFile, '--id-column', 'id', '--out', submission, '--probabilities', '--backend', 'cpu');
    expect(predict.code).toBe(0);
    const rows = await records(submission);
    expect(Object.keys(rows[0])).toEqual(['id', 'class', ...config.labels]);
    expect(rows.map((r) => r.id)).toEqual(heldOut.map((_, i) => `r${i}`));
    for (const r of rows) {
      const probs = config.labels.map((l: string) => Number(r[l]));
      expect(probs.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 4);
      expect(config.labels[probs.indexOf(Math.max(...probs))]).toBe(r.class);
    }
    const known = heldOut.map((r, i) => ({ truth: r.score, predicted: rows[i].class })).filter((r) => config.labels.includes(r.truth));
    const accuracy = known.filter((r) => r.truth === r.predicted).length / known.length;
    expect(accuracy).toBeCloseTo(scores.accuracy, 10);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('round-trips a fine-tuned classifier with a word embedding: same probabilities after loading', async () => {
    const before = tf.memory().numTensors;
    const vocab = { itos: ['<UNK>', '<PAD>', 'good', 'bad', 'tea', 'the', 'was'], defaultIndex: 0 };
    const elmo = await Elmo.load(fixture('options.json'), fixture('lm_weights.hdf5'), { layerNorm: true });
    const trained = new ElmoClassifier({ elmo, vocab, labels: ['neg', 'pos', 'meh'], text: { seqLength: 8 }, pooling: 'mean', wordEmbeddingDim: 4, fineTune: true, seed: 5 });
    // Move the biLM and the mix away from their starting values, as fine-tuning would.
    const wx = trained.elmo.bilm.weights.forward[0].wx as tf.Variable;
    tf.tidy(() => wx.assign(tf.mul(wx, 1.5)));
    tf.tidy(() => trained.elmo.mixes[0].weights.assign(tf.tensor1d([0.5, -1, 2])));
    const texts = ['the tea was good', 'bad tea', '', 'unheard words here, the tea was bad'];
    const expected = await probabilities(trained, texts);
    const folder = path.join(dir, 'fine-tuned');
    await saveElmoClassifier(trained, folder);
    trained.dispose();

    const loaded = await loadElmoClassifier(folder);
    expect(loaded.config).toMatchObject({ pooling: 'mean', wordEmbeddingDim: 4, fineTune: true, seed: 5 });
    expect(maxAbsDiff(await probabilities(loaded, texts), expected)).toBeLessThan(1e-6);
    loaded.dispose();

    // The CLI's dispatcher picks the right loader for either kind of folder.
    const any = await loadAnyClassifier(model);
    expect(any).toBeInstanceOf(ElmoClassifier);
    const reviews = heldOut.slice(0, 10).map((r) => r.review);
    const fromCli = await probabilities(any, reviews);
    const resaved = path.join(dir, 'resaved');
    await saveElmoClassifier(any as ElmoClassifier, resaved);
    any.dispose();
    const again = await loadElmoClassifier(resaved);
    expect(maxAbsDiff(await probabilities(again, reviews), fromCli)).toBeLessThan(1e-6);
    again.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 30_000);

  it('--fine-tune trains the biLM too and saves its new weights in the folder', async () => {
    const before = tf.memory().numTensors;
    const small = path.join(dir, 'small.csv');
    fs.writeFileSync(small, fs.readFileSync(trainFile, 'utf8').split('\r\n').slice(0, 33).join('\r\n') + '\r\n');
    const folder = path.join(dir, 'fine-tuned-cli');
    const train = await run('train', '--model', 'elmo', '--elmo', ELMO, '--fine-tune', '--data', small, '--text-column', 'review', '--label-column', 'score',
      '--epochs', '1', '--seq-length', '24', '--batch-size', '16', '--validation-split', '0', '--learning-rate', '0.01', '--backend', 'cpu', '--out', folder);
    expect(train.code, train.stderr).toBe(0);
    expect(train.stderr).toContain('fine-tuning the biLM');
    expect(JSON.parse(fs.readFileSync(path.join(folder, 'config.json'), 'utf8')).head.fineTune).toBe(true);
    const original = await Elmo.load(fixture('options.json'), fixture('lm_weights.hdf5'));
    const tuned = await Elmo.load(path.join(folder, 'elmo/options.json'), path.join(folder, 'elmo/weights.hdf5'));
    expect(maxAbsDiff(await original.bilm.weights.forward[0].wx.data(), await tuned.bilm.weights.forward[0].wx.data())).toBeGreaterThan(1e-4);
    expect(maxAbsDiff(await original.bilm.weights.charCnn.charEmbed.data(), await tuned.bilm.weights.charCnn.charEmbed.data())).toBeGreaterThan(1e-4);
    original.dispose();
    tuned.dispose();
    const submission = path.join(dir, 'fine-tuned.csv');
    expect((await run('predict', '--model', folder, '--data', testFile, '--out', submission, '--backend', 'cpu')).code).toBe(0);
    expect((await records(submission)).length).toBe(heldOut.length);
    expect(tf.memory().numTensors).toBe(before);
  }, 30_000);

  it('a recurrent model folder still loads through the dispatcher', async () => {
    const plain = new TextClassifier({ vocab: { itos: ['<UNK>', '<PAD>', 'a'], defaultIndex: 0 }, labels: ['x', 'y'], text: { seqLength: 4 }, architecture: { encoder: 'gru', hiddenSize: 4 } });
    const folder = path.join(dir, 'gru');
    await saveClassifier(plain, folder);
    plain.dispose();
    const loaded = await loadAnyClassifier(folder);
    expect(loaded).toBeInstanceOf(TextClassifier);
    loaded.dispose();
  });

  it('refuses --model elmo without --elmo, or with one file (exit 2)', async () => {
    const missing = await run('train', '--model', 'elmo', '--data', trainFile, '--out', path.join(dir, 'never'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('needs --elmo options.json,weights.hdf5');
    const one = await run('train', '--model', 'elmo', '--elmo', fixture('options.json'), '--data', trainFile, '--out', path.join(dir, 'never'));
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('two files');
    const stray = await run('train', '--model', 'gru', '--fine-tune', '--data', trainFile, '--out', path.join(dir, 'never'));
    expect(stray.code).toBe(2);
    const hidden = await run('train', '--model', 'elmo', '--elmo', ELMO, '--hidden', '8', '--data', trainFile, '--out', path.join(dir, 'never'));
    expect(hidden.code).toBe(2);
    expect(hidden.stderr).toContain('--hidden does not apply');
    // A biLM file that is not there: a failed run (exit 1) naming it.
    const absent = path.join(dir, 'absent-options.json');
    const gone = await run('train', '--model', 'elmo', '--elmo', `${absent},${fixture('lm_weights.hdf5')}`, '--data', trainFile,
      '--text-column', 'review', '--label-column', 'score', '--backend', 'cpu', '--out', path.join(dir, 'never'));
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(absent);
    expect(fs.existsSync(path.join(dir, 'never'))).toBe(false);
    const help = await run('train', '--help');
    expect(help.stdout).toContain('--elmo options.json,weights.hdf5');
  });

  it('names the missing or mismatching file and leaves no tensors when a folder is broken', async () => {
    const before = tf.memory().numTensors;
    const broken = (name: string, change: (folder: string) => void): string => {
      const folder = path.join(dir, `broken-${name}`);
      copyFolder(model, folder);
      change(folder);
      return folder;
    };
    const noHdf5 = broken('hdf5', (f) => fs.rmSync(path.join(f, 'elmo/weights.hdf5')));
    const r = await run('evaluate', '--model', noHdf5, '--data', labelledFile, '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(path.join(noHdf5, 'elmo/weights.hdf5'));
    expect(r.stderr).toContain('missing');

    const edit = (f: string, name: string, fn: (json: any) => void) => {
      const file = path.join(f, name);
      const json = JSON.parse(fs.readFileSync(file, 'utf8'));
      fn(json);
      fs.writeFileSync(file, JSON.stringify(json));
    };
    // One more label: the dense layer in weights.bin no longer fits what config.json builds.
    const extraLabel = broken('labels', (f) => edit(f, 'config.json', (c) => c.labels.push('surprise')));
    await expect(loadElmoClassifier(extraLabel)).rejects.toThrow(`${path.join(extraLabel, 'weights.json')}: weight "fc.weight" has shape`);
    const badShape = broken('shape', (f) => edit(f, 'weights.json', (m) => (m.weights[0].shape = [99])));
    await expect(loadElmoClassifier(badShape)).rejects.toThrow(path.join(badShape, 'weights.bin'));
    const version = broken('version', (f) => edit(f, 'config.json', (c) => (c.formatVersion = 7)));
    await expect(loadElmoClassifier(version)).rejects.toThrow(`${path.join(version, 'config.json')}: format version 7`);
    // A biLM of another size than the head was trained on.
    const otherBiLm = broken('bilm', (f) => edit(f, 'elmo/options.json', (o) => (o.lstm.projection_dim = 8)));
    await expect(loadElmoClassifier(otherBiLm)).rejects.toThrow(/elmo[/\\]options\.json/);
    const noVocab = broken('vocab', (f) => fs.rmSync(path.join(f, 'vocab.json')));
    await expect(loadAnyClassifier(noVocab)).rejects.toThrow(`${path.join(noVocab, 'vocab.json')}: missing`);
    expect(tf.memory().numTensors).toBe(before);
  }, 30_000);
});
