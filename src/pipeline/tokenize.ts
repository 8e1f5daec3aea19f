import { withSignal } from './abort';
import { FieldOperator, FieldOptions, mapStageOf, mapValues, SignalOptions } from './common';
import { normalizedBasicEnglish } from './normalized-tokens';
import { normalizeText } from './preprocess';
import type { Operator } from './types';
import { basicEnglish, whitespaceTokens, type Tokenizer, type TokenizerName } from './tokenizers';

export { basicEnglish, whitespaceTokens, type Tokenizer, type TokenizerName } from './tokenizers';

/** The tokenizer function for a name, or the function itself. */
export function getTokenizer(kind: TokenizerName | Tokenizer): Tokenizer {
  if (typeof kind === 'function') return kind;
  if (kind === 'basic_english') return basicEnglish;
  if (kind === 'whitespace') return whitespaceTokens;
  throw new TypeError(`tokenize: unknown tokenizer ${JSON.stringify(kind)}; expected 'basic_english', 'whitespace' or a function`);
}

const isString = (v: unknown): boolean => typeof v === 'string';

/**
 * Splits text into tokens: strings, or the field `key` of records (other fields are kept).
 * `kind` is `'basic_english'` (the default, torchtext's), `'whitespace'` or a function.
 */
export function tokenize(
  kind?: TokenizerName | Tokenizer,
  options?: SignalOptions & { key?: undefined },
): Operator<string, string[]>;
export function tokenize<K extends string>(
  kind: TokenizerName | Tokenizer | undefined,
  options: FieldOptions<K> & { key: K },
): FieldOperator<K, string, string[]>;
export function tokenize(
  kind: TokenizerName | Tokenizer = 'basic_english',
  options?: FieldOptions,
): (source: AsyncIterable<any>) => AsyncIterable<any> {
  const tokenizer = getTokenizer(kind);
  const plain = mapValues<string, string[]>('tokenize', 'a string', isString, tokenizer, options);
  if (tokenizer !== basicEnglish) return plain;
  return (source) => {
    // Right after the default `preprocess` on the same field: one pass instead of two stages,
    // with preprocess's checks and error messages (it is the stage that would have raised them).
    const stage = mapStageOf(source);
    if (stage === undefined || stage.operatorName !== 'preprocess' || stage.transform !== normalizeText || stage.key !== options?.key) {
      return plain(source);
    }
    const fused = mapValues<string, string[]>('preprocess', 'a string', isString, normalizedBasicEnglish, { key: stage.key, signal: stage.signal });
    return fused(withSignal(stage.source, options?.signal));
  };
}
