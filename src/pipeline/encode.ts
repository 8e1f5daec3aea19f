import { FieldOperator, FieldOptions, mapValues, SignalOptions } from './common';
import type { Operator } from './types';
import type { Vocab } from './vocab';

const isTokenArray = (v: unknown): boolean => Array.isArray(v);

/**
 * Maps token sequences to ids (`Int32Array`) with `vocab`: arrays of tokens, or the field
 * `key` of records (other fields are kept). Unknown tokens take the vocabulary's default
 * index; without one they raise an error naming the token.
 */
export function encode(vocab: Vocab, options?: SignalOptions & { key?: undefined }): Operator<string[], Int32Array>;
export function encode<K extends string>(vocab: Vocab, options: FieldOptions<K> & { key: K }): FieldOperator<K, string[], Int32Array>;
export function encode(vocab: Vocab, options?: FieldOptions): (source: AsyncIterable<any>) => AsyncIterable<any> {
  if (!vocab || typeof vocab.lookupIds !== 'function') throw new TypeError('encode: expected a Vocab (from buildVocab or Vocab.fromJSON)');
  return mapValues<string[], Int32Array>('encode', 'an array of tokens', isTokenArray, (tokens) => vocab.lookupIds(tokens), options);
}
