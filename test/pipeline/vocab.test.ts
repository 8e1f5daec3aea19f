import { describe, expect, it } from 'vitest';
import { buildVocab, compareCodePoints, countTokens, pipe, preprocess, tokenize, TokenCounter, Vocab } from '../../src/pipeline';
import { caseTexts, loadCases, vocabOptions } from './torchtext-cases';

describe('buildVocab parity with torchtext 0.14 build_vocab_from_iterator', () => {
  for (const c of loadCases()) {
    it(`${c.file}: the whole itos (${c.itos.length} tokens) in id order`, async () => {
      const tokens = pipe(caseTexts(c), preprocess(), tokenize('basic_english'));
      const vocab = await buildVocab(tokens, vocabOptions(c));
      expect(vocab.size).toBe(c.itos.length);
      expect(vocab.tokens).toEqual(c.itos);
    });
  }
});

describe('vocabulary rules', () => {
  const corpus = [['b', 'a', 'c', 'a'], ['c', 'd', 'a', 'e', 'b']];

  it('orders by frequency descending, ties by token; maxTokens counts the specials', async () => {
    // counts: a3 b2 c2 d1 e1
    expect((await buildVocab(corpus)).tokens).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect((await buildVocab(corpus, { specials: ['<unk>'], maxTokens: 3 })).tokens).toEqual(['<unk>', 'a', 'b']);
    expect((await buildVocab(corpus, { specials: ['<unk>', '<pad>'], specialFirst: false })).tokens).toEqual(['a', 'b', 'c', 'd', 'e', '<unk>', '<pad>']);
    expect((await buildVocab(corpus, { minFreq: 2 })).tokens).toEqual(['a', 'b', 'c']);
  });

  it('like torchtext, truncates before removing a special that occurs in the text', async () => {
    // sorted: a3 <unk>2 b2 ...; max 3 - 1 special keeps [a, <unk>], then <unk> is removed.
    const v = await buildVocab([['a', 'a', 'a', '<unk>', '<unk>', 'b', 'b']], { specials: ['<unk>'], maxTokens: 3 });
    expect(v.tokens).toEqual(['<unk>', 'a']);
  });

  it('sorts ties in code point order, as Python does', async () => {
    const astral = '\u{1F600}';
    const high = '\uFF01';
    expect(compareCodePoints(astral, high)).toBeGreaterThan(0);
    expect(astral < high).toBe(true); // JavaScript's own order would differ
    expect((await buildVocab([[astral, high, 'a']])).tokens).toEqual(['a', high, astral]);
  });

  it('merges counts from shards into the same vocabulary as one pass', async () => {
    const whole = await buildVocab(corpus, { specials: ['<unk>'] });
    const left = await countTokens([corpus[0]]);
    const right = TokenCounter.fromJSON(JSON.parse(JSON.stringify(await countTokens([corpus[1]]))));
    const merged = left.merge(right);
    expect(merged.get('a')).toBe(3);
    expect(merged.total).toBe(9);
    expect(merged.size).toBe(5);
    expect(Vocab.fromCounter(merged, { specials: ['<unk>'] }).tokens).toEqual(whole.tokens);
  });

  it('counts a field of records', async () => {
    const v = await buildVocab([{ t: ['x', 'y', 'y'] }], { key: 't' });
    expect(v.tokens).toEqual(['y', 'x']);
  });

  it('maps both ways, uses the default index, and round-trips through JSON', async () => {
    const v = await buildVocab(corpus, { specials: ['<unk>', '<pad>'], defaultToken: '<unk>' });
    expect(v.tokenToId('a')).toBe(2);
    expect(v.idToToken(2)).toBe('a');
    expect(v.tokenToId('zzz')).toBe(0);
    expect(Array.from(v.lookupIds(['a', 'zzz', 'e']))).toEqual([2, 0, 6]);
    expect(v.lookupTokens([2, 6])).toEqual(['a', 'e']);
    const back = Vocab.fromJSON(JSON.stringify(v));
    expect(back.tokens).toEqual(v.tokens);
    expect(back.defaultIndex).toBe(0);
    expect(back.tokenToId('nope')).toBe(0);
  });

  it('raises clear errors', async () => {
    const v = new Vocab(['a', 'b']);
    expect(() => v.tokenToId('c')).toThrow('Vocab: token "c" is not in the vocabulary and no default index is set');
    expect(() => v.idToToken(2)).toThrow('Vocab: id 2 is outside 0..1');
    expect(() => new Vocab(['a', 'a'])).toThrow('duplicate token "a"');
    await expect(buildVocab(corpus, { specials: ['<a>', '<b>'], maxTokens: 2 })).rejects.toThrow(/maxTokens \(2\) must be an integer greater than the number of specials \(2\)/);
    await expect(buildVocab(corpus, { defaultToken: '<unk>' })).rejects.toThrow(/defaultToken "<unk>" is not in the vocabulary/);
    await expect(buildVocab([{ text: ['a'] }, { body: ['b'] }], { key: 'text' })).rejects.toThrow("buildVocab: record 1 has no field 'text'");
    await expect(buildVocab(['not tokens'])).rejects.toThrow(/item 0 is the string "not tokens", expected an array of tokens/);
    expect(() => Vocab.fromJSON({ itos: ['a'], defaultIndex: 'x' } as any)).toThrow("field 'defaultIndex'");
  });
});
