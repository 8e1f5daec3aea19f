import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { TextClassifier } from '../../src/models/classifier';
import { CLASSIFIER_FILES, loadClassifier, saveClassifier } from '../../src/models/io';

const vocab = { itos: ['<UNK>', '<PAD>', 'good', 'bad', 'food', 'the'], defaultIndex: 0 };
const texts = ['good food', 'the food was bad', 'unknown words only', ''];
let dir: string;
let model: TextClassifier;

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqflow-io-'));
  model = new TextClassifier({
    vocab,
    labels: ['negative', 'neutral', 'positive'],
    text: { seqLength: 7, padding: 'pre' },
    architecture: { embeddingDim: 5, hiddenSize: 4, encoder: 'bigru', numLayers: 2, pooling: 'mean' },
    seed: 3,
  });
});

afterAll(() => {
  model.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

function weightsOf(m: TextClassifier): Record<string, number[]> {
  return Object.fromEntries(Object.entries(m.namedWeights()).map(([k, v]) => [k, Array.from(v.dataSync())]));
}

/** A saved copy of the model in a fresh folder, optionally altered. */
async function savedCopy(name: string, alter?: (folder: string) => void): Promise<string> {
  const folder = path.join(dir, name);
  await saveClassifier(model, folder, { metadata: { note: 'test' } });
  alter?.(folder);
  return folder;
}

async function expectLoadFailure(source: string, message: RegExp): Promise<void> {
  const before = tf.memory().numTensors;
  await expect(loadClassifier(source)).rejects.toThrow(message);
  // Loading never half-succeeds: no model, no tensors left behind.
  expect(tf.memory().numTensors).toBe(before);
}

describe('save and load', () => {
  it('round-trips a folder: same weights, settings, labels and predictions', async () => {
    const folder = await savedCopy('ok');
    expect(fs.readdirSync(folder).sort()).toEqual([...CLASSIFIER_FILES].sort());
    const config = JSON.parse(fs.readFileSync(path.join(folder, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ format: 'seqflow-text-classifier', formatVersion: 1, labels: ['negative', 'neutral', 'positive'], metadata: { note: 'test' } });
    const loaded = await loadClassifier(folder);
    expect(weightsOf(loaded)).toEqual(weightsOf(model));
    expect(loaded.config).toEqual(model.config);
    expect(loaded.encoding.settings).toEqual(model.encoding.settings);
    expect(await loaded.predictBatch(texts)).toEqual(await model.predictBatch(texts));
    loaded.dispose();
  });

  it('names the missing file', async () => {
    const folder = await savedCopy('missing', (f) => fs.rmSync(path.join(f, 'weights.bin')));
    await expectLoadFailure(folder, /missing weights\.bin/);
    await expectLoadFailure(path.join(dir, 'nowhere'), /nowhere: no such folder/);
  });

  it('names the weight whose shape does not match', async () => {
    const folder = await savedCopy('shape', (f) => {
      const file = path.join(f, 'weights.json');
      const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
      const fc = manifest.weights.find((w: { name: string }) => w.name === 'fc.weight');
      fc.shape = [...fc.shape].reverse(); // same byte count, wrong shape
      fs.writeFileSync(file, JSON.stringify(manifest));
    });
    await expectLoadFailure(folder, /weights\.json: weight "fc\.weight" has shape \[8,3\], the config needs \[3,8\]/);
  });

  it('refers to other format versions, truncated weights and mismatched vocabularies by file', async () => {
    const version = await savedCopy('version', (f) => {
      const file = path.join(f, 'config.json');
      fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), formatVersion: 2 }));
    });
    await expectLoadFailure(version, /config\.json: format version 2 is not supported \(this seqflow reads version 1\)/);
    const truncated = await savedCopy('truncated', (f) => {
      const file = path.join(f, 'weights.bin');
      fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 100));
    });
    await expectLoadFailure(truncated, /weights\.bin: has 100 bytes, but weights\.json describes \d+/);
    const vocabFile = await savedCopy('vocab', (f) => fs.writeFileSync(path.join(f, 'vocab.json'), JSON.stringify({ itos: ['<UNK>', '<PAD>'], defaultIndex: 0 })));
    await expectLoadFailure(vocabFile, /vocab\.json: has 2 tokens but config\.json says vocabSize 6/);
    const broken = await savedCopy('json', (f) => fs.writeFileSync(path.join(f, 'config.json'), '{"format":'));
    await expectLoadFailure(broken, /config\.json: not valid JSON/);
    const arch = await savedCopy('arch', (f) => {
      const file = path.join(f, 'config.json');
      const c = JSON.parse(fs.readFileSync(file, 'utf8'));
      delete c.architecture.hiddenSize;
      fs.writeFileSync(file, JSON.stringify(c));
    });
    await expectLoadFailure(arch, /config\.json: missing field "architecture\.hiddenSize"/);
  });

  it('works through tfjs IO handlers (as IndexedDB and downloads do)', async () => {
    let artifacts: tf.io.ModelArtifacts | undefined;
    await saveClassifier(
      model,
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    expect(artifacts!.weightSpecs!.map((w) => w.name)).toContain('gru.weight_hh_l1_reverse');
    const loaded = await loadClassifier(tf.io.fromMemory(artifacts!));
    expect(await loaded.predictBatch(texts)).toEqual(await model.predictBatch(texts));
    loaded.dispose();
    // What tfjs's downloads:// handler writes (NAME.json + NAME.weights.bin), dropped back in as files.
    const modelJson = {
      modelTopology: artifacts!.modelTopology,
      format: artifacts!.format,
      generatedBy: artifacts!.generatedBy,
      weightsManifest: [{ paths: ['./sentiment.weights.bin'], weights: artifacts!.weightSpecs }],
    };
    const downloaded = await loadClassifier([
      new File([JSON.stringify(modelJson)], 'sentiment.json'),
      new File([artifacts!.weightData as ArrayBuffer], 'sentiment.weights.bin'),
    ]);
    expect(await downloaded.predictBatch(texts)).toEqual(await model.predictBatch(texts));
    downloaded.dispose();
    const before = tf.memory().numTensors;
    await expect(loadClassifier(tf.io.fromMemory({ ...artifacts!, weightSpecs: artifacts!.weightSpecs!.slice(1) }))).rejects.toThrow(
      /weights\.json: .*missing weight "embedding\.weight"|has \d+ bytes, but weights\.json describes/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('loads dropped files (File objects) and a folder served over HTTP', async () => {
    const folder = await savedCopy('served');
    const files = CLASSIFIER_FILES.map((n) => new File([fs.readFileSync(path.join(folder, n))], n));
    const fromFiles = await loadClassifier(files);
    expect(await fromFiles.predict('good food')).toEqual(await model.predict('good food'));
    fromFiles.dispose();

    const server = http.createServer((req, res) => {
      const file = path.join(dir, decodeURIComponent(req.url ?? '/'));
      if (!file.startsWith(dir) || !fs.existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200).end(fs.readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const fromUrl = await loadClassifier(`http://127.0.0.1:${port}/served/`);
      expect(await fromUrl.predict('the food')).toEqual(await model.predict('the food'));
      fromUrl.dispose();
      await expectLoadFailure(`http://127.0.0.1:${port}/missing`, /missing\/weights\.bin: HTTP 404|missing\/config\.json: HTTP 404/);
    } finally {
      server.close();
    }
  });
});
