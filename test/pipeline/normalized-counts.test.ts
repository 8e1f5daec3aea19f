import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { basicEnglish, buildVocab, countTokens, normalizeText, pipe, preprocess, tokenize, TokenCounter } from '../../src/pipeline';
import { normalizedBasicEnglishCounts } from '../../src/pipeline/normalized-counts';

const chars = fc.constantFrom(
  ...'aAbBcCzZkK.,!?;:\'"()<>/- \t\n09'.split(''),
  '<br />',
  '\u212A', // KELVIN SIGN: lower-cases to ASCII k
  'é',
  'ab',
  'Ba',
  'abcdefghijklmnopq',
  'ABCDEFGHIJKLMNOPQ',
);
const texts = fc.array(fc.array(chars, { maxLength: 30 }).map((cs) => cs.join('')), { maxLength: 12 });

/** What `countTokens` gives on the separate steps. */
function separately(rows: string[]): TokenCounter {
  const counter = new TokenCounter();
  for (const text of rows) counter.add(basicEnglish(normalizeText(text)));
  return counter;
}

describe('normalizedBasicEnglishCounts (preprocess + basic_english + counting in one pass)', () => {
  it('counts what counter.add(basicEnglish(normalizeText(text))) counts, in the same first-seen order (property)', () => {
    fc.assert(
      fc.property(texts, (rows) => {
        const counter = new TokenCounter();
        const count = normalizedBasicEnglishCounts(counter);
        for (const text of rows) count(text);
        const expected = separately(rows);
        expect([...counter.entries()]).toEqual([...expected.entries()]);
        expect(counter.total).toBe(expected.total);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps counting right while its table grows past thousands of distinct words', () => {
    const words: string[] = [];
    for (let a = 97; a <= 122; a++) for (let b = 97; b <= 122; b++) for (const c of 'wxyz') words.push(String.fromCharCode(a, b) + c);
    const rows = [words.join(' '), words.map((w) => w.toUpperCase()).join(', '), words.slice(0, 100).join('! ')];
    const counter = new TokenCounter();
    const count = normalizedBasicEnglishCounts(counter);
    for (const text of rows) count(text);
    expect([...counter.entries()]).toEqual([...separately(rows).entries()]);
    expect(counter.get('abx')).toBe(3);
    expect(counter.get('zzz')).toBe(2);
  });
});

describe('countTokens / buildVocab right after the default preprocess and basic_english (fused stages)', () => {
  const rows = [
    { text: 'Great TEA!! <br />Would buy again? Yes, again.', score: 5 },
    { text: '  Ünïcode… “quotes” & (parens); fine?', score: 1 },
    { text: 'tea, tea, TEA.', score: 3 },
  ];

  it('counts what the separate stages count, on a pipe of records and of strings', async () => {
    const fused = await countTokens(pipe(rows, preprocess({ key: 'text' }), tokenize('basic_english', { key: 'text' })), { key: 'text' });
    const expected = separately(rows.map((r) => r.text));
    expect([...fused.entries()]).toEqual([...expected.entries()]);
    expect(fused.total).toBe(expected.total);
    const strings = await countTokens(pipe(rows.map((r) => r.text), preprocess(), tokenize()));
    expect([...strings.entries()]).toEqual([...expected.entries()]);
    const vocab = await buildVocab(pipe(rows, preprocess({ key: 'text' }), tokenize('basic_english', { key: 'text' })), {
      key: 'text',
      specials: ['<unk>'],
      defaultToken: '<unk>',
    });
    // A custom tokenizer function is never fused.
    const reference = await buildVocab(pipe(rows, preprocess({ key: 'text' }), tokenize((s) => basicEnglish(s), { key: 'text' })), {
      key: 'text',
      specials: ['<unk>'],
      defaultToken: '<unk>',
    });
    expect(vocab.tokens).toEqual(reference.tokens);
    expect(vocab.tokens.slice(0, 3)).toEqual(['<unk>', 'tea', ',']);
  });

  it("raises preprocess's errors for bad input, and reads the dataset again each call", async () => {
    await expect(countTokens(pipe([{ text: 'a' }, { txt: 'b' }] as any[], preprocess({ key: 'text' }), tokenize('basic_english', { key: 'text' })), { key: 'text' })).rejects.toThrow(
      "preprocess: record 1 has no field 'text' (its fields: txt)",
    );
    const dataset = pipe(['a b', 'b'], preprocess(), tokenize());
    expect((await countTokens(dataset)).get('b')).toBe(2);
    expect((await countTokens(dataset)).get('b')).toBe(2);
    expect(dataset.epoch).toBe(2);
  });

  it("honours countTokens' abort signal", async () => {
    const controller = new AbortController();
    async function* slow() {
      yield 'a';
      controller.abort();
      yield 'b';
    }
    await expect(countTokens(pipe(() => slow(), preprocess(), tokenize()), { signal: controller.signal })).rejects.toThrow(/abort/i);
  });
});
