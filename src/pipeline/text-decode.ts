/**
 * Decodes a chunk stream as strict UTF-8 into text chunks. Invalid bytes are an error that
 * names the line and column where they are — `TextDecoder` with `fatal: true` only says
 * "invalid data" — so this module cuts chunks at character boundaries itself and, when the
 * decoder refuses, finds the offending byte. A leading byte-order mark is dropped.
 */
import { rawChunks, type ByteChunk, type SourceInput, type SourceOptions, describeInput } from './byte-source';
import { DataError } from './errors';

/** A re-iterable stream of decoded text chunks (each iteration re-opens the input). */
export function textChunks(input: SourceInput, options: SourceOptions = {}): AsyncIterable<string> {
  const source = options.sourceName ?? describeInput(input);
  const raw = rawChunks(input, { ...options, sourceName: source });
  return {
    [Symbol.asyncIterator]: () => decodeUtf8(raw, source),
  };
}

/** Decodes one pass over `chunks`; strings pass through (minus a leading BOM). */
export async function* decodeUtf8(chunks: AsyncIterable<ByteChunk>, source: string): AsyncGenerator<string> {
  // ignoreBOM: true because every chunk is decoded separately; the BOM is dropped by hand, once.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const position = new TextPosition();
  let first = true;
  let tail: Uint8Array | null = null; // the bytes of a character cut by the chunk boundary
  for await (const chunk of chunks) {
    let text: string;
    if (typeof chunk === 'string') {
      if (tail) throw truncatedError(source, position);
      text = chunk;
    } else {
      let bytes = chunk;
      if (tail) {
        const joined = new Uint8Array(tail.length + bytes.length);
        joined.set(tail);
        joined.set(bytes, tail.length);
        bytes = joined;
        tail = null;
      }
      const end = completeLength(bytes);
      if (end < bytes.length) tail = bytes.slice(end);
      const whole = end < bytes.length ? bytes.subarray(0, end) : bytes;
      try {
        text = decoder.decode(whole);
      } catch {
        throw invalidError(whole, source, position);
      }
    }
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.length === 0) continue;
    position.advance(text);
    yield text;
  }
  if (tail) throw truncatedError(source, position);
}

/** Tracks the line and column reached, so a decoding error can say where it is. */
class TextPosition {
  /** Newlines seen so far. */
  lines = 0;
  /** Characters since the last newline. */
  column = 0;

  advance(text: string): void {
    const last = text.lastIndexOf('\n');
    if (last === -1) {
      this.column += text.length;
      return;
    }
    let count = 0;
    for (let i = text.indexOf('\n'); i !== -1 && i <= last; i = text.indexOf('\n', i + 1)) count++;
    this.lines += count;
    this.column = text.length - last - 1;
  }
}

/**
 * The length of the longest prefix of `bytes` that does not end inside a multi-byte UTF-8
 * sequence; the rest waits for the next chunk. Invalid bytes count as complete: the decoder
 * rejects them.
 */
export function completeLength(bytes: Uint8Array): number {
  const n = bytes.length;
  // A sequence is at most 4 bytes, so only the last 3 can start an unfinished one.
  for (let i = n - 1; i >= 0 && i >= n - 3; i--) {
    const b = bytes[i];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xc2 && b <= 0xdf ? 2 : 1;
    return n - i < need ? i : n;
  }
  return n;
}

/**
 * Index of the first byte that starts an invalid UTF-8 sequence (WHATWG rules: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or -1 when all of `bytes` is valid. A sequence
 * cut off by the end of `bytes` counts as invalid.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lower = 0xa0;
      if (b === 0xed) upper = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lower = 0x90;
      if (b === 0xf4) upper = 0x8f;
    } else return i;
    if (i + need >= n) return i;
    const second = bytes[i + 1];
    if (second < lower || second > upper) return i;
    for (let k = 2; k <= need; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return -1;
}

function invalidError(bytes: Uint8Array, source: string, position: TextPosition): DataError {
  let bad = firstInvalidUtf8(bytes);
  if (bad < 0) bad = bytes.length;
  const before = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(0, bad));
  const where = new TextPosition();
  where.lines = position.lines;
  where.column = position.column;
  where.advance(before);
  const shown = Array.from(bytes.subarray(bad, Math.min(bad + 4, bytes.length)), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return new DataError(`invalid UTF-8 (bytes ${shown}); expected UTF-8 text`, {
    source,
    line: where.lines + 1,
    column: where.column + 1,
  });
}

function truncatedError(source: string, position: TextPosition): DataError {
  return new DataError('invalid UTF-8: the input ends inside a multi-byte character; expected UTF-8 text', {
    source,
    line: position.lines + 1,
    column: position.column + 1,
  });
}
