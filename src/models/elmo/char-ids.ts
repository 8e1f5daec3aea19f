/**
 * Character ids exactly as bilm-tf and AllenNLP compute them: the UTF-8 bytes of a token
 * (cut to `maxChars - 2`, which may split a multi-byte character) between begin-of-word and
 * end-of-word markers, padded to `maxChars`, and every id shifted by one so that 0 can mean
 * "no token here". `<S>` and `</S>` stand for the sentence markers.
 */

export const MAX_CHARS_PER_TOKEN = 50;
/** Raw marker values before the +1 shift (bytes use 0..255). */
export const BOS_CHAR = 256;
export const EOS_CHAR = 257;
export const BOW_CHAR = 258;
export const EOW_CHAR = 259;
export const PAD_CHAR = 260;
/** Number of rows of the char embedding once the zero row for "no token" is in front. */
export const N_CHAR_IDS = 262;

export const BOS_TOKEN = '<S>';
export const EOS_TOKEN = '</S>';

/**
 * UTF-8 bytes of a string, dropping lone surrogates the way Python's
 * `str.encode('utf-8', 'ignore')` does (TextEncoder would write U+FFFD instead).
 */
export function utf8Bytes(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else {
        continue;
      }
    } else if (cp >= 0xdc00 && cp <= 0xdfff) {
      continue;
    }
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return out;
}

function markerIds(marker: number, maxChars: number): Int32Array {
  const ids = new Int32Array(maxChars).fill(PAD_CHAR + 1);
  ids[0] = BOW_CHAR + 1;
  ids[1] = marker + 1;
  ids[2] = EOW_CHAR + 1;
  return ids;
}

/** The `maxChars` shifted character ids of one token (never 0). */
export function tokenToCharIds(token: string, maxChars = MAX_CHARS_PER_TOKEN): Int32Array {
  if (!Number.isInteger(maxChars) || maxChars < 3) {
    throw new Error(`max_characters_per_token must be an integer >= 3, got ${maxChars}`);
  }
  if (token === BOS_TOKEN) return markerIds(BOS_CHAR, maxChars);
  if (token === EOS_TOKEN) return markerIds(EOS_CHAR, maxChars);
  const bytes = utf8Bytes(token).slice(0, maxChars - 2);
  const ids = new Int32Array(maxChars).fill(PAD_CHAR + 1);
  ids[0] = BOW_CHAR + 1;
  for (let k = 0; k < bytes.length; k++) ids[k + 1] = bytes[k] + 1;
  ids[bytes.length + 1] = EOW_CHAR + 1;
  return ids;
}

/** Character ids of a batch of tokenised sentences, flattened row-major. */
export interface CharIdBatch {
  /** `ids[((row * steps) + t) * maxChars + c]`; rows shorter than `steps` are zero-padded. */
  ids: Int32Array;
  /** Tokens per row, counting the sentence markers when they were added. */
  lengths: Int32Array;
  batchSize: number;
  /** Time steps: the longest row's length. */
  steps: number;
  maxChars: number;
}

export interface CharIdOptions {
  /** Add `<S>` before and `</S>` after each sentence (default true, as the biLM expects). */
  addSentenceBoundaries?: boolean;
  maxChars?: number;
}

export function batchToCharIds(sentences: readonly (readonly string[])[], options: CharIdOptions = {}): CharIdBatch {
  const addBoundaries = options.addSentenceBoundaries ?? true;
  const maxChars = options.maxChars ?? MAX_CHARS_PER_TOKEN;
  const extra = addBoundaries ? 2 : 0;
  const batchSize = sentences.length;
  const lengths = new Int32Array(batchSize);
  let steps = 0;
  sentences.forEach((s, row) => {
    if (!Array.isArray(s)) throw new Error(`sentence ${row} is not an array of tokens`);
    lengths[row] = s.length + extra;
    steps = Math.max(steps, lengths[row]);
  });
  const ids = new Int32Array(batchSize * steps * maxChars);
  const bos = markerIds(BOS_CHAR, maxChars);
  const eos = markerIds(EOS_CHAR, maxChars);
  sentences.forEach((sentence, row) => {
    const base = row * steps * maxChars;
    let t = 0;
    if (addBoundaries) ids.set(bos, base + maxChars * t++);
    for (const token of sentence) {
      if (typeof token !== 'string') throw new Error(`sentence ${row}, token ${t - extra / 2}: not a string`);
      ids.set(tokenToCharIds(token, maxChars), base + maxChars * t++);
    }
    if (addBoundaries) ids.set(eos, base + maxChars * t++);
  });
  return { ids, lengths, batchSize, steps, maxChars };
}
