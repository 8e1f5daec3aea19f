import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { automaticSeqLength, DataError, isValidationIndex, orderLabels, ratingClass, readLabelledCsv, rowRange, type Batch } from '../../src/pipeline';
import { writeKaggleFile } from '../fixtures/kaggle-reviews';

let dir: string;
let kaggleCsv: string;
let numericCsv: string;

/** Classes 2, 10 and 1 (numeric labels: 10 must sort after 2), texts of 1 + (i mod 20) words. */
function writeNumericFile(file: string, rows: number): void {
  const lines = ['class,text'];
  for (let i = 0; i < rows; i++) lines.push(`${[2, 10, 1][i % 3]},"${Array.from({ length: 1 + (i % 20) }, (_, k) => `w${(i + k) % 37}`).join(' ')}"`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

const rowsIn = (batches: Batch[]) => batches.reduce((n, b) => n + b.size, 0);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqflow-labelled-'));
  kaggleCsv = path.join(dir, '1429_1.csv');
  writeKaggleFile(kaggleCsv);
  numericCsv = path.join(dir, 'numeric.csv');
  writeNumericFile(numericCsv, 300);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('readLabelledCsv', () => {
  it('split by position: picks the columns, maps ratings, drops incomplete rows and counts them', async () => {
    const data = await readLabelledCsv(kaggleCsv, { textColumn: 'reviews.text', labelColumn: 'reviews.rating', split: { by: 'position', trainRows: 20 }, batchSize: 8, seqLength: 12 });
    expect(data.labelMapping).toBe('ratings');
    expect(data.labels).toEqual(['negative', 'neutral', 'positive']);
    expect(data.counts).toMatchObject({ rows: 30, dropped: 2, train: 20, validation: 5, test: 5 });
    // Ratings cycle 5,4,1,2,3,5,4: 4/7 positive, 2/7 negative, 1/7 neutral over the 30 rows.
    expect(data.counts.perClass).toEqual({ negative: 8, neutral: 4, positive: 18 });
    const train = await data.train.toArray();
    expect(train.map((b) => b.size)).toEqual([8, 8, 4]);
    expect(train[0].seqLength).toBe(12);
    const test = await data.test!.toArray();
    expect(rowsIn(test)).toBe(5);
    // Test rows are the last five complete rows, in file order: ratings 3,5,4,5,4 (rows 25..29).
    expect(Array.from(test[0].labels!)).toEqual([1, 2, 2, 2, 2]);
    expect(data.text).toMatchObject({ preprocess: 'notebook', tokenizer: 'basic_english', seqLength: 12, padToken: '<PAD>' });
  });

  it('split by hash: the rows the split operator would pick, numeric labels in numeric order, automatic length', async () => {
    const data = await readLabelledCsv(numericCsv, { textColumn: 'text', labelColumn: 'class', split: { by: 'hash', validation: 0.25, seed: 7 }, batchSize: 32 });
    expect(data.labelMapping).toBe('names');
    expect(data.labels).toEqual(['1', '2', '10']);
    let expectedValidation = 0;
    for (let i = 0; i < 300; i++) if (isValidationIndex(i, 0.25, 7)) expectedValidation += 1;
    expect(data.counts).toMatchObject({ rows: 300, dropped: 0, train: 300 - expectedValidation, validation: expectedValidation, test: 0 });
    expect(data.test).toBeUndefined();
    expect(rowsIn(await data.validation!.toArray())).toBe(expectedValidation);
    // Lengths 1..20 evenly: the 95th percentile is 20 words → 24 (a multiple of 8).
    expect(data.text.seqLength).toBe(24);
    // The training part reshuffles each epoch; the same rows come back.
    const epoch1 = await data.train.toArray();
    const epoch2 = await data.train.toArray();
    expect(rowsIn(epoch1)).toBe(data.counts.train);
    expect(Array.from(epoch1[0].ids)).not.toEqual(Array.from(epoch2[0].ids));
    const classCounts = (bs: Batch[]) => bs.flatMap((b) => Array.from(b.labels!)).reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<number, number>());
    expect(classCounts(epoch2)).toEqual(classCounts(epoch1));
    expect(await readLabelledCsv(numericCsv, { split: { by: 'hash', validation: 0 } }).then((d) => [d.validation, d.counts.train])).toEqual([undefined, 300]);
  });

  it('errors name the file and say what is wrong', async () => {
    await expect(readLabelledCsv(kaggleCsv, { textColumn: 'text' })).rejects.toThrow(`${kaggleCsv}, line 1: no text column "text"; the file has: id, name, asins, reviews.rating, reviews.text, reviews.title`);
    const noText = path.join(dir, 'no-text.csv');
    fs.writeFileSync(noText, 'body,label\na,x\nb,y\nc,x\n');
    await expect(readLabelledCsv(noText)).rejects.toThrow(`${noText}, line 1: no text column found (looked for review, text, reviews.text); the file has: body, label. Pass its name.`);
    const one = path.join(dir, 'one-class.csv');
    fs.writeFileSync(one, 'text,label\na,x\nb,x\nc,x\n');
    const err = await readLabelledCsv(one).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toBe(`${one}: column "label" has only the value "x"; a classifier needs two classes or more`);
    const badRating = path.join(dir, 'bad-rating.csv');
    fs.writeFileSync(badRating, 'text,rating\ngood,5\nbad,1\nhmm,five\n');
    await expect(readLabelledCsv(badRating)).rejects.toThrow(`${badRating}: row 3, column "rating": "five" is not a numeric rating`);
    await expect(readLabelledCsv(numericCsv, { split: { by: 'hash', validation: 1 } })).rejects.toThrow(`${numericCsv}: the training part is empty: every row went to validation`);
    await expect(readLabelledCsv(numericCsv, { split: { by: 'position', trainRows: 300 } })).rejects.toThrow(/split\.trainRows must be an integer in \[1, 299\]/);
  });

  it('stops when its signal aborts', async () => {
    const controller = new AbortController();
    const data = await readLabelledCsv(numericCsv, { signal: controller.signal });
    controller.abort();
    await expect(data.train.toArray()).rejects.toThrow(/abort/i);
  });
});

describe('the pieces', () => {
  it('ratingClass maps <=2 to 0, 3 to 1, >=4 to 2, and names the row of a bad rating', () => {
    expect(['1', '2', '2.0', '3', '3.0', '4', '5.0'].map((r) => ratingClass(r, 0, 'reviews.rating'))).toEqual([0, 0, 0, 1, 1, 2, 2]);
    expect(() => ratingClass('five', 6, 'reviews.rating')).toThrow(/row 7, column "reviews\.rating": "five" is not a numeric rating/);
  });

  it('orderLabels sorts numbers by value and anything else as strings; automaticSeqLength', () => {
    expect(orderLabels(['10', '2', '1', '2'])).toEqual(['1', '2', '10']);
    expect(orderLabels(['other', 'great', '3'])).toEqual(['3', 'great', 'other']);
    expect(automaticSeqLength([])).toBe(100);
    expect(automaticSeqLength([1, 2, 3])).toBe(8);
    expect(automaticSeqLength(Array.from({ length: 100 }, (_, i) => i * 10))).toBe(200);
  });

  it('rowRange keeps items by position and stops reading at the end of its range', async () => {
    let read = 0;
    async function* source() {
      for (let i = 0; i < 100; i++) {
        read++;
        yield i;
      }
    }
    const out: number[] = [];
    for await (const x of rowRange<number>(2, 5)(source())) out.push(x);
    expect(out).toEqual([2, 3, 4]);
    expect(read).toBeLessThanOrEqual(6);
  });
});
