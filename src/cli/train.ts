import * as path from 'node:path';
import { type Command, optionalInteger, optionalNumber, requireString, UsageError } from './args';
import { checkColumns, csvColumns, trainingData } from './labelled-csv';
import { report } from './report';
import { startBackend } from './backend';
import { TextClassifier, type EncoderKind } from '../models/classifier';
import { fit } from '../models/fit';
import { saveClassifier } from '../models/io';

const MODELS: EncoderKind[] = ['lstm', 'bilstm', 'gru', 'bigru'];

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a text classifier on a labelled CSV and save it to a folder',
  usage: `seqflow train --data train.csv --text-column text --label-column class --out model-dir
              [--model lstm|bilstm|gru|bigru] [--epochs N] [--seed N] [--backend NAME]
              [--validation-split 0.1] [--batch-size 32] [--seq-length N] [--max-tokens 25000]
              [--hidden N] [--layers N] [--learning-rate 0.001]

  Labels are the distinct values of the label column (sorted). The vocabulary is built from the
  training part; --validation-split holds out a seeded fraction, evaluated after every epoch.
  Without --seq-length, texts are cut at the 95th percentile of the training texts' lengths.`,
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
  },
  async run(values) {
    const file = requireString(values, 'data');
    const out = requireString(values, 'out');
    const model = String(values.model) as EncoderKind;
    if (!MODELS.includes(model)) {
      throw new UsageError(String(model) === 'elmo' ? '--model elmo is not available in the CLI yet (see the README: ELMo status)' : `--model must be one of ${MODELS.join(', ')}, got "${model}"`);
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
    const learningRate = optionalNumber(values, 'learning-rate', 0, 10);

    const backend = await startBackend(values.backend);
    checkColumns(file, await csvColumns(file), { 'text-column': textColumn, 'label-column': labelColumn });
    const data = await trainingData(file, { textColumn, labelColumn, validationSplit, seed, batchSize, seqLength, maxTokens });
    report.info(
      `${file}: ${data.counts.rows} rows (${data.counts.dropped} dropped for a missing value), ${data.labels.length} classes; ` +
        `train ${data.counts.train}, validation ${data.counts.validation}; vocabulary ${data.vocab.size}; sequence length ${data.text.seqLength}; backend ${backend}`,
    );
    const classifier = new TextClassifier({ vocab: data.vocab, labels: data.labels, text: data.text, architecture: { encoder: model, hiddenSize, numLayers }, seed });
    try {
      const history = await fit(classifier, data.train, {
        epochs,
        seed,
        learningRate,
        validation: data.validation,
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
      const saved = await saveClassifier(classifier, out, {
        metadata: { trainedOn: path.basename(file), textColumn, labelColumn, epochs: history.epochs.length, backend },
      });
      report.info(`saved ${saved.location} (${(saved.weightBytes / 1024).toFixed(0)} KiB of weights)`);
    } finally {
      classifier.dispose();
    }
    return 0;
  },
};
