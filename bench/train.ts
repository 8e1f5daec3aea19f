// `npm run bench -- train [--steps N] [--layers-steps N] [--configs notebook,bilstm128]
//   [--backends cpu,wasm,webgl] [--no-torch] [--no-layers] [--torch-train-rows N] [--torch-runs 1|2]
//   [--engine wasm-simd|js] [--webgl-steps N] [--webgl-seq-len N]`
//
// Training and forward-only examples/s of seqflow's recurrent core for the two configurations
// of issue 5, on each Node backend, beside tfjs-layers' LSTM on the same backend (same
// process, same embedding op and head) and PyTorch (../shared/reference/seed_lstm.py).
// webgl runs in headless Chromium (bench/train-webgl-page.ts) at a small size, for the record:
// without a GPU, Chromium's WebGL is SwiftShader on the CPU; PyTorch runs again at that size.
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
import { registerGradients } from '../src/models/gradients';
import { matrixEngine, setMatrixEngine, type MatrixEngineName } from '../src/backends/kernels/engine-choice';
import { openHarnessPage, type HarnessPage } from './harness-page';
import type { WebglTrainBench } from './train-webgl-page';
import { CONFIGS, TrainBench, timeInterleaved, type BenchConfig, type ConfigName, type PlainBatch, type Rates } from './train-models';

const BATCH = 16;
const SEQ_LEN = 100;
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
  webglSteps: number;
  webglSeqLen: number;
  worker: { config: ConfigName; backend: string } | null;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    steps: 8, layersSteps: 2, configs: ['notebook', 'bilstm128'], backends: ['cpu', 'wasm', 'webgl'],
    torch: true, layers: true, torchTrainRows: 480, torchRuns: 1, engine: null, webglSteps: 3, webglSeqLen: 20, worker: null,
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
    else if (flag === '--webgl-steps') a.webglSteps = Number(next());
    else if (flag === '--webgl-seq-len') a.webglSeqLen = Number(next());
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
  batches: PlainBatch[];
  meanLength: number;
}

function loadData(numBatches: number, seqLen: number): BenchData {
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
    const ids = new Int32Array(BATCH * seqLen).fill(1);
    const lengths = new Int32Array(BATCH);
    const y = new Int32Array(BATCH);
    for (let b = 0; b < BATCH; b++) {
      const r = (k * BATCH + b) % train.length;
      const ts = tokens[r].slice(0, seqLen);
      ts.forEach((t, j) => (ids[b * seqLen + j] = stoi.get(t) ?? 0));
      lengths[b] = Math.max(1, ts.length);
      lengthSum += lengths[b];
      y[b] = labels.indexOf(train[r][li]);
    }
    batches.push({ ids, lengths, labels: y });
  }
  return { vocabSize: itos.length, batches, meanLength: lengthSum / (numBatches * BATCH) };
}

// --- timing

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
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

/** What one configuration measured on one backend, in a Node child or in Chromium. */
interface BackendRun {
  backend: string;
  /** The recurrent kernel's matrix engine in Node; what renders, for webgl. */
  engine: string;
  vocabSize: number;
  meanLength: number;
  steps: number;
  seqLen: number;
  leakedTensors: number;
  /** Peak and before-data RSS: null in a browser page, which cannot read its own. */
  seqflow: Rates & { peakRssMb: number | null; loadedRssMb: number | null };
  seqflowFullLength: Rates;
  layers: Rates | null;
}

async function worker(config: BenchConfig, backend: string, args: Args): Promise<void> {
  registerGradients();
  if (!(await tf.setBackend(backend))) throw new Error(`bench train: backend ${backend} did not start`);
  if (args.engine !== null) setMatrixEngine(args.engine);
  await tf.ready();
  // What the process holds before any data or model: Node, tfjs-core and its backends, seqflow.
  const loadedRssMb = process.memoryUsage().rss / 2 ** 20;

  const data = loadData(Math.max(args.steps, args.layersSteps) + 1, SEQ_LEN);
  const bench = new TrainBench(config, data.vocabSize, data.batches);
  const numTensorsBefore = tf.memory().numTensors;
  const variants = [bench.seqflow(false), bench.seqflow(true)];
  const [seqflow, seqflowFull] = timeInterleaved(BATCH, args.steps, variants, 2, cpuMs);
  for (const v of variants) v.dispose();
  const leaked = tf.memory().numTensors - numTensorsBefore;
  const seqflowPeakRss = peakRssMb();

  let layers: Rates | null = null;
  if (args.layers) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tfl = require('@tensorflow/tfjs-layers') as typeof TfLayers;
    registerChainedOps();
    const model = bench.layers(tfl);
    [layers] = timeInterleaved(BATCH, args.layersSteps, [model], 1, cpuMs);
    model.dispose();
  }
  bench.dispose();
  const result: BackendRun = {
    backend,
    engine: matrixEngine().name,
    vocabSize: data.vocabSize,
    meanLength: round(data.meanLength),
    steps: args.steps,
    seqLen: SEQ_LEN,
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
  /** The BLAS library PyTorch loaded (Debian's torch takes whichever libblas.so.3 is installed). */
  blas: string;
}

/**
 * The BLAS library PyTorch loads, or null when torch cannot be imported. Debian's python3-torch
 * pulls in only the reference (netlib) BLAS, with which the BiLSTM trains ~5x slower than with
 * OpenBLAS: a reference that slow would flatter every ratio, so it is named in the output.
 */
function torchBlas(): string | null {
  // The libblas.so.3 that the dynamic loader resolved, read from the process's own mappings.
  const probe = "import torch\nprint(next((l.split()[-1] for l in open('/proc/self/maps') if 'libblas' in l), ''))";
  try {
    return execFileSync('/usr/bin/python3', ['-c', probe], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

let warnedAboutBlas = false;

function runTorch(config: BenchConfig, args: Args, seqLen: number): TorchFigures | { missing: string } {
  if (!fs.existsSync(TORCH_SCRIPT)) return { missing: `${TORCH_SCRIPT} not found` };
  const blas = torchBlas();
  if (blas === null) return { missing: 'python3-torch is not installed (apt-get install python3-torch python3-torchtext libopenblas0-pthread)' };
  if (!/openblas|mkl|blis/i.test(blas) && !warnedAboutBlas) {
    warnedAboutBlas = true;
    console.error(`bench train: PyTorch runs on ${blas || 'no BLAS library'}, not an optimized BLAS: its figures are far below what it can do (apt-get install libopenblas0-pthread)`);
  }
  try {
    const out = execFileSync(
      '/usr/bin/python3',
      [TORCH_SCRIPT, '--data', DATA_DIR, ...config.torchArgs, '--epochs', '1', '--threads', '2',
        '--max-train', String(args.torchTrainRows), '--seqlen', String(seqLen), '--json', '--quiet'],
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
      blas,
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

function runWorker(script: string, config: ConfigName, backend: string, argv: string[]): BackendRun {
  const call = `require(${JSON.stringify(script)}).main(${JSON.stringify([...argv, '--worker', config, backend])})` +
    `.catch((e) => { console.error(e); process.exit(1); })`;
  const out = execFileSync(
    process.execPath,
    ['-e', call],
    { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'], cwd: path.resolve(__dirname, '..') },
  );
  const line = out.split('\n').find((l) => l.startsWith('@@RESULT '));
  if (!line) throw new Error(`bench train: worker ${config}/${backend} printed no result`);
  return JSON.parse(line.slice('@@RESULT '.length)) as BackendRun;
}

/** Chromium's webgl, opened once for all configurations; null (with the reason) where it cannot start. */
async function openWebgl(): Promise<HarnessPage<WebglTrainBench> | { missing: string }> {
  try {
    return await openHarnessPage<WebglTrainBench>(path.join(__dirname, 'train-webgl-page.ts'));
  } catch (err) {
    return { missing: `webgl in Chromium did not start: ${(err as Error).message.split('\n')[0]}` };
  }
}

async function runWebgl(page: HarnessPage<WebglTrainBench>, config: ConfigName, args: Args): Promise<BackendRun> {
  const data = loadData(Math.max(args.webglSteps, args.layersSteps) + 1, args.webglSeqLen);
  const batches = data.batches.map((b) => ({ ids: Array.from(b.ids), lengths: Array.from(b.lengths), labels: Array.from(b.labels) }));
  const r = await page.call('run', config, data.vocabSize, batches, args.webglSteps, args.layers ? args.layersSteps : 0);
  return {
    backend: r.backend, engine: r.device, vocabSize: data.vocabSize, meanLength: round(data.meanLength), steps: args.webglSteps,
    seqLen: args.webglSeqLen, leakedTensors: r.leakedTensors,
    seqflow: { ...r.seqflow, peakRssMb: null, loadedRssMb: null }, seqflowFullLength: r.seqflowFullLength, layers: r.layers,
  };
}

function roundOrNull(v: number | null, digits = 1): number | null {
  return v === null ? null : round(v, digits);
}

/** One JSON line: seqflow on one backend beside tfjs-layers there and PyTorch at the same size. */
function report(name: ConfigName, r: BackendRun, torch: ReturnType<typeof mergeTorch>, machine: string): string {
  const ratio = (a: number | null, b: number | null | undefined) => (a !== null && b ? round(a / b, 2) : null);
  const t = 'examplesPerSecond' in torch ? torch : null;
  return JSON.stringify({
    config: name,
    backend: r.backend,
    kernelEngine: r.engine,
    examplesPerSecond: round(r.seqflow.examplesPerSecond),
    inferExamplesPerSecond: round(r.seqflow.inferExamplesPerSecond),
    examplesPerCpuSecond: roundOrNull(r.seqflow.examplesPerCpuSecond),
    peakRssMb: roundOrNull(r.seqflow.peakRssMb),
    rssBeforeDataMb: roundOrNull(r.seqflow.loadedRssMb),
    fullLength: {
      examplesPerSecond: round(r.seqflowFullLength.examplesPerSecond),
      inferExamplesPerSecond: round(r.seqflowFullLength.inferExamplesPerSecond),
      examplesPerCpuSecond: roundOrNull(r.seqflowFullLength.examplesPerCpuSecond),
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
    seqLen: r.seqLen,
    steps: r.steps,
    leakedTensors: r.leakedTensors,
    machine,
  });
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
  const nodeBackends = args.backends.filter((b) => b !== 'webgl');
  if (nodeBackends.length > 0) {
    for (const name of args.configs) {
      const config = CONFIGS[name];
      const torchBefore = args.torch ? runTorch(config, args, SEQ_LEN) : { missing: 'skipped (--no-torch)' };
      const results = nodeBackends.map((backend) => runWorker(script, name, backend, passOn));
      const torchAfter = args.torch && args.torchRuns > 1 ? runTorch(config, args, SEQ_LEN) : null;
      const torch = mergeTorch(torchBefore, torchAfter);
      for (const r of results) console.log(report(name, r, torch, machine));
    }
  }
  if (!args.backends.includes('webgl')) return;
  // PyTorch at the webgl size first: Chromium, once open, keeps the CPU busy beside it.
  const torchAtWebglSize = args.configs.map((name) =>
    args.torch ? runTorch(CONFIGS[name], args, args.webglSeqLen) : { missing: 'skipped (--no-torch)' });
  const webgl = await openWebgl();
  if ('missing' in webgl) {
    for (const name of args.configs) console.log(JSON.stringify({ config: name, backend: 'webgl', missing: webgl.missing }));
    return;
  }
  try {
    for (const [k, name] of args.configs.entries()) {
      console.log(report(name, await runWebgl(webgl, name, args), torchAtWebglSize[k], machine));
    }
  } finally {
    await webgl.close();
  }
}
