// `npm run bench -- elmo [--backends cpu,wasm] [--sentences N] [--no-small] [--pretrain-batches N]`
// `npm run bench -- elmo --evidence …`: the few-labels experiment (bench/elmo-evidence.ts)
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
import { LmVocab } from '../src/models/elmo/lm-vocab';
import { pretrainBiLm, smallElmoOptions, SoftmaxMode, tinyElmoOptions } from '../src/models/elmo/pretrain';
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

/** Wall-clock and CPU seconds of a run: on a shared machine the CPU figure is the steadier one. */
interface Rate {
  tokensPerSecond: number;
  tokensPerCpuSecond: number;
}

async function timed(run: () => Promise<number>): Promise<Rate> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const tokens = await run();
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { tokensPerSecond: tokens / wall, tokensPerCpuSecond: tokens / ((cpu.user + cpu.system) / 1e6) };
}

async function embedAll(elmo: Elmo, sentences: string[][], batchSize: number): Promise<number> {
  let tokens = 0;
  for (let i = 0; i < sentences.length; i += batchSize) {
    const batch = sentences.slice(i, i + batchSize);
    const out = elmo.embed(batch);
    await out.representations[0].data();
    Elmo.disposeOutput(out);
    tokens += batch.reduce((n, s) => n + s.length, 0);
  }
  return tokens;
}

/** Tokens per second of embedding `sentences` in batches of `batchSize`, from a cold word cache. */
async function embedRate(elmo: Elmo, sentences: string[][], batchSize: number): Promise<Rate> {
  // One warm-up batch so kernel setup is not timed.
  const warm = elmo.embed(sentences.slice(0, Math.min(2, sentences.length)));
  await warm.representations[0].data();
  Elmo.disposeOutput(warm);
  elmo.clearCache();
  return timed(() => embedAll(elmo, sentences, batchSize));
}

interface Row extends Rate {
  what: string;
  backend: string;
}

export async function main(argv: string[]): Promise<void> {
  // The few-labels experiment has its own file and flags.
  if (argv.includes('--evidence')) return (require('./elmo-evidence') as { main(a: string[]): Promise<void> }).main(argv);
  const args = parseArgs(argv);
  const rows: Row[] = [];
  const record = (what: string, backend: string, rate: Rate) => {
    const r1 = (v: number) => Math.round(v * 10) / 10;
    const row = { what, backend, tokensPerSecond: r1(rate.tokensPerSecond), tokensPerCpuSecond: r1(rate.tokensPerCpuSecond) };
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
    record(`embed ${label}, word cache warm`, backend, await timed(() => embedAll(cached, sentences, 16)));
    plain.mixes.forEach((m) => m.dispose());
    cached.dispose();

    if (args.small) {
      const options = smallElmoOptions();
      const small = new BiLm(options, initWeights(options, undefined, 2));
      const smallElmo = new Elmo(small, { cacheWords: false });
      record('embed small (random weights), no word cache', backend, await embedRate(smallElmo, smallSentences, 4));
      const smallCached = new Elmo(small, { cacheWords: true });
      smallCached.warmCache(smallSentences.flat().concat(['<S>', '</S>']));
      record('embed small (random weights), word cache warm', backend, await timed(() => embedAll(smallCached, smallSentences, 4)));
      smallElmo.mixes.forEach((m) => m.dispose());
      smallCached.dispose();
    }

    const vocab = await LmVocab.build(train, { maxSize: 2000 });
    const pretrain = (softmax: SoftmaxMode) =>
      timed(async () => {
        const { bilm, history } = await pretrainBiLm(train, {
          options: tinyElmoOptions(),
          epochs: 1,
          batchSize: 16,
          maxTokens: 20,
          vocab,
          softmax,
          maxBatchesPerEpoch: args.pretrainBatches,
          dropout: 0.1,
        });
        bilm.dispose();
        return history[0].tokens;
      });
    record('pre-train tiny (fixture sizes), full softmax 2000 words', backend, await pretrain('full'));
    record('pre-train tiny (fixture sizes), sampled softmax 256 of 2000', backend, await pretrain({ sampled: 256 }));
    const leaked = tf.memory().numTensors - startTensors;
    if (leaked !== 0) console.log(`warning: ${leaked} tensors left on ${backend}`);
  }

  console.log('\nELMo throughput: tokens per wall second, per CPU second, and the CPU-second ratio against the first backend');
  const first = args.backends[0];
  const width = Math.max(...rows.map((r) => r.what.length));
  for (const r of rows) {
    const ref = rows.find((x) => x.what === r.what && x.backend === first)!;
    const uncached = rows.find((x) => x.backend === r.backend && x.what === r.what.replace(/word cache (cold|warm)/, 'no word cache'));
    const cacheRatio = uncached && uncached !== r ? `  ${(r.tokensPerCpuSecond / uncached.tokensPerCpuSecond).toFixed(2)}x vs uncached` : '';
    console.log(
      `${r.what.padEnd(width)}  ${r.backend.padEnd(5)} ${String(r.tokensPerSecond).padStart(9)}/s ${String(r.tokensPerCpuSecond).padStart(9)}/cpu-s  ${(r.tokensPerCpuSecond / ref.tokensPerCpuSecond).toFixed(2)}x vs ${first}${cacheRatio}`,
    );
  }
}
