import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Command, optionalInteger, optionalNumber, requireString, UsageError } from './args';
import { checkColumns } from './labelled-csv';
import { report } from './report';
import { startBackend } from './backend';
import { csvHeader } from '../pipeline/labelled-csv';
import { pipe, type Dataset } from '../pipeline/pipe';
import { preprocess } from '../pipeline/preprocess';
import { readCsv, type CsvRecord } from '../pipeline/read-csv';
import { readLines } from '../pipeline/read-lines';
import { split } from '../pipeline/split';
import { tokenize } from '../pipeline/tokenize';
import { loadBiLmWeights, loadElmoOptions } from '../models/elmo/load';
import { LmVocab } from '../models/elmo/lm-vocab';
import type { BiLmWeights } from '../models/elmo/bilm-weights';
import type { ElmoOptions } from '../models/elmo/options';
import { mediumElmoOptions, pretrainBiLm, smallElmoOptions, tinyElmoOptions, type PretrainEpochLog } from '../models/elmo/pretrain';

const SIZES: Record<string, () => ElmoOptions> = { tiny: tinyElmoOptions, medium: mediumElmoOptions, small: smallElmoOptions };

const isCsv = (file: string): boolean => /\.csv$/i.test(file);

export const pretrainCommand: Command = {
  name: 'pretrain',
  summary: 'pre-train an ELMo biLM on unlabelled text (for train --model elmo and embed)',
  usage: `seqflow pretrain --data corpus.txt|reviews.csv[,more files] --out elmo-dir
              [--text-column review] [--size tiny|medium|small] [--epochs 1] [--resume]
              [--batch-size 32] [--max-tokens 20] [--vocab-size 10000] [--sampled 1024]
              [--held-out 0.02] [--optimizer adam|adagrad] [--learning-rate X] [--clip-norm 10]
              [--dropout 0.1] [--max-batches N] [--seed N] [--backend NAME]

  A text file is read a line at a time; a .csv file gives the text of --text-column. Several
  files, separated by commas, are read one after the other (e.g. unlabelled reviews and a
  novel: --data reviews.csv,austen.txt --text-column review). Each text
  is normalised and tokenised as the classifiers do (the notebook's preprocess, then
  basic_english), so a biLM trained here fits \`seqflow train --model elmo\`; texts longer than
  --max-tokens are cut into pieces. The files are streamed again every epoch, not held in memory.

  A seeded --held-out fraction of the texts is kept out of training; each epoch logs the loss
  and each direction's perplexity on them. After every epoch --out holds a checkpoint in the
  bilm-tf/AllenNLP layout: options.json, weights.hdf5 (with the softmax) and vocab.txt, and
  pretrain-log.json with the epochs so far. --resume continues from that checkpoint (its sizes
  and vocabulary; the optimizer starts afresh). Sizes: tiny (AllenNLP's test model), medium
  (512 char filters, 512 → 128 LSTMs), small (the published 'small' ELMo's sizes: 2,048
  char filters, 1,024 → 128 LSTMs; slow on a CPU). --sampled 0 trains with the full softmax.

  The optimizer is Adam at 0.002 by default: on Austen, 150 batches of the tiny biLM reach a
  held-out perplexity of ~580 with it against ~1,240 with bilm-tf's Adagrad at 0.2
  (--optimizer adagrad), which suits weeks on GPUs better than an hour on a CPU.`,
  options: {
    data: { type: 'string' },
    out: { type: 'string' },
    'text-column': { type: 'string' },
    size: { type: 'string', default: 'tiny' },
    epochs: { type: 'string' },
    resume: { type: 'boolean', default: false },
    'batch-size': { type: 'string' },
    'max-tokens': { type: 'string' },
    'vocab-size': { type: 'string' },
    sampled: { type: 'string' },
    'held-out': { type: 'string' },
    optimizer: { type: 'string', default: 'adam' },
    'learning-rate': { type: 'string' },
    'clip-norm': { type: 'string' },
    dropout: { type: 'string' },
    'max-batches': { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string' },
  },
  async run(values) {
    const files = requireString(values, 'data').split(',').map((f) => f.trim());
    if (files.some((f) => f === '')) throw new UsageError(`--data: an empty file name in "${String(values.data)}"`);
    const out = requireString(values, 'out');
    const size = String(values.size);
    if (!(size in SIZES)) throw new UsageError(`--size must be one of ${Object.keys(SIZES).join(', ')}, got "${size}"`);
    const optimizer = String(values.optimizer);
    if (optimizer !== 'adagrad' && optimizer !== 'adam') throw new UsageError(`--optimizer must be adagrad or adam, got "${optimizer}"`);
    const textColumn = values['text-column'];
    if (files.some(isCsv) && typeof textColumn !== 'string') throw new UsageError('--text-column is required for a .csv file (the column holding the text)');
    if (!files.some(isCsv) && textColumn !== undefined) throw new UsageError('--text-column applies to .csv files only; a text file is read a line at a time');
    const epochs = optionalInteger(values, 'epochs', 1) ?? 1;
    const batchSize = optionalInteger(values, 'batch-size', 1) ?? 32;
    const maxTokens = optionalInteger(values, 'max-tokens', 1) ?? 20;
    const vocabSize = optionalInteger(values, 'vocab-size', 4) ?? 10_000;
    const sampled = optionalInteger(values, 'sampled', 0) ?? 1024;
    const heldOutFraction = optionalNumber(values, 'held-out', 0, 0.5) ?? 0.02;
    const learningRate = optionalNumber(values, 'learning-rate', 0, 100) ?? (optimizer === 'adam' ? 0.002 : 0.2);
    const clipNorm = optionalNumber(values, 'clip-norm', 0, 1e6);
    const dropout = optionalNumber(values, 'dropout', 0, 0.9);
    const maxBatches = optionalInteger(values, 'max-batches', 1);
    const seed = optionalInteger(values, 'seed', 0) ?? 1;
    for (const file of files) {
      if (!fs.existsSync(file)) throw new Error(`${file}: no such file`);
      if (isCsv(file)) checkColumns(file, await csvHeader(file), { 'text-column': textColumn as string });
    }

    const backend = await startBackend(values.backend);
    const texts: Dataset<string> = pipe(() => textsOf(files, textColumn as string | undefined));
    const sentences = texts.pipe(preprocess(), tokenize('basic_english'), async function* (source) {
      for await (const tokens of source) if (tokens.length > 0) yield tokens;
    });
    const parts = heldOutFraction > 0 ? split(sentences, { validation: heldOutFraction, seed }) : { train: sentences, validation: undefined };

    fs.mkdirSync(out, { recursive: true });
    const logFile = path.join(out, 'pretrain-log.json');
    const resuming = Boolean(values.resume);
    let options: ElmoOptions;
    let vocab: LmVocab;
    let initialWeights: BiLmWeights | undefined;
    let history: PretrainEpochLog[] = [];
    if (resuming) {
      for (const name of ['options.json', 'weights.hdf5', 'vocab.txt']) {
        if (!fs.existsSync(path.join(out, name))) throw new Error(`--resume: ${path.join(out, name)} is missing (no checkpoint to continue from)`);
      }
      options = await loadElmoOptions(path.join(out, 'options.json'));
      vocab = LmVocab.fromText(fs.readFileSync(path.join(out, 'vocab.txt'), 'utf8'), path.join(out, 'vocab.txt'));
      initialWeights = await loadBiLmWeights(options, path.join(out, 'weights.hdf5'));
      if (fs.existsSync(logFile)) history = (JSON.parse(fs.readFileSync(logFile, 'utf8')) as { epochs: PretrainEpochLog[] }).epochs;
      report.info(`resuming from ${out} after ${history.length} epoch(s): vocabulary ${vocab.size}`);
    } else {
      options = SIZES[size]();
      vocab = await LmVocab.build(parts.train, { maxSize: vocabSize });
    }
    if (sampled >= vocab.size) throw new UsageError(`--sampled must be below the vocabulary size (${vocab.size}); use 0 for the full softmax`);
    report.info(
      `${files.join(', ')}: vocabulary ${vocab.size} words; ${resuming ? 'checkpoint' : size} biLM (${options.lstm.n_layers} layers, ${options.lstm.dim} → ${options.lstm.projection_dim}); ` +
        `${sampled > 0 ? `sampled softmax (${sampled})` : 'full softmax'}; ${heldOutFraction > 0 ? `${heldOutFraction} held out; ` : ''}backend ${backend}`,
    );

    const done = history.length;
    const result = await pretrainBiLm(parts.train, {
      options,
      epochs,
      batchSize,
      maxTokens,
      vocab,
      initialWeights,
      softmax: sampled > 0 ? { sampled } : 'full',
      optimizer,
      learningRate,
      clipNorm,
      dropout,
      heldOut: parts.validation,
      checkpointDir: out,
      maxBatchesPerEpoch: maxBatches,
      seed: seed + done,
      onBatch: (b) => {
        if (report.interactive && b.batch % 10 === 0) process.stderr.write(`\repoch ${done + b.epoch} batch ${b.batch}: loss ${b.loss.toFixed(3)}   `);
      },
      onEpoch: (log) => {
        if (report.interactive) process.stderr.write('\n');
        const epoch = { ...log, epoch: done + log.epoch };
        history.push(epoch);
        // The checkpoint of this epoch is already written; its log goes beside it.
        fs.writeFileSync(logFile, `${JSON.stringify({ epochs: history }, null, 1)}\n`);
        const ppl = log.forwardPerplexity !== undefined ? `; held-out perplexity forward ${log.forwardPerplexity.toFixed(1)}, backward ${log.backwardPerplexity!.toFixed(1)}` : '';
        report.info(`epoch ${epoch.epoch}: loss ${log.loss.toFixed(4)}${ppl}; ${log.tokens} tokens in ${log.seconds.toFixed(1)} s (${log.tokensPerSecond.toFixed(0)} tokens/s)`);
      },
    });
    result.bilm.dispose();
    report.info(`saved ${out} (options.json, weights.hdf5, vocab.txt): use it with --elmo ${path.join(out, 'options.json')},${path.join(out, 'weights.hdf5')}`);
    return 0;
  },
};

/** The texts of each file in turn: a CSV's text column (rows missing it skipped), a text file's non-empty lines. */
async function* textsOf(files: readonly string[], textColumn: string | undefined): AsyncGenerator<string> {
  for (const file of files) {
    if (isCsv(file)) {
      for await (const r of readCsv(file, { select: [textColumn!], dropna: true }) as AsyncIterable<CsvRecord>) yield r[textColumn!];
    } else {
      yield* readLines(file, { skipEmpty: true });
    }
  }
}
