import * as os from 'node:os';
import * as path from 'node:path';
import { type Command, optionalInteger, optionalNumber, requireString, UsageError } from './args';
import { checkColumns, trainingData } from './labelled-csv';
import { csvHeader } from '../pipeline/labelled-csv';
import { report } from './report';
import { startBackend } from './backend';
import { TextClassifier, type EncoderKind } from '../models/classifier';
import { fit } from '../models/fit';
import { saveClassifier } from '../models/io';
import type { TrainableClassifier } from '../models/trainable';
import { Elmo } from '../models/elmo/elmo';
import { loadElmoOptions } from '../models/elmo/load';
import { ElmoClassifier } from '../models/elmo/elmo-classifier';
import { saveElmoClassifier } from '../models/elmo/classifier-io';

const MODELS: EncoderKind[] = ['lstm', 'bilstm', 'gru', 'bigru'];

const ELMO_NEEDS = '--model elmo needs --elmo options.json,weights.hdf5 (published AllenNLP/bilm-tf weights, or ones from seqflow\'s pre-training)';

/**
 * A frozen biLM's sentence cache: a quarter of the memory free now, at most 2 GiB (the 2,879
 * training reviews of the fine-food set at up to 200 tokens take ~0.8 GiB with a 128-wide biLM).
 */
function sentenceCacheBudget(): number {
  return Math.min(2 * 2 ** 30, Math.floor(os.freemem() / 4));
}

/** `--elmo options.json,weights.hdf5` → the two paths. */
function elmoFiles(value: string | boolean | undefined): [string, string] {
  if (typeof value !== 'string' || value === '') throw new UsageError(ELMO_NEEDS);
  const parts = value.split(',');
  if (parts.length !== 2 || parts.some((p) => p.trim() === '')) throw new UsageError(`--elmo takes two files separated by a comma: options.json,weights.hdf5; got "${value}"`);
  return [parts[0].trim(), parts[1].trim()];
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a text classifier on a labelled CSV and save it to a folder',
  usage: `seqflow train --data train.csv --text-column text --label-column class --out model-dir
              [--model lstm|bilstm|gru|bigru|elmo] [--epochs N] [--seed N] [--backend NAME]
              [--validation-split 0.1] [--batch-size 32] [--seq-length N] [--max-tokens 25000]
              [--label-mapping names|ratings] [--patience N]
              [--hidden N] [--layers N] [--learning-rate 0.003 (elmo: 0.001)]
              [--elmo options.json,weights.hdf5] [--fine-tune]

  Labels are the distinct values of the label column (numbers in numeric order, otherwise
  sorted); --label-mapping ratings maps 1–5 star ratings to negative (≤2), neutral (3) and
  positive (≥4) as the course notebook does, and evaluate maps them the same way. The vocabulary is built from the
  training part; --validation-split holds out a seeded fraction, evaluated after every epoch.
  Without --seq-length, texts are cut at the 95th percentile of the training texts' lengths.
  --patience N stops when the validation loss has not improved for N epochs and saves the
  weights of the best epoch (--epochs is then the most it trains).

  --model elmo trains a classifier on ELMo representations (a learnt scalar mix of the biLM's
  layers, max-pooled over the tokens, then a dense layer) and needs --elmo with the biLM's
  two files: published AllenNLP/bilm-tf weights, or ones from seqflow's pre-training. The
  biLM stays frozen unless --fine-tune (slower: every step then runs and trains the whole
  biLM). --hidden and --layers do not apply to it. The saved folder holds the biLM too
  (elmo/options.json, elmo/weights.hdf5), so evaluate and predict need only the folder.`,
  options: {
    data: { type: 'string' },
    'text-column': { type: 'string', default: 'text' },
    'label-column': { type: 'string', default: 'class' },
    out: { type: 'string' },
    model: { type: 'string', default: 'bilstm' },
    epochs: { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string' },
    'validation-split': { type: 'string' },
    'batch-size': { type: 'string' },
    'seq-length': { type: 'string' },
    'max-tokens': { type: 'string' },
    hidden: { type: 'string' },
    layers: { type: 'string' },
    'learning-rate': { type: 'string' },
    'label-mapping': { type: 'string', default: 'names' },
    patience: { type: 'string' },
    elmo: { type: 'string' },
    'fine-tune': { type: 'boolean', default: false },
  },
  async run(values) {
    const file = requireString(values, 'data');
    const out = requireString(values, 'out');
    const modelName = String(values.model);
    const isElmo = modelName === 'elmo';
    if (!isElmo && !MODELS.includes(modelName as EncoderKind)) throw new UsageError(`--model must be one of ${[...MODELS, 'elmo'].join(', ')}, got "${modelName}"`);
    const biLmFiles = isElmo ? elmoFiles(values.elmo) : undefined;
    if (!isElmo && values.elmo !== undefined) throw new UsageError('--elmo is only used with --model elmo');
    if (!isElmo && values['fine-tune']) throw new UsageError('--fine-tune is only used with --model elmo');
    for (const flag of ['hidden', 'layers'] as const) {
      if (isElmo && values[flag] !== undefined) throw new UsageError(`--${flag} does not apply to --model elmo (its layers are the biLM's)`);
    }
    const textColumn = String(values['text-column']);
    const labelColumn = String(values['label-column']);
    const epochs = optionalInteger(values, 'epochs', 1) ?? 3;
    const seed = optionalInteger(values, 'seed', 0) ?? 0;
    const validationSplit = optionalNumber(values, 'validation-split', 0, 0.9) ?? 0.1;
    const batchSize = optionalInteger(values, 'batch-size', 1) ?? 32;
    const seqLength = optionalInteger(values, 'seq-length', 1);
    const maxTokens = optionalInteger(values, 'max-tokens', 3) ?? 25000;
    const hiddenSize = optionalInteger(values, 'hidden', 1) ?? 64;
    const numLayers = optionalInteger(values, 'layers', 1) ?? 1;
    // Unset: each classifier's own Adam default (TextClassifier 3e-3, ElmoClassifier 1e-3).
    const learningRate = optionalNumber(values, 'learning-rate', 0, 10);
    const patience = optionalInteger(values, 'patience', 1);
    if (patience !== undefined && validationSplit === 0) throw new UsageError('--patience watches the validation loss: it needs --validation-split above 0');
    const labelMapping = String(values['label-mapping']);
    if (labelMapping !== 'names' && labelMapping !== 'ratings') throw new UsageError(`--label-mapping must be names or ratings, got "${labelMapping}"`);

    const backend = await startBackend(values.backend);
    checkColumns(file, await csvHeader(file), { 'text-column': textColumn, 'label-column': labelColumn });
    const data = await trainingData(file, { textColumn, labelColumn, labelMapping, validationSplit, seed, batchSize, seqLength, maxTokens });
    report.info(
      `${file}: ${data.counts.rows} rows (${data.counts.dropped} dropped for a missing value), ${data.labels.length} classes; ` +
        `train ${data.counts.train}, validation ${data.counts.validation}; vocabulary ${data.vocab.size}; sequence length ${data.text.seqLength}; backend ${backend}`,
    );
    const classifier: TrainableClassifier & { dispose(): void } = biLmFiles
      ? await elmoClassifier(biLmFiles, data, { seed, fineTune: Boolean(values['fine-tune']), epochs })
      : new TextClassifier({ vocab: data.vocab, labels: data.labels, text: data.text, architecture: { encoder: modelName as EncoderKind, hiddenSize, numLayers }, seed });
    try {
      const history = await fit(classifier, data.train, {
        epochs,
        seed,
        learningRate,
        validation: data.validation,
        earlyStopping: patience === undefined ? undefined : { monitor: 'loss', patience, restoreBest: true },
        stepsPerEpoch: Math.ceil(data.counts.train / batchSize),
        progress: report.interactive,
        callbacks: {
          onEpochEnd(log) {
            const v = log.validation;
            report.info(
              `epoch ${log.epoch}/${epochs}: loss ${log.loss.toFixed(4)}, accuracy ${log.accuracy.toFixed(4)}` +
                (v ? `; validation loss ${v.loss.toFixed(4)}, accuracy ${v.accuracy.toFixed(4)}, macro-F1 ${v.macroF1.toFixed(4)}` : '') +
                ` (${log.seconds.toFixed(1)} s)`,
            );
          },
        },
      });
      if (history.bestEpoch !== undefined) {
        const stopped = history.stopReason === 'early-stopping' ? `stopped after epoch ${history.epochs.length}; ` : '';
        report.info(`${stopped}keeping the weights of epoch ${history.bestEpoch} (lowest validation loss)`);
      }
      const metadata = { trainedOn: path.basename(file), textColumn, labelColumn, labelMapping, epochs: history.bestEpoch ?? history.epochs.length, backend, ...(biLmFiles ? { elmo: biLmFiles.map((f) => path.basename(f)) } : {}) };
      const saved = classifier instanceof ElmoClassifier ? await saveElmoClassifier(classifier, out, { metadata }) : await saveClassifier(classifier as TextClassifier, out, { metadata });
      report.info(`saved ${saved.location} (${(saved.weightBytes / 1024).toFixed(0)} KiB of weights)`);
    } finally {
      classifier.dispose();
    }
    return 0;
  },
};

/**
 * An ElmoClassifier over the biLM in `files`. With a frozen biLM trained for several epochs,
 * each sentence's biLM layers are kept (within SENTENCE_CACHE_BYTES) so that it runs once.
 */
async function elmoClassifier(
  [optionsFile, weightsFile]: [string, string],
  data: Awaited<ReturnType<typeof trainingData>>,
  o: { seed: number; fineTune: boolean; epochs: number },
): Promise<ElmoClassifier> {
  const options = await loadElmoOptions(optionsFile);
  const rows = data.counts.train + data.counts.validation;
  const sentenceCacheSize = o.fineTune || o.epochs < 2 ? 0 : rows;
  const sentenceCacheBytes = sentenceCacheBudget();
  const elmo = await Elmo.load(options, weightsFile, { sentenceCacheSize, sentenceCacheBytes });
  try {
    report.info(
      `ELMo: ${optionsFile} + ${weightsFile}: ${elmo.bilm.nLayers} biLM layers of width ${elmo.outputDim}; ` +
        (o.fineTune ? 'fine-tuning the biLM' : `biLM frozen${sentenceCacheSize > 0 ? `, keeping each sentence's layers for the next epochs (up to ${(sentenceCacheBytes / 2 ** 20).toFixed(0)} MiB)` : ''}`),
    );
    return new ElmoClassifier({ elmo, vocab: data.vocab, labels: data.labels, text: data.text, fineTune: o.fineTune, seed: o.seed });
  } catch (err) {
    elmo.dispose();
    throw err;
  }
}
