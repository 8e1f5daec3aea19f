/**
 * The sentiment pipeline, defined once: the Node example (examples/amazon-sentiment.ts) and the
 * web page (examples/browser) both import this module unchanged. It imports nothing from Node,
 * so it bundles for browsers; `input` is a path (Node), a URL, or a File/Blob.
 *
 * The notebook's recipe as `readLabelledCsv` settings: CSV → drop rows with a missing text or
 * label → split by position (first 80% train, then validation, then test) → preprocess → the
 * basic_english tokens → vocabulary from the training rows → ids → labels → pad/truncate to 100
 * → shuffle (train) → batches of 16.
 */
import type { SourceInput } from '../../src/pipeline/byte-source';
import { readLabelledCsv, type LabelledCsvData, type LabelledCsvOptions } from '../../src/pipeline/labelled-csv';
import type { Dataset } from '../../src/pipeline/pipe';
import type { Batch } from '../../src/pipeline/types';

export type { LabelMapping } from '../../src/pipeline/labelled-csv';

/** readLabelledCsv's options, with the split by position spelled out. */
export interface SentimentDataOptions extends Omit<LabelledCsvOptions, 'split'> {
  /** Rows (after dropping incomplete ones) used for training, from the top. Default: 80%. */
  trainRows?: number;
  /** Of the rows after the training rows, the fraction used for validation; the rest are the test set. Default 0.5. */
  validationFraction?: number;
}

/** A split by position always has all three parts. */
export type SentimentData = LabelledCsvData & { validation: Dataset<Batch>; test: Dataset<Batch> };

export const SENTIMENT_DEFAULTS = { seqLength: 100, batchSize: 16, maxTokens: 25000, validationFraction: 0.5, seed: 0 };

export async function prepareSentimentData(input: SourceInput, options: SentimentDataOptions = {}): Promise<SentimentData> {
  const { trainRows, validationFraction, ...rest } = { ...SENTIMENT_DEFAULTS, ...options };
  return (await readLabelledCsv(input, { ...rest, split: { by: 'position', trainRows, validationFraction } })) as SentimentData;
}
