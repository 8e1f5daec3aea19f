import { describe, expect, it } from 'vitest';
import { batchToCharIds, tokenToCharIds, utf8Bytes } from '../../../src/models/elmo/char-ids';

describe('ELMo character ids', () => {
  it('wraps the UTF-8 bytes in begin/end-of-word, pads with 260, and shifts by one', () => {
    const ids = tokenToCharIds('ab');
    expect(ids.length).toBe(50);
    expect(Array.from(ids.slice(0, 5))).toEqual([259, 98, 99, 260, 261]);
    expect(ids.slice(4).every((v) => v === 261)).toBe(true);
  });

  it('maps <S> and </S> to the sentence markers', () => {
    expect(Array.from(tokenToCharIds('<S>').slice(0, 4))).toEqual([259, 257, 260, 261]);
    expect(Array.from(tokenToCharIds('</S>').slice(0, 4))).toEqual([259, 258, 260, 261]);
  });

  it('cuts to 48 bytes even inside a multi-byte character', () => {
    const token = 'a'.repeat(47) + 'é'; // é is 2 bytes: the 49th byte is dropped
    const ids = tokenToCharIds(token);
    expect(ids[47]).toBe(98);
    expect(ids[48]).toBe(0xc3 + 1);
    expect(ids[49]).toBe(260);
  });

  it('encodes as UTF-8, skipping lone surrogates like Python "ignore"', () => {
    expect(utf8Bytes('€😀')).toEqual([...Buffer.from('€😀', 'utf8')]);
    expect(utf8Bytes('a\ud800b')).toEqual([97, 98]);
  });

  it('adds sentence boundaries inside and zero-pads short rows', () => {
    const b = batchToCharIds([['hi'], ['a', 'b', 'c']], { maxChars: 6 });
    expect(b.steps).toBe(5);
    expect(Array.from(b.lengths)).toEqual([3, 5]);
    const row0 = Array.from(b.ids.slice(0, 5 * 6));
    expect(row0.slice(0, 6)).toEqual([259, 257, 260, 261, 261, 261]);
    expect(row0.slice(6, 12)).toEqual([259, 105, 106, 260, 261, 261]);
    expect(row0.slice(12, 18)).toEqual([259, 258, 260, 261, 261, 261]);
    expect(row0.slice(18).every((v) => v === 0)).toBe(true);
    const noBounds = batchToCharIds([['x']], { addSentenceBoundaries: false });
    expect(noBounds.steps).toBe(1);
  });

  it('rejects bad input with a clear message', () => {
    expect(() => tokenToCharIds('a', 2)).toThrow(/max_characters_per_token/);
    expect(() => batchToCharIds([['a', 3 as unknown as string]])).toThrow(/sentence 0, token 1/);
  });
});
