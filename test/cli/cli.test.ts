import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { runCli } from './run-cli';
import { csvField } from '../../src/cli/csv-writer';
import { useBackend } from '../../src/backends';
import { writeKaggleFile } from '../fixtures/kaggle-reviews';

const WORDNET = path.resolve(__dirname, '../../../shared/data/wordnet-nouns/train.csv');

const run = runCli;

function parseCsvLines(text: string): string[][] {
  // The files written here hold no quoted newlines; split on CRLF and handle quoted commas.
  return text
    .trim()
    .split(/\r?\n/)
    .map((line) => line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.filter((f) => f !== '').map((f) => f.replace(/,$/, '').replace(/^"|"$/g, '').replace(/""/g, '"')));
}

describe('seqflow CLI on WordNet noun glosses (class,text)', () => {
  let dir: string;
  let trainFile: string;
  let testFile: string;
  let heldOut: { cls: string; text: string }[];

  beforeAll(async () => {
    await useBackend('cpu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqflow-cli-'));
    const lines = fs.readFileSync(WORDNET, 'utf8').split(/\r?\n/).filter((l) => l !== '');
    const header = lines[0];
    // A small, stratification-free split by position: 800 rows to train on, 200 held out.
    trainFile = path.join(dir, 'train.csv');
    fs.writeFileSync(trainFile, [header, ...lines.slice(1, 801)].join('\r\n') + '\r\n');
    const held = lines.slice(801, 1001);
    heldOut = parseCsvLines(held.join('\n')).map(([cls, text]) => ({ cls, text }));
    testFile = path.join(dir, 'test.csv');
    fs.writeFileSync(testFile, ['id,text', ...heldOut.map((r, i) => `q${i},${csvField(r.text)}`)].join('\r\n') + '\r\n');
    fs.writeFileSync(path.join(dir, 'labelled.csv'), [header, ...held].join('\r\n') + '\r\n');
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('trains, evaluates and writes a submission that agree with each other', async () => {
    const before = tf.memory().numTensors;
    const model = path.join(dir, 'model');
    const train = await run('train', '--data', trainFile, '--text-column', 'text', '--label-column', 'class', '--epochs', '1', '--seed', '3',
      '--hidden', '16', '--seq-length', '24', '--batch-size', '32', '--validation-split', '0.1', '--backend', 'cpu', '--out', model);
    expect(train.stderr).toContain('validation');
    expect(train.code).toBe(0);
    for (const f of ['config.json', 'vocab.json', 'weights.json', 'weights.bin']) expect(fs.existsSync(path.join(model, f))).toBe(true);

    // Columns default to those the model was trained with.
    const evaluation = await run('evaluate', '--model', model, '--data', path.join(dir, 'labelled.csv'), '--json', '--backend', 'cpu');
    expect(evaluation.code).toBe(0);
    const scores = JSON.parse(evaluation.stdout.trim());
    const config = JSON.parse(fs.readFileSync(path.join(model, 'config.json'), 'utf8'));
    const unseen = heldOut.filter((r) => !config.labels.includes(r.cls)).length;
    expect(scores.n).toBe(heldOut.length - unseen);
    if (unseen > 0) expect(evaluation.stderr).toContain('not trained on');

    const submission = path.join(dir, 'submission.csv');
    const predict = await run('predict', '--model', model, '--data', testFile, '--id-column', 'id', '--out', submission, '--probabilities', '--backend', 'cpu');
    expect(predict.code).toBe(0);
    const rows = parseCsvLines(fs.readFileSync(submission, 'utf8'));
    expect(rows[0]).toEqual(['id', 'class', ...config.labels]);
    expect(rows.slice(1).map((r) => r[0])).toEqual(heldOut.map((_, i) => `q${i}`));
    for (const r of rows.slice(1)) {
      const probs = r.slice(2).map(Number);
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(config.labels[probs.indexOf(Math.max(...probs))]).toBe(r[1]);
    }
    // The submission's predictions score exactly what evaluate reported.
    const known = heldOut.map((r, i) => ({ truth: r.cls, predicted: rows[i + 1][1] })).filter((r) => config.labels.includes(r.truth));
    const accuracy = known.filter((r) => r.truth === r.predicted).length / known.length;
    expect(accuracy).toBeCloseTo(scores.accuracy, 10);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('--patience stops when the validation loss stops falling and keeps the best epoch', async () => {
    const model = path.join(dir, 'model-patience');
    const r = await run('train', '--data', trainFile, '--text-column', 'text', '--label-column', 'class', '--epochs', '12', '--patience', '1', '--seed', '3',
      '--hidden', '16', '--seq-length', '24', '--batch-size', '32', '--learning-rate', '0.03', '--validation-split', '0.2', '--backend', 'cpu', '--out', model);
    expect(r.code, r.stderr).toBe(0);
    const losses = [...r.stderr.matchAll(/^epoch (\d+)\/12: .*validation loss ([\d.]+)/gm)].map((m) => Number(m[2]));
    const best = losses.indexOf(Math.min(...losses)) + 1;
    // A large step on 640 rows overfits within a few epochs: it stops one epoch after the best.
    expect(losses.length).toBeLessThan(12);
    expect(losses.length).toBe(best + 1);
    expect(r.stderr).toContain(`stopped after epoch ${losses.length}; keeping the weights of epoch ${best} (lowest validation loss)`);
    expect(JSON.parse(fs.readFileSync(path.join(model, 'config.json'), 'utf8')).metadata.epochs).toBe(best);
    const noValidation = await run('train', '--data', trainFile, '--out', model, '--patience', '2', '--validation-split', '0');
    expect(noValidation.code).toBe(2);
    expect(noValidation.stderr).toContain('--patience watches the validation loss: it needs --validation-split above 0');
  });

  it('numbers rows from 0 when no id column is given', async () => {
    const model = path.join(dir, 'model');
    const submission = path.join(dir, 'plain.csv');
    const r = await run('predict', '--model', model, '--data', testFile, '--out', submission, '--backend', 'cpu');
    expect(r.code).toBe(0);
    const rows = parseCsvLines(fs.readFileSync(submission, 'utf8'));
    expect(rows[0]).toEqual(['id', 'class']);
    expect(rows.slice(1).map((row) => row[0])).toEqual(heldOut.map((_, i) => String(i)));
  });

  it('names the file and lists the columns that exist for an unknown column (exit 1)', async () => {
    const r = await run('train', '--data', trainFile, '--text-column', 'description', '--out', path.join(dir, 'never'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(trainFile);
    expect(r.stderr).toContain('"description"');
    expect(r.stderr).toContain('"class", "text"');
    expect(fs.existsSync(path.join(dir, 'never'))).toBe(false);
  });

  it('reports a missing file with its path (exit 1)', async () => {
    const r = await run('evaluate', '--model', path.join(dir, 'model'), '--data', path.join(dir, 'absent.csv'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('absent.csv');
  });

  it('answers --help on every command and exit 2 on wrong usage', async () => {
    for (const command of ['train', 'evaluate', 'predict', 'embed', 'pretrain']) {
      const r = await run(command, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`seqflow ${command}`);
    }
    expect((await run('--help')).code).toBe(0);
    expect((await run('frobnicate')).code).toBe(2);
    const bad = await run('train', '--data', trainFile, '--out', path.join(dir, 'x'), '--epochs', 'many');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--epochs');
    expect((await run('predict', '--model', 'm')).stderr).toContain('--data is required');
    const mapping = await run('train', '--data', trainFile, '--out', path.join(dir, 'x'), '--label-mapping', 'stars');
    expect(mapping.code).toBe(2);
    expect(mapping.stderr).toContain('--label-mapping must be names or ratings, got "stars"');
  });
});

describe('seqflow train --label-mapping ratings (a Kaggle reviews file with 1–5 stars)', () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    await useBackend('cpu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqflow-cli-ratings-'));
    file = path.join(dir, '1429_1.csv');
    writeKaggleFile(file);
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('trains on three sentiments, and evaluate maps the stars the same way', async () => {
    const model = path.join(dir, 'model');
    const train = await run('train', '--data', file, '--text-column', 'reviews.text', '--label-column', 'reviews.rating', '--label-mapping', 'ratings',
      '--epochs', '1', '--hidden', '8', '--seq-length', '12', '--batch-size', '8', '--validation-split', '0', '--backend', 'cpu', '--out', model);
    expect(train.code, train.stderr).toBe(0);
    expect(train.stderr).toMatch(/30 rows \(2 dropped for a missing value\), 3 classes/);
    const config = JSON.parse(fs.readFileSync(path.join(model, 'config.json'), 'utf8'));
    expect(config.labels).toEqual(['negative', 'neutral', 'positive']);
    expect(config.metadata.labelMapping).toBe('ratings');
    const evaluation = await run('evaluate', '--model', model, '--data', file, '--json', '--backend', 'cpu');
    expect(evaluation.code, evaluation.stderr).toBe(0);
    const scores = JSON.parse(evaluation.stdout.trim());
    // Every complete row scored (none reported as an unknown label): 8 negative, 4 neutral, 18 positive.
    expect(scores.n).toBe(30);
    expect(scores.unknownLabels).toEqual({});
    expect(scores.confusion.map((row: number[]) => row.reduce((a, b) => a + b, 0))).toEqual([8, 4, 18]);
    // A rating that is not a number is an error naming the file and the row.
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'reviews.text,reviews.rating\ngood,5\nbad,one star\n');
    const r = await run('evaluate', '--model', model, '--data', bad, '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}: row 2, column "reviews.rating": "one star" is not a numeric rating`);
  });
});
