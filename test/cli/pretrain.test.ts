// `seqflow pretrain` end to end: a tiny biLM on a real text stream, its checkpoint folder,
// resuming from it, and a classifier trained on top of it with `seqflow train --model elmo`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { runCli } from './run-cli';
import { csvField } from '../../src/cli/csv-writer';
import { useBackend } from '../../src/backends';
import { readCsv } from '../../src/pipeline/read-csv';
import { readLines } from '../../src/pipeline/read-lines';
import { Elmo } from '../../src/models/elmo/elmo';

const AUSTEN = path.resolve(__dirname, '../../../shared/data/austen/austen.txt');
const REVIEWS = path.resolve(__dirname, '../../../shared/data/amazon-fine-foods/train.csv');

describe('seqflow pretrain', () => {
  let dir: string;
  let corpus: string;
  let reviews: string;
  let out: string;
  let start: number;

  beforeAll(async () => {
    await useBackend('cpu');
    start = tf.memory().numTensors;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqflow-cli-pretrain-'));
    const lines: string[] = [];
    for await (const line of readLines(AUSTEN, { skipEmpty: true })) {
      lines.push(line);
      if (lines.length === 600) break;
    }
    corpus = path.join(dir, 'austen.txt');
    fs.writeFileSync(corpus, `${lines.join('\n')}\n`);
    const rows: string[] = ['review,score'];
    for await (const r of readCsv(REVIEWS)) {
      rows.push(`${csvField(r.review)},${csvField(r.score)}`);
      if (rows.length > 60) break;
    }
    reviews = path.join(dir, 'reviews.csv');
    fs.writeFileSync(reviews, `${rows.join('\r\n')}\r\n`);
    out = path.join(dir, 'elmo');
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    expect(tf.memory().numTensors).toBe(start);
  });

  const small = (vocabSize: number) => ['--size', 'tiny', '--batch-size', '16', '--max-batches', '6', '--vocab-size', String(vocabSize), '--sampled', '64', '--held-out', '0.1', '--backend', 'cpu'];
  const common = small(400);

  it('trains on a text file, logs each epoch with held-out perplexity, and leaves a checkpoint in the bilm-tf layout', async () => {
    const r = await runCli('pretrain', '--data', corpus, '--out', out, '--epochs', '2', ...common);
    expect(r.stderr).toMatch(/vocabulary 400 words; tiny biLM/);
    expect(r.code, r.stderr).toBe(0);
    const epochs = [...r.stderr.matchAll(/^epoch (\d+): loss ([\d.]+); held-out perplexity forward ([\d.]+), backward ([\d.]+); (\d+) tokens/gm)];
    expect(epochs.map((m) => Number(m[1]))).toEqual([1, 2]);
    for (const m of epochs) {
      // Below a uniform guess over the 400 words, from the first epoch on.
      expect(Number(m[3])).toBeLessThan(400);
      expect(Number(m[4])).toBeLessThan(400);
    }
    const options = JSON.parse(fs.readFileSync(path.join(out, 'options.json'), 'utf8'));
    const vocab = fs.readFileSync(path.join(out, 'vocab.txt'), 'utf8').trimEnd().split('\n');
    expect(vocab.slice(0, 3)).toEqual(['<S>', '</S>', '<UNK>']);
    expect(options.n_tokens_vocab).toBe(vocab.length);
    expect(vocab.length).toBe(400);
    const log = JSON.parse(fs.readFileSync(path.join(out, 'pretrain-log.json'), 'utf8'));
    expect(log.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2]);
    // The checkpoint loads as ELMo and embeds.
    const elmo = await Elmo.load(path.join(out, 'options.json'), path.join(out, 'weights.hdf5'));
    const output = elmo.embed([['it', 'is', 'a', 'truth']]);
    expect(output.representations[0].shape).toEqual([1, 4, 2 * options.lstm.projection_dim]);
    Elmo.disposeOutput(output);
    elmo.dispose();
  });

  it('--resume continues from the checkpoint: same vocabulary, new weights, the epoch count goes on', async () => {
    const before = fs.readFileSync(path.join(out, 'weights.hdf5'));
    const vocabBefore = fs.readFileSync(path.join(out, 'vocab.txt'), 'utf8');
    const r = await runCli('pretrain', '--data', corpus, '--out', out, '--resume', '--epochs', '1', ...common);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/resuming from .* after 2 epoch\(s\): vocabulary 400/);
    expect(r.stderr).toMatch(/^epoch 3: loss/m);
    expect(fs.readFileSync(path.join(out, 'vocab.txt'), 'utf8')).toBe(vocabBefore);
    expect(fs.readFileSync(path.join(out, 'weights.hdf5')).equals(before)).toBe(false);
    const log = JSON.parse(fs.readFileSync(path.join(out, 'pretrain-log.json'), 'utf8'));
    expect(log.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2, 3]);
  });

  it('reads the text column of a CSV beside a text file, and its biLM carries a classifier through seqflow train --model elmo', async () => {
    const csvOut = path.join(dir, 'elmo-reviews');
    const p = await runCli('pretrain', '--data', `${reviews},${corpus}`, '--text-column', 'review', '--out', csvOut, '--epochs', '1', ...small(3000));
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/vocabulary \d+ words/);
    // Words of both sources: the reviews' (coffee) and Austen's (dashwood).
    const words = new Set(fs.readFileSync(path.join(csvOut, 'vocab.txt'), 'utf8').split('\n'));
    expect(words.has('coffee') && words.has('dashwood')).toBe(true);
    const model = path.join(dir, 'model');
    const t = await runCli('train', '--data', reviews, '--text-column', 'review', '--label-column', 'score', '--model', 'elmo',
      '--elmo', `${path.join(csvOut, 'options.json')},${path.join(csvOut, 'weights.hdf5')}`,
      '--epochs', '1', '--seq-length', '16', '--batch-size', '16', '--validation-split', '0', '--backend', 'cpu', '--out', model);
    expect(t.code, t.stderr).toBe(0);
    expect(fs.existsSync(path.join(model, 'elmo', 'weights.hdf5'))).toBe(true);
  });

  it('says what is wrong with the call', async () => {
    const usage = async (...args: string[]) => {
      const r = await runCli('pretrain', ...args);
      expect(r.code, r.stderr).toBe(2);
      return r.stderr;
    };
    expect(await usage('--data', corpus)).toMatch(/--out is required/);
    expect(await usage('--data', corpus, '--out', out, '--size', 'huge')).toMatch(/--size must be one of tiny, medium, small, got "huge"/);
    expect(await usage('--data', reviews, '--out', out)).toMatch(/--text-column is required for a \.csv file/);
    expect(await usage('--data', corpus, '--out', out, '--text-column', 'x')).toMatch(/--text-column applies to \.csv files only/);
    const fresh = path.join(dir, 'fresh');
    expect(await usage('--data', corpus, '--out', fresh, '--vocab-size', '50', '--sampled', '64', '--backend', 'cpu')).toMatch(/--sampled must be below the vocabulary size \(50\)/);
    const missing = await runCli('pretrain', '--data', reviews, '--text-column', 'body', '--out', out);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no column "body" \(from --text-column\); the file has: "review", "score"/);
    const noCheckpoint = await runCli('pretrain', '--data', corpus, '--out', path.join(dir, 'nothing-here'), '--resume', '--backend', 'cpu');
    expect(noCheckpoint.code).toBe(1);
    expect(noCheckpoint.stderr).toMatch(/--resume: .*options\.json is missing/);
    const absent = await runCli('pretrain', '--data', path.join(dir, 'absent.txt'), '--out', out);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toMatch(/absent\.txt: no such file/);
  });
});
