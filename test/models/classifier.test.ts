import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { TextClassifier, type EncoderKind, type Pooling } from '../../src/models/classifier';

const vocab = { itos: ['<UNK>', '<PAD>', 'good', 'bad', 'great', 'awful', 'food', 'the', 'is', 'not'], defaultIndex: 0 };
const tiny = { embeddingDim: 6, hiddenSize: 5 };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function values(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

function maxDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
}

describe('TextClassifier', () => {
  let start = 0;
  beforeAll(() => {
    start = tf.memory().numTensors;
  });
  afterAll(() => {
    // Every model below is disposed: nothing of ours stays in memory.
    expect(tf.memory().numTensors).toBe(start);
  });

  it('predicts a label and probabilities for raw text, and predictBatch keeps order', async () => {
    const model = new TextClassifier({ vocab, labels: ['neg', 'pos'], text: { seqLength: 8 }, architecture: tiny, seed: 3 });
    const before = tf.memory().numTensors;
    const p = await model.predict('This product is so cool');
    expect(['neg', 'pos']).toContain(p.label);
    expect(p.index).toBe(model.labels.indexOf(p.label));
    expect(Object.keys(p.probabilities)).toEqual(['neg', 'pos']);
    expect(p.probabilities.neg + p.probabilities.pos).toBeCloseTo(1, 6);
    expect(p.probabilities[p.label]).toBeGreaterThanOrEqual(0.5);
    const texts = ['good food', 'The food is NOT good!', '', 'awful awful awful'];
    const batch = await model.predictBatch(texts, 3); // two chunks
    const single = await Promise.all(texts.map((t) => model.predict(t)));
    batch.forEach((b, i) => {
      expect(b.label).toBe(single[i].label);
      expect(b.probabilities.pos).toBeCloseTo(single[i].probabilities.pos, 6);
    });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    await expect(model.predict('x')).rejects.toThrow(/after dispose/);
  });

  it('encodes text as the notebook pipeline does (normalise, basic_english, unknown → <UNK>, pad with <PAD>)', () => {
    const model = new TextClassifier({ vocab, labels: ['neg', 'pos'], text: { seqLength: 5 }, architecture: tiny });
    const e = model.encoding.encode('The FOOD is great!!! zzz');
    // "the food is great ! ! ! zzz" → truncated to 5 tokens: the food is great !, and ! is unknown.
    expect(Array.from(e.ids)).toEqual([7, 6, 8, 4, 0]);
    expect(e.length).toBe(5);
    const short = model.encoding.encode('good');
    expect(Array.from(short.ids)).toEqual([2, 1, 1, 1, 1]);
    expect(short.length).toBe(1);
    model.dispose();
  });

  const encoders: EncoderKind[] = ['lstm', 'bilstm', 'gru', 'bigru'];
  const poolings: Pooling[] = ['last', 'mean', 'max'];
  for (const encoder of encoders) {
    for (const pooling of poolings) {
      for (const padding of ['post', 'pre'] as const) {
        it(`${encoder}, ${pooling} pooling, ${padding}-padding: padded positions do not change the output`, () => {
          const model = new TextClassifier({
            vocab,
            labels: ['a', 'b', 'c'],
            text: { seqLength: 6, padding },
            architecture: { ...tiny, encoder, pooling, numLayers: 2 },
            seed: 11,
          });
          const lengths = [6, 3, 1, 4];
          const T = 6;
          const make = (fill: (r: number, t: number) => number) => {
            const ids = new Int32Array(lengths.length * T);
            lengths.forEach((len, r) => {
              for (let t = 0; t < T; t++) {
                const real = padding === 'post' ? t < len : t >= T - len;
                ids[r * T + t] = real ? 2 + ((r * 5 + t * 3) % 8) : fill(r, t);
              }
            });
            return tf.tensor2d(ids, [lengths.length, T], 'int32');
          };
          const padIds = make(() => 1);
          const noiseIds = make((r, t) => (r + t) % 10);
          const a = values(model.logits(padIds, lengths));
          const b = values(model.logits(noiseIds, lengths));
          padIds.dispose();
          noiseIds.dispose();
          expect(maxDiff(a, b)).toBeLessThan(1e-5);
          // Row 1 alone, without any padding, gives the same logits: the state is read at its true end.
          const row = make(() => 1);
          const only = tf.tidy(() => {
            const from = padding === 'post' ? 0 : T - lengths[1];
            return tf.slice(row, [1, from], [1, lengths[1]]) as tf.Tensor2D;
          });
          row.dispose();
          const alone = values(model.logits(only, [lengths[1]]));
          only.dispose();
          expect(maxDiff(alone, a.slice(3, 6))).toBeLessThan(1e-5);
          model.dispose();
        });
      }
    }
  }

  it('notebook preset: PyTorch state_dict names and shapes, a 5-layer LSTM of 16, random initial states', () => {
    const model = new TextClassifier({ vocab, labels: ['0', '1', '2'], architecture: 'notebook', seed: 1 });
    const shapes = Object.fromEntries(Object.entries(model.namedWeights()).map(([k, v]) => [k, v.shape]));
    expect(shapes['embedding.weight']).toEqual([10, 64]);
    expect(shapes['lstm.weight_ih_l0']).toEqual([64, 64]);
    expect(shapes['lstm.weight_hh_l0']).toEqual([64, 16]);
    expect(shapes['lstm.bias_ih_l4']).toEqual([64]);
    expect(shapes['lstm.weight_ih_l4']).toEqual([64, 16]);
    expect(shapes['lstm.weight_ih_l5']).toBeUndefined();
    expect(shapes['fc.weight']).toEqual([3, 16]);
    expect(shapes['fc.bias']).toEqual([3]);
    expect(Object.keys(shapes)).toHaveLength(1 + 5 * 4 + 2);
    expect(model.config).toMatchObject({ encoder: 'lstm', numLayers: 5, hiddenSize: 16, pooling: 'last', initialState: 'random' });
    // torch.randn h0/c0 at every forward: two calls on the same input differ.
    const ids = tf.tensor2d([2, 3, 4, 1], [1, 4], 'int32');
    const first = values(model.logits(ids, [3]));
    const second = values(model.logits(ids, [3]));
    expect(maxDiff(first, second)).toBeGreaterThan(1e-6);
    model.dispose();
    // The default starts from zeros: deterministic.
    const zeros = new TextClassifier({ vocab, labels: ['0', '1'], architecture: { ...tiny, encoder: 'lstm', pooling: 'last' } });
    expect(maxDiff(values(zeros.logits(ids, [3])), values(zeros.logits(ids, [3])))).toBe(0);
    zeros.dispose();
    ids.dispose();
  });

  it('the same seed builds the same weights; another seed, others', () => {
    const w = (seed: number) => {
      const m = new TextClassifier({ vocab, labels: ['a', 'b'], architecture: tiny, seed });
      const out = Object.fromEntries(Object.entries(m.namedWeights()).map(([k, v]) => [k, Array.from(v.dataSync())]));
      m.dispose();
      return out;
    };
    const a = w(5);
    expect(w(5)).toEqual(a);
    expect(w(6)['fc.weight']).not.toEqual(a['fc.weight']);
  });

  it('setWeights checks every name and shape before changing anything', () => {
    const model = new TextClassifier({ vocab, labels: ['a', 'b'], architecture: tiny, seed: 2 });
    const named = model.namedWeights();
    const before = Array.from(named['fc.bias'].dataSync());
    const weights: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(named)) weights[k] = tf.zerosLike(v);
    const wrong = { ...weights, 'fc.weight': tf.zeros([3, 10]) };
    expect(() => model.setWeights(wrong)).toThrow(/weight "fc.weight" has shape \[3,10\], expected \[2,10\]/);
    const { 'lstm.weight_hh_l0': _, ...missing } = weights;
    expect(() => model.setWeights(missing)).toThrow(/missing weight "lstm.weight_hh_l0"/);
    expect(Array.from(named['fc.bias'].dataSync())).toEqual(before);
    model.setWeights(weights);
    expect(Array.from(named['fc.bias'].dataSync())).toEqual([0, 0]);
    tf.dispose([...Object.values(weights), wrong['fc.weight']]);
    model.dispose();
  });

  it('rejects bad configurations with messages that name the field', () => {
    expect(() => new TextClassifier({ vocab, labels: ['a'], architecture: tiny })).toThrow(/at least 2 labels/);
    expect(() => new TextClassifier({ vocab, labels: ['a', 'a'], architecture: tiny })).toThrow(/duplicate label/);
    expect(() => new TextClassifier({ vocab, labels: ['a', 'b'], architecture: { ...tiny, pooling: 'sum' as Pooling } })).toThrow(/pooling must be last, mean or max/);
    expect(() => new TextClassifier({ vocab, labels: ['a', 'b'], architecture: { ...tiny, dropout: 1 } })).toThrow(/dropout must be in \[0, 1\)/);
    expect(() => new TextClassifier({ vocab, labels: ['a', 'b'], architecture: 'huge' as 'default' })).toThrow(/unknown architecture preset "huge"/);
    expect(() => new TextClassifier({ vocab: { itos: ['a', 'b'], defaultIndex: 0 }, labels: ['a', 'b'], architecture: tiny })).toThrow(/padding token "<PAD>" is not in the vocabulary/);
    const model = new TextClassifier({ vocab, labels: ['a', 'b'], architecture: tiny });
    const ids = tf.tensor2d([2, 3], [1, 2], 'int32');
    expect(() => model.logits(ids, [3])).toThrow(/row 0 has length 3, outside \[0, 2\]/);
    ids.dispose();
    model.dispose();
  });
});
