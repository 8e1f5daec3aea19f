import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Elmo } from '../../../src/models/elmo/elmo';
import { readHdf5 } from '../../../src/models/elmo/hdf5-weights';
import { fixture, maxAbsDiff } from './fixtures';

describe('Elmo.embed', () => {
  let start: number;
  let lists: string[][][];
  beforeAll(async () => {
    await tf.setBackend('cpu');
    start = tf.memory().numTensors;
    lists = (JSON.parse(fs.readFileSync(fixture('sentences.json'), 'utf8')) as string[][]).map((l) => l.map((s) => s.split(/\s+/)));
  });
  afterAll(() => expect(tf.memory().numTensors).toBe(start));

  it('gives every layer, the uniform mix, masks, and the fixture top layer for a first batch', async () => {
    const elmo = await Elmo.load(fixture('options.json'), fixture('lm_weights.hdf5'));
    const sentences = lists.map((l) => l[0]);
    const out = elmo.embed(sentences);
    const maxLen = Math.max(...sentences.map((s) => s.length));
    expect(out.layers.length).toBe(3);
    expect(out.layers[2].shape).toEqual([3, maxLen, 32]);
    expect(Array.from(out.lengths)).toEqual(sentences.map((s) => s.length));
    const mask = (await out.mask.array()) as number[][];
    sentences.forEach((s, k) => expect(mask[k].reduce((a, b) => a + b, 0)).toBe(s.length));
    // zero mix weights → softmax 1/3 each, gamma 1: the mean of the layers
    const mean = tf.tidy(() => tf.div(tf.addN(out.layers), 3));
    expect(maxAbsDiff(await out.representations[0].data(), await mean.data())).toBeLessThan(1e-6);
    mean.dispose();
    // the first batch of a stateful run starts from zeros, so a stateless run matches it
    const want = (await readHdf5(fixture('lm_embeddings_0.hdf5'))).get('0')!;
    const n = sentences[0].length;
    const top = (await out.layers[2].array()) as number[][][];
    const got = new Float32Array(2 * n * 16);
    for (let t = 0; t < n; t++) {
      got.set(top[0][t].slice(0, 16), t * 16);
      got.set(top[0][t].slice(16), (n + t) * 16);
    }
    expect(maxAbsDiff(got, want.data)).toBeLessThan(1e-5);
    Elmo.disposeOutput(out);
    elmo.dispose();
  });

  it('gives the same numbers with and without the word cache, and fills the cache', async () => {
    const cached = await Elmo.load(fixture('options.json'), fixture('lm_weights.hdf5'));
    const plain = await Elmo.load(fixture('options.json'), fixture('lm_weights.hdf5'), { cacheWords: false });
    const sentences = [lists[0][3], lists[1][9]];
    const a = cached.embed(sentences);
    const b = plain.embed(sentences);
    expect(maxAbsDiff(await a.layers[1].data(), await b.layers[1].data())).toBeLessThan(1e-6);
    expect(cached.cacheSize).toBe(new Set([...sentences.flat(), '<S>', '</S>']).size);
    expect(plain.cacheSize).toBe(0);
    Elmo.disposeOutput(a);
    Elmo.disposeOutput(b);
    cached.dispose();
    plain.dispose();
  });

  it('gives the same layers from the sentence cache as from a biLM run', async () => {
    const plain = await Elmo.load(fixture('options.json'), fixture('lm_weights.hdf5'));
    const cached = await Elmo.load(fixture('options.json'), fixture('lm_weights.hdf5'), { sentenceCacheSize: 2 });
    const first = [lists[0][1], lists[1][4]];
    const second = [lists[1][4], lists[2][3], lists[0][1]]; // two seen, one new (evicts the oldest)
    const warm = cached.embed(first);
    Elmo.disposeOutput(warm);
    expect(cached.sentenceCacheCount).toBe(2);
    const a = cached.embed(second);
    const b = plain.embed(second);
    expect(cached.sentenceCacheCount).toBe(2);
    for (let k = 0; k < 3; k++) expect(maxAbsDiff(await a.layers[k].data(), await b.layers[k].data())).toBeLessThan(1e-6);
    expect(maxAbsDiff(await a.representations[0].data(), await b.representations[0].data())).toBeLessThan(1e-6);
    expect(Array.from(await a.mask.data())).toEqual(Array.from(await b.mask.data()));
    Elmo.disposeOutput(a);
    Elmo.disposeOutput(b);
    cached.dispose();
    plain.dispose();
  });

  it('keeps the sentence cache within its byte limit, oldest sentences out first', async () => {
    const probe = await Elmo.load(fixture('options.json'), fixture('lm_weights.hdf5'));
    const perToken = 4 * (probe.bilm.nLayers + 1) * probe.outputDim;
    probe.dispose();
    // Room for exactly the last two of three sentences (each with its two boundary tokens).
    const sentences = [lists[0][1], lists[1][4], lists[2][3]];
    const sizes = sentences.map((s) => (s.length + 2) * perToken);
    const limit = sizes[1] + sizes[2];
    const cached = await Elmo.load(fixture('options.json'), fixture('lm_weights.hdf5'), { sentenceCacheSize: 100, sentenceCacheBytes: limit });
    for (const s of sentences) Elmo.disposeOutput(cached.embed([s]));
    expect(cached.sentenceCacheByteCount).toBeLessThanOrEqual(limit);
    expect(cached.sentenceCacheByteCount).toBe(sizes[1] + sizes[2]);
    expect(cached.sentenceCacheCount).toBe(2);
    cached.clearCache();
    expect([cached.sentenceCacheCount, cached.sentenceCacheByteCount]).toEqual([0, 0]);
    const tooSmall = await Elmo.load(fixture('options.json'), fixture('lm_weights.hdf5'), { sentenceCacheSize: 100, sentenceCacheBytes: Math.min(...sizes) - 1 });
    Elmo.disposeOutput(tooSmall.embed([sentences[0]]));
    expect(tooSmall.sentenceCacheCount).toBe(0);
    cached.dispose();
    tooSmall.dispose();
  });

  it('keeps boundaries when asked, makes several layer-normed mixes, and trains the mixes', async () => {
    const elmo = await Elmo.load(fixture('options.json'), fixture('lm_weights.hdf5'), {
      keepSentenceBoundaries: true,
      numOutputRepresentations: 2,
      layerNorm: true,
      dropout: 0.5,
    });
    const sentences = [['a', 'b'], ['hello']];
    const out = elmo.embed(sentences);
    expect(out.representations.length).toBe(2);
    expect(out.layers[0].shape).toEqual([2, 4, 32]);
    expect(Array.from(out.lengths)).toEqual([4, 3]);
    Elmo.disposeOutput(out);
    const { grads, value } = tf.variableGrads(() => {
      const o = elmo.embed(sentences, { training: true });
      return tf.sum(tf.square(o.representations[1])) as tf.Scalar;
    }, elmo.trainableVariables);
    expect(elmo.trainableVariables.length).toBe(4);
    // only the second mix feeds this loss
    expect(Object.keys(grads).sort()).toEqual(elmo.mixes[1].variables.map((v) => v.name).sort());
    const g = await grads[elmo.mixes[1].gamma.name].data();
    expect(Math.abs(g[0])).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads)]);
    elmo.dispose();
  });
});
