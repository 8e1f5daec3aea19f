// Parity with AllenNLP's ELMo fixtures (produced by the original TensorFlow bilm).
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../src/backends';
import { BiLm } from '../../../src/models/elmo/bilm';
import { batchToCharIds, tokenToCharIds } from '../../../src/models/elmo/char-ids';
import { readHdf5 } from '../../../src/models/elmo/hdf5-weights';
import { loadBiLm } from '../../../src/models/elmo/load';
import { fixture, fixtureExists, maxAbsDiff } from './fixtures';

const TOLERANCE = 1e-5;

describe.each([
  ['cpu', 'ops'],
  ['cpu', 'fused'],
  ['wasm', 'fused'],
] as const)('ELMo parity with the bilm-tf fixtures on %s, %s LSTM kernel', (backend, kernel) => {
  let bilm: BiLm;
  let startTensors: number;

  beforeAll(async () => {
    await useBackend(backend);
    expect(tf.getBackend()).toBe(backend);
    startTensors = tf.memory().numTensors;
    bilm = await loadBiLm(fixture('options.json'), fixture('lm_weights.hdf5'));
    bilm.kernel = kernel;
  });

  afterAll(() => {
    bilm.dispose();
    expect(tf.memory().numTensors).toBe(startTensors);
  });

  it('matches the context-independent token embeddings of vocab_test.txt', async () => {
    const words = fs.readFileSync(fixture('vocab_test.txt'), 'utf8').split('\n');
    const expected = (await readHdf5(fixture('elmo_token_embeddings.hdf5'))).get('embedding')!;
    expect(expected.shape).toEqual([words.length, bilm.projectionDim]);
    const maxChars = bilm.options.char_cnn.max_characters_per_token;
    const ids = new Int32Array(words.length * maxChars);
    words.forEach((w, i) => ids.set(tokenToCharIds(w, maxChars), i * maxChars));
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => bilm.tokenEmbeddings(tf.tensor2d(ids, [words.length, maxChars], 'int32')));
    const err = maxAbsDiff(await got.data(), expected.data);
    got.dispose();
    expect(tf.memory().numTensors).toBe(before);
    console.log(`${backend}/${kernel} token embeddings: ${words.length} tokens, max abs error ${err.toExponential(2)}`);
    expect(err).toBeLessThan(TOLERANCE);
  });

  it('matches the top biLM layer of every lm_embeddings_k.hdf5, run statefully', async () => {
    const lists = JSON.parse(fs.readFileSync(fixture('sentences.json'), 'utf8')) as string[][];
    const expected = new Map<number, Awaited<ReturnType<typeof readHdf5>>>();
    for (let k = 0; k < lists.length; k++) {
      if (fixtureExists(`lm_embeddings_${k}.hdf5`)) expected.set(k, await readHdf5(fixture(`lm_embeddings_${k}.hdf5`)));
    }
    expect(expected.size).toBeGreaterThan(0);
    const nBatches = Math.max(...lists.map((l) => l.length));
    const p = bilm.projectionDim;
    const top = bilm.nLayers - 1;
    bilm.stateful = true;
    bilm.resetStates();
    let worst = 0;
    let compared = 0;
    for (let i = 0; i < nBatches; i++) {
      const sentences = lists.map((l) => (l[i] ?? '').split(/\s+/).filter((t) => t.length > 0));
      const batch = batchToCharIds(sentences, { maxChars: bilm.options.char_cnn.max_characters_per_token });
      const out = bilm.run(batch);
      const fwd = (await out.forward[top].array()) as number[][][];
      const bwd = (await out.backward[top].array()) as number[][][];
      BiLm.disposeOutput(out);
      for (const [k, file] of expected) {
        const want = file.get(String(i));
        if (!want) continue;
        const n = sentences[k].length;
        expect(want.shape).toEqual([2, n, p]);
        const got = new Float32Array(2 * n * p);
        for (let t = 0; t < n; t++) {
          got.set(fwd[k][t + 1], t * p);
          got.set(bwd[k][t + 1], (n + t) * p);
        }
        const err = maxAbsDiff(got, want.data);
        worst = Math.max(worst, err);
        compared++;
        expect(err, `list ${k}, sentence ${i}`).toBeLessThan(TOLERANCE);
      }
    }
    bilm.resetStates();
    bilm.stateful = false;
    console.log(`${backend}/${kernel} top layer: ${compared} sentences compared, max abs error ${worst.toExponential(2)}`);
    expect(compared).toBe([...expected.values()].reduce((s, f) => s + f.size, 0));
  });
});
