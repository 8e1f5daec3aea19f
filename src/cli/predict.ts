import { type Command, optionalInteger, requireString } from './args';
import { checkColumns } from './labelled-csv';
import { csvHeader } from '../pipeline/labelled-csv';
import { loadAnyClassifier, modelMetadata } from './model-folder';
import { report } from './report';
import { startBackend } from './backend';
import { CsvWriter } from './csv-writer';
import { readCsv } from '../pipeline/read-csv';

export const predictCommand: Command = {
  name: 'predict',
  summary: 'predict a class for every row of a CSV and write a submission file',
  usage: `seqflow predict --model model-dir --data test.csv --out submission.csv
              [--text-column ..] [--id-column id] [--probabilities] [--backend NAME]

  model-dir is a folder written by seqflow train (a recurrent or an ELMo classifier).
  Writes "id,class" in input order: the id column when given, else the row number from 0.
  --probabilities adds one column per class. Every row gets a prediction (an empty text too).`,
  options: {
    model: { type: 'string' },
    data: { type: 'string' },
    out: { type: 'string' },
    'text-column': { type: 'string' },
    'id-column': { type: 'string' },
    probabilities: { type: 'boolean', default: false },
    backend: { type: 'string' },
    'batch-size': { type: 'string' },
  },
  async run(values) {
    const dir = requireString(values, 'model');
    const file = requireString(values, 'data');
    const out = requireString(values, 'out');
    const textColumn = (values['text-column'] as string | undefined) ?? (await modelMetadata(dir)).textColumn ?? 'text';
    const idColumn = values['id-column'] as string | undefined;
    const batchSize = optionalInteger(values, 'batch-size', 1) ?? 256;
    await startBackend(values.backend);
    checkColumns(file, await csvHeader(file), { 'text-column': textColumn, 'id-column': idColumn });
    const model = await loadAnyClassifier(dir);
    const writer = new CsvWriter(out);
    let rows = 0;
    try {
      await writer.write([idColumn ?? 'id', 'class', ...(values.probabilities ? model.labels : [])]);
      let ids: string[] = [];
      let texts: string[] = [];
      const flush = async () => {
        const predictions = await model.predictBatch(texts, batchSize);
        for (let i = 0; i < predictions.length; i++) {
          const p = predictions[i];
          await writer.write([ids[i], p.label, ...(values.probabilities ? model.labels.map((l) => p.probabilities[l]) : [])]);
        }
        ids = [];
        texts = [];
      };
      for await (const record of readCsv(file, { select: idColumn ? [idColumn, textColumn] : [textColumn] })) {
        ids.push(idColumn ? record[idColumn] : String(rows));
        texts.push(record[textColumn] ?? '');
        rows += 1;
        if (texts.length === batchSize) await flush();
      }
      if (texts.length > 0) await flush();
    } finally {
      await writer.close();
      model.dispose();
    }
    report.info(`wrote ${rows} predictions to ${out}`);
    return 0;
  },
};
