import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normalizeText, pipe, preprocess } from '../../src/pipeline';
import { loadCases } from './torchtext-cases';

describe('preprocess', () => {
  for (const c of loadCases()) {
    it(`matches the notebook's normalisation on ${c.file}`, async () => {
      const out = await pipe(c.samples.map((s) => s.text), preprocess()).toArray();
      expect(out).toEqual(c.samples.map((s) => s.preprocessed));
    });
  }

  it('strips, lower-cases, keeps letters and . , ! ? and collapses the rest to single spaces', () => {
    expect(normalizeText('  Hello,   WORLD!!  It\'s 42°C...\t\n')).toBe("hello, world!! it s c...");
    expect(normalizeText('\u00a0\ufeff')).toBe('');
    expect(normalizeText('Ünïcode')).toBe('n code');
  });

  it('gives the same result on its ASCII fast path as the plain regular-expression rules (property)', () => {
    const byRules = (t: string) => t.trim().toLowerCase().replace(/[^a-zA-Z.,!?]+/g, ' ').replace(/\s{2,}/g, ' ').trim();
    const chars = fc.constantFrom(...'aZ.,!?;:\'"- \t\n\r09'.split(''), '\u212A', '\u0130', 'é', '\u00a0');
    fc.assert(fc.property(fc.array(chars, { maxLength: 40 }), (cs) => {
      const t = cs.join('');
      expect(normalizeText(t)).toBe(byRules(t));
    }), { numRuns: 2000 });
    expect(normalizeText('\u212Aelvin')).toBe('kelvin');
  });

  it('maps a field of records, keeping the other fields, or applies a custom function', async () => {
    const out = await pipe([{ text: ' A-B ', label: 0, extra: 'x' }], preprocess({ key: 'text' })).toArray();
    expect(out).toEqual([{ text: 'a b', label: 0, extra: 'x' }]);
    expect(await pipe(['ab'], preprocess((s) => s + '!')).toArray()).toEqual(['ab!']);
    const custom = await pipe([{ t: 'x' }], preprocess((s) => s.repeat(2), { key: 't' })).toArray();
    expect(custom).toEqual([{ t: 'xx' }]);
  });

  it('raises a clear error for a record missing the field or a non-string', async () => {
    await expect(pipe([{ review: 'x' }] as any[], preprocess({ key: 'text' } as any)).toArray()).rejects.toThrow(
      "preprocess: record 0 has no field 'text' (its fields: review)",
    );
    await expect(pipe([null] as any[], preprocess()).toArray()).rejects.toThrow('preprocess: item 0 is null, expected a string');
  });

  it('stops its source when an item is rejected, and ends after the error', async () => {
    let closed = false;
    async function* rows() {
      try {
        yield 'fine';
        yield 42 as unknown as string;
        yield 'never read';
      } finally {
        closed = true;
      }
    }
    const it = preprocess()(rows())[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ done: false, value: 'fine' });
    await expect(it.next()).rejects.toThrow('preprocess: item 1 is number 42, expected a string');
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(true);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });
});

describe('normalizeText on long texts', () => {
  it('handles texts longer than its shared buffer', () => {
    const long = 'Ab, '.repeat(300_000);
    expect(normalizeText(long)).toBe('ab, '.repeat(300_000).trim());
  });
});
