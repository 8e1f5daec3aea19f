// `npm run bench -- elmo [--backends cpu,wasm] [--sentences N] [--no-small] [--pretrain-batches N]`
// ELMo throughput on each Node backend: embedding tokens/s for the fixture-sized model (the
// AllenNLP test weights) and a 'small'-sized model (random weights, the published small
// configuration), with and without the per-word char-CNN cache, and biLM pre-training
// tokens/s (tiny configuration, full softmax). Ratios are against the cpu backend's
// uncached run measured in this same run. One JSON line per measurement, then a table.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../src/backends';
import { BiLm } from '../src/models/elmo/bilm';
import { initWeights } from '../src/models/elmo/bilm-weights';
import { Elmo } from '../src/models/elmo/elmo';
import { loadBiLm } from '../src/models/elmo/load';
import { pretrainBiLm, smallElmoOptions, tinyElmoOptions } from '../src/models/elmo/pretrain';
import { readLines } from '../src/pipeline/read-lines';
import { basicEnglish } from '../src/pipeline/tokenize';

const ROOT = path.resolve(__dirname, '..');
const TESTDATA = process.env.ELMO_TESTDATA ?? path.resolve(ROOT, '../shared/testdata/elmo');
const AUSTEN = path.resolve(ROOT, '../shared/data/austen/austen.txt');

interface Args {
  backends: string[];
  sentences: number;
  small: boolean;
  pretrainBatches: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { backends: ['cpu', 'wasm'], sentences: 64, small: true, pretrainBatches: 4 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench elmo: ${flag} needs a value`);
      return v;
    };
    if (flag === '--backends') a.backends = next().split(',');
    else if (flag === '--sentences') a.sentences = Number(next());
    else if (flag === '--no-small') a.small = false;
    else if (flag === '--pretrain-batches') a.pretrainBatches = Number(next());
    else throw new Error(`bench elmo: unknown flag ${flag}`);
  }
  return a;
}

async function austenSentences(n: number, maxTokens: number): Promise<string[][]> {
  const out: string[][] = [];
  for await (const line of readLines(AUSTEN, { skipEmpty: true })) {
    const tokens = basicEnglish(line).slice(0, maxTokens);
    if (tokens.length > 0) out.push(tokens);
    if (out.length === n) break;
  }
  return out;
}

/** Tokens per second of embedding `sentences` in batches of `batchSize`. */
async function embedRate(elmo: Elmo, sentences: string[][], batchSize: number): Promise<number> {
  // One warm-up batch so kernel setup is not timed.
  const warm = elmo.embed(sentences.slice(0, Math.min(2, sentences.length)));
  await warm.representations[0].data();
  Elmo.disposeOutput(warm);
  elmo.clearCache();
  let tokens = 0;
  const start = performance.now();
  for (let i = 0; i < sentences.length; i += batchSize) {
    const batch = sentences.slice(i, i + batchSize);
    const out = elmo.embed(batch);
    await out.representations[0].data();
    Elmo.disposeOutput(out);
    tokens += batch.reduce((n, s) => n + s.length, 0);
  }
  return tokens / ((performance.now() - start) / 1000);
}

interface Row {
  what: string;
  backend: string;
  tokensPerSecond: number;
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const rows: Row[] = [];
  const record = (what: string, backend: string, tokensPerSecond: number) => {
    const row = { what, backend, tokensPerSecond: Math.round(tokensPerSecond * 10) / 10 };
    rows.push(row);
    console.log(JSON.stringify({ bench: 'elmo', ...row }));
  };
  const sentences = await austenSentences(args.sentences, 30);
  const smallSentences = sentences.slice(0, Math.max(4, Math.floor(args.sentences / 8))).map((s) => s.slice(0, 12));
  const train = await austenSentences(16 * args.pretrainBatches + 200, 20);
  const fixtureOk = fs.existsSync(path.join(TESTDATA, 'lm_weights.hdf5'));

  for (const backend of args.backends) {
    await useBackend(backend as Parameters<typeof useBackend>[0]);
    const startTensors = tf.memory().numTensors;

    const fixtureBiLm = fixtureOk
      ? await loadBiLm(path.join(TESTDATA, 'options.json'), path.join(TESTDATA, 'lm_weights.hdf5'))
      : new BiLm(tinyElmoOptions(), initWeights(tinyElmoOptions(), undefined, 1));
    const label = fixtureOk ? 'fixture' : 'tiny (random)';
    const plain = new Elmo(fixtureBiLm, { cacheWords: false });
    record(`embed ${label}, no word cache`, backend, await embedRate(plain, sentences, 16));
    const cached = new Elmo(fixtureBiLm, { cacheWords: true });
    record(`embed ${label}, word cache cold`, backend, await embedRate(cached, sentences, 16));
    cached.warmCache(sentences.flat());
    // embedRate clears the cache first; measure the warm path by hand.
    {
      let tokens = 0;
      const start = performance.now();
      for (let i = 0; i < sentences.length; i += 16) {
        const batch = sentences.slice(i, i + 16);
        const out = cached.embed(batch);
        await out.representations[0].data();
        Elmo.disposeOutput(out);
        tokens += batch.reduce((n, s) => n + s.length, 0);
      }
      record(`embed ${label}, word cache warm`, backend, tokens / ((performance.now() - start) / 1000));
    }
    plain.mixes.forEach((m) => m.dispose());
    cached.dispose();

    if (args.small) {
      const options = smallElmoOptions();
      const small = new BiLm(options, initWeights(options, undefined, 2));
      const smallElmo = new Elmo(small, { cacheWords: false });
      record('embed small (random weights), no word cache', backend, await embedRate(smallElmo, smallSentences, 4));
      const smallCached = new Elmo(small, { cacheWords: true });
      smallCached.warmCache(smallSentences.flat().concat(['<S>', '</S>']));
      {
        let tokens = 0;
        const start = performance.now();
        for (let i = 0; i < smallSentences.length; i += 4) {
          const batch = smallSentences.slice(i, i + 4);
          const out = smallCached.embed(batch);
          await out.representations[0].data();
          Elmo.disposeOutput(out);
          tokens += batch.reduce((n, s) => n + s.length, 0);
        }
        record('embed small (random weights), word cache warm', backend, tokens / ((performance.now() - start) / 1000));
      }
      smallElmo.mixes.forEach((m) => m.dispose());
      smallCached.dispose();
    }

    const { bilm, history } = await pretrainBiLm(train, {
      options: tinyElmoOptions(),
      epochs: 1,
      batchSize: 16,
      maxTokens: 20,
      vocab: { maxSize: 2000 },
      maxBatchesPerEpoch: args.pretrainBatches,
      dropout: 0.1,
    });
    record('pre-train tiny (fixture sizes), full softmax 2000 words', backend, history[0].tokensPerSecond);
    bilm.dispose();
    const leaked = tf.memory().numTensors - startTensors;
    if (leaked !== 0) console.log(`warning: ${leaked} tensors left on ${backend}`);
  }

  console.log('\nELMo throughput (tokens/s; ratio against the same measurement on the first backend)');
  const first = args.backends[0];
  const width = Math.max(...rows.map((r) => r.what.length));
  for (const r of rows) {
    const ref = rows.find((x) => x.what === r.what && x.backend === first)!;
    const uncached = rows.find((x) => x.backend === r.backend && x.what === r.what.replace(/word cache (cold|warm)/, 'no word cache'));
    const cacheRatio = uncached && uncached !== r ? `  ${(r.tokensPerSecond / uncached.tokensPerSecond).toFixed(2)}x vs uncached` : '';
    console.log(
      `${r.what.padEnd(width)}  ${r.backend.padEnd(5)} ${String(r.tokensPerSecond).padStart(9)}  ${(r.tokensPerSecond / ref.tokensPerSecond).toFixed(2)}x vs ${first}${cacheRatio}`,
    );
  }
}
