import { type Command, optionalInteger, requireString } from './args';
import { checkColumns, evaluationBatches, mapLabels } from './labelled-csv';
import { csvHeader, csvRows } from '../pipeline/labelled-csv';
import { loadAnyClassifier, modelMetadata } from './model-folder';
import { report } from './report';
import { startBackend } from './backend';
import { evaluate } from '../models/evaluate';
import { formatMetrics } from '../models/metrics';

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'score a saved classifier on a labelled CSV',
  usage: `seqflow evaluate --model model-dir --data labelled.csv [--text-column ..] [--label-column ..] [--json] [--backend NAME]

  model-dir is a folder written by seqflow train (a recurrent or an ELMo classifier).
  Columns default to those the model was trained with; labels are mapped as in training
  (--label-mapping ratings: 1–5 stars → negative/neutral/positive). Rows whose label the model never saw
  are reported and left out of the metrics. --json prints one line: accuracy, macroF1, n, loss,
  perClass, confusion, labels, unknownLabels.`,
  options: {
    model: { type: 'string' },
    data: { type: 'string' },
    'text-column': { type: 'string' },
    'label-column': { type: 'string' },
    json: { type: 'boolean', default: false },
    backend: { type: 'string' },
    'batch-size': { type: 'string' },
  },
  async run(values) {
    const dir = requireString(values, 'model');
    const file = requireString(values, 'data');
    const trained = await modelMetadata(dir);
    const textColumn = (values['text-column'] as string | undefined) ?? trained.textColumn ?? 'text';
    const labelColumn = (values['label-column'] as string | undefined) ?? trained.labelColumn ?? 'class';
    const batchSize = optionalInteger(values, 'batch-size', 1) ?? 64;
    await startBackend(values.backend);
    checkColumns(file, await csvHeader(file), { 'text-column': textColumn, 'label-column': labelColumn });
    const model = await loadAnyClassifier(dir);
    try {
      const dropped = { count: 0 };
      const { batches, unknown } = evaluationBatches(mapLabels(csvRows(file, textColumn, labelColumn, dropped), trained.labelMapping ?? 'names', file, labelColumn), model.encoding, model.labels, batchSize);
      const result = await evaluate(model, batches);
      const unknownLabels = Object.fromEntries(unknown);
      if (unknown.size > 0) {
        const total = [...unknown.values()].reduce((a, b) => a + b, 0);
        report.warn(
          `${file}: ${total} rows have labels the model was not trained on and were left out: ` +
            [...unknown].map(([l, n]) => `${JSON.stringify(l)} (${n})`).join(', ') +
            `; the model knows ${model.labels.map((l) => JSON.stringify(l)).join(', ')}`,
        );
      }
      if (dropped.count > 0) report.warn(`${file}: ${dropped.count} rows with a missing text or label were left out`);
      if (values.json) {
        const { accuracy, macroF1, n, loss, perClass, confusion } = result;
        const labels = model.labels;
        process.stdout.write(`${JSON.stringify({ accuracy, macroF1, n, loss, perClass, confusion, labels, unknownLabels, droppedRows: dropped.count })}\n`);
      } else {
        process.stdout.write(`${formatMetrics(result)}\n`);
      }
    } finally {
      model.dispose();
    }
    return 0;
  },
};
