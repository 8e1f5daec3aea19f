// The fused projected-LSTM op (BPTT through the matrix engine) against the per-step tfjs-op
// version: outputs, final states and every gradient, with padding (a row masked from its first
// step too), initial states and active clips, on tfjs's cpu and wasm backends and on both of
// seqflow's matrix engines (plain JS and SIMD WebAssembly).
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../src/backends';
import { matrixEngine, setMatrixEngine, type MatrixEngineName } from '../../../src/backends/kernels/engine-choice';
import { LstmCellWeights, LstmStackOptions, runLstmStack } from '../../../src/models/elmo/lstm-projection';
import { registerGradients } from '../../../src/models/gradients';
import { maxAbsDiff } from './fixtures';

interface Case {
  lengths: number[];
  withInitial: boolean;
  cellClip: number | null;
  projClip: number | null;
}

function compare(c: Case) {
  const start = tf.memory().numTensors;
  const B = c.lengths.length;
  const [T, D, H, P] = [6, 4, 7, 4];
  let seed = 10;
  const rnd = (shape: number[], scale: number) => tf.tidy(() => tf.variable(tf.randomNormal(shape, 0, scale, 'float32', seed++)));
  const cells: LstmCellWeights[] = [0, 1].map(() => ({
    wx: rnd([D === P ? P : P, 4 * H], 0.8) as unknown as tf.Tensor2D,
    wh: rnd([P, 4 * H], 0.8) as unknown as tf.Tensor2D,
    bias: rnd([4 * H], 0.5) as unknown as tf.Tensor1D,
    projection: rnd([H, P], 0.8) as unknown as tf.Tensor2D,
  }));
  const x = rnd([B, T, P], 1) as unknown as tf.Tensor3D;
  const maskValues = new Float32Array(B * T);
  c.lengths.forEach((l, b) => maskValues.fill(1, b * T, b * T + l));
  const mask = tf.tensor2d(maskValues, [B, T]);
  const initial = c.withInitial
    ? [0, 1].map(() => ({ c: tf.randomNormal([B, H], 0, 0.5, 'float32', seed++) as tf.Tensor2D, h: tf.randomNormal([B, P], 0, 0.2, 'float32', seed++) as tf.Tensor2D }))
    : undefined;
  const probe = [0, 1].map(() => tf.randomNormal([B, T, P], 0, 1, 'float32', seed++));
  const base: LstmStackOptions = { cellClip: c.cellClip, projClip: c.projClip, skipConnections: true, allValidSteps: Math.min(...c.lengths) };
  const vars = [x, ...cells.flatMap((cell) => [cell.wx, cell.wh, cell.bias, cell.projection!])] as unknown as tf.Variable[];
  const run = (kernel: 'ops' | 'fused') => {
    let finals: number[] = [];
    let projClipped = 0;
    let cellClipped = 0;
    let maskedNonZero = 0;
    const g = tf.variableGrads(() => {
      const r = runLstmStack(cells, x, mask, initial, { ...base, kernel });
      finals = r.final.flatMap((s) => [...s.c.dataSync(), ...s.h.dataSync()]);
      if (c.projClip !== null) projClipped = r.outputs[0].dataSync().filter((v) => Math.abs(v) === Math.fround(c.projClip!)).length;
      if (c.cellClip !== null) cellClipped = r.final.flatMap((s) => [...s.c.dataSync()]).filter((v) => Math.abs(v) === Math.fround(c.cellClip!)).length;
      const out0 = r.outputs[0].dataSync();
      maskValues.forEach((m, k) => {
        if (m === 0) for (let p = 0; p < P; p++) if (out0[k * P + p] !== 0) maskedNonZero++;
      });
      return tf.addN(r.outputs.map((o, k) => tf.sum(tf.mul(o, probe[k])))) as tf.Scalar;
    }, vars);
    return { g, finals, projClipped, cellClipped, maskedNonZero };
  };
  const ops = run('ops');
  const fused = run('fused');
  // The clips are exercised where they are set.
  if (c.projClip !== null) expect(ops.projClipped).toBeGreaterThan(0);
  if (c.cellClip !== null) expect(ops.cellClipped).toBeGreaterThan(0);
  expect(fused.projClipped).toBe(ops.projClipped);
  expect(fused.maskedNonZero).toBe(0);
  expect(maxAbsDiff(fused.finals, ops.finals)).toBeLessThan(1e-5);
  expect(Math.abs(ops.g.value.dataSync()[0] - fused.g.value.dataSync()[0])).toBeLessThan(1e-4);
  for (const v of vars) {
    const err = maxAbsDiff(fused.g.grads[v.name].dataSync(), ops.g.grads[v.name].dataSync());
    expect(err, v.name).toBeLessThan(1e-4);
  }
  tf.dispose([ops.g.value, fused.g.value, ...Object.values(ops.g.grads), ...Object.values(fused.g.grads), ...vars, mask, ...probe]);
  initial?.forEach((s) => tf.dispose([s.c, s.h]));
  expect(tf.memory().numTensors).toBe(start);
}

const padded: Case = { lengths: [6, 3, 5], withInitial: true, cellClip: 0.5, projClip: 0.3 };

describe.each([
  ['cpu', 'js'],
  ['cpu', 'wasm-simd'],
  ['wasm', 'wasm-simd'],
] as const)('LSTM with projection: fused op vs tfjs ops on %s, %s matrix engine', (backend, engine: MatrixEngineName) => {
  let previous: MatrixEngineName;

  beforeAll(async () => {
    await useBackend(backend);
    registerGradients();
    previous = matrixEngine().name as MatrixEngineName;
    setMatrixEngine(engine);
  });

  afterAll(() => setMatrixEngine(previous));

  it('agrees with padding, initial states and both clips active', () => compare(padded));

  it('agrees without initial states or clips, with a row masked from its first step', () =>
    compare({ lengths: [4, 0, 6, 2], withInitial: false, cellClip: null, projClip: null }));
});
