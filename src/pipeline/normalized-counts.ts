/**
 * `counter.add(normalizedBasicEnglish(text))` in one pass: counts the tokens of the notebook's
 * `preprocess()` → `tokenize('basic_english')` without making token strings or arrays. Letter
 * runs are hashed as they are scanned and found in a table keyed by their bytes; a string is
 * made only the first time a token is seen, to register it with the counter (so first-seen
 * order and everything else about the counter stay as with `add`). Why the scan is exact: see
 * normalized-tokens.ts.
 */
import { asciiBytes, normalizedBasicEnglish } from './normalized-tokens';
import type { TokenCounter } from './vocab';

/** Letter tokens seen so far, by their bytes, with their counter slots. */
class AsciiTokenSlots {
  /** Per table slot: entry + 1, 0 when empty. */
  private slotEntries = new Int32Array(1 << 12);
  private slotHashes = new Int32Array(1 << 12);
  private mask = (1 << 12) - 1;
  /** Per entry: the counter slot, where its bytes start in `chars`, its length, its hash. */
  private counterSlots = new Int32Array(1 << 11);
  private starts = new Int32Array(1 << 11);
  private lengths = new Int32Array(1 << 11);
  private hashes = new Int32Array(1 << 11);
  private entries = 0;
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
    const { slotEntries, slotHashes, mask, lengths, starts, chars } = this;
    let j = h & mask;
    for (;;) {
      const entry = slotEntries[j];
      if (entry === 0) break;
      if (slotHashes[j] === h && lengths[entry - 1] === length && sameLowerCase(chars, starts[entry - 1], b, start, length)) {
        return this.counterSlots[entry - 1];
      }
      j = (j + 1) & mask;
    }
    // First sight: register the token with the counter, remember its bytes.
    const slot = this.counter.slotOf(text.slice(start, start + length).toLowerCase());
    this.add(j, b, start, length, h, slot);
    return slot;
  }

  private add(j: number, b: Uint8Array, start: number, length: number, h: number, slot: number): void {
    const entry = this.entries++;
    if (entry === this.counterSlots.length) {
      this.counterSlots = grown(this.counterSlots, entry * 2);
      this.starts = grown(this.starts, entry * 2);
      this.lengths = grown(this.lengths, entry * 2);
      this.hashes = grown(this.hashes, entry * 2);
    }
    if (this.charsUsed + length > this.chars.length) {
      const chars = new Uint8Array(Math.max(this.chars.length * 2, this.charsUsed + length));
      chars.set(this.chars.subarray(0, this.charsUsed));
      this.chars = chars;
    }
    for (let k = 0; k < length; k++) this.chars[this.charsUsed + k] = b[start + k] | 32;
    this.counterSlots[entry] = slot;
    this.starts[entry] = this.charsUsed;
    this.lengths[entry] = length;
    this.hashes[entry] = h;
    this.charsUsed += length;
    this.slotEntries[j] = entry + 1;
    this.slotHashes[j] = h;
    if (this.entries * 2 > this.slotEntries.length) this.rehash();
  }

  private rehash(): void {
    const capacity = this.slotEntries.length * 2;
    const mask = capacity - 1;
    const slotEntries = new Int32Array(capacity);
    const slotHashes = new Int32Array(capacity);
    for (let e = 0; e < this.entries; e++) {
      const h = this.hashes[e];
      let j = h & mask;
      while (slotEntries[j] !== 0) j = (j + 1) & mask;
      slotEntries[j] = e + 1;
      slotHashes[j] = h;
    }
    this.slotEntries = slotEntries;
    this.slotHashes = slotHashes;
    this.mask = mask;
  }
}


function grown(a: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(length);
  out.set(a);
  return out;
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
