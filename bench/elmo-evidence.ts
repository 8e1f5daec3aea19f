// `npm run bench -- elmo --evidence [--task reviews|wordnet] [--size tiny|medium] [--pretrain-epochs N]
//   [--epoch-tokens N] [--pretrain-batches N] [--austen-tokens N] [--checkpoint DIR] [--resume] [--reuse]
//   [--folds N] [--epochs N] [--lr X] [--pooling mean|max]`
//
// Does pre-training help with few labels? A biLM is pre-trained on unlabelled text, then the same
// frozen-ELMo classifier is trained on a few labelled rows on top of it and on top of the same
// biLM left untrained, and both are scored on held-out rows. Repeated on `--folds` disjoint
// labelled sets, so the difference is not one sample's luck. Two tasks:
// - reviews: 400 fine-food reviews per fold (great vs other), 1,000 test; pre-training on the
//   1,800 reviews that are neither labelled nor tested, plus Austen;
// - wordnet: 1,000 WordNet noun glosses per fold (25 lexicographer classes), 2,000 test;
//   pre-training on the other 57,000 glosses' text.
//
// Pre-training writes a checkpoint after every epoch (options.json, weights.hdf5, vocab.txt and
// pretrain-log.json with the cost so far): `--resume` continues from it, `--reuse` only scores it.
// Runs on wasm.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import seedrandom from 'seedrandom';
import { useBackend } from '../src/backends';
import { BiLm } from '../src/models/elmo/bilm';
import { initWeights } from '../src/models/elmo/bilm-weights';
import { Elmo } from '../src/models/elmo/elmo';
import { ElmoClassifier } from '../src/models/elmo/elmo-classifier';
import { loadBiLmWeights, loadElmoOptions } from '../src/models/elmo/load';
import { LmVocab } from '../src/models/elmo/lm-vocab';
import { mediumElmoOptions, pretrainBiLm, tinyElmoOptions, type PretrainEpochLog } from '../src/models/elmo/pretrain';
import { evaluate } from '../src/models/evaluate';
import { fit } from '../src/models/fit';
import { TextEncoding } from '../src/models/text-encoding';
import { readCsv } from '../src/pipeline/read-csv';
import { readLines } from '../src/pipeline/read-lines';
import { basicEnglish } from '../src/pipeline/tokenize';
import type { Batch } from '../src/pipeline/types';
import { TokenCounter, Vocab } from '../src/pipeline/vocab';

const ROOT = path.resolve(__dirname, '..');
const AUSTEN = path.resolve(ROOT, '../shared/data/austen/austen.txt');

interface Task {
  file: string;
  textColumn: string;
  labelColumn: string;
  /** Labelled rows per fold; fold k is rows [k·foldSize, (k+1)·foldSize). */
  foldSize: number;
  unlabelled: readonly [number, number];
  test: readonly [number, number];
  /** Austen's novels join the pre-training text. */
  austen: boolean;
}

const TASKS: Record<'reviews' | 'wordnet', Task> = {
  reviews: {
    file: path.resolve(ROOT, '../shared/data/amazon-fine-foods/train.csv'), textColumn: 'review', labelColumn: 'score',
    foldSize: 400, unlabelled: [1200, 3000], test: [3000, 4000], austen: true,
  },
  wordnet: {
    file: path.resolve(ROOT, '../shared/data/wordnet-nouns/train.csv'), textColumn: 'text', labelColumn: 'class',
    foldSize: 1000, unlabelled: [3000, 60000], test: [60000, 62000], austen: false,
  },
};

interface Args {
  task: keyof typeof TASKS;
  /** Tokens per pre-training epoch, taken in turn from the text (default: the whole text each epoch). */
  epochTokens: number | undefined;
  size: 'tiny' | 'medium';
  pretrainEpochs: number;
  /** Stop each pre-training epoch after this many batches (for a quick check of the script). */
  pretrainBatches: number | undefined;
  austenTokens: number;
  checkpoint: string;
  resume: boolean;
  reuse: boolean;
  folds: number;
  epochs: number;
  learningRate: number;
  pooling: 'mean' | 'max';
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    task: 'reviews', epochTokens: undefined, size: 'medium', pretrainEpochs: 4, pretrainBatches: undefined, austenTokens: 150_000, checkpoint: path.join(os.tmpdir(), 'seqflow-elmo-evidence'),
    resume: false, reuse: false, folds: 3, epochs: 30, learningRate: 0.02, pooling: 'mean',
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench elmo --evidence: ${flag} needs a value`);
      return v;
    };
    if (flag === '--evidence') continue;
    else if (flag === '--task') a.task = next() === 'wordnet' ? 'wordnet' : 'reviews';
    else if (flag === '--epoch-tokens') a.epochTokens = Number(next());
    else if (flag === '--size') a.size = next() === 'tiny' ? 'tiny' : 'medium';
    else if (flag === '--pretrain-epochs') a.pretrainEpochs = Number(next());
    else if (flag === '--pretrain-batches') a.pretrainBatches = Number(next());
    else if (flag === '--austen-tokens') a.austenTokens = Number(next());
    else if (flag === '--checkpoint') a.checkpoint = next();
    else if (flag === '--resume') a.resume = true;
    else if (flag === '--reuse') a.reuse = true;
    else if (flag === '--folds') a.folds = Math.max(1, Math.min(3, Number(next())));
    else if (flag === '--epochs') a.epochs = Number(next());
    else if (flag === '--lr') a.learningRate = Number(next());
    else if (flag === '--pooling') a.pooling = next() === 'max' ? 'max' : 'mean';
    else throw new Error(`bench elmo --evidence: unknown flag ${flag}`);
  }
  return a;
}

interface Row {
  text: string;
  label: string;
}

/** What pre-training cost so far, kept beside the checkpoint so that resumed runs add up. */
interface PretrainCost {
  epochs: PretrainEpochLog[];
  wallSeconds: number;
  cpuSeconds: number;
}

function readCost(dir: string): PretrainCost {
  const file = path.join(dir, 'pretrain-log.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as PretrainCost) : { epochs: [], wallSeconds: 0, cpuSeconds: 0 };
}

async function pretrainingText(rows: Row[], encoding: TextEncoding, austenTokens: number): Promise<string[][]> {
  const sentences: string[][] = [];
  const cut = (tokens: string[]) => {
    for (let i = 0; i < tokens.length; i += 20) sentences.push(tokens.slice(i, i + 20));
  };
  for (const r of rows) cut(encoding.tokens(r.text));
  let budget = austenTokens;
  for await (const line of readLines(AUSTEN, { skipEmpty: true })) {
    if (budget <= 0) break;
    const tokens = basicEnglish(line);
    cut(tokens);
    budget -= tokens.length;
  }
  // Reviews and Austen interleaved (seeded), so no stretch of an epoch is all one source.
  const rng = seedrandom('evidence');
  for (let i = sentences.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [sentences[i], sentences[j]] = [sentences[j], sentences[i]];
  }
  return sentences;
}

/** Each pass takes the next `perPass` tokens of `text`, wrapping around: epochs shorter than the text. */
function inTurns(text: string[][], perPass: number): Iterable<string[]> {
  let at = 0;
  return {
    *[Symbol.iterator]() {
      for (let n = 0; n < perPass; at = (at + 1) % text.length) {
        n += text[at].length;
        yield text[at];
      }
    },
  };
}

async function pretrained(args: Args, text: string[][], heldOut: string[][]): Promise<{ bilm: BiLm; cost: PretrainCost }> {
  const dir = args.checkpoint;
  const have = fs.existsSync(path.join(dir, 'weights.hdf5'));
  if ((args.reuse || args.resume) && !have) throw new Error(`bench elmo --evidence: no checkpoint in ${dir} to ${args.reuse ? 'reuse' : 'resume'}`);
  if (args.reuse) {
    const options = await loadElmoOptions(path.join(dir, 'options.json'));
    return { bilm: new BiLm(options, await loadBiLmWeights(options, path.join(dir, 'weights.hdf5'))), cost: readCost(dir) };
  }
  const cost: PretrainCost = args.resume ? readCost(dir) : { epochs: [], wallSeconds: 0, cpuSeconds: 0 };
  const options = args.resume ? await loadElmoOptions(path.join(dir, 'options.json')) : args.size === 'tiny' ? tinyElmoOptions() : mediumElmoOptions();
  const vocab = args.resume ? LmVocab.fromText(fs.readFileSync(path.join(dir, 'vocab.txt'), 'utf8')) : await LmVocab.build(text, { maxSize: 10_000 });
  const initialWeights = args.resume ? await loadBiLmWeights(options, path.join(dir, 'weights.hdf5')) : undefined;
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  const result = await pretrainBiLm(args.epochTokens ? inTurns(text, args.epochTokens) : text, {
    options,
    epochs: args.pretrainEpochs,
    maxBatchesPerEpoch: args.pretrainBatches,
    batchSize: 64,
    maxTokens: 20,
    vocab,
    initialWeights,
    softmax: { sampled: 1024 },
    optimizer: 'adam',
    learningRate: 0.002,
    dropout: 0.1,
    heldOut,
    checkpointDir: dir,
    onBatch: (b) => b.batch % 100 === 0 && console.error(`pre-training epoch ${b.epoch} batch ${b.batch}: loss ${b.loss.toFixed(3)}`),
    onEpoch: (log) => {
      const cpu = process.cpuUsage(cpu0);
      cost.epochs.push({ ...log, epoch: cost.epochs.length + 1 });
      cost.wallSeconds += (performance.now() - t0) / 1000;
      cost.cpuSeconds += (cpu.user + cpu.system) / 1e6;
      // The checkpoint of this epoch is written before onEpoch runs; its cost goes beside it.
      fs.writeFileSync(path.join(dir, 'pretrain-log.json'), JSON.stringify(cost, null, 1));
      console.log(JSON.stringify({ bench: 'elmo-evidence', stage: 'pretrain', ...cost.epochs[cost.epochs.length - 1] }));
      cpu0 = process.cpuUsage();
      t0 = performance.now();
    },
  });
  return { bilm: result.bilm, cost };
}

interface Score {
  accuracy: number;
  macroF1: number;
}

async function classify(
  bilm: BiLm, vocab: Vocab, labels: string[], settings: { seqLength: number }, train: Batch[], test: Batch[], args: Args,
): Promise<Score> {
  const elmo = new Elmo(bilm, { sentenceCacheSize: 10_000, dropout: 0 });
  const model = new ElmoClassifier({ elmo, vocab, labels, text: settings, pooling: args.pooling, dropout: 0.2, seed: 3 });
  await fit(model, train, { epochs: args.epochs, learningRate: args.learningRate, seed: 3, progress: false });
  const result = await evaluate(model, test);
  // The biLM is shared by the folds: only the classifier's own parts go.
  model.fcWeight.dispose();
  model.fcBias.dispose();
  elmo.mixes.forEach((m) => m.dispose());
  return { accuracy: result.accuracy, macroF1: result.macroF1 };
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  await useBackend('wasm');
  fs.mkdirSync(args.checkpoint, { recursive: true });
  const task = TASKS[args.task];
  const rows: Row[] = [];
  for await (const r of readCsv(task.file)) {
    rows.push({ text: String(r[task.textColumn]), label: String(r[task.labelColumn]) });
    if (rows.length === task.test[1]) break;
  }
  const folds = Array.from({ length: args.folds }, (_, k) => rows.slice(k * task.foldSize, (k + 1) * task.foldSize));
  const unlabelled = rows.slice(...task.unlabelled);
  const test = rows.slice(...task.test);
  const labels = [...new Set([...folds.flat(), ...test].map((r) => r.label))].sort();

  const settings = { seqLength: 64 };
  const tokenOnly = new TextEncoding({ itos: ['<UNK>', '<PAD>'], defaultIndex: 0 }, settings);
  const counter = new TokenCounter();
  for (const r of [...folds.flat(), ...unlabelled]) counter.add(tokenOnly.tokens(r.text));
  const vocab = Vocab.fromCounter(counter, { specials: ['<UNK>', '<PAD>'], defaultToken: '<UNK>', maxTokens: 25_000 });
  const encoding = new TextEncoding(vocab, settings);
  const toBatches = (part: Row[]): Batch[] => {
    const out: Batch[] = [];
    for (let i = 0; i < part.length; i += 32) {
      const chunk = part.slice(i, i + 32);
      const enc = encoding.encodeBatch(chunk.map((r) => r.text));
      const y = Int32Array.from(chunk, (r) => labels.indexOf(r.label));
      out.push({ ids: enc.ids, lengths: enc.lengths, labels: y, size: chunk.length, seqLength: settings.seqLength });
    }
    return out;
  };

  const text = await pretrainingText(unlabelled, encoding, task.austen ? args.austenTokens : 0);
  const heldOut = test.slice(0, 40).map((r) => encoding.tokens(r.text).slice(0, 20));
  console.error(`pre-training text: ${text.length} pieces, ${text.reduce((n, s) => n + s.length, 0)} tokens per epoch`);
  const { bilm: pre, cost } = await pretrained(args, text, heldOut);
  const untrained = new BiLm(pre.options, initWeights(pre.options, undefined, 1));

  const testBatches = toBatches(test);
  const scores: Record<'pre-trained' | 'untrained', Score[]> = { 'pre-trained': [], untrained: [] };
  for (const [k, fold] of folds.entries()) {
    for (const [name, bilm] of [['pre-trained', pre], ['untrained', untrained]] as const) {
      const c0 = process.cpuUsage();
      const score = await classify(bilm, vocab, labels, settings, toBatches(fold), testBatches, args);
      const c = process.cpuUsage(c0);
      scores[name].push(score);
      console.log(JSON.stringify({
        bench: 'elmo-evidence', stage: 'classify', biLM: name, fold: k, task: args.task, labelledRows: `${k * task.foldSize}-${(k + 1) * task.foldSize - 1}`,
        testExamples: test.length, ...score, pooling: args.pooling, epochs: args.epochs, learningRate: args.learningRate,
        cpuSeconds: Math.round((c.user + c.system) / 1e6),
      }));
    }
  }
  pre.dispose();
  untrained.dispose();

  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const summary = (name: 'pre-trained' | 'untrained') => {
    const s = scores[name];
    return `accuracy ${mean(s.map((x) => x.accuracy)).toFixed(3)} (${s.map((x) => x.accuracy.toFixed(3)).join(', ')}), ` +
      `macro-F1 ${mean(s.map((x) => x.macroF1)).toFixed(3)} (${s.map((x) => x.macroF1.toFixed(3)).join(', ')})`;
  };
  const last = cost.epochs[cost.epochs.length - 1];
  const majority = Math.max(...labels.map((l) => test.filter((r) => r.label === l).length)) / test.length;
  const tokens = cost.epochs.reduce((n, e) => n + e.tokens, 0);
  console.log(
    `\n${args.task}: ${args.folds} × ${task.foldSize} labelled rows, ${test.length} test (majority class ${majority.toFixed(3)}), frozen biLM, ${args.pooling} pooling, ${args.epochs} epochs:\n` +
    `  pre-trained biLM: ${summary('pre-trained')}\n` +
    `  untrained biLM:   ${summary('untrained')}\n` +
    (last
      ? `pre-training (${pre.options.lstm.dim} cells → ${pre.options.lstm.projection_dim}): ${cost.epochs.length} epochs, ${tokens} tokens, ` +
        `${Math.round(cost.wallSeconds)} s wall, ${Math.round(cost.cpuSeconds)} cpu-s, held-out perplexity fwd ${last.forwardPerplexity?.toFixed(0)} bwd ${last.backwardPerplexity?.toFixed(0)}`
      : ''),
  );
}
