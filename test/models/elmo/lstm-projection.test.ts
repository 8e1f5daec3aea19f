// The fused projected-LSTM op (typed-array BPTT) against the per-step tfjs-op version:
// outputs, final states and every gradient, with padding, initial states and active clips.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LstmCellWeights, LstmStackOptions, runLstmStack } from '../../../src/models/elmo/lstm-projection';
import { registerGradients } from '../../../src/models/gradients';
import { maxAbsDiff } from './fixtures';

describe('LSTM with projection: fused op vs tfjs ops', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    registerGradients();
  });

  it('agrees in values, final states and gradients', async () => {
    const start = tf.memory().numTensors;
    const [B, T, D, H, P] = [3, 6, 4, 7, 4];
    let seed = 10;
    const rnd = (shape: number[], scale: number) => tf.tidy(() => tf.variable(tf.randomNormal(shape, 0, scale, 'float32', seed++)));
    const cells: LstmCellWeights[] = [0, 1].map(() => ({
      wx: rnd([D === P ? P : P, 4 * H], 0.8) as unknown as tf.Tensor2D,
      wh: rnd([P, 4 * H], 0.8) as unknown as tf.Tensor2D,
      bias: rnd([4 * H], 0.5) as unknown as tf.Tensor1D,
      projection: rnd([H, P], 0.8) as unknown as tf.Tensor2D,
    }));
    const x = rnd([B, T, P], 1) as unknown as tf.Tensor3D;
    const lengths = [6, 3, 5];
    const maskValues = new Float32Array(B * T);
    lengths.forEach((l, b) => maskValues.fill(1, b * T, b * T + l));
    const mask = tf.tensor2d(maskValues, [B, T]);
    const initial = [0, 1].map(() => ({ c: tf.randomNormal([B, H], 0, 0.5, 'float32', seed++) as tf.Tensor2D, h: tf.randomNormal([B, P], 0, 0.2, 'float32', seed++) as tf.Tensor2D }));
    const probe = [0, 1].map(() => tf.randomNormal([B, T, P], 0, 1, 'float32', seed++));
    const base: LstmStackOptions = { cellClip: 0.5, projClip: 0.3, skipConnections: true, allValidSteps: 3 };
    const vars = [x, ...cells.flatMap((c) => [c.wx, c.wh, c.bias, c.projection!])] as unknown as tf.Variable[];
    const run = (kernel: 'ops' | 'fused') => {
      let finals: number[] = [];
      let clipped = 0;
      const g = tf.variableGrads(() => {
        const r = runLstmStack(cells, x, mask, initial, { ...base, kernel });
        finals = r.final.flatMap((s) => [...s.c.dataSync(), ...s.h.dataSync()]);
        clipped = r.outputs[0].dataSync().filter((v) => Math.abs(v) === Math.fround(0.3)).length;
        return tf.addN(r.outputs.map((o, k) => tf.sum(tf.mul(o, probe[k])))) as tf.Scalar;
      }, vars);
      return { g, finals, clipped };
    };
    const ops = run('ops');
    const fused = run('fused');
    expect(ops.clipped).toBeGreaterThan(0); // the projection clip is exercised
    expect(maxAbsDiff(fused.finals, ops.finals)).toBeLessThan(1e-5);
    expect(Math.abs(ops.g.value.dataSync()[0] - fused.g.value.dataSync()[0])).toBeLessThan(1e-4);
    for (const v of vars) {
      const err = maxAbsDiff(fused.g.grads[v.name].dataSync(), ops.g.grads[v.name].dataSync());
      expect(err, v.name).toBeLessThan(1e-4);
    }
    tf.dispose([ops.g.value, fused.g.value, ...Object.values(ops.g.grads), ...Object.values(fused.g.grads), ...vars, mask, ...probe]);
    initial.forEach((s) => tf.dispose([s.c, s.h]));
    expect(tf.memory().numTensors).toBe(start);
  });
});
