import { FieldOperator, FieldOptions, mapValues, SignalOptions } from './common';
import type { Operator } from './types';

/** A text normaliser: one string in, one string out. */
export type Normalizer = (text: string) => string;

const NOT_KEPT = /[^a-zA-Z.,!?]+/g;
const SPACE_RUNS = / {2,}/g;

/**
 * The notebook's normalisation: strip, lower-case, every run of characters other than
 * ASCII letters and `. , ! ?` becomes one space, runs of spaces collapse, strip.
 *
 * Python's `strip()` and `re.sub(r"\s{2,}", " ")` are kept implicitly: after the
 * substitution the only whitespace left is single spaces, so trimming spaces suffices.
 */
export function normalizeText(text: string): string {
  const s = text.toLowerCase().replace(NOT_KEPT, ' ').replace(SPACE_RUNS, ' ');
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) === 32) start++;
  while (end > start && s.charCodeAt(end - 1) === 32) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

const isString = (v: unknown): boolean => typeof v === 'string';

/**
 * Normalises text: strings, or the field `key` of records (other fields are kept).
 * `fn` defaults to {@link normalizeText}, the notebook's normalisation.
 */
export function preprocess(fn?: Normalizer, options?: SignalOptions & { key?: undefined }): Operator<string, string>;
export function preprocess(options: SignalOptions & { key?: undefined }): Operator<string, string>;
export function preprocess<K extends string>(options: FieldOptions<K> & { key: K }): FieldOperator<K, string, string>;
export function preprocess<K extends string>(
  fn: Normalizer | undefined,
  options: FieldOptions<K> & { key: K },
): FieldOperator<K, string, string>;
export function preprocess(
  fnOrOptions?: Normalizer | FieldOptions,
  maybeOptions?: FieldOptions,
): (source: AsyncIterable<any>) => AsyncIterable<any> {
  const fn = typeof fnOrOptions === 'function' ? fnOrOptions : normalizeText;
  const options = typeof fnOrOptions === 'function' || fnOrOptions === undefined ? maybeOptions : fnOrOptions;
  return mapValues<string, string>('preprocess', 'a string', isString, fn, options);
}
