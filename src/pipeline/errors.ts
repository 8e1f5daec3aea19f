/**
 * Errors about the data itself: a malformed CSV, a missing column, invalid UTF-8, an unreadable
 * file. The message always says where (source, line, column) and what was expected, because
 * the person reading it has a 50 MB file open in an editor and needs to jump to the spot.
 */

/** Where in a source a problem was found. */
export interface DataErrorLocation {
  /** The file path, URL, or a placeholder such as `<stream>` naming the input. */
  source: string;
  /**
   * 1-based line number where the problem is (for a CSV row: the line the row starts on).
   * Absent when the problem concerns the whole source (it cannot be opened, HTTP 404).
   */
  line?: number;
  /** 1-based character column within that line, when known. */
  column?: number;
  /** The CSV column (field) name concerned, when there is one. */
  field?: string;
}

export class DataError extends Error implements DataErrorLocation {
  override readonly name = 'DataError';
  readonly source: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly field: string | undefined;
  /** What went wrong, without the location prefix. */
  readonly reason: string;

  constructor(reason: string, where: DataErrorLocation, options?: { cause?: unknown }) {
    super(`${formatLocation(where)}: ${reason}`, options);
    this.source = where.source;
    this.line = where.line;
    this.column = where.column;
    this.field = where.field;
    this.reason = reason;
  }
}

function formatLocation(where: DataErrorLocation): string {
  let text = where.source;
  if (where.line !== undefined) text += `, line ${where.line}`;
  if (where.column !== undefined) text += `, column ${where.column}`;
  if (where.field !== undefined) text += ` (field "${where.field}")`;
  return text;
}

/** The error an aborted source throws: the signal's reason, or a DOMException like fetch's. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}
