import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { basicEnglish, encode, normalizeText, pipe, preprocess, tokenize, Vocab } from '../../src/pipeline';
import { normalizedBasicEnglishIds } from '../../src/pipeline/normalized-ids';

const chars = fc.constantFrom(
  ...'aAbBcCzZkK.,!?;:\'"()<>/- \t\n09'.split(''),
  '<br />',
  '\u212A', // KELVIN SIGN: lower-cases to ASCII k
  'é',
  'ab',
  'abc',
  'Ba',
  'abcdefghijklmnopq',
);

/** A vocabulary of some short letter words, some punctuation, and tokens no letter run can be. */
const vocabs = fc
  .record({
    words: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'k', 'z', 'ab', 'ba', 'abc', 'bb', 'kelvin', 'abcdefghijklmnopq'), { maxLength: 11 }),
    marks: fc.uniqueArray(fc.constantFrom('.', ',', '!', '?', "'", '(', 'é', '<br', 'A', 'a b'), { maxLength: 10 }),
    withDefault: fc.boolean(),
  })
  .map(({ words, marks, withDefault }) => {
    const tokens = ['<unk>', ...words, ...marks];
    return new Vocab(tokens, withDefault ? 0 : undefined);
  });

/** The ids, or the error message, of the separate steps. */
function separately(vocab: Vocab, text: string): number[] | string {
  try {
    return Array.from(vocab.lookupIds(basicEnglish(normalizeText(text))));
  } catch (err) {
    return (err as Error).message;
  }
}

function fused(vocab: Vocab, text: string): number[] | string {
  try {
    return Array.from(normalizedBasicEnglishIds(vocab)(text));
  } catch (err) {
    return (err as Error).message;
  }
}

describe('normalizedBasicEnglishIds (preprocess + basic_english + vocabulary lookup in one pass)', () => {
  it('equals vocab.lookupIds(basicEnglish(normalizeText(text))), ids and errors alike (property)', () => {
    fc.assert(
      fc.property(vocabs, fc.array(chars, { maxLength: 40 }), (vocab, cs) => {
        const text = cs.join('');
        expect(fused(vocab, text)).toEqual(separately(vocab, text));
      }),
      { numRuns: 3000 },
    );
  });

  it('maps unknown words to the default index and names an unknown token without one', () => {
    const vocab = new Vocab(['<unk>', 'great', 'tea', '!'], 0);
    expect(Array.from(normalizedBasicEnglishIds(vocab)('Great TEA, greatly!!'))).toEqual([1, 2, 0, 0, 3, 3]);
    expect(() => normalizedBasicEnglishIds(new Vocab(['tea']))('tea Cup')).toThrow('Vocab: token "cup" is not in the vocabulary');
    expect(() => normalizedBasicEnglishIds(new Vocab(['tea']))('tea?')).toThrow('Vocab: token "?" is not in the vocabulary');
  });

  it('encodes a text longer than its shared buffers', () => {
    const vocab = new Vocab(['<unk>', 'tea', '!', ','], 0);
    const ids = normalizedBasicEnglishIds(vocab)('Tea, GREAT tea! '.repeat(70000));
    expect(ids.length).toBe(5 * 70000);
    expect(Array.from(ids.subarray(0, 10))).toEqual([1, 3, 0, 1, 2, 1, 3, 0, 1, 2]);
    expect(Array.from(normalizedBasicEnglishIds(vocab)('tea!'))).toEqual([1, 2]);
  });
});

describe('encode after the default preprocess and basic_english (fused stages)', () => {
  const records = [
    { text: 'Great TEA!! <br />Would buy again? Yes, again.', score: 5 },
    { text: '  Ünïcode… “quotes” & (parens); fine?', score: 1 },
    { text: '', score: 3 },
  ];
  const vocab = new Vocab(['<unk>', '<pad>', 'great', 'tea', '!', 'again', '?', '.', 'fine', 'n', 'code', 'parens'], 0);

  it('yields what the three operators yield one after the other', async () => {
    const out = await pipe(records, preprocess({ key: 'text' }), tokenize('basic_english', { key: 'text' }), encode(vocab, { key: 'text' })).toArray();
    // A custom tokenizer function is never fused: the stages run one by one.
    const reference = await pipe(
      records,
      preprocess({ key: 'text' }),
      tokenize((s) => basicEnglish(s), { key: 'text' }),
      encode(vocab, { key: 'text' }),
    ).toArray();
    expect(out.map((r) => ({ ...r, text: Array.from(r.text) }))).toEqual(reference.map((r) => ({ ...r, text: Array.from(r.text) })));
    expect(out[0].text).toBeInstanceOf(Int32Array);
    // great tea ! ! br would buy again ? yes , again . (normalisation leaves the "br" of <br />)
    expect(Array.from(out[0].text)).toEqual([2, 3, 4, 4, 0, 0, 0, 5, 6, 0, 0, 5, 7]);
    const strings = await pipe(records.map((r) => r.text), preprocess(), tokenize(), encode(vocab)).toArray();
    expect(strings.map((ids) => Array.from(ids))).toEqual(reference.map((r) => Array.from(r.text)));
  });

  it("raises preprocess's errors for bad input and Vocab's for an unknown token", async () => {
    await expect(pipe(['ok', 7] as any[], preprocess(), tokenize(), encode(vocab)).toArray()).rejects.toThrow('preprocess: item 1 is number 7, expected a string');
    await expect(pipe(['tea cup'], preprocess(), tokenize(), encode(new Vocab(['tea']))).toArray()).rejects.toThrow('token "cup" is not in the vocabulary');
  });

  it("honours encode's abort signal", async () => {
    const controller = new AbortController();
    const stream = pipe(['tea', 'tea', 'tea'], preprocess(), tokenize(), encode(vocab, { signal: controller.signal }));
    let seen = 0;
    await expect(
      (async () => {
        for await (const _ of stream) {
          seen++;
          controller.abort();
        }
      })(),
    ).rejects.toThrow(/abort/i);
    expect(seen).toBe(1);
  });
});
