import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs, run } from '../../examples/amazon-sentiment';
import { prepareSentimentData } from '../../examples/pipelines/sentiment';
import { loadClassifier } from '../../src/models/io';
import { writeKaggleFile } from '../fixtures/kaggle-reviews';

let dir: string;
let kaggleCsv: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqflow-example-'));
  kaggleCsv = path.join(dir, '1429_1.csv');
  writeKaggleFile(kaggleCsv);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const tinyModel = ['--epochs', '1', '--hidden', '4', '--embedding', '4', '--seq-length', '12', '--batch-size', '8', '--backend', 'cpu', '--no-progress'];

describe('the sentiment preset (examples/pipelines/sentiment.ts)', () => {
  it("is readLabelledCsv with the notebook's settings: split by position 80/10/10, length 100, batches of 16", async () => {
    const data = await prepareSentimentData(kaggleCsv, { textColumn: 'reviews.text', labelColumn: 'reviews.rating' });
    expect(data.labelMapping).toBe('ratings');
    expect(data.counts).toMatchObject({ rows: 30, dropped: 2, train: 24, validation: 3, test: 3 });
    const train = await data.train.toArray();
    expect(train.map((b) => b.size)).toEqual([16, 8]);
    expect(train[0].seqLength).toBe(100);
    expect(data.text.seqLength).toBe(100);
    await expect(prepareSentimentData(kaggleCsv, { textColumn: 'text' })).rejects.toThrow(/no text column "text"; the file has: id, name, asins, reviews\.rating, reviews\.text, reviews\.title/);
  });
});

describe('examples/amazon-sentiment.ts', () => {
  it('parses flags and rejects unknown ones', () => {
    const a = parseArgs(['--notebook', '--data', 'x.csv', '--text-column', 'reviews.text', '--label-column', 'reviews.rating', '--epochs', '2']);
    expect(a).toMatchObject({ notebook: true, data: 'x.csv', textColumn: 'reviews.text', labelColumn: 'reviews.rating', epochs: 2 });
    expect(parseArgs(['--help'])).toBe('help');
    expect(() => parseArgs(['--epochs', 'two'])).toThrow(/--epochs needs an integer >= 1, got "two"/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option "--fast"/);
  });

  it('trains on a Kaggle-schema file, reports metrics, predicts, and writes a loadable model and an SVG curve', async () => {
    const out = path.join(dir, 'run');
    const lines: string[] = [];
    const result = await run(
      ['--data', kaggleCsv, '--text-column', 'reviews.text', '--label-column', 'reviews.rating', '--train-rows', '20', '--out', out, ...tinyModel],
      (l) => lines.push(l),
    );
    expect(result).toBeDefined();
    const r = result!;
    expect(r.labels).toEqual(['negative', 'neutral', 'positive']);
    expect(r.history.epochs).toHaveLength(1);
    expect(r.validation.n).toBe(5);
    expect(r.test!.n).toBe(5);
    expect(r.heldOut.n).toBe(10);
    expect(r.predictions[0].text).toBe('This product is so cool');
    for (const p of r.predictions) {
      expect(r.labels).toContain(p.label);
      expect(Object.values(p.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    const log = lines.join('\n');
    expect(log).toMatch(/predict {6}: "This product is so cool" → (negative|neutral|positive) \(negative 0\.\d{3}, neutral 0\.\d{3}, positive 0\.\d{3}\)/);
    expect(log).toMatch(/validation \(5 rows\)\naccuracy/);
    expect(log).toMatch(/test \(5 rows\)\naccuracy/);
    expect(log).toMatch(/time \([\d.]+s in all/);
    expect(log).toMatch(/training steps +[\d.]+s/);
    expect(fs.readFileSync(r.curvePath, 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*validation accuracy[\s\S]*<\/svg>\n$/);

    const loaded = await loadClassifier(r.modelDir);
    const again = await loaded.predictBatch(r.predictions.map((p) => p.text));
    expect(again.map((p) => p.label)).toEqual(r.predictions.map((p) => p.label));
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(0);
  });

  it('--notebook trains the notebook model: 5-layer LSTM of 16 on the last state, random initial state, SGD', async () => {
    const out = path.join(dir, 'notebook');
    const lines: string[] = [];
    await run(['--notebook', '--data', kaggleCsv, '--train-rows', '20', '--out', out, ...tinyModel.filter((x, i, all) => !['--hidden', '--embedding'].includes(x) && !['--hidden', '--embedding'].includes(all[i - 1]))], (l) => lines.push(l));
    const config = JSON.parse(fs.readFileSync(path.join(out, 'model', 'config.json'), 'utf8'));
    expect(config.architecture).toEqual({ embeddingDim: 64, encoder: 'lstm', hiddenSize: 16, numLayers: 5, dropout: 0, pooling: 'last', initialState: 'random' });
    expect(config.metadata).toMatchObject({ optimizer: 'sgd', learningRate: 0.001 });
    expect(lines.join('\n')).toMatch(/training {5}: sgd lr 0\.001/);
  });
});
