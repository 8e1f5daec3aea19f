import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Embedding } from '../../src/models/embedding';

for (const backend of ['cpu', 'wasm']) {
  describe(`Embedding on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
    });
    afterAll(async () => {
      await tf.setBackend('cpu');
    });

    it('returns the weight row of each id', () => {
      const before = tf.memory().numTensors;
      const emb = new Embedding(7, 3, { seed: 1 });
      const w = emb.weight.arraySync() as number[][];
      const ids = tf.tensor2d([[0, 6, 2], [2, 2, 5]], [2, 3], 'int32');
      const out = emb.apply(ids);
      expect(out.shape).toEqual([2, 3, 3]);
      const got = out.arraySync();
      expect(got[0][1]).toEqual(w[6]);
      expect(got[1][0]).toEqual(w[2]);
      expect(got[1][2]).toEqual(w[5]);
      tf.dispose([ids, out]);
      emb.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it('has a gradient that sums the output gradient into the rows read (repeated ids add up)', () => {
      const before = tf.memory().numTensors;
      const emb = new Embedding(6, 2, { seed: 2 });
      const ids = tf.tensor2d([[1, 3, 1], [4, 1, 0]], [2, 3], 'int32');
      // loss = Σ out ⊙ k, so d loss / d weight[v] = Σ over positions p with id v of k[p].
      const k = tf.tensor3d([[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]]);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(emb.apply(ids), k)) as tf.Scalar, [emb.weight]);
      const g = grads[emb.weight.name].arraySync() as number[][];
      expect(g).toEqual([
        [11, 12],
        [1 + 5 + 9, 2 + 6 + 10],
        [0, 0],
        [3, 4],
        [7, 8],
        [0, 0],
      ]);
      tf.dispose([value, ids, k, ...Object.values(grads)]);
      emb.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it('trains with an optimizer: only the rows read change', () => {
      const emb = new Embedding(5, 2, { seed: 3 });
      const before = emb.weight.arraySync() as number[][];
      const ids = tf.tensor2d([[2, 4]], [1, 2], 'int32');
      const opt = tf.train.sgd(0.5);
      const numBefore = tf.memory().numTensors;
      opt.minimize(() => tf.sum(emb.apply(ids)) as tf.Scalar);
      expect(tf.memory().numTensors).toBe(numBefore);
      const after = emb.weight.arraySync() as number[][];
      for (const row of [0, 1, 3]) expect(after[row]).toEqual(before[row]);
      for (const row of [2, 4]) after[row].forEach((v, j) => expect(v).toBeCloseTo(before[row][j] - 0.5, 6));
      opt.dispose();
      ids.dispose();
      emb.dispose();
    });

    it('names an id outside the vocabulary', () => {
      const emb = new Embedding(4, 2);
      const ids = tf.tensor2d([[0, 4]], [1, 2], 'int32');
      expect(() => emb.apply(ids)).toThrow(/token id 4 at position 1 is outside the vocabulary \[0, 4\)/);
      ids.dispose();
      emb.dispose();
    });

    it('looks up the updated rows after each optimizer step (no stale copy of the table)', () => {
      const emb = new Embedding(5, 2, { seed: 4 });
      const ids = tf.tensor2d([[2, 4, 2]], [1, 3], 'int32');
      const opt = tf.train.sgd(0.25);
      for (let step = 0; step < 3; step++) {
        const looked = tf.tidy(() => emb.apply(ids).arraySync()[0]);
        const table = emb.weight.arraySync() as number[][];
        expect(looked).toEqual([table[2], table[4], table[2]]);
        opt.minimize(() => tf.sum(emb.apply(ids)) as tf.Scalar);
      }
      opt.dispose();
      ids.dispose();
      emb.dispose();
    });

    it('is seeded: the same seed gives the same weights', () => {
      const a = new Embedding(4, 3, { seed: 9 });
      const b = new Embedding(4, 3, { seed: 9 });
      expect(a.weight.arraySync()).toEqual(b.weight.arraySync());
      a.dispose();
      b.dispose();
    });

    it('rejects bad arguments with a clear message', () => {
      expect(() => new Embedding(0, 3)).toThrow(/vocabSize/);
      expect(() => new Embedding(3, 1.5)).toThrow(/dim/);
      const emb = new Embedding(3, 2);
      const f = tf.tensor2d([[0, 1]], [1, 2], 'float32');
      expect(() => emb.apply(f)).toThrow(/int32/);
      f.dispose();
      emb.dispose();
    });
  });
}
