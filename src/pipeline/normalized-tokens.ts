/**
 * `basicEnglish(normalizeText(text))` in one pass: what `preprocess()` followed by
 * `tokenize('basic_english')` yields, the notebook's pipeline, without building the
 * normalised string or running basic_english's regular expressions.
 *
 * Why the shortcut is exact on ASCII text: normalisation keeps ASCII letters (lower-cased) and
 * `. , ! ?`, and turns every run of anything else into one space. On such text basic_english
 * has nothing to lower-case, no `"` to drop, no `<br />` to blank and no `' ( ) ; :` to space
 * out, so its tokens are the letter runs and each `. , ! ?` on its own. A letter run of the
 * normalised text is a maximal run of letters of the original, so the tokens can be read off
 * the original directly. Text with a non-ASCII character takes the general path (a few
 * non-ASCII letters lower-case to ASCII, e.g. U+212A KELVIN SIGN).
 */
import { normalizeText } from './preprocess';
import { basicEnglish } from './tokenizers';

// Tokens repeat (a review corpus has a few tens of thousands of distinct words among millions),
// so a token is looked up by its characters in a direct-mapped cache before a string is made:
// most tokens then cost no allocation, and equal tokens are the same string object.
const CACHE_BITS = 16;
const CACHE_MASK = (1 << CACHE_BITS) - 1;
const cache: string[] = new Array<string>(1 << CACHE_BITS).fill('');
// V8 shares the parent's characters for slices of 13 or more; a cached slice would keep a
// whole review alive, so such tokens are copied before they are cached.
const SHARED_SLICE = 13;

/** The tokens of `basicEnglish(normalizeText(text))`. */
export function normalizedBasicEnglish(text: string): string[] {
  return asciiTokens(text) ?? basicEnglish(normalizeText(text));
}

/** The punctuation tokens, by char code (`!` 33, `,` 44, `.` 46, `?` 63). */
const PUNCTUATION: string[] = [];
PUNCTUATION[33] = '!';
PUNCTUATION[44] = ',';
PUNCTUATION[46] = '.';
PUNCTUATION[63] = '?';

// The text's characters are read from bytes: strings cut from a CSV chunk are slices, whose
// characters V8 reads more slowly one by one than a native copy into a byte buffer costs.
const encoder = new TextEncoder();
// Shared by every one-pass scan (tokens, ids, counts); each uses it only until it returns. It
// grows with the longest text up to 1 MB; a longer text gets a buffer of its own.
const SHARED_BYTES_LIMIT = 1 << 20;
let sharedBytes = new Uint8Array(1 << 16);

/** `text` as bytes (the first `text.length` of the array returned), or undefined when it is not ASCII. */
export function asciiBytes(text: string): Uint8Array | undefined {
  const n = text.length;
  if (sharedBytes.length < n && n <= SHARED_BYTES_LIMIT) sharedBytes = new Uint8Array(Math.min(SHARED_BYTES_LIMIT, Math.max(n, sharedBytes.length * 2)));
  const b = sharedBytes.length >= n ? sharedBytes : new Uint8Array(n);
  // Any non-ASCII character takes two bytes or more, so ASCII text exactly fills n bytes.
  const { read, written } = encoder.encodeInto(text, b.subarray(0, n));
  return read === n && written === n ? b : undefined;
}

/** The tokens when `text` is ASCII; undefined when it is not. */
function asciiTokens(text: string): string[] | undefined {
  const n = text.length;
  const b = asciiBytes(text);
  if (b === undefined) return undefined;
  const tokens: string[] = [];
  let i = 0;
  while (i < n) {
    let c = b[i];
    if (((c | 32) - 97) >>> 0 < 26) {
      // A letter run: hash its lower-cased characters (FNV-1a), note whether any is upper case.
      const start = i;
      let h = 0x811c9dc5;
      let upper = false;
      for (;;) {
        if (c < 97) upper = true;
        h = Math.imul(h ^ (c | 32), 0x01000193);
        if (++i === n) break;
        c = b[i];
        if (((c | 32) - 97) >>> 0 >= 26) break;
      }
      h ^= h >>> 16;
      const length = i - start;
      const cached = cache[h & CACHE_MASK];
      if (cached.length === length && sameLowerCase(cached, b, start)) {
        tokens.push(cached);
      } else {
        let token = upper ? text.slice(start, i).toLowerCase() : text.slice(start, i);
        if (!upper && length >= SHARED_SLICE) token = copyString(token);
        cache[h & CACHE_MASK] = token;
        tokens.push(token);
      }
      continue;
    }
    const mark = PUNCTUATION[c];
    if (mark !== undefined) tokens.push(mark);
    i++;
  }
  return tokens;
}

/** Whether `token` equals the bytes from `start` on, lower-cased (both are known to be letters). */
function sameLowerCase(token: string, b: Uint8Array, start: number): boolean {
  for (let k = 0; k < token.length; k++) if (token.charCodeAt(k) !== (b[start + k] | 32)) return false;
  return true;
}

/** A copy of `s` that shares no storage with the string it was cut from. */
function copyString(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}
