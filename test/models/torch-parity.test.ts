import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Recurrent, type RecurrentImplementation } from '../../src/models/recurrent';
import { loadTorchWeights } from '../../src/models/torch-weights';
import { setMatrixEngine, type MatrixEngineName } from '../../src/backends/kernels/engine-choice';
import { readTorchCases, type TorchCase } from './torch-testdata';

const TOL = 1e-4;
const cases = readTorchCases();

function maxAbsDiff(actual: tf.Tensor, expected: unknown, what: string): number {
  const exp = tf.tensor(expected as number[]);
  expect(actual.shape, `${what}: shape`).toEqual(exp.shape);
  const a = actual.dataSync();
  const e = exp.dataSync();
  exp.dispose();
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - e[i]));
  return worst;
}

function runCase(c: TorchCase, implementation: RecurrentImplementation): Record<string, number> {
  const layer = new Recurrent({
    kind: c.kind,
    inputSize: c.input_size,
    hiddenSize: c.hidden_size,
    numLayers: c.num_layers,
    bidirectional: c.bidirectional,
    implementation,
  });
  loadTorchWeights(layer, c.weights);
  const xValue = tf.tensor3d(c.x);
  const x = tf.variable(xValue, true, `parity_x_${path.basename(c.file)}_${implementation}_${tf.getBackend()}`);
  xValue.dispose();
  const lwOut = tf.tensor3d(c.loss_weights_output);
  const lwH = tf.tensor3d(c.loss_weights_h_n);
  const diffs: Record<string, number> = {};
  const names = Object.keys(layer.namedWeights());
  const { value, grads } = tf.variableGrads(() => {
    const r = layer.apply(x as tf.Tensor3D, c.lengths);
    diffs.output = maxAbsDiff(r.output, c.output, 'output');
    diffs.h_n = maxAbsDiff(r.h, c.h_n, 'h_n');
    if (c.kind === 'lstm') diffs.c_n = maxAbsDiff(r.c!, c.c_n, 'c_n');
    return tf.add(tf.sum(tf.mul(r.output, lwOut)), tf.sum(tf.mul(r.h, lwH))) as tf.Scalar;
  }, [x, ...layer.variables]);
  diffs.loss = Math.abs(value.dataSync()[0] - c.loss);
  diffs.grad_x = maxAbsDiff(grads[x.name], c.grad_x, 'grad x');
  const named = layer.namedWeights();
  for (const n of names) diffs[`grad ${n}`] = maxAbsDiff(grads[named[n].name], c.grad_weights[n], `grad ${n}`);
  value.dispose();
  tf.dispose(Object.values(grads));
  tf.dispose([x, lwOut, lwH]);
  layer.dispose();
  return diffs;
}

for (const backend of ['cpu', 'wasm']) {
  describe(`PyTorch parity on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
    });
    afterAll(async () => {
      await tf.setBackend('cpu');
    });
    const variants: Array<[RecurrentImplementation, MatrixEngineName | null]> = [
      ['kernel', 'wasm-simd-2t'],
      ['kernel', 'wasm-simd'],
      ['kernel', 'js'],
      ['ops', null],
    ];
    for (const [implementation, engine] of variants) {
      const label = engine ? `${implementation}, ${engine} engine` : implementation;
      for (const c of cases) {
        it(`${path.basename(c.file)} (${label}): outputs, final states, loss and all gradients within ${TOL}`, () => {
          if (engine) setMatrixEngine(engine);
          const before = tf.memory().numTensors;
          const diffs = runCase(c, implementation);
          setMatrixEngine('wasm-simd');
          expect(tf.memory().numTensors).toBe(before);
          if (process.env.PARITY_VERBOSE) console.log(backend, label, path.basename(c.file), Math.max(...Object.values(diffs)).toExponential(2), Object.keys(diffs).length);
          for (const [what, d] of Object.entries(diffs)) expect(d, what).toBeLessThan(TOL);
          // Every weight of the file took part in the comparison.
          expect(Object.keys(diffs).filter((k) => k.startsWith('grad ')).length).toBe(Object.keys(c.grad_weights).length);
        });
      }
    }
  });
}

describe('loadTorchWeights errors', () => {
  const c = cases.find((k) => k.kind === 'lstm' && k.bidirectional) ?? cases[0];
  const make = () =>
    new Recurrent({ kind: c.kind, inputSize: c.input_size, hiddenSize: c.hidden_size, numLayers: c.num_layers, bidirectional: c.bidirectional });

  it('names a missing key and changes nothing', () => {
    const layer = make();
    const before = layer.namedWeights().weight_ih_l0.arraySync();
    const { bias_hh_l0: _dropped, ...rest } = c.weights;
    expect(() => loadTorchWeights(layer, rest)).toThrow(/missing weight "bias_hh_l0" \(expected shape \[\d+\]\)/);
    expect(layer.namedWeights().weight_ih_l0.arraySync()).toEqual(before);
    layer.dispose();
  });

  it('names a wrong shape, a ragged row, a non-number and an unexpected key', () => {
    const layer = make();
    const w = c.weights.weight_hh_l0 as number[][];
    expect(() => loadTorchWeights(layer, { ...c.weights, weight_hh_l0: w.slice(1) })).toThrow(
      new RegExp(`weight "weight_hh_l0" has shape \\[${w.length - 1},${w[0].length}\\], expected \\[${w.length},${w[0].length}\\]`),
    );
    expect(() => loadTorchWeights(layer, { ...c.weights, weight_hh_l0: [w[0], w[1].slice(1), ...w.slice(2)] })).toThrow(
      /weight "weight_hh_l0" row 1 has/,
    );
    const bad = w.map((row) => [...row]);
    (bad[2] as unknown[])[1] = 'x';
    expect(() => loadTorchWeights(layer, { ...c.weights, weight_hh_l0: bad })).toThrow(/weight "weight_hh_l0"\[2\]\[1\] is "x"/);
    expect(() => loadTorchWeights(layer, { ...c.weights, weight_ih_l9: [[1]] })).toThrow(/unexpected weight\(s\) "weight_ih_l9"/);
    layer.dispose();
  });
});
