import { DataError } from '../pipeline/errors';
import type { Dataset } from '../pipeline/pipe';
import { batch } from '../pipeline/batch';
import { collate } from '../pipeline/collate';
import { ratingClass, RATING_LABELS, readLabelledCsv, type LabelledCsvData, type LabelledRow, type LabelMapping } from '../pipeline/labelled-csv';
import type { Batch, Example, Operator } from '../pipeline/types';
import type { TextEncoding } from '../models/text-encoding';

/** A column a flag names that the file lacks is an error naming the flag and listing the columns that exist. */
export function checkColumns(file: string, columns: readonly string[], wanted: Record<string, string | undefined>): void {
  for (const [flag, name] of Object.entries(wanted)) {
    if (name !== undefined && !columns.includes(name)) {
      throw new DataError(`no column "${name}" (from --${flag}); the file has: ${columns.map((c) => JSON.stringify(c)).join(', ')}`, { source: file, line: 1 });
    }
  }
}

export interface TrainingDataOptions {
  textColumn: string;
  labelColumn: string;
  labelMapping: LabelMapping;
  validationSplit: number;
  seed: number;
  batchSize: number;
  seqLength?: number;
  maxTokens: number;
}

/**
 * train.csv for `seqflow train`: classes by `labelMapping`, a seeded train/validation split
 * (no test part: that is the user's own file), the rest as `readLabelledCsv` does it.
 */
export async function trainingData(file: string, o: TrainingDataOptions): Promise<LabelledCsvData> {
  try {
    return await readLabelledCsv(file, {
      textColumn: o.textColumn,
      labelColumn: o.labelColumn,
      labelMapping: o.labelMapping,
      split: { by: 'hash', validation: o.validationSplit, seed: o.seed },
      seqLength: o.seqLength,
      batchSize: o.batchSize,
      maxTokens: o.maxTokens,
      seed: o.seed,
    });
  } catch (err) {
    if (err instanceof DataError && /training part is empty/.test(err.reason)) {
      throw new DataError(`${err.reason}; lower --validation-split`, { source: file }, { cause: err });
    }
    throw err;
  }
}

/**
 * The rows' labels as class names the way the model was trained: 1–5 ratings become
 * negative/neutral/positive under 'ratings' (a rating that is not a number is an error naming
 * the file and row); 'names' keeps them as they are.
 */
export function mapLabels(rows: Dataset<LabelledRow>, mapping: LabelMapping, file: string, labelColumn: string): Dataset<LabelledRow> {
  if (mapping === 'names') return rows;
  return rows.pipe(async function* (source) {
    let row = 0;
    for await (const r of source) yield { ...r, label: RATING_LABELS[ratingClass(r.label, row++, labelColumn, file)] };
  });
}

export interface ScoredBatches {
  batches: AsyncIterable<Batch>;
  /** Labels in the file that the model does not know, with their row counts (those rows are left out). */
  unknown: Map<string, number>;
}

/** Labelled rows encoded the model's way; rows whose label the model never saw are counted, not crashed on. */
export function evaluationBatches(rows: Dataset<LabelledRow>, encoding: TextEncoding, labels: readonly string[], batchSize: number): ScoredBatches {
  const classOf = new Map(labels.map((l, i) => [l, i]));
  const unknown = new Map<string, number>();
  const knownRows: Operator<LabelledRow, Example> = async function* (source) {
    for await (const row of source) {
      const label = classOf.get(row.label);
      if (label === undefined) unknown.set(row.label, (unknown.get(row.label) ?? 0) + 1);
      else yield { ...encoding.encode(row.text), label };
    }
  };
  return { batches: rows.pipe(knownRows, batch(batchSize), collate()), unknown };
}
