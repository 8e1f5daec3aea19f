import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Recurrent, type RecurrentKind, type RecurrentOptions } from '../../src/models/recurrent';

function maxAbs(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  expect(a.shape).toEqual(b.shape);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

/** Copies of the same layer on both implementations. */
function twins(opts: Omit<RecurrentOptions, 'implementation'>): [Recurrent, Recurrent] {
  const a = new Recurrent({ ...opts, implementation: 'kernel' });
  const b = new Recurrent({ ...opts, implementation: 'ops' });
  const wa = a.namedWeights();
  const wb = b.namedWeights();
  for (const k of Object.keys(wa)) wb[k].assign(wa[k]);
  return [a, b];
}

const kinds: RecurrentKind[] = ['lstm', 'gru'];

let variableCount = 0;
function randomVariable(shape: number[], seed: number): tf.Variable {
  const init = tf.randomNormal(shape, 0, 1, 'float32', seed);
  const v = tf.variable(init, true, `recurrent_test_${++variableCount}`);
  init.dispose();
  return v;
}

for (const backend of ['cpu', 'wasm']) {
  describe(`Recurrent on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
    });
    afterAll(async () => {
      await tf.setBackend('cpu');
    });

    // The op loop treats a step that every row takes, some rows take and no row takes apart:
    // the second set has trailing steps no row takes (and a row of length 0).
    for (const kind of kinds) {
      for (const lengths of [[7, 3, 1, 5], [2, 4, 0, 4]]) it(`${kind}: kernel and op loop agree on outputs and gradients, with a given initial state, lengths ${lengths}`, () => {
        const before = tf.memory().numTensors;
        const opts = { kind, inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, seed: 11 };
        const [k, o] = twins(opts);
        const x = randomVariable([4, 7, 3], 1);
        const h0 = randomVariable([4, 4, 5], 2);
        const c0 = randomVariable([4, 4, 5], 3);
        const wy = tf.randomNormal([4, 7, 10], 0, 1, 'float32', 4);
        const results = [k, o].map((layer) => {
          const state = kind === 'lstm' ? { h: h0 as tf.Tensor3D, c: c0 as tf.Tensor3D } : { h: h0 as tf.Tensor3D };
          const vars = kind === 'lstm' ? [x, h0, c0, ...layer.variables] : [x, h0, ...layer.variables];
          return tf.variableGrads(() => {
            const r = layer.apply(x as tf.Tensor3D, lengths, { initialState: state });
            const loss = tf.add(tf.sum(tf.mul(r.output, wy)), tf.sum(tf.square(r.h)));
            return (r.c ? tf.add(loss, tf.sum(tf.mul(r.c, 0.5))) : loss) as tf.Scalar;
          }, vars);
        });
        expect(Math.abs(results[0].value.dataSync()[0] - results[1].value.dataSync()[0])).toBeLessThan(1e-4);
        const names = Object.keys(k.namedWeights());
        const pairs: Array<[string, string]> = [
          [x.name, x.name],
          [h0.name, h0.name],
          ...names.map((n) => [k.namedWeights()[n].name, o.namedWeights()[n].name] as [string, string]),
        ];
        if (kind === 'lstm') pairs.push([c0.name, c0.name]);
        for (const [a, b] of pairs) expect(maxAbs(results[0].grads[a], results[1].grads[b]), a).toBeLessThan(1e-4);
        // The initial state's gradient is not trivially zero.
        expect(tf.tidy(() => tf.max(tf.abs(results[0].grads[h0.name])).dataSync()[0])).toBeGreaterThan(1e-3);
        for (const r of results) tf.dispose([r.value, ...Object.values(r.grads)]);
        tf.dispose([x, h0, c0, wy]);
        k.dispose();
        o.dispose();
        expect(tf.memory().numTensors).toBe(before);
      });

      it(`${kind}: pre-padding gives the same outputs (shifted) and final states as post-padding`, () => {
        const before = tf.memory().numTensors;
        const layer = new Recurrent({ kind, inputSize: 2, hiddenSize: 3, bidirectional: true, numLayers: 2, seed: 5 });
        const T = 6;
        const lengths = [6, 2, 4];
        const post = tf.tidy(() => tf.randomNormal([3, T, 2], 0, 1, 'float32', 8).arraySync() as number[][][]);
        const pre = post.map((row, b) => {
          const real = row.slice(0, lengths[b]);
          const pad = Array.from({ length: T - lengths[b] }, () => [9, -9]); // junk must be ignored
          return [...pad, ...real];
        });
        const postJunk = post.map((row, b) => row.map((v, t) => (t < lengths[b] ? v : [7, 7])));
        const a = tf.tidy(() => layer.apply(tf.tensor3d(postJunk), lengths, { padding: 'post' }));
        const bRes = tf.tidy(() => layer.apply(tf.tensor3d(pre), lengths, { padding: 'pre' }));
        expect(maxAbs(a.h, bRes.h)).toBeLessThan(1e-6);
        if (kind === 'lstm') expect(maxAbs(a.c!, bRes.c!)).toBeLessThan(1e-6);
        const outA = a.output.arraySync();
        const outB = bRes.output.arraySync();
        for (let b = 0; b < 3; b++) {
          const shift = T - lengths[b];
          for (let t = 0; t < T; t++) {
            if (t < lengths[b]) outA[b][t].forEach((v, j) => expect(outB[b][t + shift][j]).toBeCloseTo(v, 5));
            else expect(outA[b][t].every((v) => v === 0)).toBe(true);
            if (t < shift) expect(outB[b][t].every((v) => v === 0)).toBe(true);
          }
        }
        tf.dispose([a, bRes]);
        layer.dispose();
        expect(tf.memory().numTensors).toBe(before);
      });
    }

    it('the final state is the output at the true last step (forward) and at step 0 (reverse)', () => {
      const layer = new Recurrent({ kind: 'lstm', inputSize: 2, hiddenSize: 3, bidirectional: true, seed: 1 });
      const lengths = [4, 2];
      const r = tf.tidy(() => layer.apply(tf.randomNormal([2, 5, 2], 0, 1, 'float32', 3) as tf.Tensor3D, lengths));
      const out = r.output.arraySync();
      const h = r.h.arraySync();
      for (let b = 0; b < 2; b++) {
        out[b][lengths[b] - 1].slice(0, 3).forEach((v, j) => expect(h[0][b][j]).toBeCloseTo(v, 6));
        out[b][0].slice(3).forEach((v, j) => expect(h[1][b][j]).toBeCloseTo(v, 6));
      }
      tf.dispose(r);
      layer.dispose();
    });

    it('a row of length 0 keeps its initial state and outputs zeros (kernel and op loop)', () => {
      for (const implementation of ['kernel', 'ops'] as const) {
        const layer = new Recurrent({ kind: 'lstm', inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, seed: 2, implementation });
        const h0 = tf.randomNormal([4, 2, 3], 0, 1, 'float32', 5) as tf.Tensor3D;
        const c0 = tf.randomNormal([4, 2, 3], 0, 1, 'float32', 6) as tf.Tensor3D;
        const x = tf.randomNormal([2, 3, 2], 0, 1, 'float32', 7) as tf.Tensor3D;
        const r = layer.apply(x, [0, 3], { initialState: { h: h0, c: c0 } });
        const h = r.h.arraySync();
        const c = r.c!.arraySync();
        const h0a = h0.arraySync();
        const c0a = c0.arraySync();
        for (let k = 0; k < 4; k++) {
          h[k][0].forEach((v, j) => expect(v).toBeCloseTo(h0a[k][0][j], 6));
          c[k][0].forEach((v, j) => expect(v).toBeCloseTo(c0a[k][0][j], 6));
        }
        expect(r.output.arraySync()[0].flat().every((v) => v === 0)).toBe(true);
        tf.dispose([h0, c0, x, r]);
        layer.dispose();
      }
    });

    it('dropout acts between layers in training only, and is seeded', () => {
      const make = () => new Recurrent({ kind: 'gru', inputSize: 2, hiddenSize: 8, numLayers: 2, dropout: 0.5, seed: 3 });
      const [a, b] = [make(), make()];
      const x = tf.randomNormal([2, 4, 2], 0, 1, 'float32', 1) as tf.Tensor3D;
      const run = (l: Recurrent, training: boolean) => tf.tidy(() => l.apply(x, [4, 3], { training }).output);
      const evalA = run(a, false);
      const evalB = run(b, false);
      expect(maxAbs(evalA, evalB)).toBe(0);
      const trainA = run(a, true);
      const trainB = run(b, true);
      expect(maxAbs(trainA, evalA)).toBeGreaterThan(1e-3);
      expect(maxAbs(trainA, trainB)).toBe(0);
      tf.dispose([x, evalA, evalB, trainA, trainB]);
      a.dispose();
      b.dispose();
    });

    it('trains: a few SGD steps lower a loss and free every intermediate tensor', () => {
      const layer = new Recurrent({ kind: 'lstm', inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 4 });
      const x = tf.randomNormal([5, 6, 3], 0, 1, 'float32', 6) as tf.Tensor3D;
      const target = tf.randomNormal([2, 5, 4], 0, 0.5, 'float32', 7);
      const opt = tf.train.adam(0.05);
      const before = tf.memory().numTensors;
      const losses: number[] = [];
      for (let i = 0; i < 15; i++) {
        const loss = opt.minimize(
          () => tf.mean(tf.square(tf.sub(layer.apply(x, [6, 5, 4, 3, 2]).h, target))) as tf.Scalar,
          true,
        )!;
        losses.push(loss.dataSync()[0]);
        loss.dispose();
        // Adam makes its slot variables on the first step.
        if (i === 0) expect(tf.memory().numTensors - before).toBe(2 * layer.variables.length);
      }
      expect(tf.memory().numTensors - before).toBe(2 * layer.variables.length);
      expect(losses[14]).toBeLessThan(losses[0] * 0.7);
      opt.dispose();
      tf.dispose([x, target]);
      layer.dispose();
    });
  });
}

describe('Recurrent options and errors', () => {
  it('has PyTorch names and shapes', () => {
    const layer = new Recurrent({ kind: 'gru', inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true });
    const w = layer.namedWeights();
    expect(Object.keys(w).sort()).toEqual(
      ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']
        .flatMap((n) => [`${n}_l0`, `${n}_l0_reverse`, `${n}_l1`, `${n}_l1_reverse`])
        .sort(),
    );
    expect(w.weight_ih_l0.shape).toEqual([12, 3]);
    expect(w.weight_ih_l1_reverse.shape).toEqual([12, 8]);
    expect(w.weight_hh_l1.shape).toEqual([12, 4]);
    expect(w.bias_hh_l0_reverse.shape).toEqual([12]);
    expect(layer.variables.length).toBe(16);
    // PyTorch's init: U(−1/√hidden, 1/√hidden).
    for (const v of layer.variables) expect(tf.tidy(() => tf.max(tf.abs(v)).dataSync()[0])).toBeLessThanOrEqual(0.5);
    layer.dispose();
  });

  it('rejects bad input with messages that name the problem', () => {
    expect(() => new Recurrent({ kind: 'rnn' as RecurrentKind, inputSize: 2, hiddenSize: 2 })).toThrow(/kind/);
    expect(() => new Recurrent({ kind: 'lstm', inputSize: 0, hiddenSize: 2 })).toThrow(/inputSize/);
    expect(() => new Recurrent({ kind: 'lstm', inputSize: 2, hiddenSize: 2, dropout: 1 })).toThrow(/dropout/);
    const layer = new Recurrent({ kind: 'lstm', inputSize: 2, hiddenSize: 3 });
    const x = tf.zeros([2, 4, 2]) as tf.Tensor3D;
    expect(() => layer.apply(x, [4])).toThrow(/1 lengths for a batch of 2/);
    expect(() => layer.apply(x, [4, 5])).toThrow(/lengths\[1\] = 5/);
    expect(() => layer.apply(tf.zeros([2, 4, 3]) as tf.Tensor3D, [4, 4])).toThrow(/inputSize 2/);
    expect(() => layer.apply(x, [4, 4], { initialState: { h: tf.zeros([1, 2, 3]) as tf.Tensor3D } })).toThrow(
      /initialState.c is missing/,
    );
    expect(() =>
      layer.apply(x, [4, 4], { initialState: { h: tf.zeros([2, 2, 3]) as tf.Tensor3D, c: tf.zeros([1, 2, 3]) as tf.Tensor3D } }),
    ).toThrow(/initialState.h has shape \[2,2,3\], expected \[1,2,3\]/);
    layer.dispose();
  });
});
