import { withSignal } from './abort';
import { describe, mapStageOf, mapValues, SignalOptions } from './common';
import { normalizedBasicEnglishCounts } from './normalized-counts';
import { normalizedBasicEnglish } from './normalized-tokens';
import { Dataset } from './pipe';
import { allocInt32 } from './int32-slab';
import { TokenCounter } from './token-counter';
import { TokenTable } from './token-table';

export { TokenCounter };

/** Compares strings by Unicode code point (Python's order); `<` on JS strings compares UTF-16 units. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca !== cb) {
      // Surrogates (astral code points) must sort after U+E000–U+FFFF.
      if (ca >= 0xd800 && cb >= 0xd800) {
        ca = ca >= 0xe000 ? ca - 0x800 : ca + 0x2000;
        cb = cb >= 0xe000 ? cb - 0x800 : cb + 0x2000;
      }
      return ca - cb;
    }
  }
  return a.length - b.length;
}

/** How a vocabulary is chosen from token counts (torchtext's `build_vocab_from_iterator` arguments). */
export interface VocabOptions {
  /** Keep at most this many tokens, specials included (torchtext's `max_tokens`). */
  maxTokens?: number;
  /** Drop tokens seen fewer times than this (default 1). */
  minFreq?: number;
  /** Tokens that always get ids, in this order (e.g. `['<UNK>', '<PAD>']`). */
  specials?: string[];
  /** Specials take the first ids (default true) or the last. */
  specialFirst?: boolean;
  /** The token whose id unknown tokens map to (e.g. `'<UNK>'`); without it unknown tokens throw. */
  defaultToken?: string;
}

/** The JSON form of a {@link Vocab}. */
export interface VocabJSON {
  itos: string[];
  defaultIndex?: number;
}

/** A two-way mapping between tokens and ids, with an optional id for unknown tokens. */
export class Vocab {
  private readonly stoi: TokenTable;
  private readonly itos: readonly string[];
  private defaultId: number | undefined;

  constructor(tokens: readonly string[], defaultIndex?: number) {
    this.itos = tokens.slice();
    this.stoi = new TokenTable(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (typeof t !== 'string') throw new TypeError(`Vocab: token ${i} is ${describe(t)}, expected a string`);
      const id = this.stoi.intern(t);
      if (id !== i) throw new Error(`Vocab: duplicate token ${JSON.stringify(t)} at ids ${id} and ${i}`);
    }
    this.defaultIndex = defaultIndex;
  }

  /** Number of tokens. */
  get size(): number {
    return this.itos.length;
  }

  /** The tokens in id order. */
  get tokens(): readonly string[] {
    return this.itos;
  }

  /** The id unknown tokens map to; undefined means unknown tokens throw. */
  get defaultIndex(): number | undefined {
    return this.defaultId;
  }

  set defaultIndex(index: number | undefined) {
    if (index !== undefined && !(Number.isInteger(index) && index >= 0 && index < this.itos.length)) {
      throw new RangeError(`Vocab: default index ${index} is outside 0..${this.itos.length - 1}`);
    }
    this.defaultId = index;
  }

  has(token: string): boolean {
    return this.stoi.indexOf(token) >= 0;
  }

  /** The id of `token`, or the default index for an unknown token. */
  tokenToId(token: string): number {
    const id = this.stoi.indexOf(token);
    if (id >= 0) return id;
    if (this.defaultId === undefined) {
      throw new RangeError(`Vocab: token ${JSON.stringify(token)} is not in the vocabulary and no default index is set`);
    }
    return this.defaultId;
  }

  /** The token with id `id`. */
  idToToken(id: number): string {
    if (!(Number.isInteger(id) && id >= 0 && id < this.itos.length)) {
      throw new RangeError(`Vocab: id ${id} is outside 0..${this.itos.length - 1}`);
    }
    return this.itos[id];
  }

  /** The ids of a token sequence. */
  lookupIds(tokens: ArrayLike<string>): Int32Array {
    const n = tokens.length;
    const out = allocInt32(n);
    const stoi = this.stoi;
    for (let i = 0; i < n; i++) {
      const id = stoi.indexOf(tokens[i]);
      out[i] = id >= 0 ? id : this.tokenToId(tokens[i]);
    }
    return out;
  }

  /** The tokens of an id sequence. */
  lookupTokens(ids: ArrayLike<number>): string[] {
    const out = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = this.idToToken(ids[i]);
    return out;
  }

  toJSON(): VocabJSON {
    return this.defaultId === undefined ? { itos: this.itos.slice() } : { itos: this.itos.slice(), defaultIndex: this.defaultId };
  }

  static fromJSON(json: VocabJSON | string): Vocab {
    const data = typeof json === 'string' ? JSON.parse(json) : json;
    if (!data || !Array.isArray(data.itos)) throw new TypeError(`Vocab.fromJSON: expected { itos: string[], defaultIndex?: number }, got ${describe(data)}`);
    if (data.defaultIndex !== undefined && data.defaultIndex !== null && typeof data.defaultIndex !== 'number') {
      throw new TypeError(`Vocab.fromJSON: field 'defaultIndex' is ${describe(data.defaultIndex)}, expected a number`);
    }
    return new Vocab(data.itos, data.defaultIndex ?? undefined);
  }

  /**
   * Chooses a vocabulary from counts with torchtext 0.14's rules: tokens by count
   * descending, ties by token (code point order); keep the first `maxTokens - specials.length`;
   * then remove the specials from that list (a special seen in the text does not get a
   * second id, and its place is not refilled, as in torchtext); drop tokens under
   * `minFreq`; put the specials first or last.
   */
  static fromCounter(counter: TokenCounter, options: VocabOptions = {}): Vocab {
    const { maxTokens, minFreq = 1, specials = [], specialFirst = true, defaultToken } = options;
    if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens > specials.length)) {
      throw new RangeError(`buildVocab: maxTokens (${maxTokens}) must be an integer greater than the number of specials (${specials.length})`);
    }
    if (new Set(specials).size !== specials.length) throw new Error(`buildVocab: specials contain a duplicate: ${JSON.stringify(specials)}`);
    const sorted = [...counter.entries()].sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0]));
    const kept = maxTokens === undefined ? sorted : sorted.slice(0, maxTokens - specials.length);
    const specialSet = new Set(specials);
    const words: string[] = [];
    for (const [token, count] of kept) if (count >= minFreq && !specialSet.has(token)) words.push(token);
    const itos = specialFirst ? [...specials, ...words] : [...words, ...specials];
    const vocab = new Vocab(itos);
    if (defaultToken !== undefined) {
      if (!vocab.has(defaultToken)) {
        throw new Error(`buildVocab: defaultToken ${JSON.stringify(defaultToken)} is not in the vocabulary (add it to specials)`);
      }
      vocab.defaultIndex = vocab.tokenToId(defaultToken);
    }
    return vocab;
  }
}

/** Counts the token sequences of a stream into a {@link TokenCounter}: one shard's counts. */
export async function countTokens(
  source: AsyncIterable<unknown> | Iterable<unknown>,
  options: SignalOptions & { key?: string } = {},
): Promise<TokenCounter> {
  const counter = new TokenCounter();
  const { key, signal } = options;
  if (source instanceof Dataset) source = source.open();
  const stage = mapStageOf(source);
  if (stage !== undefined && stage.operatorName === 'preprocess' && stage.transform === normalizedBasicEnglish && stage.key === key) {
    // Right after the default preprocess and basic_english (one fused stage, see tokenize):
    // count straight from the text, with preprocess's checks and error messages.
    const countText = normalizedBasicEnglishCounts(counter);
    const counted = mapValues<string, null>('preprocess', 'a string', isString, countText, { key, signal: stage.signal });
    for await (const _ of counted(withSignal(stage.source, signal))) {
      // Each text was counted as it passed.
    }
    return counter;
  }
  const stream: AsyncIterable<unknown> =
    Symbol.asyncIterator in Object(source) ? (source as AsyncIterable<unknown>) : toAsync(source as Iterable<unknown>);
  let row = 0;
  for await (const item of withSignal(stream, signal)) {
    let tokens: unknown = item;
    if (key !== undefined) {
      if (item === null || typeof item !== 'object' || !(key in item)) {
        throw new TypeError(`buildVocab: record ${row} has no field '${key}' (got ${describe(item)})`);
      }
      tokens = (item as Record<string, unknown>)[key];
    }
    if (!Array.isArray(tokens)) {
      throw new TypeError(`buildVocab: ${key === undefined ? `item ${row}` : `record ${row} field '${key}'`} is ${describe(tokens)}, expected an array of tokens`);
    }
    counter.add(tokens as string[]);
    row++;
  }
  return counter;
}

const isString = (v: unknown): boolean => typeof v === 'string';

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

/**
 * One pass over a stream of token sequences (or records whose field `key` holds them),
 * returning a {@link Vocab} with the same ids as torchtext 0.14's `build_vocab_from_iterator`.
 * To build over shards, count each with {@link countTokens}, `merge` the counters and call
 * {@link Vocab.fromCounter}.
 */
export async function buildVocab(
  source: AsyncIterable<unknown> | Iterable<unknown>,
  options: VocabOptions & SignalOptions & { key?: string } = {},
): Promise<Vocab> {
  const counter = await countTokens(source, options);
  return Vocab.fromCounter(counter, options);
}
