/**
 * `readCsv`: a CSV file (or URL, Blob, stream, iterable) as a re-iterable stream of records.
 * Reads chunk by chunk and never holds the whole file: memory is one chunk plus the row in
 * progress. Column names are plain keys — `reviews.text` is a column called "reviews.text",
 * not a path.
 */
import { type SourceInput, type SourceOptions, describeInput } from './byte-source';
import { CsvRowParser } from './csv-parser';
import { DataError, abortReason } from './errors';
import { textChunks } from './text-decode';

export type CsvRecord = Record<string, string>;

/**
 * The record type `readCsv` yields: with `select`, exactly the selected columns (renamed ones
 * under their new names), so typed operators such as `preprocess({ key: 'review' })` check;
 * without it, any string key.
 */
export type CsvRow<S extends string = string, R extends Readonly<Record<string, string>> = {}> = {
  [P in Exclude<S, keyof R> | (R[keyof R & S] & string)]: string;
};

export interface ReadCsvOptions<S extends string = string, R extends Readonly<Record<string, string>> = {}> extends SourceOptions {
  /** Field separator, one character (default `,`). */
  delimiter?: string;
  /** Quote character (default `"`). */
  quote?: string;
  /**
   * Whether the first row names the columns. Default: true, unless `columns` is given (then
   * the file is taken to have no header row). With `header: false` and no `columns`, the
   * columns are named by position: "0", "1", …
   */
  header?: boolean;
  /** Column names. Without a header row they name the fields; with `header: true` they replace the header's names. */
  columns?: string[];
  /** Keep only these columns (by their name in the file), in this order. */
  select?: readonly S[];
  /** New names for columns: `{ 'reviews.text': 'text' }`. Keys are names in the file. */
  rename?: R;
  /** Values that count as missing (default `['']`, the empty field). */
  naValues?: string[];
  /**
   * Drop rows with a missing value: `true` checks every output column, a list checks those
   * columns (names in the file or after `rename`). Each dropped row is reported to `onSkip`.
   */
  dropna?: boolean | string[];
  /** Columns that must have a value: a missing one is a DataError naming the line and column. */
  required?: boolean | string[];
  /**
   * Skip rows that are not valid CSV or have the wrong number of fields, reporting each to
   * `onSkip`, instead of throwing (the default).
   */
  skipMalformed?: boolean;
  /** Called for every row left out, with the reason; use it to count or log them. */
  onSkip?: (skipped: SkippedRow) => void;
  /** Longest row accepted, in characters (default 2^25); longer is an error, likely an open quote. */
  maxRowChars?: number;
}

export interface SkippedRow {
  /** `malformed`: bad CSV or wrong field count (with `skipMalformed`); `missing`: dropped by `dropna`. */
  reason: 'malformed' | 'missing';
  /** The line the row starts on. */
  line: number;
  /** What was wrong, with its location (not thrown). */
  error: DataError;
}

/** Counts for the most recent (or current) iteration. */
export interface CsvStats {
  /** Records yielded. */
  rows: number;
  /** Rows skipped as malformed (only with `skipMalformed`). */
  malformed: number;
  /** Rows dropped for a missing value (`dropna`). */
  missing: number;
}

/** A re-iterable stream of CSV records; `stats` counts the latest iteration's rows. */
export interface CsvDataset<T = CsvRecord> extends AsyncIterable<T> {
  readonly stats: CsvStats;
  /** The column names of the file, once an iteration has read the header. */
  readonly fileColumns: readonly string[] | undefined;
}

/**
 * Reads CSV records (RFC 4180: quoted fields with delimiters, quotes and newlines; LF or CRLF;
 * a UTF-8 byte-order mark is skipped). Each `for await` reads the input again from the start.
 *
 * ```ts
 * const reviews = readCsv('train.csv', { select: ['review', 'score'], dropna: true });
 * for await (const { review, score } of reviews) …
 * ```
 */
export function readCsv<const S extends string = string, const R extends Readonly<Record<string, string>> = {}>(
  input: SourceInput,
  options: ReadCsvOptions<S, R> = {},
): CsvDataset<CsvRow<S, R>> {
  const source = options.sourceName ?? describeInput(input);
  const text = textChunks(input, { ...options, sourceName: source });
  let stats: CsvStats = { rows: 0, malformed: 0, missing: 0 };
  let fileColumns: string[] | undefined;
  return {
    get stats() {
      return stats;
    },
    get fileColumns() {
      return fileColumns;
    },
    [Symbol.asyncIterator]() {
      stats = { rows: 0, malformed: 0, missing: 0 };
      return records(text, source, options, stats, (names) => (fileColumns = names)) as AsyncGenerator<CsvRow<S, R>>;
    },
  };
}

async function* records(
  chunks: AsyncIterable<string>,
  source: string,
  options: ReadCsvOptions<string, Readonly<Record<string, string>>>,
  stats: CsvStats,
  onHeader: (names: string[]) => void,
): AsyncGenerator<CsvRecord> {
  const { signal, onSkip } = options;
  const header = options.header ?? options.columns === undefined;
  const skip = (reason: SkippedRow['reason'], error: DataError): void => {
    if (reason === 'malformed') stats.malformed++;
    else stats.missing++;
    onSkip?.({ reason, line: error.line ?? 0, error });
  };
  const parser = new CsvRowParser({
    source,
    delimiter: options.delimiter,
    quote: options.quote,
    maxRowChars: options.maxRowChars,
  });
  // Without a header row or given names, columns are named by position: "0", "1", …
  let layout: Layout | undefined = header || options.columns === undefined ? undefined : makeLayout(options.columns, options, source, 1);
  let ended = false;
  const iterator = chunks[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (signal?.aborted) throw abortReason(signal);
      const next = await iterator.next();
      if (next.done) {
        parser.end();
        ended = true;
      } else {
        parser.push(next.value);
      }
      const rows = parser.rows;
      const lines = parser.rowLines;
      parser.rows = [];
      parser.rowLines = [];
      for (let r = 0; r < rows.length; r++) {
        const fields = rows[r];
        const line = lines[r];
        if (fields instanceof DataError) {
          // A broken header row is never skipped: the next row would silently become the header.
          if (!options.skipMalformed || (layout === undefined && header)) throw fields;
          skip('malformed', fields);
          continue;
        }
        if (layout === undefined) {
          if (options.columns !== undefined && options.columns.length !== fields.length) {
            throw new DataError(
              `the header has ${fields.length} columns (${fields.join(', ')}) but ${options.columns.length} names were given in \`columns\``,
              { source, line },
            );
          }
          if (!header) {
            layout = makeLayout(
              fields.map((_, i) => String(i)),
              options,
              source,
              line,
            );
            onHeader(layout.names);
          } else {
            onHeader(fields);
            layout = makeLayout(options.columns ?? fields, options, source, line);
            continue;
          }
        }
        if (fields.length !== layout.width) {
          const error = new DataError(
            `expected ${layout.width} fields (${layout.names.join(', ')}), found ${fields.length}`,
            { source, line },
          );
          if (!options.skipMalformed) throw error;
          skip('malformed', error);
          continue;
        }
        const missing = firstMissing(fields, layout.dropIndices, layout.naValues);
        if (missing !== -1) {
          skip('missing', new DataError('missing value (row dropped by dropna)', { source, line, field: layout.names[missing] }));
          continue;
        }
        const absent = firstMissing(fields, layout.requiredIndices, layout.naValues);
        if (absent !== -1) {
          throw new DataError(`missing value; expected a value in required column "${layout.names[absent]}"`, {
            source,
            line,
            field: layout.names[absent],
          });
        }
        if (signal?.aborted) throw abortReason(signal);
        stats.rows++;
        yield layout.build(fields);
      }
      if (ended) return;
    }
  } finally {
    if (!ended) await iterator.return?.();
  }
}

/** Which fields a record takes, under which names, and which must not be missing. */
interface Layout {
  /** Column names in the file (after `columns`). */
  names: string[];
  width: number;
  naValues: Set<string> | undefined;
  dropIndices: number[];
  requiredIndices: number[];
  build(fields: string[]): CsvRecord;
}

function makeLayout(names: string[], options: ReadCsvOptions<string, Readonly<Record<string, string>>>, source: string, line: number): Layout {
  const known = (): string => names.map((name) => JSON.stringify(name)).join(', ');
  const indexOf = (name: string, option: string): number => {
    const index = names.indexOf(name);
    if (index === -1) {
      throw new DataError(`no column "${name}" (asked for in \`${option}\`); the columns are ${known()}`, { source, line, field: name });
    }
    return index;
  };

  const selected = options.select ? options.select.map((name) => indexOf(name, 'select')) : names.map((_, i) => i);
  const rename: Readonly<Record<string, string>> = options.rename ?? {};
  for (const from of Object.keys(rename)) {
    const index = indexOf(from, 'rename');
    if (!selected.includes(index)) throw new DataError(`column "${from}" is renamed but not selected`, { source, line, field: from });
  }
  const keys = selected.map((i) => (Object.prototype.hasOwnProperty.call(rename, names[i]) ? rename[names[i]] : names[i]));
  const seen = new Map<string, number>();
  for (const [k, key] of keys.entries()) {
    if (seen.has(key)) {
      throw new DataError(
        `two output columns are named "${key}" (file columns ${seen.get(key)! + 1} and ${selected[k] + 1}); expected unique names (use select or rename)`,
        { source, line, field: key },
      );
    }
    seen.set(key, selected[k]);
  }

  // dropna / required name output columns (after rename) or file columns.
  const resolve = (list: boolean | string[] | undefined, option: string): number[] => {
    if (list === undefined || list === false) return [];
    if (list === true) return selected;
    return list.map((name) => {
      const k = keys.indexOf(name);
      return k !== -1 ? selected[k] : indexOf(name, option);
    });
  };
  const dropIndices = resolve(options.dropna, 'dropna');
  const requiredIndices = resolve(options.required, 'required');
  const na = options.naValues ?? [''];
  const naValues = na.length === 1 && na[0] === '' ? undefined : new Set(na);

  return {
    names,
    width: names.length,
    naValues,
    dropIndices,
    requiredIndices,
    build: recordBuilder(selected, keys),
  };
}

function recordBuilder(indices: number[], keys: string[]): (fields: string[]) => CsvRecord {
  if (keys.includes('__proto__')) {
    // A plain assignment to "__proto__" would set the prototype, not a field.
    return (fields) => {
      const record: CsvRecord = {};
      for (let k = 0; k < keys.length; k++) {
        Object.defineProperty(record, keys[k], { value: fields[indices[k]], enumerable: true, writable: true, configurable: true });
      }
      return record;
    };
  }
  return (fields) => {
    const record: CsvRecord = {};
    for (let k = 0; k < keys.length; k++) record[keys[k]] = fields[indices[k]];
    return record;
  };
}

/** Index (into `indices`' values) of the first missing field, or -1. */
function firstMissing(fields: string[], indices: number[], naValues: Set<string> | undefined): number {
  for (let k = 0; k < indices.length; k++) {
    const value = fields[indices[k]];
    if (naValues === undefined ? value === '' : naValues.has(value)) return indices[k];
  }
  return -1;
}
