// `npm run bench -- pipeline [--mb 50] [--memory-gb 1] [--no-memory] [--no-python]`
//
// The notebook's data pipeline, CSV → preprocess → basic_english → vocabulary → ids padded to
// 100 → batches of 16, on the fine-food reviews repeated to >= 50 MB, timed side by side with
// the Python reference (csv + torchtext, ../shared/reference/pipeline_bench.py) on the same
// file in the same run. Also: the CSV reader alone against csv-parse (why seqflow parses CSV
// itself), and peak RSS while a generated 1 GB CSV streams through readCsv → tokenize (run in
// a child process so the rest of this benchmark does not count).
//
// Prints human-readable lines on stderr and one JSON line with every figure on stdout.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { once } from 'node:events';
import {
  batch,
  collate,
  countTokens,
  encode,
  pad,
  pipe,
  preprocess,
  readCsv,
  tokenize,
  Vocab,
  type Batch,
} from '../src/pipeline';

const TRAIN = path.resolve(__dirname, '../../shared/data/amazon-fine-foods/train.csv');
const REFERENCE = path.resolve(__dirname, '../../shared/reference/pipeline_bench.py');
const PYTHON = '/usr/bin/python3';
const SEQ = 100;
const BATCH = 16;
const MB = 1e6;

function log(line: string): void {
  process.stderr.write(line + '\n');
}

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** Writes train.csv's header once and its rows again and again until the file has `bytes`. */
async function repeatCsv(file: string, bytes: number): Promise<number> {
  const text = fs.readFileSync(TRAIN, 'utf8');
  const headerEnd = text.indexOf('\n') + 1;
  const body = Buffer.from(text.slice(headerEnd), 'utf8');
  const out = fs.createWriteStream(file);
  out.write(text.slice(0, headerEnd));
  let written = headerEnd;
  while (written < bytes) {
    if (!out.write(body)) await once(out, 'drain');
    written += body.length;
  }
  out.end();
  await once(out, 'finish');
  return written;
}

interface PassFigures {
  rows: number;
  tokens: number;
  seconds: number;
  /** CPU seconds (user + system, all threads): steadier than wall time on a shared machine. */
  cpuSeconds: number;
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** The vocabulary pass and the encode pass, as pipeline_bench.py times them. */
async function seqflowPipeline(file: string): Promise<{ vocab: PassFigures; encode: PassFigures; batches: number; vocabSize: number }> {
  // Python's DictReader loop keeps rows whose review is non-empty: dropna on that column.
  const reviews = readCsv(file, { select: ['review'], dropna: true });
  // Rows and tokens, which the reference counts in a generator around its tokenizer, come from
  // the reader's stats and the counter's total here (checked against the reference's below):
  // a stage of our own between tokenize and the counter would hide the tokenizer from
  // countTokens, which counts straight from the text when it follows preprocess + basic_english.
  const texts = pipe(reviews, preprocess({ key: 'review' }), tokenize('basic_english', { key: 'review' }));
  let t0 = performance.now();
  let c0 = process.cpuUsage();
  const counter = await countTokens(texts, { key: 'review' });
  const vocab = Vocab.fromCounter(counter, { maxTokens: 25000, specials: ['<UNK>', '<PAD>'], specialFirst: true, defaultToken: '<UNK>' });
  const vocabSeconds = (performance.now() - t0) / 1000;
  const vocabCpu = cpuSince(c0);
  const rows = reviews.stats.rows;
  const tokens = counter.total;

  const padId = vocab.tokenToId('<PAD>');
  const batches = pipe(
    reviews,
    preprocess({ key: 'review' }),
    tokenize('basic_english', { key: 'review' }),
    encode(vocab, { key: 'review' }),
    pad({ key: 'review', length: SEQ, value: padId }),
    batch(BATCH),
    collate(),
  );
  t0 = performance.now();
  c0 = process.cpuUsage();
  let count = 0;
  let encodedRows = 0;
  for await (const b of batches as AsyncIterable<Batch>) {
    count++;
    encodedRows += b.size;
  }
  const encodeSeconds = (performance.now() - t0) / 1000;
  const encodeCpu = cpuSince(c0);
  return {
    vocab: { rows, tokens, seconds: vocabSeconds, cpuSeconds: vocabCpu },
    encode: { rows: encodedRows, tokens, seconds: encodeSeconds, cpuSeconds: encodeCpu },
    batches: count,
    vocabSize: vocab.size,
  };
}

/** The CSV reader alone: seqflow's and csv-parse's (Node stream build), records with all columns. */
async function csvOnly(file: string): Promise<{ seqflow: [number, number]; csvParse: [number, number]; rows: number }> {
  let t0 = performance.now();
  let c0 = process.cpuUsage();
  let rows = 0;
  for await (const _ of readCsv(file)) rows++;
  const seqflow: [number, number] = [(performance.now() - t0) / 1000, cpuSince(c0)];
  const { parse } = await import('csv-parse');
  t0 = performance.now();
  c0 = process.cpuUsage();
  let other = 0;
  for await (const _ of fs.createReadStream(file).pipe(parse({ columns: true, bom: true }))) other++;
  const csvParse: [number, number] = [(performance.now() - t0) / 1000, cpuSince(c0)];
  if (other !== rows) throw new Error(`csv-parse read ${other} rows, seqflow ${rows}`);
  return { seqflow, csvParse, rows };
}

interface PythonFigures {
  vocab_pass_s: number;
  vocab_pass_cpu_s?: number;
  encode_pass_cpu_s?: number;
  encode_pass_s: number;
  rows: number;
  tokens: number;
  vocab_tokens_per_s: number;
  encode_tokens_per_s: number;
  encode_rows_per_s: number;
  peak_rss_mb: number;
  [key: string]: unknown;
}

/**
 * Runs the reference script unchanged, inside a wrapper that also notes the process's CPU time
 * whenever the script itself reads its clock (time.perf_counter, called at the start and end of
 * each pass), so both sides can be compared in CPU seconds as well as wall seconds.
 */
const PYTHON_WRAPPER = `
import json, runpy, sys, time
script = sys.argv[1]
sys.argv = sys.argv[1:]
wall = time.perf_counter
stamps = []
def clock():
    if sys._getframe(1).f_code.co_filename == script:
        stamps.append(time.process_time())
    return wall()
time.perf_counter = clock
try:
    runpy.run_path(script, run_name='__main__')
finally:
    print('CPU_STAMPS ' + json.dumps(stamps), file=sys.stderr)
`;

function pythonReference(file: string): PythonFigures | string {
  if (!fs.existsSync(PYTHON)) return `missing: ${PYTHON} not found`;
  if (!fs.existsSync(REFERENCE)) return `missing: ${REFERENCE} not found`;
  const run = spawnSync(PYTHON, ['-c', PYTHON_WRAPPER, REFERENCE, file, 'review', '--json'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.status !== 0) {
    const why = (run.stderr || run.error?.message || '').trim().split('\n').filter((l) => !l.startsWith('CPU_STAMPS')).pop();
    return `missing: the reference failed (${why}); it needs apt-get install python3-torch python3-torchtext`;
  }
  const figures = JSON.parse(run.stdout.trim().split('\n').pop()!) as PythonFigures;
  const stampLine = run.stderr.split('\n').find((l) => l.startsWith('CPU_STAMPS '));
  const stamps = stampLine ? (JSON.parse(stampLine.slice('CPU_STAMPS '.length)) as number[]) : [];
  if (stamps.length === 4) {
    figures.vocab_pass_cpu_s = round(stamps[1] - stamps[0], 3);
    figures.encode_pass_cpu_s = round(stamps[3] - stamps[2], 3);
  }
  return figures;
}

/**
 * Peak RSS while `file` streams through readCsv → preprocess → tokenize, measured in a fresh
 * Node process that runs an esbuild bundle (no TypeScript compiler in memory to blur it).
 */
async function memoryCheck(file: string): Promise<{ peak_rss_mb: number; baseline_rss_mb: number; rows: number; tokens: number; mb_per_s: number }> {
  const esbuild = await import('esbuild');
  const bundle = path.join(os.tmpdir(), `seqflow-bench-memory-${process.pid}.js`);
  await esbuild.build({
    stdin: {
      contents: `import { memoryChild } from ${JSON.stringify(path.join(__dirname, 'pipeline.ts'))}; memoryChild(process.argv[2]);`,
      resolveDir: __dirname,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    external: ['esbuild', 'csv-parse'],
    outfile: bundle,
    logLevel: 'warning',
  });
  try {
    const child = spawn(process.execPath, [bundle, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const [code] = await once(child, 'exit');
    if (code !== 0) throw new Error(`memory check failed (exit ${code})`);
    return JSON.parse(out.trim().split('\n').pop()!);
  } finally {
    fs.rmSync(bundle, { force: true });
  }
}

/** Runs in the child process of `memoryCheck`. */
export async function memoryChild(file: string): Promise<void> {
  const baseline = process.memoryUsage().rss;
  const size = fs.statSync(file).size;
  let rows = 0;
  let tokens = 0;
  const t0 = performance.now();
  const stream = pipe(readCsv(file, { select: ['review'] }), preprocess({ key: 'review' }), tokenize('basic_english', { key: 'review' }));
  for await (const r of stream) {
    rows++;
    tokens += r.review.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(
    JSON.stringify({
      // maxRSS is in KiB: the process's peak resident set, the figure the goal is about.
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      baseline_rss_mb: Math.round(baseline / 2 ** 20),
      rows,
      tokens,
      mb_per_s: round(size / MB / seconds, 1),
    }) + '\n',
  );
}

function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export async function main(args: string[]): Promise<void> {
  const targetMb = arg(args, '--mb', 50);
  const memoryGb = arg(args, '--memory-gb', 1);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seqflow-bench-pipeline-'));
  const result: Record<string, unknown> = { bench: 'pipeline' };
  try {
    const file = path.join(tmp, `train-x${targetMb}mb.csv`);
    const bytes = await repeatCsv(file, targetMb * MB);
    const fileMb = bytes / MB;
    result.file_mb = round(fileMb, 1);
    log(`pipeline bench: ${path.basename(TRAIN)} repeated to ${fileMb.toFixed(1)} MB in ${tmp}`);

    const csv = await csvOnly(file);
    result.csv_reader = {
      rows: csv.rows,
      seqflow_mb_per_s: round(fileMb / csv.seqflow[0], 1),
      csv_parse_mb_per_s: round(fileMb / csv.csvParse[0], 1),
      seqflow_mb_per_cpu_s: round(fileMb / csv.seqflow[1], 1),
      csv_parse_mb_per_cpu_s: round(fileMb / csv.csvParse[1], 1),
      speedup: round(csv.csvParse[0] / csv.seqflow[0], 2),
      note: 'seqflow reads CSV with its own incremental RFC 4180 parser; csv-parse 7 (records, Node stream) is this much slower on the same file',
    };
    log(`CSV reader alone: seqflow ${(fileMb / csv.seqflow[0]).toFixed(1)} MB/s, csv-parse ${(fileMb / csv.csvParse[0]).toFixed(1)} MB/s`);

    const ours = await seqflowPipeline(file);
    const total = ours.vocab.seconds + ours.encode.seconds;
    const seqflow = {
      rows: ours.vocab.rows,
      tokens: ours.vocab.tokens,
      batches: ours.batches,
      vocab_size: ours.vocabSize,
      vocab_pass_s: round(ours.vocab.seconds, 3),
      encode_pass_s: round(ours.encode.seconds, 3),
      vocab_rows_per_s: round(ours.vocab.rows / ours.vocab.seconds),
      vocab_tokens_per_s: round(ours.vocab.tokens / ours.vocab.seconds),
      encode_rows_per_s: round(ours.encode.rows / ours.encode.seconds),
      encode_tokens_per_s: round(ours.encode.tokens / ours.encode.seconds),
      encode_mb_per_s: round(fileMb / ours.encode.seconds, 2),
      total_tokens_per_s: round((2 * ours.vocab.tokens) / total),
      vocab_pass_cpu_s: round(ours.vocab.cpuSeconds, 3),
      encode_pass_cpu_s: round(ours.encode.cpuSeconds, 3),
    };
    result.seqflow = seqflow;
    log(`seqflow: vocab pass ${seqflow.vocab_tokens_per_s} tokens/s, encode pass ${seqflow.encode_tokens_per_s} tokens/s (${seqflow.encode_rows_per_s} rows/s)`);

    if (args.includes('--no-python')) result.torchtext = 'missing: skipped (--no-python)';
    else {
      log('running the Python reference (csv + torchtext) on the same file...');
      const py = pythonReference(file);
      result.torchtext = py;
      if (typeof py === 'string') log(`torchtext reference ${py}`);
      else {
        if (py.rows !== seqflow.rows || py.tokens !== seqflow.tokens) {
          throw new Error(`the pipelines disagree: python ${py.rows} rows / ${py.tokens} tokens, seqflow ${seqflow.rows} / ${seqflow.tokens}`);
        }
        const pyTotal = py.vocab_pass_s + py.encode_pass_s;
        const cpu =
          py.vocab_pass_cpu_s !== undefined && py.encode_pass_cpu_s !== undefined
            ? {
                vocab: round(py.vocab_pass_cpu_s / seqflow.vocab_pass_cpu_s, 2),
                encode: round(py.encode_pass_cpu_s / seqflow.encode_pass_cpu_s, 2),
                total: round((py.vocab_pass_cpu_s + py.encode_pass_cpu_s) / (seqflow.vocab_pass_cpu_s + seqflow.encode_pass_cpu_s), 2),
              }
            : 'missing';
        // Throughput ratios (seqflow / torchtext, higher is better): wall clock as the goal is
        // stated, and CPU time, which a busy shared machine disturbs less.
        result.ratio = {
          vocab_tokens_per_s: round(seqflow.vocab_tokens_per_s / py.vocab_tokens_per_s, 2),
          encode_tokens_per_s: round(seqflow.encode_tokens_per_s / py.encode_tokens_per_s, 2),
          total: round(pyTotal / total, 2),
          cpu_time: cpu,
          goal: 5,
          load_average: round(os.loadavg()[0], 1),
          cpus: os.cpus().length,
        };
        log(`torchtext: vocab pass ${py.vocab_tokens_per_s} tokens/s, encode pass ${py.encode_tokens_per_s} tokens/s`);
        log(`ratio seqflow/torchtext: ${JSON.stringify(result.ratio)}`);
      }
    }
    fs.rmSync(file, { force: true });

    if (!args.includes('--no-memory') && memoryGb > 0) {
      const big = path.join(tmp, `generated-${memoryGb}gb.csv`);
      log(`memory check: generating ${memoryGb} GB in ${big} ...`);
      const bigBytes = await repeatCsv(big, memoryGb * 1e9);
      const memory = await memoryCheck(big);
      fs.rmSync(big, { force: true });
      result.memory = { file_mb: round(bigBytes / MB), ...memory, goal_peak_rss_mb: 300 };
      log(`memory check: peak RSS ${memory.peak_rss_mb} MB streaming ${round(bigBytes / MB)} MB through readCsv → tokenize (${memory.mb_per_s} MB/s)`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}
