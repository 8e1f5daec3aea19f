import { describe, expect, it } from 'vitest';
import { encode, encodeLabels, pipe, Vocab } from '../../src/pipeline';

const vocab = new Vocab(['<unk>', '<pad>', 'a', 'b'], 0);

describe('encode', () => {
  it('maps token arrays to Int32Array ids, unknown tokens to the default index', async () => {
    const [ids] = await pipe([['a', 'x', 'b']], encode(vocab)).toArray();
    expect(ids).toBeInstanceOf(Int32Array);
    expect(Array.from(ids)).toEqual([2, 0, 3]);
  });

  it('encodes a field of records and keeps the others', async () => {
    const [r] = await pipe([{ text: ['b'], label: 1 }], encode(vocab, { key: 'text' })).toArray();
    expect(Array.from(r.text)).toEqual([3]);
    expect(r.label).toBe(1);
  });

  it('raises clear errors: no default index, wrong input, missing field', async () => {
    await expect(pipe([['a', 'q']], encode(new Vocab(['a']))).toArray()).rejects.toThrow('token "q" is not in the vocabulary');
    await expect(pipe(['a b'] as any[], encode(vocab)).toArray()).rejects.toThrow('encode: item 0 is the string "a b", expected an array of tokens');
    await expect(pipe([{ tokens: [] }] as any[], encode(vocab, { key: 'text' })).toArray()).rejects.toThrow("encode: record 0 has no field 'text'");
  });
});

describe('encodeLabels', () => {
  it('maps class names to indices from a list or an object', async () => {
    const out = await pipe([{ score: 'great' }, { score: 'other' }], encodeLabels(['other', 'great'], { key: 'score' })).toArray();
    expect(out).toEqual([{ score: 1 }, { score: 0 }]);
    expect(await pipe([{ label: 'neg' }], encodeLabels({ neg: 0, pos: 2 })).toArray()).toEqual([{ label: 0 }]);
  });
  it('names an unknown class and the record', async () => {
    await expect(pipe([{ label: 'great' }, { label: 'meh' }], encodeLabels(['other', 'great'])).toArray()).rejects.toThrow(
      `encodeLabels: record 1 field 'label' is the string "meh", expected one of the classes "other", "great"`,
    );
  });
});
