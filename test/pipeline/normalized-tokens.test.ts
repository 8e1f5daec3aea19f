import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { basicEnglish, normalizeText, pipe, preprocess, tokenize } from '../../src/pipeline';
import { normalizedBasicEnglish } from '../../src/pipeline/normalized-tokens';
import { loadCases } from './torchtext-cases';

/** The two steps, run separately: what the one-pass version must equal. */
const twoSteps = (text: string): string[] => basicEnglish(normalizeText(text));

describe('normalizedBasicEnglish (preprocess + basic_english in one pass)', () => {
  it('equals basicEnglish(normalizeText(text)) on any mix of letters, punctuation, spaces and non-ASCII (property)', () => {
    const chars = fc.constantFrom(
      ...'aAbBzZkK.,!?;:\'"()<>/- \t\n\r09'.split(''),
      '<br />',
      '<br "/>',
      '\u212A', // KELVIN SIGN: lower-cases to ASCII k
      '\u0130',
      'é',
      '\u00a0',
      '\ud83d\ude00',
      'abcdefghijklmnopq', // longer than 13: V8 shares a slice's characters from there on
      'ABCDEFGHIJKLMNOPQ',
    );
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 50 }), (cs) => {
        const text = cs.join('');
        expect(normalizedBasicEnglish(text)).toEqual(twoSteps(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('equals the two steps on printable ASCII strings (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 80 }), (text) => {
        expect(normalizedBasicEnglish(text)).toEqual(twoSteps(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('equals the two steps on the torchtext reference samples', () => {
    for (const c of loadCases()) {
      for (const s of c.samples) expect(normalizedBasicEnglish(s.text)).toEqual(s.tokens);
    }
  });

  it('returns the right token when a cached token of the same length and slot differs (cache never confuses tokens)', () => {
    // Every two-letter word and its upper-case form, twice: fills cache slots and then hits them.
    const words: string[] = [];
    for (let a = 97; a <= 122; a++) for (let b = 97; b <= 122; b++) words.push(String.fromCharCode(a, b));
    const text = words.join(' ');
    for (let round = 0; round < 2; round++) {
      expect(normalizedBasicEnglish(text)).toEqual(words);
      expect(normalizedBasicEnglish(text.toUpperCase())).toEqual(words);
    }
    expect(normalizedBasicEnglish('Hello, WORLD!! it\'s 42°C...')).toEqual(twoSteps('Hello, WORLD!! it\'s 42°C...'));
    expect(normalizedBasicEnglish('')).toEqual([]);
    expect(normalizedBasicEnglish(' \t ')).toEqual([]);
  });
});

describe('normalizedBasicEnglish on texts longer than its shared buffer', () => {
  it('gives the same tokens for a text of over a million characters, and for short texts after it', () => {
    const long = 'Tea, GREAT tea! '.repeat(70000);
    const tokens = normalizedBasicEnglish(long);
    expect(tokens.length).toBe(5 * 70000);
    expect(tokens).toEqual(twoSteps(long));
    expect(normalizedBasicEnglish('Yes. Again?')).toEqual(['yes', '.', 'again', '?']);
  });
});

describe('tokenize after the default preprocess (fused stages)', () => {
  const records = [
    { text: 'Great TEA!! <br />Would buy again? Yes.', score: 5 },
    { text: '  Ünïcode… “quotes” & (parens); fine?', score: 1 },
    { text: '', score: 3 },
  ];
  const separate = (text: string) => basicEnglish(normalizeText(text));

  it('yields what the two operators yield one after the other, on records and on strings', async () => {
    const fused = await pipe(records, preprocess({ key: 'text' }), tokenize('basic_english', { key: 'text' })).toArray();
    expect(fused).toEqual(records.map((r) => ({ text: separate(r.text), score: r.score })));
    // The input records are not modified.
    expect(records[0].text).toBe('Great TEA!! <br />Would buy again? Yes.');
    const strings = await pipe(records.map((r) => r.text), preprocess(), tokenize()).toArray();
    expect(strings).toEqual(records.map((r) => separate(r.text)));
  });

  it('keeps the separate stages when they do not compose (custom normaliser, other field)', async () => {
    const upper = await pipe(['a B'], preprocess((s) => s.toUpperCase()), tokenize('basic_english')).toArray();
    expect(upper).toEqual([['a', 'b']]);
    const other = await pipe(
      [{ a: 'X.Y', b: 'P!Q' }],
      preprocess({ key: 'a' }),
      tokenize('basic_english', { key: 'b' }),
    ).toArray();
    expect(other).toEqual([{ a: 'x.y', b: ['p', '!', 'q'] }]);
  });

  it("raises preprocess's errors for bad input, as the separate stages do", async () => {
    await expect(pipe([{ review: 'x' }] as any[], preprocess({ key: 'text' } as any), tokenize('basic_english', { key: 'text' } as any)).toArray()).rejects.toThrow(
      "preprocess: record 0 has no field 'text' (its fields: review)",
    );
    await expect(pipe(['ok', 7] as any[], preprocess(), tokenize()).toArray()).rejects.toThrow('preprocess: item 1 is number 7, expected a string');
  });

  it("honours both operators' abort signals", async () => {
    for (const which of ['preprocess', 'tokenize'] as const) {
      const controller = new AbortController();
      const signal = controller.signal;
      const stream = pipe(
        ['a', 'b', 'c'],
        preprocess(which === 'preprocess' ? { signal } : {}),
        tokenize('basic_english', which === 'tokenize' ? { signal } : {}),
      );
      const seen: string[][] = [];
      await expect(
        (async () => {
          for await (const tokens of stream) {
            seen.push(tokens);
            controller.abort();
          }
        })(),
      ).rejects.toThrow(/abort/i);
      expect(seen).toEqual([['a']]);
    }
  });
});
