/**
 * `readText`: an unlabelled corpus (for language-model pre-training) as a re-iterable stream of
 * text units. Books from Project Gutenberg, like ../shared/data/austen/austen.txt, are
 * hard-wrapped at ~70 characters and separate paragraphs with blank lines, so a line is often
 * half a sentence; the default unit is therefore the paragraph: consecutive non-blank lines
 * joined with a space. `by: 'line'` gives the non-blank lines instead.
 */
import { type SourceInput, type SourceOptions, describeInput } from './byte-source';
import { abortReason } from './errors';
import { lines } from './read-lines';
import { textChunks } from './text-decode';

export interface ReadTextOptions extends SourceOptions {
  /** `paragraph` (default): blocks separated by blank lines, joined into one line; `line`: each non-blank line. */
  by?: 'paragraph' | 'line';
  /** Trim each unit and collapse runs of whitespace to one space (default true). */
  normalizeSpace?: boolean;
  /** Leave out units shorter than this many characters, after normalising (default 1). */
  minLength?: number;
  /**
   * Longest paragraph kept whole, in characters (default 1,000,000): a longer one is cut there,
   * so a file with no blank lines still streams instead of becoming one huge string.
   */
  maxChars?: number;
}

export function readText(input: SourceInput, options: ReadTextOptions = {}): AsyncIterable<string> {
  const source = options.sourceName ?? describeInput(input);
  const text = textChunks(input, { ...options, sourceName: source });
  return {
    [Symbol.asyncIterator]: () => units(text, options),
  };
}

async function* units(chunks: AsyncIterable<string>, options: ReadTextOptions): AsyncGenerator<string> {
  const { signal, by = 'paragraph', normalizeSpace = true, minLength = 1, maxChars = 1_000_000 } = options;
  const finish = (unit: string): string | undefined => {
    const text = normalizeSpace ? unit.replace(/\s+/g, ' ').trim() : unit;
    return text.length >= minLength ? text : undefined;
  };
  const all = lines(chunks, { signal, skipEmpty: false });
  if (by === 'line') {
    for await (const line of all) {
      if (line.trim() === '') continue;
      const unit = finish(line);
      if (unit !== undefined) yield unit;
    }
    return;
  }
  let parts: string[] = [];
  let size = 0;
  for await (const line of all) {
    if (signal?.aborted) throw abortReason(signal);
    if (line.trim() !== '' && size + line.length <= maxChars) {
      parts.push(line);
      size += line.length + 1;
      continue;
    }
    if (parts.length > 0) {
      const unit = finish(parts.join(normalizeSpace ? ' ' : '\n'));
      if (unit !== undefined) yield unit;
    }
    parts = [];
    size = 0;
    if (line.trim() !== '') {
      parts.push(line);
      size = line.length + 1;
    }
  }
  if (parts.length > 0) {
    const unit = finish(parts.join(normalizeSpace ? ' ' : '\n'));
    if (unit !== undefined) yield unit;
  }
}
