/**
 * `vocab.lookupIds(normalizedBasicEnglish(text))` in one pass: what the notebook's
 * `preprocess()` → `tokenize('basic_english')` → `encode(vocab)` yields, with no token strings
 * and no token arrays. Letter runs are hashed as they are scanned and looked up in a table of
 * the vocabulary's letter-only tokens, whose characters sit in one byte array, so a lookup
 * compares bytes with bytes. Why the scan itself is exact: see normalized-tokens.ts.
 */
import { allocInt32 } from './int32-slab';
import { asciiBytes, normalizedBasicEnglish } from './normalized-tokens';
import type { Vocab } from './vocab';

/** The vocabulary's tokens that a letter run or a `. , ! ?` can be, by characters. */
class AsciiTokenIndex {
  /**
   * Open addressing, four ints a slot, so that a probe reads one cache line: the token's hash,
   * its id + 1 (0: empty slot), where its characters start in `chars`, its length.
   */
  private readonly table: Int32Array;
  private readonly mask: number;
  /** The letter tokens' characters, end to end. */
  private readonly chars: Uint8Array;
  /** By char code: the id of `!` `,` `.` `?`, -2 when the vocabulary lacks it, -1 for other characters. */
  private readonly punctuation = new Int32Array(128).fill(-1);

  constructor(private readonly vocab: Vocab) {
    const tokens = vocab.tokens;
    let letterTokens = 0;
    let letterChars = 0;
    for (const t of tokens) {
      if (isLowerLetters(t)) {
        letterTokens++;
        letterChars += t.length;
      }
    }
    let capacity = 64;
    while (capacity < letterTokens * 2) capacity *= 2;
    this.table = new Int32Array(capacity * 4);
    this.mask = capacity - 1;
    this.chars = new Uint8Array(letterChars);
    for (const c of '!,.?') this.punctuation[c.charCodeAt(0)] = -2;
    let at = 0;
    for (let id = 0; id < tokens.length; id++) {
      const t = tokens[id];
      if (t.length === 1 && this.punctuation[t.charCodeAt(0)] === -2) this.punctuation[t.charCodeAt(0)] = id;
      if (!isLowerLetters(t)) continue;
      let h = 0x811c9dc5;
      for (let k = 0; k < t.length; k++) {
        const c = t.charCodeAt(k);
        this.chars[at + k] = c;
        h = Math.imul(h ^ c, 0x01000193);
      }
      h ^= h >>> 16;
      let j = h & this.mask;
      while (this.table[j * 4 + 1] !== 0) j = (j + 1) & this.mask;
      this.table[j * 4] = h;
      this.table[j * 4 + 1] = id + 1;
      this.table[j * 4 + 2] = at;
      this.table[j * 4 + 3] = t.length;
      at += t.length;
    }
  }

  /** The ids of `text`'s tokens. */
  ids(text: string): Int32Array {
    const n = text.length;
    const b = asciiBytes(text);
    // Not ASCII (see normalized-tokens.ts): the general path.
    if (b === undefined) return this.vocab.lookupIds(normalizedBasicEnglish(text));
    // At most one id per character; the shared buffer is capped like the bytes'.
    if (scratch.length < n && n <= 1 << 18) scratch = new Int32Array(Math.min(1 << 18, Math.max(n, scratch.length * 2)));
    const out = scratch.length >= n ? scratch : new Int32Array(n);
    const { table, mask, chars, punctuation } = this;
    let count = 0;
    let i = 0;
    while (i < n) {
      let c = b[i];
      if (((c | 32) - 97) >>> 0 < 26) {
        const start = i;
        let h = 0x811c9dc5;
        for (;;) {
          h = Math.imul(h ^ (c | 32), 0x01000193);
          if (++i === n) break;
          c = b[i];
          if (((c | 32) - 97) >>> 0 >= 26) break;
        }
        h ^= h >>> 16;
        const length = i - start;
        let j = h & mask;
        let id = -1;
        for (;;) {
          const at = j * 4;
          const entry = table[at + 1];
          if (entry === 0) break;
          if (table[at] === h && table[at + 3] === length && sameLowerCase(chars, table[at + 2], b, start, length)) {
            id = entry - 1;
            break;
          }
          j = (j + 1) & mask;
        }
        // Unknown: the default index, or Vocab's error naming the token.
        out[count++] = id >= 0 ? id : this.vocab.tokenToId(text.slice(start, i).toLowerCase());
        continue;
      }
      const mark = punctuation[c];
      if (mark >= 0) out[count++] = mark;
      else if (mark === -2) out[count++] = this.vocab.tokenToId(String.fromCharCode(c));
      i++;
    }
    const ids = allocInt32(count);
    ids.set(out.subarray(0, count));
    return ids;
  }
}

let scratch = new Int32Array(1 << 14);

function isLowerLetters(t: string): boolean {
  if (t.length === 0) return false;
  for (let k = 0; k < t.length; k++) {
    const c = t.charCodeAt(k);
    if (c < 97 || c > 122) return false;
  }
  return true;
}

/** Whether `chars[at..at+length]` equals `b[start..]` lower-cased (`b` holds letters there). */
function sameLowerCase(chars: Uint8Array, at: number, b: Uint8Array, start: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (chars[at + k] !== (b[start + k] | 32)) return false;
  return true;
}

const indexes = new WeakMap<Vocab, AsciiTokenIndex>();

/** `(text) => vocab.lookupIds(normalizedBasicEnglish(text))`, fast; the index is built once per vocabulary. */
export function normalizedBasicEnglishIds(vocab: Vocab): (text: string) => Int32Array {
  let index = indexes.get(vocab);
  if (index === undefined) {
    index = new AsciiTokenIndex(vocab);
    indexes.set(vocab, index);
  }
  const found = index;
  return (text) => found.ids(text);
}
