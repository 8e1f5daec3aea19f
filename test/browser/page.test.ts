/**
 * The example page (examples/browser) in Chromium: trains a few steps on a dropped CSV,
 * predicts, saves (IndexedDB, download) and loads back, and loads a model trained by the
 * `seqflow` CLI in Node, whose probabilities must match those `seqflow predict` wrote.
 * Screenshots of the page go to tmp/screenshots/.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPage, packageCopies, type BundleResult } from '../../examples/browser/build';
import { startStaticServer, type StaticServer } from '../../examples/browser/serve';
import { readCsv } from '../../src/pipeline/read-csv';
import { launchChromium, type Chromium } from './chromium';

const REPO = join(__dirname, '..', '..');
const REVIEWS = [
  join(REPO, 'data', 'amazon-fine-foods', 'train.csv'),
  join(REPO, '..', 'shared', 'data', 'amazon-fine-foods', 'train.csv'),
].find((p) => existsSync(p))!;
const SCREENSHOTS = join(REPO, 'tmp', 'screenshots');
const SENTENCES = [
  'This product is so cool',
  'terrible taste, I threw the whole bag away',
  'not bad at all, my kids love these cookies',
  'the coffee arrived stale and bitter',
];
const TOLERANCE = 1e-4;

type Probabilities = Record<string, number>;

const run = promisify(execFile);

/** Runs the seqflow CLI from source, as `npx seqflow` would run its build. */
async function seqflow(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', join(REPO, 'src', 'cli', 'main.ts'), ...args], {
    cwd: REPO,
    env: { ...process.env, SEQFLOW_BACKEND: '' },
  });
  return stdout;
}

describe('example page in Chromium', () => {
  let folder: string;
  let page: BundleResult;
  let server: StaticServer;
  let browser: Chromium;
  let csv: string;
  let nodePredictions: Probabilities[];
  let modelVariables: number;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'seqflow-page-'));
    csv = join(folder, 'reviews.csv');
    const lines = (await readFile(REVIEWS, 'utf8')).split('\r\n');
    await writeFile(csv, lines.slice(0, 201).join('\r\n') + '\r\n');

    // A model trained by the CLI, and its predictions for SENTENCES, as a user makes them;
    // the page is bundled and Chromium started meanwhile.
    const model = join(folder, 'node-model');
    const trainAndPredict = async () => {
      await seqflow(
        'train', '--data', csv, '--text-column', 'review', '--label-column', 'score', '--model', 'bilstm', '--hidden', '12',
        '--epochs', '2', '--seq-length', '16', '--batch-size', '16', '--learning-rate', '0.01', '--seed', '3', '--backend', 'wasm',
        '--out', model,
      );
      const sentences = join(folder, 'sentences.csv');
      await writeFile(sentences, 'id,review\r\n' + SENTENCES.map((t, i) => `${i},"${t.replace(/"/g, '""')}"\r\n`).join(''));
      const predictions = join(folder, 'predictions.csv');
      await seqflow('predict', '--model', model, '--data', sentences, '--text-column', 'review', '--id-column', 'id', '--probabilities', '--out', predictions);
      nodePredictions = [];
      for await (const row of readCsv(predictions)) nodePredictions.push({ great: Number(row.great), other: Number(row.other) });
      modelVariables = (JSON.parse(await readFile(join(model, 'weights.json'), 'utf8')) as { weights: unknown[] }).weights.length;
    };
    [page, browser] = await Promise.all([buildPage(join(folder, 'page')), launchChromium(), trainAndPredict()]);
    expect(nodePredictions).toHaveLength(SENTENCES.length);
    server = await startStaticServer({ root: page.outdir, mounts: { '/node-model/': model } });
    // Two CLI processes, a bundle and a browser start: minutes on a busy 2-core machine.
  }, 360_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rm(folder, { recursive: true, force: true });
  });

  async function predictionFor(sentence: string): Promise<{ label: string; probabilities: Probabilities }> {
    const p = browser.page;
    await p.fill('#sentence', sentence); // fires 'input'
    await p.waitForFunction((s) => (document.querySelector('#prediction') as HTMLElement).dataset.text === s, sentence);
    const probabilities = JSON.parse((await p.getAttribute('#prediction', 'data-probabilities'))!) as Probabilities;
    return { label: (await p.getAttribute('#prediction', 'data-label'))!, probabilities };
  }

  async function modelAction(button: string): Promise<string> {
    const p = browser.page;
    await p.click(button);
    await p.waitForFunction(() => {
      const s = document.querySelector('#model-status')!;
      return document.body.dataset.busy === 'no' && s.textContent !== 'Working…' && s.textContent !== '';
    });
    const status = (await p.textContent('#model-status'))!;
    expect(await p.getAttribute('#model-status', 'class'), status).not.toContain('error');
    return status;
  }

  it('bundles one tfjs-core and no Node-only package', () => {
    expect([...packageCopies(page.metafile, '@tensorflow/tfjs-core').keys()]).toEqual(['node_modules/@tensorflow/tfjs-core/']);
    expect(Object.keys(page.metafile.inputs).filter((f) => /tfjs-node|node:/.test(f))).toEqual([]);
    // The page imports the very module the Node example uses.
    expect(Object.keys(page.metafile.inputs)).toContain('examples/pipelines/sentiment.ts');
  });

  it('trains a few steps on a dropped CSV with the best backend, charts them and predicts', async () => {
    const p = browser.page;
    await p.goto(server.url);
    await p.waitForSelector('body[data-ready="yes"]');
    // The best backend that starts: webgl here (WebGPU has no adapter without its unsafe flag).
    const backend = (await p.getAttribute('#backend', 'data-backend'))!;
    expect(['webgpu', 'webgl']).toContain(backend);
    // The bundled sample is read on start; then a chosen file, then a dropped one, replace it.
    await p.waitForFunction(() => /^sample\.csv: columns product, review, score/.test(document.querySelector('#data-status')!.textContent!));
    await p.setInputFiles('#data-file', csv);
    await p.waitForFunction(() => /^reviews\.csv: columns product, review, score/.test(document.querySelector('#data-status')!.textContent!));
    const content = await readFile(csv, 'utf8');
    await p.evaluate((text) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], 'dropped.csv', { type: 'text/csv' }));
      document.querySelector('#drop-zone')!.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, content);
    await p.waitForFunction(() => /^dropped\.csv: columns product, review, score/.test(document.querySelector('#data-status')!.textContent!));
    expect(await p.inputValue('#text-column')).toBe('review');
    expect(await p.inputValue('#label-column')).toBe('score');
    await p.fill('#epochs', '1');
    await p.fill('#max-steps', '3');
    await p.fill('#batch-size', '8');
    await p.fill('#seq-length', '16');
    await p.selectOption('#model-size', 'small');
    await p.click('#train');
    await p.waitForFunction(() => document.body.dataset.trained === 'yes' || document.querySelector('#train-status')!.classList.contains('error'));
    const status = (await p.textContent('#train-status'))!;
    expect(status).toMatch(new RegExp(`^Stopped after 3 steps in [\\d.]+ s on ${backend} `));
    expect(await p.getAttribute('#train-status', 'data-step')).toBe('3');
    expect(await p.textContent('#data-status')).toMatch(/^dropped\.csv: 200 rows \(160 train, 20 validation, 20 test\); labels great, other/);

    const { label, probabilities } = await predictionFor(SENTENCES[0]);
    expect(Object.keys(probabilities)).toEqual(['great', 'other']);
    expect(probabilities.great + probabilities.other).toBeCloseTo(1, 5);
    expect(label).toBe(probabilities.great >= probabilities.other ? 'great' : 'other');
    // Only the model's weights stay in memory: fit and predict freed their tensors.
    expect(Number(await p.getAttribute('#memory', 'data-tensors'))).toBe(modelVariables);

    await mkdir(SCREENSHOTS, { recursive: true });
    await p.screenshot({ path: join(SCREENSHOTS, 'page-trained.png'), fullPage: true });
  });

  it('saves to IndexedDB and loads the same model back', async () => {
    const before = await predictionFor(SENTENCES[1]);
    expect(await modelAction('#save-idb')).toMatch(/^Saved in this browser \(IndexedDB "seqflow-sentiment"/);
    expect(await modelAction('#load-idb')).toMatch(/^Loaded IndexedDB "seqflow-sentiment"/);
    const after = await predictionFor(SENTENCES[1]);
    expect(after.label).toBe(before.label);
    for (const k of Object.keys(before.probabilities)) expect(after.probabilities[k]).toBeCloseTo(before.probabilities[k], 6);
    expect(Number(await browser.page.getAttribute('#memory', 'data-tensors'))).toBe(modelVariables);
  });

  it('downloads the model as a .json and .weights.bin pair that loads back as files', async () => {
    const p = browser.page;
    const before = await predictionFor(SENTENCES[2]);
    const downloads: Promise<import('playwright-core').Download>[] = [p.waitForEvent('download'), p.waitForEvent('download', (d) => d.suggestedFilename().endsWith('.bin'))];
    expect(await modelAction('#download')).toMatch(/^Downloaded seqflow-sentiment\.json and seqflow-sentiment\.weights\.bin/);
    const saved: string[] = [];
    for (const download of await Promise.all(downloads)) {
      const target = join(folder, 'downloads', download.suggestedFilename());
      await download.saveAs(target);
      saved.push(target);
    }
    expect(saved.map((f) => f.slice(f.lastIndexOf('/') + 1)).sort()).toEqual(['seqflow-sentiment.json', 'seqflow-sentiment.weights.bin']);
    await p.setInputFiles('#model-files', saved);
    await p.waitForFunction(() => /^Loaded seqflow-sentiment/.test(document.querySelector('#model-status')!.textContent!));
    const after = await predictionFor(SENTENCES[2]);
    for (const k of Object.keys(before.probabilities)) expect(after.probabilities[k]).toBeCloseTo(before.probabilities[k], 6);
  });

  it('loads a model trained by the CLI in Node and gives the probabilities `seqflow predict` wrote', async () => {
    const p = browser.page;
    await p.fill('#model-url', 'node-model/');
    expect(await modelAction('#load-url')).toMatch(/^Loaded node-model\/: bilstm hidden 12/);
    const spread = Math.max(...nodePredictions.map((q) => q.great)) - Math.min(...nodePredictions.map((q) => q.great));
    expect(spread, 'Node predictions differ between sentences').toBeGreaterThan(1e-3);
    for (const [i, sentence] of SENTENCES.entries()) {
      const browserPrediction = await predictionFor(sentence);
      for (const label of ['great', 'other']) {
        expect(Math.abs(browserPrediction.probabilities[label] - nodePredictions[i][label]), `${sentence}: ${label}`).toBeLessThan(TOLERANCE);
      }
    }
    expect(Number(await p.getAttribute('#memory', 'data-tensors'))).toBe(modelVariables);
    await p.screenshot({ path: join(SCREENSHOTS, 'page-node-model.png'), fullPage: true });
  });

  it('takes ?backend= and ?model= from its URL: the CLI model on wasm gives the CLI\'s probabilities too', async () => {
    const p = browser.page;
    await p.goto(`${server.url}?backend=wasm&model=node-model/`);
    await p.waitForSelector('body[data-ready="yes"]');
    await p.waitForFunction(() => /^Loaded node-model\//.test(document.querySelector('#model-status')!.textContent!));
    expect(await p.getAttribute('#backend', 'data-backend')).toBe('wasm');
    expect(await p.textContent('#backend')).toMatch(/asked for by \?backend=wasm/);
    for (const [i, sentence] of SENTENCES.entries()) {
      const browserPrediction = await predictionFor(sentence);
      for (const label of ['great', 'other']) {
        expect(Math.abs(browserPrediction.probabilities[label] - nodePredictions[i][label]), `${sentence}: ${label}`).toBeLessThan(TOLERANCE);
      }
    }
    await p.goto(`${server.url}?backend=cuda`);
    await p.waitForSelector('body[data-ready="failed"]');
    expect(await p.textContent('#backend')).toMatch(/^backend 'cuda' cannot start: needs Node with @tensorflow\/tfjs-node-gpu/);
  });
});
