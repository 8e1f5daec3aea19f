// `npm run bench -- elmo [--backends cpu,wasm] [--sentences N] [--no-small] [--pretrain-batches N]`
// `npm run bench -- elmo --evidence [--pretrain-tokens N] [--reuse] [--epochs N] [--lr X] [--pooling mean|max]`
//   (the few-labels experiment: see `evidence` below)
// ELMo throughput on each Node backend: embedding tokens/s for the fixture-sized model (the
// AllenNLP test weights) and a 'small'-sized model (random weights, the published small
// configuration), with and without the per-word char-CNN cache, and biLM pre-training
// tokens/s (tiny configuration, full softmax). Ratios are against the cpu backend's
// uncached run measured in this same run. One JSON line per measurement, then a table.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import seedrandom from 'seedrandom';
import { useBackend } from '../src/backends';
import { BiLm } from '../src/models/elmo/bilm';
import { initWeights } from '../src/models/elmo/bilm-weights';
import { Elmo } from '../src/models/elmo/elmo';
import { ElmoClassifier } from '../src/models/elmo/elmo-classifier';
import { evaluate } from '../src/models/evaluate';
import { fit } from '../src/models/fit';
import { TextEncoding } from '../src/models/text-encoding';
import { readCsv } from '../src/pipeline/read-csv';
import { TokenCounter, Vocab } from '../src/pipeline/vocab';
import type { Batch } from '../src/pipeline/types';
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
  evidence: boolean;
  pretrainTokens: number;
  checkpoint: string;
  reuse: boolean;
  epochs: number;
  learningRate: number;
  pooling: 'mean' | 'max';
  layerNorm: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { backends: ['cpu', 'wasm'], sentences: 64, small: true, pretrainBatches: 4, evidence: false, pretrainTokens: 100_000,
    checkpoint: path.join(require('node:os').tmpdir(), 'seqflow-elmo-evidence'), reuse: false, epochs: 30, learningRate: 0.02, pooling: 'mean', layerNorm: false };
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
    else if (flag === '--evidence') a.evidence = true;
    else if (flag === '--pretrain-tokens') a.pretrainTokens = Number(next());
    else if (flag === '--checkpoint') a.checkpoint = next();
    else if (flag === '--reuse') a.reuse = true;
    else if (flag === '--epochs') a.epochs = Number(next());
    else if (flag === '--lr') a.learningRate = Number(next());
    else if (flag === '--pooling') a.pooling = next() === 'max' ? 'max' : 'mean';
    else if (flag === '--layer-norm') a.layerNorm = true;
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
  const args = parseArgs(argv);
  if (args.evidence) return evidence(args);
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

/**
 * `--evidence [--pretrain-tokens N]`: does pre-training help with few labels? 400 labelled
 * fine-food reviews train an ElmoClassifier (frozen biLM, max pooling) twice: on a biLM
 * pre-trained here on unlabelled text (the other training reviews, then Austen) and on the
 * same biLM untrained. Both are scored on 1000 other reviews. Runs on wasm.
 */
async function evidence(args: Args): Promise<void> {
  await useBackend('wasm');
  const rows: { review: string; score: string }[] = [];
  for await (const r of readCsv(path.resolve(ROOT, '../shared/data/amazon-fine-foods/train.csv'))) {
    rows.push({ review: String(r.review), score: String(r.score) });
  }
  const labelled = rows.slice(0, 400);
  const unlabelled = rows.slice(400, 3000);
  const test = rows.slice(3000, 4000);
  const counter = new TokenCounter();
  const settings = { seqLength: 64 };
  const tokenOnly = new TextEncoding({ itos: ['<UNK>', '<PAD>'], defaultIndex: 0 }, settings);
  for (const r of [...labelled, ...unlabelled]) counter.add(tokenOnly.tokens(r.review));
  const vocab = Vocab.fromCounter(counter, { specials: ['<UNK>', '<PAD>'], defaultToken: '<UNK>', maxTokens: 25000 });
  const encoding = new TextEncoding(vocab, settings);
  const labels = ['other', 'great'];
  const toBatches = (part: typeof rows): Batch[] => {
    const out: Batch[] = [];
    for (let i = 0; i < part.length; i += 32) {
      const chunk = part.slice(i, i + 32);
      const enc = encoding.encodeBatch(chunk.map((r) => r.review));
      const y = Int32Array.from(chunk, (r) => (r.score === 'great' ? 1 : 0));
      out.push({ ids: enc.ids, lengths: enc.lengths, labels: y, size: chunk.length, seqLength: settings.seqLength });
    }
    return out;
  };
  const trainBatches = toBatches(labelled);
  const testBatches = toBatches(test);

  // Unlabelled text: the other reviews, then Austen, cut to the token budget.
  const sentences: string[][] = [];
  let budget = args.pretrainTokens;
  const take = (tokens: string[]) => {
    for (let i = 0; i < tokens.length && budget > 0; i += 20) {
      const piece = tokens.slice(i, i + 20);
      sentences.push(piece);
      budget -= piece.length;
    }
  };
  for (const r of unlabelled) if (budget > 0) take(encoding.tokens(r.review));
  for await (const line of readLines(AUSTEN, { skipEmpty: true })) {
    if (budget <= 0) break;
    take(basicEnglish(line));
  }
  // Reviews and Austen interleaved (seeded), so the end of the one pass is not all Austen.
  const rng = seedrandom('evidence');
  for (let i = sentences.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [sentences[i], sentences[j]] = [sentences[j], sentences[i]];
  }
  const heldOut = test.slice(0, 40).map((r) => encoding.tokens(r.review).slice(0, 20));
  const options = tinyElmoOptions();
  let preBiLm: BiLm;
  let cost = '';
  if (args.reuse && fs.existsSync(path.join(args.checkpoint, 'weights.hdf5'))) {
    preBiLm = await loadBiLm(path.join(args.checkpoint, 'options.json'), path.join(args.checkpoint, 'weights.hdf5'));
    cost = `pre-trained biLM reused from ${args.checkpoint}`;
  } else {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const pre = await pretrainBiLm(sentences, {
      options,
      epochs: 1,
      batchSize: 32,
      maxTokens: 20,
      vocab: { maxSize: 8000 },
      optimizer: 'adam',
      learningRate: 0.003,
      dropout: 0.1,
      heldOut,
      checkpointDir: args.checkpoint,
      onBatch: (b) => b.batch % 50 === 0 && console.error(`pre-training batch ${b.batch}: loss ${b.loss.toFixed(3)}`),
    });
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const log = pre.history[0];
    console.log(JSON.stringify({
      bench: 'elmo-evidence', stage: 'pretrain', tokens: log.tokens, seconds: Math.round(wall), cpuSeconds: Math.round((cpu.user + cpu.system) / 1e6),
      loss: log.loss, forwardPerplexity: log.forwardPerplexity, backwardPerplexity: log.backwardPerplexity, vocab: pre.vocab.size,
    }));
    preBiLm = pre.bilm;
    cost = `pre-training: ${log.tokens} tokens, ${Math.round(wall)} s wall, ${Math.round((cpu.user + cpu.system) / 1e6)} cpu-s, held-out perplexity fwd ${log.forwardPerplexity!.toFixed(0)} bwd ${log.backwardPerplexity!.toFixed(0)}`;
  }
  const untrained = new BiLm(options, initWeights(options, undefined, 1));
  const results: Record<string, number> = {};
  for (const [name, bilm] of [['pre-trained', preBiLm], ['untrained', untrained]] as const) {
    const elmo = new Elmo(bilm, { sentenceCacheSize: 10_000, dropout: 0, layerNorm: args.layerNorm });
    const model = new ElmoClassifier({ elmo, vocab, labels, text: settings, pooling: args.pooling, dropout: 0.2, seed: 3 });
    const c0 = process.cpuUsage();
    const history = await fit(model, trainBatches, { epochs: args.epochs, learningRate: args.learningRate, seed: 3, progress: false });
    const result = await evaluate(model, testBatches);
    const c = process.cpuUsage(c0);
    results[name] = result.accuracy;
    console.log(JSON.stringify({
      bench: 'elmo-evidence', stage: 'classify', biLM: name, trainExamples: labelled.length, testExamples: test.length,
      accuracy: result.accuracy, macroF1: result.macroF1, pooling: args.pooling, epochs: args.epochs, learningRate: args.learningRate, finalTrainLoss: history.epochs[history.epochs.length - 1].loss,
      cpuSeconds: Math.round((c.user + c.system) / 1e6),
    }));
    model.dispose();
  }
  const majority = test.filter((r) => r.score === 'great').length / test.length;
  console.log(`\n400 labelled reviews, 1000 test: accuracy with pre-trained biLM ${results['pre-trained'].toFixed(3)}, ` +
    `untrained biLM ${results['untrained'].toFixed(3)} (majority class ${majority.toFixed(3)}; ${args.pooling} pooling${args.layerNorm ? ', layer norm' : ''}, ${args.epochs} epochs, lr ${args.learningRate}); ${cost}`);
}
