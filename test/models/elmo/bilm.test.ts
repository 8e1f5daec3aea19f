// Stateful bookkeeping of the biLM when batch sizes change, and stateless independence of rows.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BiLm, reverseWithinLengths } from '../../../src/models/elmo/bilm';
import { batchToCharIds } from '../../../src/models/elmo/char-ids';
import { initWeights } from '../../../src/models/elmo/bilm-weights';
import { loadBiLm } from '../../../src/models/elmo/load';
import { mediumElmoOptions, smallElmoOptions, tinyElmoOptions } from '../../../src/models/elmo/pretrain';
import { fixture, maxAbsDiff } from './fixtures';

const s = (text: string) => text.split(' ');

async function topRow(bilm: BiLm, sentences: string[][], row: number): Promise<Float32Array> {
  const out = bilm.run(batchToCharIds(sentences));
  const len = sentences[row].length + 2;
  const both = tf.tidy(() => tf.slice(tf.concat([out.forward[1], out.backward[1]], 2), [row, 0, 0], [1, len, -1]));
  const values = (await both.data()) as Float32Array;
  both.dispose();
  BiLm.disposeOutput(out);
  return values;
}

describe('BiLm', () => {
  let a: BiLm;
  let b: BiLm;
  let start: number;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    start = tf.memory().numTensors;
    a = await loadBiLm(fixture('options.json'), fixture('lm_weights.hdf5'), { stateful: true });
    b = await loadBiLm(fixture('options.json'), fixture('lm_weights.hdf5'), { stateful: true });
  });
  afterAll(() => {
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('reverses each row within its own length', () => {
    expect(Array.from(reverseWithinLengths([3, 1], 4))).toEqual([2, 1, 0, 3, 4, 5, 6, 7]);
  });

  it('keeps the state of rows a smaller batch did not touch, and starts new rows from zeros', async () => {
    const first = [s('the cat sat'), s('a dog'), s('birds sing in spring')];
    const second = [s('it rained'), s('so what')];
    const third = [s('one more'), s('and another one'), s('the last row here')];
    await topRow(a, first, 0);
    await topRow(a, second, 0);
    const got = await topRow(a, third, 2);
    // row 2 only ever saw first[2] then third[2]
    await topRow(b, [first[2]], 0);
    const want = await topRow(b, [third[2]], 0);
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-6);
    // and the state matters: from zeros the same row differs
    b.resetStates();
    const fresh = await topRow(b, [third[2]], 0);
    expect(maxAbsDiff(fresh, want)).toBeGreaterThan(1e-3);
    a.resetStates();
    b.resetStates();
  });

  it('gives each row the same output alone as in a padded batch when stateless', async () => {
    a.stateful = false;
    const batch = [s('short'), s('a much longer sentence than the first one')];
    const inBatch = await topRow(a, batch, 0);
    const alone = await topRow(a, [batch[0]], 0);
    expect(maxAbsDiff(inBatch, alone)).toBeLessThan(1e-6);
    a.stateful = true;
  });
});

describe('size presets', () => {
  it('tiny, medium and small each build a biLM whose layers have 2 × projection_dim columns', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const widths: number[] = [];
    for (const options of [tinyElmoOptions(), mediumElmoOptions(), smallElmoOptions()]) {
      const bilm = new BiLm(options, initWeights(options, undefined, 1));
      const out = bilm.run(batchToCharIds([s('a tiny test')]));
      expect(out.forward[1].shape).toEqual([1, 5, options.lstm.projection_dim]);
      expect(out.tokens.shape[2]).toBe(options.lstm.projection_dim);
      widths.push(options.lstm.projection_dim);
      BiLm.disposeOutput(out);
      bilm.dispose();
    }
    expect(widths).toEqual([16, 128, 128]);
    expect(mediumElmoOptions().lstm.dim).toBeLessThan(smallElmoOptions().lstm.dim);
    expect(tf.memory().numTensors).toBe(before);
  });
});
