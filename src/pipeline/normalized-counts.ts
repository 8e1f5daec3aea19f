/**
 * `counter.add(normalizedBasicEnglish(text))` in one pass: counts the tokens of the notebook's
 * `preprocess()` → `tokenize('basic_english')` without making token strings or arrays. Letter
 * runs are hashed as they are scanned and found in a table keyed by their bytes; a string is
 * made only the first time a token is seen, to register it with the counter (so first-seen
 * order and everything else about the counter stay as with `add`). Why the scan is exact: see
 * normalized-tokens.ts.
 */
import { asciiBytes, normalizedBasicEnglish } from './normalized-tokens';
import type { TokenCounter } from './token-counter';

/** Letter tokens seen so far, by their bytes, with their counter slots. */
class AsciiTokenSlots {
  /**
   * Open addressing, four ints a slot, so that a probe reads one cache line: the token's hash,
   * its counter slot + 1 (0: empty slot), where its characters start in `chars`, its length.
   */
  private table = new Int32Array(4 << 12);
  private mask = (1 << 12) - 1;
  private entries = 0;
  /** The tokens' characters, end to end. */
  private chars = new Uint8Array(1 << 14);
  private charsUsed = 0;
  /** By char code: the counter slot of `!` `,` `.` `?` once seen, -2 before, -1 for other characters. */
  private readonly punctuation = new Int32Array(128).fill(-1);

  constructor(private readonly counter: TokenCounter) {
    for (const c of '!,.?') this.punctuation[c.charCodeAt(0)] = -2;
  }

  /** Counts `text`'s tokens. */
  count(text: string): null {
    const n = text.length;
    const b = asciiBytes(text);
    if (b === undefined) {
      // Not ASCII (see normalized-tokens.ts): the general path.
      this.counter.add(normalizedBasicEnglish(text));
      return null;
    }
    const counter = this.counter;
    const punctuation = this.punctuation;
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
        counter.addToSlot(this.slotOf(text, b, start, i - start, h));
        continue;
      }
      const mark = punctuation[c];
      if (mark >= 0) counter.addToSlot(mark);
      else if (mark === -2) {
        const slot = counter.slotOf(String.fromCharCode(c));
        punctuation[c] = slot;
        counter.addToSlot(slot);
      }
      i++;
    }
    return null;
  }

  /** The counter slot of the letter run `b[start..start+length]` (lower-cased), hashed to `h`. */
  private slotOf(text: string, b: Uint8Array, start: number, length: number, h: number): number {
    const { table, mask, chars } = this;
    let j = h & mask;
    for (;;) {
      const at = j * 4;
      const entry = table[at + 1];
      if (entry === 0) break;
      if (table[at] === h && table[at + 3] === length && sameLowerCase(chars, table[at + 2], b, start, length)) return entry - 1;
      j = (j + 1) & mask;
    }
    // First sight: register the token with the counter, remember its bytes.
    const slot = this.counter.slotOf(text.slice(start, start + length).toLowerCase());
    if (this.charsUsed + length > this.chars.length) {
      const grown = new Uint8Array(Math.max(this.chars.length * 2, this.charsUsed + length));
      grown.set(this.chars.subarray(0, this.charsUsed));
      this.chars = grown;
    }
    for (let k = 0; k < length; k++) this.chars[this.charsUsed + k] = b[start + k] | 32;
    const at = j * 4;
    table[at] = h;
    table[at + 1] = slot + 1;
    table[at + 2] = this.charsUsed;
    table[at + 3] = length;
    this.charsUsed += length;
    if (++this.entries * 2 > mask + 1) this.rehash();
    return slot;
  }

  private rehash(): void {
    const old = this.table;
    const capacity = (this.mask + 1) * 2;
    const mask = capacity - 1;
    const table = new Int32Array(capacity * 4);
    for (let from = 0; from < old.length; from += 4) {
      if (old[from + 1] === 0) continue;
      let j = old[from] & mask;
      while (table[j * 4 + 1] !== 0) j = (j + 1) & mask;
      table.set(old.subarray(from, from + 4), j * 4);
    }
    this.table = table;
    this.mask = mask;
  }
}

/** Whether `chars[at..at+length]` equals `b[start..]` lower-cased (`b` holds letters there). */
function sameLowerCase(chars: Uint8Array, at: number, b: Uint8Array, start: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (chars[at + k] !== (b[start + k] | 32)) return false;
  return true;
}

/** `(text) => { counter.add(normalizedBasicEnglish(text)) }`, fast; returns null. */
export function normalizedBasicEnglishCounts(counter: TokenCounter): (text: string) => null {
  const slots = new AsciiTokenSlots(counter);
  return (text) => slots.count(text);
}
