/**
 * The sentiment pipeline, defined once: the Node example (examples/amazon-sentiment.ts) and the
 * web page (examples/browser) both import this module unchanged. It imports nothing from Node,
 * so it bundles for browsers; `input` is a path (Node), a URL, or a File/Blob.
 *
 * CSV → drop rows with a missing text or label → split by position (first rows train, then
 * validation, then test) → preprocess (the notebook's normalisation) → basic_english tokens →
 * vocabulary from the training rows → ids → labels → pad/truncate → shuffle (train) → batches.
 */
import { readCsv, type CsvRecord } from '../../src/pipeline/read-csv';
import type { SourceInput } from '../../src/pipeline/byte-source';
import { pipe, type Dataset } from '../../src/pipeline/pipe';
import { preprocess } from '../../src/pipeline/preprocess';
import { tokenize } from '../../src/pipeline/tokenize';
import { buildVocab, type Vocab } from '../../src/pipeline/vocab';
import { encode } from '../../src/pipeline/encode';
import { pad } from '../../src/pipeline/pad';
import { shuffle } from '../../src/pipeline/shuffle';
import { batch } from '../../src/pipeline/batch';
import { collate } from '../../src/pipeline/collate';
import type { Batch, Operator } from '../../src/pipeline/types';
import type { TextSettings } from '../../src/models/text-encoding';

/** How labels in the file become classes. */
export type LabelMapping =
  /** Each distinct value is a class, in sorted order (fine-food reviews: great, other). */
  | 'names'
  /** Star ratings 1–5 → three sentiments as the notebook: ≤2 → 0 negative, 3 → 1 neutral, ≥4 → 2 positive. */
  | 'ratings';

export const RATING_LABELS = ['negative', 'neutral', 'positive'];

export interface SentimentDataOptions {
  /** Column holding the text. Default: the first of review, text, reviews.text, that the file has. */
  textColumn?: string;
  /** Column holding the label. Default: the first of score, label, class, sentiment, reviews.rating. */
  labelColumn?: string;
  /** Default: 'ratings' when the label column's name contains "rating", else 'names'. */
  labelMapping?: LabelMapping;
  /** Rows (after dropping incomplete ones) used for training, from the top. Default: 80%. */
  trainRows?: number;
  /** Of the rows after the training rows, the fraction used for validation; the rest are the test set. Default 0.5. */
  validationFraction?: number;
  seqLength?: number;
  batchSize?: number;
  maxTokens?: number;
  /** Seeds the per-epoch shuffle of the training rows. */
  seed?: number;
  /** Shuffle buffer (default: the whole training set, a uniform shuffle). */
  shuffleBuffer?: number;
  signal?: AbortSignal;
}

export interface SentimentData {
  train: Dataset<Batch>;
  validation: Dataset<Batch>;
  test: Dataset<Batch>;
  vocab: Vocab;
  labels: string[];
  textColumn: string;
  labelColumn: string;
  labelMapping: LabelMapping;
  /** How a raw text becomes ids: give it to the TextClassifier so predict() does the same. */
  text: TextSettings;
  counts: { rows: number; dropped: number; train: number; validation: number; test: number; perClass: Record<string, number> };
  batchSize: number;
  /** Seconds spent reading the file and building the vocabulary. */
  prepareSeconds: number;
}

export const SENTIMENT_DEFAULTS = { seqLength: 100, batchSize: 16, maxTokens: 25000, validationFraction: 0.5, seed: 0 };

const TEXT_COLUMNS = ['review', 'text', 'reviews.text'];
const LABEL_COLUMNS = ['score', 'label', 'class', 'sentiment', 'reviews.rating'];
const SPECIALS = ['<UNK>', '<PAD>'];

interface Row {
  text: string;
  label: number;
}

/**
 * Reads the CSV once to find the columns, the classes and the row count, builds the
 * vocabulary from the training rows, and returns re-iterable datasets of batches (each
 * `for await` re-reads the file: one epoch).
 */
export async function prepareSentimentData(input: SourceInput, options: SentimentDataOptions = {}): Promise<SentimentData> {
  const started = now();
  const o = { ...SENTIMENT_DEFAULTS, ...options };
  const { signal } = o;

  // Pass 1: the header, the label values and the number of complete rows.
  const header = readCsv(input, { signal });
  let fileColumns: readonly string[] = [];
  for await (const _ of header) {
    fileColumns = header.fileColumns ?? [];
    break;
  }
  if (fileColumns.length === 0) fileColumns = header.fileColumns ?? [];
  const textColumn = chooseColumn('text', o.textColumn, TEXT_COLUMNS, fileColumns);
  const labelColumn = chooseColumn('label', o.labelColumn, LABEL_COLUMNS, fileColumns);
  const labelMapping: LabelMapping = o.labelMapping ?? (/rating/i.test(labelColumn) ? 'ratings' : 'names');

  let dropped = 0;
  const csv = readCsv(input, {
    select: [textColumn, labelColumn],
    dropna: true,
    signal,
    onSkip: () => {
      dropped += 1;
    },
  });
  const values = new Map<string, number>();
  let rows = 0;
  for await (const record of csv) {
    const v = record[labelColumn];
    if (labelMapping === 'ratings') ratingClass(v, rows, labelColumn); // validates
    values.set(v, (values.get(v) ?? 0) + 1);
    rows += 1;
  }
  if (rows < 3) throw new Error(`sentiment data: only ${rows} complete rows with "${textColumn}" and "${labelColumn}"; need at least 3`);
  const droppedRows = dropped;

  let labels: string[];
  let toClass: (value: string, row: number) => number;
  if (labelMapping === 'ratings') {
    labels = [...RATING_LABELS];
    toClass = (v, row) => ratingClass(v, row, labelColumn);
  } else {
    labels = [...values.keys()].sort();
    if (labels.length < 2) throw new Error(`sentiment data: column "${labelColumn}" has only one value (${JSON.stringify(labels[0])}); need two classes or more`);
    const index = new Map(labels.map((l, i) => [l, i]));
    toClass = (v) => index.get(v)!;
  }
  const perClass: Record<string, number> = Object.fromEntries(labels.map((l) => [l, 0]));
  for (const [v, n] of values) perClass[labels[toClass(v, -1)]] += n;

  const trainRows = o.trainRows ?? Math.round(rows * 0.8);
  if (!Number.isInteger(trainRows) || trainRows < 1 || trainRows >= rows) {
    throw new Error(`sentiment data: trainRows must be an integer in [1, ${rows - 1}] (the file has ${rows} complete rows), got ${o.trainRows}`);
  }
  const rest = rows - trainRows;
  const validationRows = Math.round(rest * o.validationFraction);
  const testRows = rest - validationRows;

  const records: Dataset<Row> = pipe(
    csv as AsyncIterable<CsvRecord>,
    mapRows((r, i) => ({ text: r[textColumn], label: toClass(r[labelColumn], i) })),
  );
  const tokens = (from: number, to: number) =>
    records.pipe(rowRange<Row>(from, to), preprocess({ key: 'text', signal }), tokenize('basic_english', { key: 'text', signal }));

  // Pass 2: the vocabulary, from the training rows only (as the notebook builds it).
  const vocab = await buildVocab(tokens(0, trainRows), { key: 'text', maxTokens: o.maxTokens, specials: SPECIALS, defaultToken: '<UNK>', signal });
  const padId = vocab.tokenToId('<PAD>');
  const text: TextSettings = { preprocess: 'notebook', tokenizer: 'basic_english', seqLength: o.seqLength, padding: 'post', truncating: 'post', padToken: '<PAD>' };

  const batches = (from: number, to: number, shuffled: boolean): Dataset<Batch> => {
    const examples = tokens(from, to).pipe(encode(vocab, { key: 'text', signal }), pad({ key: 'text', length: o.seqLength, value: padId, signal }));
    const ordered = shuffled ? examples.pipe(shuffle(o.shuffleBuffer ?? Math.max(1, to - from), { seed: o.seed, signal })) : examples;
    return ordered.pipe(batch(o.batchSize, { signal }), collate({ signal }));
  };
  return {
    train: batches(0, trainRows, true),
    validation: batches(trainRows, trainRows + validationRows, false),
    test: batches(trainRows + validationRows, rows, false),
    vocab,
    labels,
    textColumn,
    labelColumn,
    labelMapping,
    text,
    counts: { rows, dropped: droppedRows, train: trainRows, validation: validationRows, test: testRows, perClass },
    batchSize: o.batchSize,
    prepareSeconds: now() - started,
  };
}

/** Class of a 1–5 star rating, the notebook's way; anything else is an error naming the row. */
export function ratingClass(value: string, row: number, column: string): number {
  const r = Number(value);
  if (value.trim() === '' || !Number.isFinite(r)) {
    throw new Error(`sentiment data: row ${row + 1}, column "${column}": ${JSON.stringify(value)} is not a numeric rating`);
  }
  return r <= 2 ? 0 : r < 4 ? 1 : 2;
}

function chooseColumn(what: string, given: string | undefined, candidates: string[], columns: readonly string[]): string {
  if (given !== undefined) {
    if (!columns.includes(given)) throw new Error(`sentiment data: no ${what} column "${given}"; the file has: ${columns.join(', ')}`);
    return given;
  }
  const found = candidates.find((c) => columns.includes(c));
  if (!found) throw new Error(`sentiment data: no ${what} column found (looked for ${candidates.join(', ')}); the file has: ${columns.join(', ')}. Pass the column name.`);
  return found;
}

/** Keeps items [from, to) by position: how the notebook-style split by row order is written as an operator. */
export function rowRange<T>(from: number, to: number): Operator<T, T> {
  return async function* (source) {
    let i = 0;
    for await (const item of source) {
      if (i >= to) return; // stop reading the rest of the file
      if (i >= from) yield item;
      i += 1;
    }
  };
}

function mapRows<A, B>(fn: (item: A, index: number) => B): Operator<A, B> {
  return async function* (source) {
    let i = 0;
    for await (const item of source) yield fn(item, i++);
  };
}

function now(): number {
  return (typeof performance !== 'undefined' ? performance.now() : Date.now()) / 1000;
}
