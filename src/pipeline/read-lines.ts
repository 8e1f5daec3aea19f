/**
 * `readLines`: a text input as a re-iterable stream of lines (LF or CRLF, terminators removed,
 * a UTF-8 byte-order mark skipped). A last line without a line end is still a line.
 */
import { type SourceInput, type SourceOptions, describeInput } from './byte-source';
import { abortReason } from './errors';
import { textChunks } from './text-decode';

export interface ReadLinesOptions extends SourceOptions {
  /** Leave out lines that are empty or only whitespace (default false). */
  skipEmpty?: boolean;
}

export function readLines(input: SourceInput, options: ReadLinesOptions = {}): AsyncIterable<string> {
  const source = options.sourceName ?? describeInput(input);
  const text = textChunks(input, { ...options, sourceName: source });
  return {
    [Symbol.asyncIterator]: () => lines(text, options),
  };
}

/** Splits one pass over text chunks into lines. */
export async function* lines(chunks: AsyncIterable<string>, options: { signal?: AbortSignal; skipEmpty?: boolean } = {}): AsyncGenerator<string> {
  const { signal, skipEmpty = false } = options;
  let carry = '';
  for await (let chunk of chunks) {
    if (carry !== '') {
      chunk = carry + chunk;
      carry = '';
    }
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      const end = nl > start && chunk.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      const line = chunk.slice(start, end);
      start = nl + 1;
      if (skipEmpty && isBlank(line)) continue;
      if (signal?.aborted) throw abortReason(signal);
      yield line;
    }
    carry = chunk.slice(start);
  }
  if (carry !== '') {
    const line = carry.endsWith('\r') ? carry.slice(0, -1) : carry;
    if (!(skipEmpty && isBlank(line))) yield line;
  }
}

function isBlank(line: string): boolean {
  return line.length === 0 || line.trim().length === 0;
}
