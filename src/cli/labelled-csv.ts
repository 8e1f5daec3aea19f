import { readCsv, type CsvRecord } from '../pipeline/read-csv';
import { DataError } from '../pipeline/errors';
import { pipe, type Dataset } from '../pipeline/pipe';
import { split } from '../pipeline/split';
import { preprocess } from '../pipeline/preprocess';
import { tokenize } from '../pipeline/tokenize';
import { buildVocab, type Vocab } from '../pipeline/vocab';
import { encode } from '../pipeline/encode';
import { pad } from '../pipeline/pad';
import { shuffle } from '../pipeline/shuffle';
import { batch } from '../pipeline/batch';
import { collate } from '../pipeline/collate';
import { encodeLabels } from '../pipeline/labels';
import type { Batch, Example, Operator } from '../pipeline/types';
import type { TextEncoding, TextSettings } from '../models/text-encoding';

/** A CSV row reduced to what a classifier reads. */
export interface LabelledRow {
  text: string;
  label: string;
}

export const SPECIALS = ['<UNK>', '<PAD>'];

/** The file's header, read alone; a missing column is an error that lists those that exist. */
export async function csvColumns(file: string): Promise<readonly string[]> {
  const csv = readCsv(file);
  for await (const _ of csv) break;
  return csv.fileColumns ?? [];
}

export function checkColumns(file: string, columns: readonly string[], wanted: Record<string, string | undefined>): void {
  for (const [flag, name] of Object.entries(wanted)) {
    if (name !== undefined && !columns.includes(name)) {
      throw new DataError(`no column "${name}" (from --${flag}); the file has: ${columns.map((c) => JSON.stringify(c)).join(', ')}`, { source: file, line: 1 });
    }
  }
}

/** Rows with both a text and a label; rows missing either are counted in `dropped`, not silently lost. */
export function labelledRows(file: string, textColumn: string, labelColumn: string, dropped: { count: number }): Dataset<LabelledRow> {
  const csv = readCsv(file, {
    select: [textColumn, labelColumn],
    dropna: true,
    onSkip: () => {
      dropped.count += 1;
    },
  });
  return pipe(csv as AsyncIterable<CsvRecord>, async function* (source) {
    for await (const r of source) yield { text: r[textColumn], label: r[labelColumn] };
  });
}

/** Class names in a stable order: numeric labels by value, others as strings. */
export function orderLabels(values: Iterable<string>): string[] {
  const labels = [...new Set(values)];
  const numeric = labels.every((l) => l.trim() !== '' && Number.isFinite(Number(l)));
  return numeric ? labels.sort((a, b) => Number(a) - Number(b)) : labels.sort();
}

export interface TrainingData {
  train: Dataset<Batch>;
  validation?: Dataset<Batch>;
  vocab: Vocab;
  labels: string[];
  text: TextSettings;
  counts: { rows: number; dropped: number; train: number; validation: number; perLabel: Record<string, number> };
}

export interface TrainingDataOptions {
  textColumn: string;
  labelColumn: string;
  validationSplit: number;
  seed: number;
  batchSize: number;
  seqLength?: number;
  maxTokens: number;
}

/**
 * train.csv → labels, a seeded train/validation split, a vocabulary from the training part and
 * re-iterable batch datasets (each epoch re-reads the file; the training part reshuffles).
 */
export async function trainingData(file: string, o: TrainingDataOptions): Promise<TrainingData> {
  const dropped = { count: 0 };
  const rows = labelledRows(file, o.textColumn, o.labelColumn, dropped);
  const perLabel: Record<string, number> = {};
  let total = 0;
  for await (const r of rows) {
    perLabel[r.label] = (perLabel[r.label] ?? 0) + 1;
    total += 1;
  }
  const droppedRows = dropped.count;
  const labels = orderLabels(Object.keys(perLabel));
  if (labels.length < 2) {
    throw new DataError(`column "${o.labelColumn}" has ${labels.length === 0 ? 'no values' : `only the value ${JSON.stringify(labels[0])}`}; a classifier needs two classes or more`, { source: file });
  }
  const parts = o.validationSplit > 0 ? split(rows, { validation: o.validationSplit, seed: o.seed }) : { train: rows, validation: undefined };
  const tokens = (ds: Dataset<LabelledRow>) => ds.pipe(preprocess({ key: 'text' }), tokenize('basic_english', { key: 'text' }));

  let trainCount = 0;
  const lengths: number[] = [];
  const counted = async function* <R extends { text: string[] }>(source: AsyncIterable<R>): AsyncGenerator<R> {
    for await (const r of source) {
      trainCount += 1;
      lengths.push(r.text.length);
      yield r;
    }
  };
  const vocab = await buildVocab(tokens(parts.train).pipe(counted), { key: 'text', maxTokens: o.maxTokens, specials: SPECIALS, defaultToken: '<UNK>' });
  if (trainCount === 0) throw new DataError('the training part is empty (lower --validation-split?)', { source: file });
  const seqLength = o.seqLength ?? automaticSeqLength(lengths);
  const text: TextSettings = { preprocess: 'notebook', tokenizer: 'basic_english', seqLength, padding: 'post', truncating: 'post', padToken: '<PAD>' };
  const padId = vocab.tokenToId('<PAD>');

  const batches = (ds: Dataset<LabelledRow>, shuffled: boolean): Dataset<Batch> => {
    const examples = tokens(ds).pipe(
      encode(vocab, { key: 'text' }),
      encodeLabels(labels, { key: 'label' }),
      pad({ key: 'text', length: seqLength, value: padId }),
    ) as Dataset<Example>;
    const ordered = shuffled ? examples.pipe(shuffle(Math.max(1, Math.min(trainCount, 50_000)), { seed: o.seed })) : examples;
    return ordered.pipe(batch(o.batchSize), collate());
  };
  return {
    train: batches(parts.train, true),
    validation: parts.validation ? batches(parts.validation, false) : undefined,
    vocab,
    labels,
    text,
    counts: { rows: total, dropped: droppedRows, train: trainCount, validation: total - trainCount, perLabel },
  };
}

/** Long enough for 95% of the training texts, a multiple of 8, between 8 and 200 tokens. */
export function automaticSeqLength(lengths: number[]): number {
  if (lengths.length === 0) return 100;
  const sorted = Float64Array.from(lengths).sort();
  const p95 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))];
  return Math.min(200, Math.max(8, Math.ceil(p95 / 8) * 8));
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
