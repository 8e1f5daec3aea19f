import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { FusedAdam, FusedSgd } from '../../../src/backends/kernels/cpu/fused-optimizers';
import { matrixEngine, setMatrixEngine, type MatrixEngineName } from '../../../src/backends/kernels/engine-choice';

let count = 0;
function variables(seed: number): tf.Variable[] {
  return [[7, 3], [5]].map((shape, k) => {
    const init = tf.randomNormal(shape, 0, 1, 'float32', seed + k);
    const v = tf.variable(init, true, `fused_opt_test_${++count}`);
    init.dispose();
    return v;
  });
}

/** A loss whose gradients differ per element and per step. */
function loss(vars: tf.Variable[], step: number): tf.Scalar {
  return tf.tidy(() =>
    tf.addN(vars.map((v, k) => tf.sum(tf.mul(tf.sin(tf.add(v, step + k)), tf.square(v))))) as tf.Scalar,
  );
}

function run(make: () => tf.Optimizer, steps: number): number[][] {
  const vars = variables(3);
  const opt = make();
  for (let s = 0; s < steps; s++) opt.minimize(() => loss(vars, s), false, vars);
  const out = vars.map((v) => Array.from(v.dataSync()));
  opt.dispose();
  tf.dispose(vars);
  return out;
}

afterAll(async () => {
  await tf.setBackend('cpu');
});

for (const backend of ['cpu', 'wasm']) {
  describe(`fused optimizers on ${backend}`, () => {
    it('Adam matches tf.train.adam over several steps, and frees its tensors', async () => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const fused = run(() => new FusedAdam(0.05, 0.9, 0.999, 1e-8), 6);
      expect(tf.memory().numTensors).toBe(before);
      const reference = run(() => tf.train.adam(0.05, 0.9, 0.999, 1e-8), 6);
      const start = run(() => tf.train.sgd(0), 1);
      fused.flat().forEach((v, i) => expect(Math.abs(v - reference.flat()[i])).toBeLessThan(1e-5));
      // and the steps moved the weights
      expect(fused.flat().some((v, i) => Math.abs(v - start.flat()[i]) > 0.05)).toBe(true);
    });

    it('Adam on the plain-JS engine (no SIMD step) matches tf.train.adam too', async () => {
      await tf.setBackend(backend);
      const engineBefore = matrixEngine().name as MatrixEngineName;
      expect(matrixEngine().adamStep).toBeDefined(); // so the test above exercised the SIMD step
      setMatrixEngine('js');
      try {
        expect(matrixEngine().adamStep).toBeUndefined();
        const fused = run(() => new FusedAdam(0.05, 0.9, 0.999, 1e-8), 6);
        const reference = run(() => tf.train.adam(0.05, 0.9, 0.999, 1e-8), 6);
        fused.flat().forEach((v, i) => expect(Math.abs(v - reference.flat()[i])).toBeLessThan(1e-5));
      } finally {
        setMatrixEngine(engineBefore);
      }
    });

    it('SGD matches tf.train.sgd', async () => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const fused = run(() => new FusedSgd(0.1), 4);
      expect(tf.memory().numTensors).toBe(before);
      const reference = run(() => tf.train.sgd(0.1), 4);
      fused.flat().forEach((v, i) => expect(Math.abs(v - reference.flat()[i])).toBeLessThan(1e-5));
    });
  });
}
