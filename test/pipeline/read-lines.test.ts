import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/pipeline/errors';
import { readLines } from '../../src/pipeline/read-lines';

const AUSTEN = path.resolve(__dirname, '../../../shared/data/austen/austen.txt');

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

describe('readLines', () => {
  it('splits on LF and CRLF, drops a BOM, keeps a last line without a line end', async () => {
    expect(await collect(readLines(['\uFEFFone\r\ntwo\n\nthr', 'ee\r', '\nfour']))).toEqual(['one', 'two', '', 'three', 'four']);
    expect(await collect(readLines(['a\n']))).toEqual(['a']);
    expect(await collect(readLines(['a\r']))).toEqual(['a']);
    expect(await collect(readLines([]))).toEqual([]);
  });

  it('skipEmpty leaves out blank lines', async () => {
    expect(await collect(readLines(['a\n \n\t\r\nb\n'], { skipEmpty: true }))).toEqual(['a', 'b']);
  });

  it('gives the same lines as a split of the whole text, wherever the chunks are cut (property)', async () => {
    const text = fc.array(fc.constantFrom('a', ' ', '\n', '\r\n', 'é', '😀'), { maxLength: 30 }).map((p) => p.join(''));
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.nat(), { maxLength: 6 }), async (t, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (t.length + 1)))].sort((a, b) => a - b);
        const pieces = [...points, t.length].map((p, i, all) => t.slice(i === 0 ? 0 : all[i - 1], p));
        const expected = t.split(/\r?\n/);
        if (expected[expected.length - 1] === '') expected.pop();
        expect(await collect(readLines(pieces))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('reads austen.txt, and again', async () => {
    const lines = readLines(AUSTEN);
    const all = await collect(lines);
    expect(all.slice(0, 3)).toEqual(['SENSE AND SENSIBILITY', '', 'by Jane Austen']);
    expect(all.some((l) => l.includes('\r'))).toBe(false);
    expect((await collect(lines)).length).toBe(all.length);
    expect(all.length).toBeGreaterThan(70_000);
  });

  it('invalid UTF-8 names the line', async () => {
    const err = await collect(readLines([new TextEncoder().encode('ok\nstill ok\n'), Uint8Array.of(0x41, 0xc3, 0x28)], { sourceName: 'notes.txt' })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toBe('notes.txt, line 3, column 2: invalid UTF-8 (bytes c3 28); expected UTF-8 text');
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    let n = 0;
    const reading = (async () => {
      for await (const _ of readLines(AUSTEN, { signal: controller.signal })) if (++n === 5) controller.abort(new Error('halt'));
    })();
    await expect(reading).rejects.toThrow('halt');
    expect(n).toBe(5);
  });
});
