import { batch } from './batch';
import { describeInput, type SourceInput } from './byte-source';
import { collate } from './collate';
import { encode } from './encode';
import { DataError } from './errors';
import { encodeLabels } from './labels';
import { pad } from './pad';
import { pipe, type Dataset } from './pipe';
import { preprocess } from './preprocess';
import { readCsv, type CsvRecord } from './read-csv';
import { shuffle } from './shuffle';
import { split } from './split';
import { tokenize } from './tokenize';
import type { Batch, Example, Operator } from './types';
import { buildVocab, type Vocab } from './vocab';

/** How the label column's values become classes. */
export type LabelMapping =
  /** Each distinct value is a class: numeric values in numeric order, others sorted (fine-food reviews: great, other). */
  | 'names'
  /** Star ratings 1–5 → three sentiments as the notebook: ≤2 → 0 negative, 3 → 1 neutral, ≥4 → 2 positive. */
  | 'ratings';

export const RATING_LABELS = ['negative', 'neutral', 'positive'];

/** Which rows train, which validate, which test. */
export type RowSplit =
  /**
   * By order in the file, as the notebook splits: the first `trainRows` rows (default 80%)
   * train; of the rest, `validationFraction` (default 0.5) validate and the others test.
   */
  | { by: 'position'; trainRows?: number; validationFraction?: number }
  /** Each row validates with probability `validation`, by a seeded hash of its position (see `split`); no test part. */
  | { by: 'hash'; validation: number; seed?: number };

export interface LabelledCsvOptions {
  /** Column holding the text. Default: the first of review, text, reviews.text that the file has. */
  textColumn?: string;
  /** Column holding the label. Default: the first of score, label, class, sentiment, rating, reviews.rating that the file has. */
  labelColumn?: string;
  /** Default: 'ratings' when the label column's name contains "rating", else 'names'. */
  labelMapping?: LabelMapping;
  /** Default: by position, 80% train, then validation and test halves. */
  split?: RowSplit;
  /** Tokens per text after padding/truncation. Default: long enough for 95% of the training texts (a multiple of 8, 8–200). */
  seqLength?: number;
  /** Default 16. */
  batchSize?: number;
  /** Vocabulary size, specials included (default 25,000). */
  maxTokens?: number;
  /** Seeds the per-epoch shuffle of the training rows. */
  seed?: number;
  /** Shuffle buffer (default: the whole training part up to 50,000 rows; a uniform shuffle below that). */
  shuffleBuffer?: number;
  signal?: AbortSignal;
}

/** How a raw text becomes ids; structurally the models' `TextSettings`, so a classifier's `predict` does the same. */
export interface LabelledCsvText {
  preprocess: 'notebook';
  tokenizer: 'basic_english';
  seqLength: number;
  padding: 'post';
  truncating: 'post';
  padToken: string;
}

export interface LabelledCsvData {
  train: Dataset<Batch>;
  /** Absent when a split by hash holds nothing out (`validation: 0`). */
  validation?: Dataset<Batch>;
  /** Only a split by position has a test part. */
  test?: Dataset<Batch>;
  vocab: Vocab;
  /** Class names; class i is labels[i]. */
  labels: string[];
  textColumn: string;
  labelColumn: string;
  labelMapping: LabelMapping;
  text: LabelledCsvText;
  counts: { rows: number; dropped: number; train: number; validation: number; test: number; perClass: Record<string, number> };
  batchSize: number;
  /** Seconds spent reading the file and building the vocabulary. */
  prepareSeconds: number;
}

export const LABELLED_CSV_DEFAULTS = { batchSize: 16, maxTokens: 25_000, seed: 0, trainFraction: 0.8, validationFraction: 0.5 };

const TEXT_COLUMNS = ['review', 'text', 'reviews.text'];
const LABEL_COLUMNS = ['score', 'label', 'class', 'sentiment', 'rating', 'reviews.rating'];
const SPECIALS = ['<UNK>', '<PAD>'];
const MAX_SHUFFLE_BUFFER = 50_000;

/** A CSV row reduced to what a classifier reads (`csvRows`). */
export interface LabelledRow {
  text: string;
  label: string;
}

/**
 * A labelled CSV (one text column, one label column) as a classifier's training data: reads
 * the file once for the columns, the classes and the row count; splits the rows; builds the
 * vocabulary from the training rows (as the notebook does); returns re-iterable datasets of
 * padded batches, each `for await` re-reading the file (one epoch; the training part
 * reshuffles). Rows missing the text or the label are counted in `counts.dropped`.
 * Works in Node and browsers (`input`: a path, URL, File/Blob, bytes or stream factory).
 */
export async function readLabelledCsv(input: SourceInput, options: LabelledCsvOptions = {}): Promise<LabelledCsvData> {
  const started = now();
  const source = describeInput(input);
  const o = { ...LABELLED_CSV_DEFAULTS, ...options };
  const { signal } = o;
  const fail = (reason: string, line?: number) => new DataError(reason, { source, line });

  const fileColumns = await csvHeader(input, signal);
  const textColumn = chooseColumn('text', o.textColumn, TEXT_COLUMNS, fileColumns, fail);
  const labelColumn = chooseColumn('label', o.labelColumn, LABEL_COLUMNS, fileColumns, fail);
  const labelMapping: LabelMapping = o.labelMapping ?? (/rating/i.test(labelColumn) ? 'ratings' : 'names');

  // Pass 1: the label values and the number of complete rows.
  const dropped = { count: 0 };
  const rows = csvRows(input, textColumn, labelColumn, dropped, signal);
  const values = new Map<string, number>();
  let total = 0;
  for await (const r of rows) {
    if (labelMapping === 'ratings') ratingClass(r.label, total, labelColumn, source); // validates
    values.set(r.label, (values.get(r.label) ?? 0) + 1);
    total += 1;
  }
  const droppedRows = dropped.count;

  let labels: string[];
  let toClass: (value: string) => number;
  if (labelMapping === 'ratings') {
    labels = [...RATING_LABELS];
    toClass = (v) => ratingClass(v, -1, labelColumn);
  } else {
    labels = orderLabels(values.keys());
    if (labels.length < 2) {
      throw fail(`column "${labelColumn}" has ${labels.length === 0 ? 'no values' : `only the value ${JSON.stringify(labels[0])}`}; a classifier needs two classes or more`);
    }
    const index = new Map(labels.map((l, i) => [l, i]));
    toClass = (v) => index.get(v)!;
  }
  const perClass: Record<string, number> = Object.fromEntries(labels.map((l) => [l, 0]));
  for (const [v, n] of values) perClass[labels[toClass(v)]] += n;

  const parts = splitRows(rows, total, o.split ?? { by: 'position' }, signal, fail);
  const tokens = (ds: Dataset<LabelledRow>) => ds.pipe(preprocess({ key: 'text', signal }), tokenize('basic_english', { key: 'text', signal }));

  // Pass 2: the vocabulary, from the training rows only; their lengths choose seqLength.
  let trainCount = 0;
  const lengths: number[] = [];
  const counted = async function* <R extends { text: string[] }>(source: AsyncIterable<R>): AsyncGenerator<R> {
    for await (const r of source) {
      trainCount += 1;
      lengths.push(r.text.length);
      yield r;
    }
  };
  const vocab = await buildVocab(tokens(parts.train).pipe(counted), { key: 'text', maxTokens: o.maxTokens, specials: SPECIALS, defaultToken: '<UNK>', signal });
  if (trainCount === 0) throw fail('the training part is empty: every row went to validation');
  const seqLength = o.seqLength ?? automaticSeqLength(lengths);
  const padId = vocab.tokenToId('<PAD>');
  const classIndex = Object.fromEntries([...values.keys()].map((v) => [v, toClass(v)]));

  const batches = (ds: Dataset<LabelledRow>, shuffled: boolean): Dataset<Batch> => {
    const examples = tokens(ds).pipe(
      encode(vocab, { key: 'text', signal }),
      encodeLabels(classIndex, { key: 'label', signal }),
      pad({ key: 'text', length: seqLength, value: padId, signal }),
    ) as Dataset<Example>;
    const buffer = o.shuffleBuffer ?? Math.max(1, Math.min(trainCount, MAX_SHUFFLE_BUFFER));
    const ordered = shuffled ? examples.pipe(shuffle(buffer, { seed: o.seed, signal })) : examples;
    return ordered.pipe(batch(o.batchSize, { signal }), collate({ signal }));
  };
  const validationCount = parts.validationCount ?? total - trainCount;
  return {
    train: batches(parts.train, true),
    validation: parts.validation ? batches(parts.validation, false) : undefined,
    test: parts.test ? batches(parts.test, false) : undefined,
    vocab,
    labels,
    textColumn,
    labelColumn,
    labelMapping,
    text: { preprocess: 'notebook', tokenizer: 'basic_english', seqLength, padding: 'post', truncating: 'post', padToken: '<PAD>' },
    counts: { rows: total, dropped: droppedRows, train: trainCount, validation: validationCount, test: total - trainCount - validationCount, perClass },
    batchSize: o.batchSize,
    prepareSeconds: now() - started,
  };
}

interface SplitParts {
  train: Dataset<LabelledRow>;
  validation?: Dataset<LabelledRow>;
  test?: Dataset<LabelledRow>;
  /** Known up front for a split by position; counted while building the vocabulary otherwise. */
  validationCount?: number;
}

function splitRows(rows: Dataset<LabelledRow>, total: number, how: RowSplit, signal: AbortSignal | undefined, fail: (reason: string) => Error): SplitParts {
  if (how.by === 'hash') {
    if (!(how.validation > 0)) return { train: rows };
    const parts = split(rows, { validation: how.validation, seed: how.seed ?? 0, signal });
    return { train: parts.train, validation: parts.validation };
  }
  if (how.by !== 'position') throw new TypeError(`readLabelledCsv: split.by must be 'position' or 'hash', got ${JSON.stringify((how as { by: unknown }).by)}`);
  if (total < 3) throw fail(`only ${total} complete rows; a split into train, validation and test needs at least 3`);
  const trainRows = how.trainRows ?? Math.round(total * LABELLED_CSV_DEFAULTS.trainFraction);
  if (!Number.isInteger(trainRows) || trainRows < 1 || trainRows >= total) {
    throw new RangeError(`readLabelledCsv: split.trainRows must be an integer in [1, ${total - 1}] (the file has ${total} complete rows), got ${how.trainRows}`);
  }
  const validationRows = Math.round((total - trainRows) * (how.validationFraction ?? LABELLED_CSV_DEFAULTS.validationFraction));
  return {
    train: rows.pipe(rowRange<LabelledRow>(0, trainRows, signal)),
    validation: rows.pipe(rowRange<LabelledRow>(trainRows, trainRows + validationRows, signal)),
    test: rows.pipe(rowRange<LabelledRow>(trainRows + validationRows, total, signal)),
    validationCount: validationRows,
  };
}

/** The CSV's column names, read from its header alone. */
export async function csvHeader(input: SourceInput, signal?: AbortSignal): Promise<readonly string[]> {
  const csv = readCsv(input, { signal });
  for await (const _ of csv) break;
  return csv.fileColumns ?? [];
}

/** Rows with both a text and a label; each row missing either adds 1 to `dropped.count`, none is silently lost. */
export function csvRows(input: SourceInput, textColumn: string, labelColumn: string, dropped: { count: number }, signal?: AbortSignal): Dataset<LabelledRow> {
  const csv = readCsv(input, {
    select: [textColumn, labelColumn],
    dropna: true,
    signal,
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

/** Long enough for 95% of the texts, a multiple of 8, between 8 and 200 tokens. */
export function automaticSeqLength(lengths: readonly number[]): number {
  if (lengths.length === 0) return 100;
  const sorted = Float64Array.from(lengths).sort();
  const p95 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))];
  return Math.min(200, Math.max(8, Math.ceil(p95 / 8) * 8));
}

/**
 * Class of a 1–5 star rating, the notebook's way; anything else is an error naming the row
 * (1-based, among complete rows): a DataError naming `source` too when it is given.
 */
export function ratingClass(value: string, row: number, column: string, source?: string): number {
  const r = Number(value);
  if (value.trim() === '' || !Number.isFinite(r)) {
    const reason = `row ${row + 1}, column "${column}": ${JSON.stringify(value)} is not a numeric rating`;
    throw source === undefined ? new RangeError(reason) : new DataError(reason, { source });
  }
  return r <= 2 ? 0 : r < 4 ? 1 : 2;
}

/** Keeps items [from, to) by position, and stops reading the source at `to`. */
export function rowRange<T>(from: number, to: number, signal?: AbortSignal): Operator<T, T> {
  return async function* (source) {
    let i = 0;
    for await (const item of source) {
      signal?.throwIfAborted();
      if (i >= to) return;
      if (i >= from) yield item;
      i += 1;
    }
  };
}

function chooseColumn(what: string, given: string | undefined, candidates: string[], columns: readonly string[], fail: (reason: string, line?: number) => Error): string {
  if (given !== undefined) {
    if (!columns.includes(given)) throw fail(`no ${what} column "${given}"; the file has: ${columns.join(', ')}`, 1);
    return given;
  }
  const found = candidates.find((c) => columns.includes(c));
  if (!found) throw fail(`no ${what} column found (looked for ${candidates.join(', ')}); the file has: ${columns.join(', ')}. Pass its name.`, 1);
  return found;
}

function now(): number {
  return (typeof performance !== 'undefined' ? performance.now() : Date.now()) / 1000;
}
