import { describe, expect, it } from 'vitest';
import { filter, map } from 'ix/asynciterable/operators';
import { basicEnglish, pipe, preprocess, tokenize, whitespaceTokens } from '../../src/pipeline';
import { loadCases } from './torchtext-cases';

const cases = loadCases();

describe('basic_english parity with torchtext 0.14', () => {
  for (const c of cases) {
    it(`${c.file}: raw text (${c.basic_english_raw.length} rows)`, () => {
      expect(c.basic_english_raw.length).toBeGreaterThan(0);
      for (const { text, basic_english } of c.basic_english_raw) expect(basicEnglish(text)).toEqual(basic_english);
    });
    it(`${c.file}: preprocessed samples (${c.samples.length} rows)`, async () => {
      const tokens = await pipe(c.samples.map((s) => s.text), preprocess(), tokenize('basic_english')).toArray();
      expect(tokens).toEqual(c.samples.map((s) => s.tokens));
    });
  }
});

describe('basic_english rules', () => {
  it('applies every torchtext rule', () => {
    expect(basicEnglish(`Don't "quote" (a,b)! x? y;z:w<br />v`)).toEqual(
      ['don', "'", 't', 'quote', '(', 'a', ',', 'b', ')', '!', 'x', '?', 'y', 'z', 'w', 'v'],
    );
  });
  it('blanks a <br /> that appears only once quotes are dropped, as torchtext rule order does', () => {
    expect(basicEnglish('a<br "/>b')).toEqual(['a', 'b']);
    expect(basicEnglish('A<BR />b')).toEqual(['a', 'b']);
    expect(basicEnglish('a<br/>b')).toEqual(['a<br/>b']);
  });
  it("splits on Python's whitespace, not JavaScript's", () => {
    expect(basicEnglish('a\x1cb\x85c\u3000d')).toEqual(['a', 'b', 'c', 'd']);
    expect(basicEnglish('a\ufeffb')).toEqual(['a\ufeffb']);
    expect(basicEnglish('   ')).toEqual([]);
    expect(whitespaceTokens(' a\tb\n\nc ')).toEqual(['a', 'b', 'c']);
  });
});

describe('tokenize operator', () => {
  it('tokenizes strings with a named or custom tokenizer', async () => {
    expect(await pipe(['A b.', 'c'], tokenize()).toArray()).toEqual([['a', 'b', '.'], ['c']]);
    expect(await pipe(['A b.'], tokenize('whitespace')).toArray()).toEqual([['A', 'b.']]);
    expect(await pipe(['a-b'], tokenize((s) => s.split('-'))).toArray()).toEqual([['a', 'b']]);
  });

  it('tokenizes a field of records and keeps the other fields', async () => {
    const out = await pipe([{ text: 'Hi there!', label: 1 }], tokenize('basic_english', { key: 'text' })).toArray();
    expect(out).toEqual([{ text: ['hi', 'there', '!'], label: 1 }]);
  });

  it('mixes IxJS operators and user functions in one pipe', async () => {
    async function* upper(src: AsyncIterable<string[]>) {
      for await (const t of src) yield t.map((w) => w.toUpperCase());
    }
    const ds = pipe(
      ['one two', '', 'three'],
      filter((s: string) => s.length > 0),
      tokenize('whitespace'),
      upper,
      map((t: string[]) => t.join('|')),
    );
    expect(await ds.toArray()).toEqual(['ONE|TWO', 'THREE']);
    expect(await ds.toArray()).toEqual(['ONE|TWO', 'THREE']);
  });

  it('names the missing field, the bad value and the unknown tokenizer', async () => {
    await expect(pipe([{ text: 'a' }, { body: 'b' }] as any[], tokenize('basic_english', { key: 'text' })).toArray()).rejects.toThrow(
      "tokenize: record 1 has no field 'text' (its fields: body)",
    );
    await expect(pipe([{ text: 3 }] as any[], tokenize('basic_english', { key: 'text' })).toArray()).rejects.toThrow(
      "tokenize: record 0 field 'text' is number 3, expected a string",
    );
    await expect(pipe([{ text: 'a' }] as any[], tokenize()).toArray()).rejects.toThrow(/pass \{ key: 'fieldName' \}/);
    expect(() => tokenize('spacy' as any)).toThrow(/unknown tokenizer "spacy"/);
  });
});
