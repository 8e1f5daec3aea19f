// `npm run bench -- train [--steps N] [--layers-steps N] [--configs notebook,bilstm128]
//   [--backends cpu,wasm] [--no-torch] [--no-layers] [--torch-train-rows N] [--torch-runs 1|2]
//   [--engine wasm-simd|js]`
//
// Training and forward-only examples/s of seqflow's recurrent core for the two configurations
// of issue 5, on each Node backend, beside tfjs-layers' LSTM on the same backend (same
// process, same embedding op and head) and PyTorch (../shared/reference/seed_lstm.py).
// Each configuration + backend runs in its own child process so that its peak RSS is its own;
// seqflow is measured first and its peak RSS read before tfjs-layers is even loaded. The child
// runs this file compiled to JavaScript (bundled once with esbuild, packages left external), as a
// user runs the published package: under ts-node the TypeScript compiler alone would add ~80 MB.
// One JSON line per configuration and backend.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import type * as TfLayers from '@tensorflow/tfjs-layers';
import { Embedding } from '../src/models/embedding';
import { Recurrent } from '../src/models/recurrent';
import { registerGradients } from '../src/models/gradients';
import { FusedAdam, FusedSgd } from '../src/backends/kernels/cpu/fused-optimizers';
import { matrixEngine, setMatrixEngine, type MatrixEngineName } from '../src/backends/kernels/engine-choice';

type ConfigName = 'notebook' | 'bilstm128';

interface BenchConfig {
  name: ConfigName;
  emb: number;
  hidden: number;
  layers: number;
  bidirectional: boolean;
  optimizer: 'sgd' | 'adam';
  torchArgs: string[];
}

const CONFIGS: Record<ConfigName, BenchConfig> = {
  notebook: { name: 'notebook', emb: 64, hidden: 16, layers: 5, bidirectional: false, optimizer: 'sgd', torchArgs: ['--layers', '5', '--hidden', '16'] },
  bilstm128: {
    name: 'bilstm128', emb: 64, hidden: 128, layers: 1, bidirectional: true, optimizer: 'adam',
    torchArgs: ['--layers', '1', '--hidden', '128', '--bidir', '--optim', 'adam', '--lr', '1e-3'],
  },
};

const BATCH = 16;
const SEQ_LEN = 100;
const LEARNING_RATE = 1e-3;
const DATA_DIR = path.resolve(__dirname, '../../shared/data/amazon-fine-foods');
const TORCH_SCRIPT = path.resolve(__dirname, '../../shared/reference/seed_lstm.py');
const TRAIN_ROWS = 3200; // seed_lstm.py holds out the last 20% of the 4,000 rows

interface Args {
  steps: number;
  layersSteps: number;
  configs: ConfigName[];
  backends: string[];
  torch: boolean;
  layers: boolean;
  torchTrainRows: number;
  /** PyTorch runs per configuration: 1 = before seqflow's; 2 = before and after (averaged). */
  torchRuns: number;
  /** The recurrent kernel's matrix engine (default: the SIMD WebAssembly one where available). */
  engine: MatrixEngineName | null;
  worker: { config: ConfigName; backend: string } | null;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    steps: 8, layersSteps: 2, configs: ['notebook', 'bilstm128'], backends: ['cpu', 'wasm'],
    torch: true, layers: true, torchTrainRows: 480, torchRuns: 1, engine: null, worker: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench train: ${flag} needs a value`);
      return v;
    };
    if (flag === '--steps') a.steps = Number(next());
    else if (flag === '--layers-steps') a.layersSteps = Number(next());
    else if (flag === '--configs') a.configs = next().split(',') as ConfigName[];
    else if (flag === '--backends') a.backends = next().split(',');
    else if (flag === '--no-torch') a.torch = false;
    else if (flag === '--no-layers') a.layers = false;
    else if (flag === '--torch-train-rows') a.torchTrainRows = Number(next());
    else if (flag === '--torch-runs') a.torchRuns = Number(next());
    else if (flag === '--engine') a.engine = next() as MatrixEngineName;
    else if (flag === '--worker') a.worker = { config: next() as ConfigName, backend: next() };
    else throw new Error(`bench train: unknown argument ${flag}`);
  }
  for (const c of a.configs) if (!(c in CONFIGS)) throw new Error(`bench train: unknown config "${c}" (have notebook, bilstm128)`);
  return a;
}

// --- data: the notebook's preprocessing and a basic_english-like split, enough for ids and a vocabulary size

function tokenize(text: string): string[] {
  const s = text.trim().toLowerCase().replace(/[^a-zA-Z.,!?]+/g, ' ').replace(/\s+/g, ' ').trim();
  return s
    .replace(/([.,!?])/g, ' $1 ')
    .split(/\s+/)
    .filter((t) => t.length > 0);
}

function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += ch;
  }
  if (field.length > 0 || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

interface BenchData {
  vocabSize: number;
  batches: Array<{ ids: Int32Array; lengths: Int32Array; labels: Int32Array }>;
  meanLength: number;
}

function loadData(numBatches: number): BenchData {
  const file = path.join(DATA_DIR, 'train.csv');
  const rows = parseCsvRows(fs.readFileSync(file, 'utf8'));
  const header = rows[0];
  const ti = header.indexOf('review');
  const li = header.indexOf('score');
  if (ti < 0 || li < 0) throw new Error(`${file}: expected columns "review" and "score", got ${header.join(',')}`);
  const train = rows.slice(1, 1 + TRAIN_ROWS);
  const tokens = train.map((r) => tokenize(r[ti]));
  const counts = new Map<string, number>();
  for (const ts of tokens) for (const t of ts) counts.set(t, (counts.get(t) ?? 0) + 1);
  const itos = ['<UNK>', '<PAD>', ...[...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || (a < b ? -1 : 1))];
  const stoi = new Map(itos.map((t, i) => [t, i]));
  const labels = [...new Set(train.map((r) => r[li]))].sort();
  const batches: BenchData['batches'] = [];
  let lengthSum = 0;
  for (let k = 0; k < numBatches; k++) {
    const ids = new Int32Array(BATCH * SEQ_LEN).fill(1);
    const lengths = new Int32Array(BATCH);
    const y = new Int32Array(BATCH);
    for (let b = 0; b < BATCH; b++) {
      const r = (k * BATCH + b) % train.length;
      const ts = tokens[r].slice(0, SEQ_LEN);
      ts.forEach((t, j) => (ids[b * SEQ_LEN + j] = stoi.get(t) ?? 0));
      lengths[b] = Math.max(1, ts.length);
      lengthSum += lengths[b];
      y[b] = labels.indexOf(train[r][li]);
    }
    batches.push({ ids, lengths, labels: y });
  }
  return { vocabSize: itos.length, batches, meanLength: lengthSum / (numBatches * BATCH) };
}

// --- timing

interface Rates {
  examplesPerSecond: number;
  inferExamplesPerSecond: number;
  /** Training examples per second of process CPU time (user + system, all threads): less
   * sensitive than wall time to other processes on a shared machine. */
  examplesPerCpuSecond: number;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Variant {
  train: (i: number) => void;
  infer: (i: number) => void;
}

/**
 * Times variants step by step in turn (A, B, A, B, …), so that a change of machine load
 * between them (other processes on a shared machine) falls on all of them alike.
 */
function timeInterleaved(steps: number, variants: Variant[], warmup = 2): Rates[] {
  for (const v of variants) {
    // warm-up: JIT, kernels compiled, optimizer slots made, memory grown
    for (let i = 0; i < warmup; i++) {
      v.train(i);
      v.infer(i);
    }
  }
  const train = variants.map(() => 0);
  const trainCpu = variants.map(() => 0);
  const infer = variants.map(() => 0);
  for (let i = 1; i <= steps; i++) {
    variants.forEach((v, k) => {
      const c0 = cpuMs();
      const t0 = performance.now();
      v.train(i);
      train[k] += performance.now() - t0;
      trainCpu[k] += cpuMs() - c0;
    });
  }
  for (let i = 1; i <= steps; i++) {
    variants.forEach((v, k) => {
      const t0 = performance.now();
      v.infer(i);
      infer[k] += performance.now() - t0;
    });
  }
  return variants.map((_, k) => ({
    examplesPerSecond: (steps * BATCH * 1000) / train[k],
    inferExamplesPerSecond: (steps * BATCH * 1000) / infer[k],
    examplesPerCpuSecond: (steps * BATCH * 1000) / trainCpu[k],
  }));
}

function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

// --- one configuration on one backend (child process)

/**
 * tfjs-layers calls chained tensor methods (t.flatten()); tfjs-core's module that adds them is
 * ES-module only with extension-less imports, which Node cannot load, so it is bundled to
 * CommonJS once with esbuild (the prototype it patches is the shared tfjs-core Tensor's).
 */
function registerChainedOps(): void {
  const entry = require.resolve('@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js');
  const target = path.join(os.tmpdir(), `seqflow-tfjs-chained-ops-${tf.version_core}.cjs`);
  if (!fs.existsSync(target)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require('esbuild') as typeof import('esbuild');
    const out = esbuild.buildSync({
      entryPoints: [entry], bundle: true, format: 'cjs', platform: 'node', write: false, logLevel: 'silent',
      // The Tensor class patched must be the one the engine makes, not a bundled copy.
      external: [],
    });
    const tmp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, out.outputFiles[0].contents);
    fs.renameSync(tmp, target);
  }
  require(target);
}

async function worker(config: BenchConfig, backend: string, args: Args): Promise<void> {
  registerGradients();
  if (!(await tf.setBackend(backend))) throw new Error(`bench train: backend ${backend} did not start`);
  if (args.engine !== null) setMatrixEngine(args.engine);
  await tf.ready();
  // What the process holds before any data or model: Node, tfjs-core and its backends, seqflow.
  const loadedRssMb = process.memoryUsage().rss / 2 ** 20;

  const data = loadData(Math.max(args.steps, args.layersSteps) + 1);
  const batchTensors = data.batches.map((b) => ({
    ids: tf.tensor2d(b.ids, [BATCH, SEQ_LEN], 'int32'),
    labels: tf.oneHot(tf.tensor1d(b.labels, 'int32'), 2),
    lengths: b.lengths,
    fullLengths: new Int32Array(BATCH).fill(SEQ_LEN),
  }));
  const makeOptimizer = () => (config.optimizer === 'sgd' ? tf.train.sgd(LEARNING_RATE) : tf.train.adam(LEARNING_RATE));
  // seqflow's own optimizers: one loop per variable (Adam on cpu and wasm, SIMD; SGD on cpu), tf.train's elsewhere.
  const makeSeqflowOptimizer = () => (config.optimizer === 'sgd' ? new FusedSgd(LEARNING_RATE) : new FusedAdam(LEARNING_RATE));
  const outWidth = config.hidden * (config.bidirectional ? 2 : 1);

  const emb = new Embedding(data.vocabSize, config.emb, { seed: 1 });
  const rnn = new Recurrent({
    kind: 'lstm', inputSize: config.emb, hiddenSize: config.hidden, numLayers: config.layers,
    bidirectional: config.bidirectional, seed: 2,
  });
  const dense = tf.variable(tf.randomUniform([outWidth, 2], -0.1, 0.1, 'float32', 3));
  const bias = tf.variable(tf.zeros([2]));
  const logitsOf = (batch: (typeof batchTensors)[number], lengths: Int32Array, training: boolean) => {
    const r = rnn.apply(emb.apply(batch.ids as tf.Tensor2D), lengths, { training });
    const L = r.h.shape[0];
    // The last layer's final state (both directions): slices, since gather's gradient has no wasm kernel.
    const D = config.bidirectional ? 2 : 1;
    const last = tf.reshape(tf.transpose(tf.slice(r.h, [L - D, 0, 0], [D, BATCH, config.hidden]), [1, 0, 2]), [BATCH, outWidth]);
    return tf.add(tf.matMul(last as tf.Tensor2D, dense), bias);
  };
  const seqflowVariant = (useFullLengths: boolean): Variant & { optimizer: tf.Optimizer } => {
    const optimizer = makeSeqflowOptimizer();
    const pick = (i: number) => batchTensors[i % batchTensors.length];
    const lengthsOf = (b: (typeof batchTensors)[number]) => (useFullLengths ? b.fullLengths : b.lengths);
    return {
      optimizer,
      train: (i) => {
        const b = pick(i);
        const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(b.labels, logitsOf(b, lengthsOf(b), true)) as tf.Scalar, true);
        loss!.dataSync();
        loss!.dispose();
      },
      infer: (i) => {
        const b = pick(i);
        tf.tidy(() => logitsOf(b, lengthsOf(b), false).dataSync());
      },
    };
  };
  const numTensorsBefore = tf.memory().numTensors;
  const variants = [seqflowVariant(false), seqflowVariant(true)];
  const [seqflow, seqflowFull] = timeInterleaved(args.steps, variants);
  for (const v of variants) v.optimizer.dispose();
  const leaked = tf.memory().numTensors - numTensorsBefore;
  const seqflowPeakRss = peakRssMb();

  let layers: Rates | null = null;
  if (args.layers) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tfl = require('@tensorflow/tfjs-layers') as typeof TfLayers;
    registerChainedOps();
    const model = tfl.sequential();
    for (let l = 0; l < config.layers; l++) {
      const returnSequences = l < config.layers - 1;
      const shape = l === 0 ? { inputShape: [SEQ_LEN, config.emb] } : {};
      model.add(
        config.bidirectional
          ? tfl.layers.bidirectional({ layer: tfl.layers.lstm({ units: config.hidden, returnSequences }), mergeMode: 'concat', ...shape })
          : tfl.layers.lstm({ units: config.hidden, returnSequences, ...shape }),
      );
    }
    model.add(tfl.layers.dense({ units: 2 }));
    const opt = makeOptimizer();
    const forward = (b: (typeof batchTensors)[number], training: boolean) =>
      model.apply(emb.apply(b.ids as tf.Tensor2D), { training }) as tf.Tensor2D;
    [layers] = timeInterleaved(args.layersSteps, [
      {
        train: (i) => {
          const b = batchTensors[i % batchTensors.length];
          const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(b.labels, forward(b, true)) as tf.Scalar, true);
          loss!.dataSync();
          loss!.dispose();
        },
        infer: (i) => {
          const b = batchTensors[i % batchTensors.length];
          tf.tidy(() => forward(b, false).dataSync());
        },
      },
    ], 1);
  }
  const result = {
    backend,
    engine: matrixEngine().name,
    vocabSize: data.vocabSize,
    meanLength: round(data.meanLength),
    steps: args.steps,
    seqflow: { ...seqflow, peakRssMb: seqflowPeakRss, loadedRssMb },
    seqflowFullLength: seqflowFull,
    layers,
    leakedTensors: leaked,
  };
  process.stdout.write(`@@RESULT ${JSON.stringify(result)}\n`);
}

// --- PyTorch reference

interface TorchFigures {
  examplesPerSecond: number;
  inferExamplesPerSecond: number;
  examplesPerCpuSecond: number;
  peakRssMb: number;
  vocabSize: number;
  trainRows: number;
  torch: string;
}

function torchInstalled(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function runTorch(config: BenchConfig, args: Args): TorchFigures | { missing: string } {
  if (!fs.existsSync(TORCH_SCRIPT)) return { missing: `${TORCH_SCRIPT} not found` };
  if (!torchInstalled()) return { missing: 'python3-torch is not installed (apt-get install python3-torch python3-torchtext)' };
  try {
    const out = execFileSync(
      '/usr/bin/python3',
      [TORCH_SCRIPT, '--data', DATA_DIR, ...config.torchArgs, '--epochs', '1', '--threads', '2',
        '--max-train', String(args.torchTrainRows), '--json', '--quiet'],
      { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
    if (!line) return { missing: `seed_lstm.py printed no JSON line` };
    const r = JSON.parse(line) as Record<string, number | string>;
    return {
      examplesPerSecond: Number(r.ex_per_s),
      inferExamplesPerSecond: round(Number(r.n_test) / Number(r.eval_s)),
      examplesPerCpuSecond: round(Number(r.n_train) / Number(r.cpu_sec_per_epoch)),
      peakRssMb: Number(r.peak_rss_mb),
      vocabSize: Number(r.vocab_size),
      trainRows: Number(r.n_train),
      torch: String(r.torch),
    };
  } catch (err) {
    return { missing: `seed_lstm.py failed: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** The mean of two PyTorch runs (one taken before seqflow's, one after), or the one run. */
function mergeTorch(
  a: TorchFigures | { missing: string },
  b: TorchFigures | { missing: string } | null,
): (TorchFigures & { runs?: TorchFigures[] }) | { missing: string } {
  if (!('examplesPerSecond' in a)) return a;
  if (b === null || !('examplesPerSecond' in b)) return a;
  const mean = (x: number, y: number) => round((x + y) / 2);
  return {
    ...a,
    examplesPerSecond: mean(a.examplesPerSecond, b.examplesPerSecond),
    inferExamplesPerSecond: mean(a.inferExamplesPerSecond, b.inferExamplesPerSecond),
    examplesPerCpuSecond: mean(a.examplesPerCpuSecond, b.examplesPerCpuSecond),
    peakRssMb: Math.max(a.peakRssMb, b.peakRssMb),
    runs: [a, b],
  };
}

/**
 * This file as one CommonJS module (its own imports bundled, npm packages external), written
 * under node_modules/.cache so that those packages resolve from it; `__dirname` keeps pointing
 * at bench/ for the data and reference paths.
 */
function compiledWorker(): string {
  const target = path.resolve(__dirname, '../node_modules/.cache/seqflow-bench/train.cjs');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  esbuild.buildSync({
    entryPoints: [__filename], outfile: target, bundle: true, packages: 'external', format: 'cjs',
    platform: 'node', target: 'node20', logLevel: 'error', define: { __dirname: JSON.stringify(__dirname) },
  });
  return target;
}

function runWorker(script: string, config: ConfigName, backend: string, argv: string[]): Record<string, unknown> {
  const call = `require(${JSON.stringify(script)}).main(${JSON.stringify([...argv, '--worker', config, backend])})` +
    `.catch((e) => { console.error(e); process.exit(1); })`;
  const out = execFileSync(
    process.execPath,
    ['-e', call],
    { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'], cwd: path.resolve(__dirname, '..') },
  );
  const line = out.split('\n').find((l) => l.startsWith('@@RESULT '));
  if (!line) throw new Error(`bench train: worker ${config}/${backend} printed no result`);
  return JSON.parse(line.slice('@@RESULT '.length)) as Record<string, unknown>;
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (args.worker) {
    await worker(CONFIGS[args.worker.config], args.worker.backend, args);
    return;
  }
  const passOn = argv.filter((a, i) => !['--configs', '--backends'].includes(a) && !['--configs', '--backends'].includes(argv[i - 1]));
  // Any one-time set-up (tfjs gradients bundled to CommonJS) happens here, not in a measured child.
  registerGradients();
  const script = compiledWorker();
  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`;
  for (const name of args.configs) {
    const config = CONFIGS[name];
    const torchBefore = args.torch ? runTorch(config, args) : { missing: 'skipped (--no-torch)' };
    const results = args.backends.map((backend) => runWorker(script, name, backend, passOn) as {
      backend: string; engine: string; vocabSize: number; meanLength: number; steps: number; leakedTensors: number;
      seqflow: Rates & { peakRssMb: number; loadedRssMb: number }; seqflowFullLength: Rates; layers: Rates | null;
    });
    const torchAfter = args.torch && args.torchRuns > 1 ? runTorch(config, args) : null;
    const torch = mergeTorch(torchBefore, torchAfter);
    for (const r of results) {
      const backend = r.backend;
      const ratio = (a: number, b: number | undefined) => (b ? round(a / b, 2) : null);
      const t = 'examplesPerSecond' in torch ? torch : null;
      console.log(
        JSON.stringify({
          config: name,
          backend,
          kernelEngine: r.engine,
          examplesPerSecond: round(r.seqflow.examplesPerSecond),
          inferExamplesPerSecond: round(r.seqflow.inferExamplesPerSecond),
          examplesPerCpuSecond: round(r.seqflow.examplesPerCpuSecond),
          peakRssMb: round(r.seqflow.peakRssMb),
          rssBeforeDataMb: round(r.seqflow.loadedRssMb),
          fullLength: {
            examplesPerSecond: round(r.seqflowFullLength.examplesPerSecond),
            inferExamplesPerSecond: round(r.seqflowFullLength.inferExamplesPerSecond),
            examplesPerCpuSecond: round(r.seqflowFullLength.examplesPerCpuSecond),
          },
          seqflowOptimizer: `${CONFIGS[name].optimizer === 'sgd' ? 'FusedSgd (tf.train.sgd off cpu)' : 'FusedAdam (tf.train.adam off cpu/wasm)'}`,
          tfjsLayers: r.layers
            ? { examplesPerSecond: round(r.layers.examplesPerSecond, 2), inferExamplesPerSecond: round(r.layers.inferExamplesPerSecond, 2) }
            : 'skipped',
          pytorch: t ?? torch,
          ratios: {
            trainVsPytorch: ratio(r.seqflow.examplesPerSecond, t?.examplesPerSecond),
            trainFullLengthVsPytorch: ratio(r.seqflowFullLength.examplesPerSecond, t?.examplesPerSecond),
            trainPerCpuSecondVsPytorch: ratio(r.seqflow.examplesPerCpuSecond, t?.examplesPerCpuSecond),
            trainFullLengthPerCpuSecondVsPytorch: ratio(r.seqflowFullLength.examplesPerCpuSecond, t?.examplesPerCpuSecond),
            inferVsPytorch: ratio(r.seqflow.inferExamplesPerSecond, t?.inferExamplesPerSecond),
            trainVsTfjsLayers: ratio(r.seqflow.examplesPerSecond, r.layers?.examplesPerSecond),
            trainFullLengthVsTfjsLayers: ratio(r.seqflowFullLength.examplesPerSecond, r.layers?.examplesPerSecond),
            inferVsTfjsLayers: ratio(r.seqflow.inferExamplesPerSecond, r.layers?.inferExamplesPerSecond),
            peakRssVsPytorch: ratio(r.seqflow.peakRssMb, t?.peakRssMb),
          },
          vocabSize: r.vocabSize,
          meanLength: r.meanLength,
          batch: BATCH,
          seqLen: SEQ_LEN,
          steps: r.steps,
          leakedTensors: r.leakedTensors,
          machine,
        }),
      );
    }
  }
}
