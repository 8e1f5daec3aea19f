import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/pipeline/errors';
import { readCsv, type CsvRecord, type SkippedRow } from '../../src/pipeline/read-csv';

const TRAIN = path.resolve(__dirname, '../../../shared/data/amazon-fine-foods/train.csv');
const SPECTRUM = path.dirname(require.resolve('csv-spectrum/package.json'));

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

async function csvError(input: Parameters<typeof readCsv>[0], options: Parameters<typeof readCsv>[1] = {}): Promise<DataError> {
  try {
    await collect(readCsv(input, options));
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error('expected readCsv to fail');
}

/** Splits `text` into pieces at the given cut points (as strings, or as UTF-8 bytes). */
function cut<T extends string | Uint8Array>(whole: T, cuts: number[]): T[] {
  const points = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b);
  const pieces: T[] = [];
  let last = 0;
  for (const p of [...points, whole.length]) {
    pieces.push(whole.slice(last, p) as T);
    last = p;
  }
  return pieces.filter((p) => p.length > 0);
}

/** RFC 4180 writer for the round-trip properties: quote a field only when it needs it. */
function toCsv(rows: string[][], eol: string): string {
  return rows
    .map((row) => row.map((f) => (/[",\r\n]/.test(f) || f === '' ? `"${f.replace(/"/g, '""')}"` : f)).join(','))
    .join(eol);
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seqflow-csv-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeTmp(name: string, content: string | Uint8Array): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, content);
  return file;
}

describe('readCsv: csv-spectrum', () => {
  const names = fs.readdirSync(path.join(SPECTRUM, 'csvs')).map((f) => path.basename(f, '.csv'));
  it('has the suite', () => expect(names.length).toBeGreaterThanOrEqual(12));
  for (const name of names) {
    it(`parses ${name}.csv as its JSON says`, async () => {
      const file = path.join(SPECTRUM, 'csvs', `${name}.csv`);
      let expected = JSON.parse(fs.readFileSync(path.join(SPECTRUM, 'json', `${name}.json`), 'utf8'));
      if (name === 'location_coordinates') {
        // csv-spectrum 2.0's expectation for this file is a bare object (not an array of rows)
        // and its phone number (1234567890) is not the one in the CSV (2095257564): a defect
        // of the fixture. Every other field is checked as written.
        expect(expected['Contact Phone Number']).toBe('1234567890');
        expected = [{ ...expected, 'Contact Phone Number': '2095257564' }];
      }
      expect(await collect(readCsv(file))).toEqual(expected);
      // The same, fed one byte at a time: every state of the parser meets a chunk boundary.
      const bytes = fs.readFileSync(file);
      const oneByOne = Array.from(bytes, (b) => Uint8Array.of(b));
      expect(await collect(readCsv(oneByOne))).toEqual(expected);
    });
  }
});

describe('readCsv: round trips (property-based)', () => {
  // Fields mixing the characters that matter to CSV with ordinary and multi-byte ones.
  const field = fc
    .array(fc.constantFrom('a', 'b', 'Z', ' ', ',', '"', '\n', '\r', '\r\n', 'é', '€', '😀', '.', 'x'), { maxLength: 8 })
    .map((parts) => parts.join(''));

  const table = fc.integer({ min: 1, max: 5 }).chain((width) =>
    fc.tuple(
      fc.uniqueArray(fc.stringMatching(/^[a-z][a-z.]{0,6}$/), { minLength: width, maxLength: width }),
      fc.array(fc.array(field, { minLength: width, maxLength: width }), { maxLength: 12 }),
    ),
  );

  const asRecords = (header: string[], rows: string[][]): CsvRecord[] =>
    rows.map((row) => Object.fromEntries(header.map((h, i) => [h, row[i]])));

  it('parses what an RFC 4180 writer wrote, across arbitrary chunk boundaries', async () => {
    await fc.assert(
      fc.asyncProperty(
        table,
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 10 }),
        async ([header, rows], eol, trailingEol, cuts) => {
          // A row of one empty field would be a blank line, which CSV readers skip; the writer
          // quotes empty fields, so it stays a row.
          const text = toCsv([header, ...rows], eol) + (trailingEol ? eol : '');
          const expected = asRecords(header, rows);
          expect(await collect(readCsv(cut(text, cuts)))).toEqual(expected);
          const bytes = new TextEncoder().encode('\uFEFF' + text);
          expect(await collect(readCsv(cut(bytes, cuts)))).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reports the line each row starts on, counting newlines inside quoted fields', async () => {
    await fc.assert(
      fc.asyncProperty(table, fc.constantFrom('\n', '\r\n'), fc.array(fc.nat(), { maxLength: 6 }), async ([header, rows], eol, cuts) => {
        if (rows.length === 0) return;
        const text = toCsv([header, ...rows, header.map(() => 'end')], eol) + ',';
        // The last row now has one field too many: the error must name the line it starts on.
        const startLine = 1 + toCsv([header, ...rows], eol).split('\n').length;
        const error = await csvError(cut(text, cuts));
        expect(error.line).toBe(startLine);
        expect(error.message).toContain(`line ${startLine}`);
      }),
      { numRuns: 100 },
    );
  });
});

describe('readCsv: the fine-food reviews', () => {
  it('reads all 4,000 rows of train.csv with columns product, review, score', async () => {
    const rows = readCsv(TRAIN);
    const all = await collect(rows);
    expect(all).toHaveLength(4000);
    expect(rows.fileColumns).toEqual(['product', 'review', 'score']);
    expect(new Set(all.map((r) => r.score))).toEqual(new Set(['great', 'other']));
    expect(all[0]).toEqual({
      product: 'B000J0LSBG',
      review: 'this stuff is  not stuffing  its  not good at all  save your money',
      score: 'other',
    });
    // Quoted reviews keep their commas and quotes, and lose the quoting.
    expect(all[1].review.startsWith('I absolutely LOVE this dried fruit.')).toBe(true);
    expect(all.some((r) => r.review.includes(',') && r.review.includes('"'))).toBe(true);
    expect(all.every((r) => !r.score.endsWith('\r'))).toBe(true);
    expect(rows.stats).toEqual({ rows: 4000, malformed: 0, missing: 0 });
  });

  it('is re-iterable: each for-await reads the file again', async () => {
    const rows = readCsv(TRAIN, { select: ['score'] });
    const first = await collect(rows);
    const second = await collect(rows);
    expect(second).toEqual(first);
    expect(first).toHaveLength(4000);
  });

  it('reads the same rows whatever the chunk size', async () => {
    const big = await collect(readCsv(TRAIN));
    const small = await collect(readCsv(TRAIN, { chunkSize: 1009 }));
    expect(small).toEqual(big);
  });
});

describe('readCsv: options', () => {
  const kaggle = 'id,reviews.text,reviews.rating\n1,"Great, works",5\n2,,1\n3,meh,\n4,ok,3\n';

  it('selects and renames columns whose names contain dots', async () => {
    const rows = await collect(readCsv([kaggle], { select: ['reviews.text', 'reviews.rating'], rename: { 'reviews.text': 'text' } }));
    // The record type follows select and rename (checked by tsc).
    const first: { text: string; 'reviews.rating': string } = rows[0];
    expect(first).toEqual({ text: 'Great, works', 'reviews.rating': '5' });
    expect(Object.keys(rows[0])).toEqual(['text', 'reviews.rating']);
    expect(rows).toHaveLength(4);
  });

  it('drops rows with missing values and counts them (dropna)', async () => {
    const skipped: SkippedRow[] = [];
    const rows = readCsv([kaggle], { select: ['reviews.text', 'reviews.rating'], dropna: true, onSkip: (s) => skipped.push(s) });
    expect(await collect(rows)).toEqual([
      { 'reviews.text': 'Great, works', 'reviews.rating': '5' },
      { 'reviews.text': 'ok', 'reviews.rating': '3' },
    ]);
    expect(skipped.map((s) => [s.reason, s.line, s.error.field])).toEqual([
      ['missing', 3, 'reviews.text'],
      ['missing', 4, 'reviews.rating'],
    ]);
    expect(rows.stats).toEqual({ rows: 2, malformed: 0, missing: 2 });
  });

  it('dropna on a subset, named after rename; naValues', async () => {
    const rows = await collect(
      readCsv(['a,b\nNA,1\nx,NA\n,2\n'], { rename: { a: 'text' }, dropna: ['text'], naValues: ['', 'NA'] }),
    );
    expect(rows).toEqual([{ text: 'x', b: 'NA' }]);
  });

  it('reports a missing required value as an error naming line and column', async () => {
    const error = await csvError([kaggle], { required: ['reviews.text'], sourceName: 'reviews.csv' });
    expect(error.line).toBe(3);
    expect(error.field).toBe('reviews.text');
    expect(error.message).toBe('reviews.csv, line 3 (field "reviews.text"): missing value; expected a value in required column "reviews.text"');
  });

  it('takes column names for a file without a header row, or replaces the header', async () => {
    expect(await collect(readCsv(['1,2\n3,4\n'], { columns: ['x', 'y'] }))).toEqual([
      { x: '1', y: '2' },
      { x: '3', y: '4' },
    ]);
    expect(await collect(readCsv(['a,b\n3,4\n'], { columns: ['x', 'y'], header: true }))).toEqual([{ x: '3', y: '4' }]);
  });

  it('names columns by position when there is no header and no names', async () => {
    const rows = readCsv(['1,2\n3,4\n'], { header: false, select: ['1'] });
    expect(await collect(rows)).toEqual([{ '1': '2' }, { '1': '4' }]);
    expect(rows.fileColumns).toEqual(['0', '1']);
  });

  it('a malformed header row is an error even with skipMalformed', async () => {
    const error = await csvError(['"a"b,c\n1,2\n'], { skipMalformed: true });
    expect(error.line).toBe(1);
  });

  it('uses another delimiter and quote', async () => {
    expect(await collect(readCsv(["a;b\n'x;y';'it''s'\n"], { delimiter: ';', quote: "'" }))).toEqual([{ a: 'x;y', b: "it's" }]);
  });

  it('keeps a quote inside an unquoted field and skips blank lines', async () => {
    expect(await collect(readCsv(['size,name\r\n\r\n5",TV\r\n\n']))).toEqual([{ size: '5"', name: 'TV' }]);
  });

  it('skips malformed rows only when asked, and counts them', async () => {
    const text = 'a,b\n1,2\n3\n"x"y,4\n5,6,7\n8,9';
    const error = await csvError([text]);
    expect(error.line).toBe(3);
    const skipped: SkippedRow[] = [];
    const rows = readCsv([text], { skipMalformed: true, onSkip: (s) => skipped.push(s) });
    expect(await collect(rows)).toEqual([
      { a: '1', b: '2' },
      { a: '8', b: '9' },
    ]);
    expect(skipped.map((s) => [s.reason, s.line])).toEqual([
      ['malformed', 3],
      ['malformed', 4],
      ['malformed', 5],
    ]);
    expect(rows.stats).toEqual({ rows: 2, malformed: 3, missing: 0 });
  });

  it('handles a field far longer than a chunk in linear time (many chunks, one row)', async () => {
    const long = 'x",'.repeat(200_000);
    const text = `a,b\n"${long.replace(/"/g, '""')}",2\n`;
    const chunks = cut(text, Array.from({ length: 2000 }, (_, i) => i * 503));
    const rows = await collect(readCsv(chunks));
    expect(rows).toEqual([{ a: long, b: '2' }]);
  });
});

describe('readCsv: bad input', () => {
  it('an unterminated quote names its line and column', async () => {
    const error = await csvError(['a,b\n1,2\n3,"open\nmore\n'], { sourceName: 'bad.csv' });
    expect(error.line).toBe(3);
    expect(error.column).toBe(3);
    expect(error.message).toBe('bad.csv, line 3, column 3: a quoted field is never closed; expected a closing quote');
  });

  it('an unterminated quote that would swallow the file stops at maxRowChars', async () => {
    const error = await csvError(['a,b\n1,"open\n', ...Array.from({ length: 50 }, () => 'x'.repeat(1000) + '\n')], { maxRowChars: 10_000 });
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/longer than 10000 characters/);
  });

  it('a row with the wrong number of fields names the line and the expected columns', async () => {
    const file = writeTmp('short.csv', 'product,review,score\r\nA,"good, ""really""",great\r\nB,bad\r\n');
    const error = await csvError(file);
    expect(error.source).toBe(file);
    expect(error.line).toBe(3);
    expect(error.message).toBe(`${file}, line 3: expected 3 fields (product, review, score), found 2`);
  });

  it('a character after a closing quote', async () => {
    const error = await csvError(['a,b\n"x" ,2\n']);
    expect(error.line).toBe(2);
    expect(error.column).toBe(4);
    expect(error.message).toMatch(/unexpected " " after a closing quote; expected "," or a line end/);
  });

  it('a missing column lists the columns that exist', async () => {
    const error = await csvError(TRAIN, { select: ['reviews.text'] });
    expect(error.line).toBe(1);
    expect(error.message).toBe(
      `${TRAIN}, line 1 (field "reviews.text"): no column "reviews.text" (asked for in \`select\`); the columns are "product", "review", "score"`,
    );
  });

  it('an unreadable file', async () => {
    const missing = path.join(tmp, 'nope.csv');
    const error = await csvError(missing);
    expect(error.source).toBe(missing);
    expect(error.line).toBeUndefined();
    expect(error.message).toMatch(/^.*nope\.csv: cannot open file \(ENOENT/);
    const dir = await csvError(tmp);
    expect(dir.message).toMatch(/cannot read file \(EISDIR/);
  });

  it('invalid UTF-8 names the line and column of the bad byte', async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('a,b\nok,é\nbad,x'), 0xff, ...new TextEncoder().encode('y\n')]);
    const file = writeTmp('latin.csv', bytes);
    const error = await csvError(file);
    expect(error.line).toBe(3);
    expect(error.column).toBe(6);
    expect(error.message).toBe(`${file}, line 3, column 6: invalid UTF-8 (bytes ff 79 0a); expected UTF-8 text`);
    // Same place when the bad byte arrives in a later chunk.
    const again = await csvError(file, { chunkSize: 5 });
    expect([again.line, again.column]).toEqual([3, 6]);
  });

  it('a second iteration of a one-shot ReadableStream is a clear error', async () => {
    const stream = new Blob(['a\n1\n']).stream();
    const rows = readCsv(stream);
    expect(await collect(rows)).toEqual([{ a: '1' }]);
    await expect(collect(rows)).rejects.toThrow(/<stream>: this input can be read only once.*pass a function/);
    // A function that makes the stream makes it re-iterable.
    const fresh = readCsv(() => new Blob(['a\n1\n']).stream());
    expect(await collect(fresh)).toEqual(await collect(fresh));
  });
});

describe('readCsv: abort', () => {
  function openFds(file: string): number {
    const dir = '/proc/self/fd';
    // The fd table holds real paths; the data folder may be reached through a symlink.
    const target = fs.realpathSync(file);
    let count = 0;
    for (const fd of fs.readdirSync(dir)) {
      try {
        if (fs.readlinkSync(path.join(dir, fd)) === target) count++;
      } catch {
        // fds come and go while we look
      }
    }
    return count;
  }

  it.runIf(fs.existsSync('/proc/self/fd'))('stops reading and closes the file when the signal aborts', async () => {
    const controller = new AbortController();
    const rows = readCsv(TRAIN, { signal: controller.signal, chunkSize: 4096 });
    let seen = 0;
    const reading = (async () => {
      for await (const _ of rows) {
        seen++;
        if (seen === 10) {
          expect(openFds(TRAIN)).toBe(1);
          controller.abort(new Error('stop here'));
        }
      }
    })();
    await expect(reading).rejects.toThrow('stop here');
    expect(seen).toBe(10);
    expect(openFds(TRAIN)).toBe(0);
  });

  it.runIf(fs.existsSync('/proc/self/fd'))('closes the file on abort even while the consumer is not pulling', async () => {
    const controller = new AbortController();
    const iterator = readCsv(TRAIN, { signal: controller.signal, chunkSize: 4096 })[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    expect(openFds(TRAIN)).toBe(1);
    controller.abort(new Error('stop now'));
    // Closing is asynchronous; wait for it turn by turn (no timer).
    while (openFds(TRAIN) > 0) await new Promise((resolve) => setImmediate(resolve));
    expect(openFds(TRAIN)).toBe(0);
    await expect(iterator.next()).rejects.toThrow('stop now');
  });

  it('an already-aborted signal reads nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(collect(readCsv(TRAIN, { signal: controller.signal }))).rejects.toMatchObject({ name: 'AbortError' });
  });
});
