import { withSignal } from './abort';
import { FieldOperator, FieldOptions, mapStageOf, mapValues, SignalOptions } from './common';
import { normalizedBasicEnglishIds } from './normalized-ids';
import { normalizedBasicEnglish } from './normalized-tokens';
import type { Operator } from './types';
import type { Vocab } from './vocab';

const isTokenArray = (v: unknown): boolean => Array.isArray(v);
const isString = (v: unknown): boolean => typeof v === 'string';

/**
 * Maps token sequences to ids (`Int32Array`) with `vocab`: arrays of tokens, or the field
 * `key` of records (other fields are kept). Unknown tokens take the vocabulary's default
 * index; without one they raise an error naming the token.
 */
export function encode(vocab: Vocab, options?: SignalOptions & { key?: undefined }): Operator<string[], Int32Array>;
export function encode<K extends string>(vocab: Vocab, options: FieldOptions<K> & { key: K }): FieldOperator<K, string[], Int32Array>;
export function encode(vocab: Vocab, options?: FieldOptions): (source: AsyncIterable<any>) => AsyncIterable<any> {
  if (!vocab || typeof vocab.lookupIds !== 'function') throw new TypeError('encode: expected a Vocab (from buildVocab or Vocab.fromJSON)');
  const plain = mapValues<string[], Int32Array>('encode', 'an array of tokens', isTokenArray, (tokens) => vocab.lookupIds(tokens), options);
  return (source) => {
    // Right after the default preprocess and basic_english (already one fused stage, see
    // tokenize): text to ids in one pass, with preprocess's checks and error messages.
    const stage = mapStageOf(source);
    if (stage === undefined || stage.operatorName !== 'preprocess' || stage.transform !== normalizedBasicEnglish || stage.key !== options?.key) {
      return plain(source);
    }
    const fused = mapValues<string, Int32Array>('preprocess', 'a string', isString, normalizedBasicEnglishIds(vocab), { key: stage.key, signal: stage.signal });
    return fused(withSignal(stage.source, options?.signal));
  };
}
