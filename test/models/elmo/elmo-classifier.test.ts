// The ELMo classifier through the same fit / evaluate as the other classifiers.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../src/backends';
import { Elmo } from '../../../src/models/elmo/elmo';
import { ElmoClassifier } from '../../../src/models/elmo/elmo-classifier';
import { evaluate } from '../../../src/models/evaluate';
import { fit } from '../../../src/models/fit';
import type { Batch } from '../../../src/pipeline/types';
import { fixture } from './fixtures';

const vocab = { itos: ['<UNK>', '<PAD>', 'good', 'bad', 'great', 'awful', 'food', 'the', 'tea', 'was'], defaultIndex: 0 };
const positive = ['good food', 'the tea was great', 'great', 'good good tea', 'the food was good', 'great tea'];
const negative = ['bad food', 'the tea was awful', 'awful', 'bad bad tea', 'the food was bad', 'awful tea'];

function batches(model: ElmoClassifier): Batch[] {
  const texts = [...positive, ...negative];
  const labels = [...positive.map(() => 1), ...negative.map(() => 0)];
  const enc = model.encoding.encodeBatch(texts);
  return [{ ids: enc.ids, lengths: enc.lengths, labels: Int32Array.from(labels), size: texts.length, seqLength: 6 }];
}

// fit and evaluate take any TrainableClassifier; ElmoClassifier is one.
const asClassifier = (m: ElmoClassifier) => m;

describe('ElmoClassifier', () => {
  let start: number;
  beforeAll(async () => {
    await useBackend('wasm');
    start = tf.memory().numTensors;
  });
  afterAll(() => expect(tf.memory().numTensors).toBe(start));

  it('learns a toy sentiment task on a frozen ELMo with fit, and evaluate/predict agree', async () => {
    const elmo = await Elmo.load(fixture('options.json'), fixture('lm_weights.hdf5'), { dropout: 0 });
    const model = new ElmoClassifier({ elmo, vocab, labels: ['neg', 'pos'], text: { seqLength: 6 }, pooling: 'mean', dropout: 0, seed: 1 });
    const frozen = Array.from(await elmo.bilm.weights.forward[0].wx.data());
    const data = batches(model);
    const history = await fit(asClassifier(model), data, { epochs: 40, learningRate: 0.05, seed: 1 });
    const losses = history.epochs.map((e) => e.loss);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.7);
    const result = await evaluate(asClassifier(model), data);
    expect(result.accuracy).toBeGreaterThanOrEqual(0.9);
    // the biLM stayed frozen
    expect(Array.from(await elmo.bilm.weights.forward[0].wx.data())).toEqual(frozen);
    const p = await model.predict('great tea');
    expect(p.label).toBe('pos');
    expect(p.probabilities.pos + p.probabilities.neg).toBeCloseTo(1, 5);
    model.dispose();
  });

  it('fine-tunes the biLM and concatenates word embeddings when asked', async () => {
    const elmo = await Elmo.load(fixture('options.json'), fixture('lm_weights.hdf5'), { dropout: 0 });
    const model = new ElmoClassifier({
      elmo,
      vocab,
      labels: ['neg', 'pos'],
      text: { seqLength: 6 },
      fineTune: true,
      wordEmbeddingDim: 4,
      seed: 2,
    });
    expect(elmo.cacheWords).toBe(false);
    const before = Array.from(await elmo.bilm.weights.forward[0].wx.data());
    const beforeCnn = Array.from(await elmo.bilm.weights.charCnn.charEmbed.data());
    await fit(asClassifier(model), batches(model), { epochs: 1, learningRate: 0.01, seed: 1 });
    const after = Array.from(await elmo.bilm.weights.forward[0].wx.data());
    const afterCnn = Array.from(await elmo.bilm.weights.charCnn.charEmbed.data());
    expect(after).not.toEqual(before);
    expect(afterCnn).not.toEqual(beforeCnn);
    expect(model.trainableVariables.length).toBeGreaterThan(20);
    model.dispose();
  });
});
