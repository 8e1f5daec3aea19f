import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildVocab, encode, pad, padIds, pipe, preprocess, tokenize } from '../../src/pipeline';
import { caseTexts, loadCases, paddingOf, vocabOptions } from './torchtext-cases';

describe('padded ids parity with torchtext 0.14 (truncate or right-pad with the padding special)', () => {
  for (const c of loadCases()) {
    it(`${c.file}: ${c.samples.length} samples`, async () => {
      const vocab = await buildVocab(pipe(caseTexts(c), preprocess(), tokenize()), vocabOptions(c));
      const padding = paddingOf(c);
      const padId = vocab.tokenToId(padding.token);
      const examples = await pipe(
        c.samples.map((s, i) => ({ text: s.text, label: i % 3 })),
        preprocess({ key: 'text' }),
        tokenize('basic_english', { key: 'text' }),
        encode(vocab, { key: 'text' }),
        pad({ key: 'text', length: padding.length, value: padId }),
      ).toArray();
      examples.forEach((ex, i) => {
        expect(Array.from(ex.ids)).toEqual(c.samples[i][padding.field]);
        expect(ex.length).toBe(Math.min(padding.length, c.samples[i].tokens.length));
        expect(ex.label).toBe(i % 3);
      });
    });
  }
});

describe('pad', () => {
  const ids = Int32Array.from([1, 2, 3, 4]);
  it('pads and truncates on either side', () => {
    expect(Array.from(padIds(ids, 6, 'post', 'post', 9).ids)).toEqual([1, 2, 3, 4, 9, 9]);
    expect(Array.from(padIds(ids, 6, 'pre', 'post', 9).ids)).toEqual([9, 9, 1, 2, 3, 4]);
    expect(padIds(ids, 2, 'post', 'post', 0)).toEqual({ ids: Int32Array.from([1, 2]), length: 2 });
    expect(padIds([1, 2, 3, 4], 2, 'post', 'pre', 0)).toEqual({ ids: Int32Array.from([3, 4]), length: 2 });
    expect(padIds(ids, undefined, 'post', 'post', 0)).toEqual({ ids, length: 4 });
  });

  it('keeps the true length and the padded length (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 1000 }), { maxLength: 30 }),
        fc.integer({ min: 0, max: 40 }),
        fc.constantFrom('post' as const, 'pre' as const),
        fc.constantFrom('post' as const, 'pre' as const),
        fc.integer({ min: -1, max: 3 }),
        (row, length, side, truncate, value) => {
          const { ids: out, length: kept } = padIds(Int32Array.from(row), length, side, truncate, value);
          expect(out.length).toBe(length);
          expect(kept).toBe(Math.min(row.length, length));
          const real = side === 'post' ? out.subarray(0, kept) : out.subarray(length - kept);
          const padding = side === 'post' ? out.subarray(kept) : out.subarray(0, length - kept);
          const expected = truncate === 'post' ? row.slice(0, kept) : row.slice(row.length - kept);
          expect(Array.from(real)).toEqual(expected);
          expect(Array.from(padding).every((v) => v === value)).toBe(true);
          expect(Array.from(padIds(row, length, side, truncate, value).ids)).toEqual(Array.from(out));
        },
      ),
    );
  });

  it('makes Examples from records, taking the label and keeping other fields', async () => {
    const [ex] = await pipe([{ ids: [5, 6], score: 1, id: 'p1' }], pad({ key: 'ids', length: 3, labelKey: 'score' })).toArray();
    expect(Array.from(ex.ids)).toEqual([5, 6, 0]);
    expect(ex.length).toBe(2);
    expect(ex.label).toBe(1);
    expect(ex.id).toBe('p1');
    expect('score' in ex).toBe(false);
  });

  it('raises clear errors', async () => {
    await expect(pipe([{ text: ['a'] }] as any[], pad({ key: 'text', length: 3 })).toArray()).rejects.toThrow(
      /pad: record 0 field 'text' is an array of 1, expected ids/,
    );
    await expect(pipe([{ ids: [1], label: 'great' }], pad({ key: 'ids', length: 3 })).toArray()).rejects.toThrow(
      `pad: record 0 field 'label' is the string "great", expected an integer class index (map class names with encodeLabels)`,
    );
    await expect(pipe([{ ids: [1] }] as any[], pad({ key: 'tokens' })).toArray()).rejects.toThrow("pad: record 0 has no field 'tokens' (its fields: ids)");
    expect(() => pad({ length: -1 })).toThrow('pad: length must be a non-negative integer, got -1');
    expect(() => pad({ side: 'left' as any })).toThrow(`pad: side must be 'post' or 'pre', got "left"`);
  });
});
