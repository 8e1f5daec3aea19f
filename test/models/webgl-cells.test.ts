// The fused WebGL LSTM and GRU cells stay out of the way in Node: their kernels are registered
// for 'webgl' only, and Recurrent's op path on cpu and wasm never runs them (nor the 'kernel' path).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { Recurrent, type RecurrentImplementation, type RecurrentKind } from '../../src/models/recurrent';
import { fusedGruCell } from '../../src/models/webgl-gru-cell';
import { fusedLstmCell } from '../../src/models/webgl-lstm-cell';

describe('fused WebGL LSTM and GRU cells outside WebGL', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('are registered as kernels for webgl and for no other backend', () => {
    for (const kernel of [fusedLstmCell.kernelName, fusedLstmCell.gradKernelName, fusedGruCell.kernelName, fusedGruCell.gradKernelName]) {
      expect(tf.getKernel(kernel, 'webgl'), kernel).toBeDefined();
      for (const backend of ['cpu', 'wasm', 'webgpu', 'tensorflow']) expect(tf.getKernel(kernel, backend), `${kernel} on ${backend}`).toBeUndefined();
    }
  });

  for (const backend of ['cpu', 'wasm']) {
    for (const kind of ['lstm', 'gru'] as RecurrentKind[]) {
      for (const implementation of ['ops', 'auto'] as RecurrentImplementation[]) {
        it(`are not used by a ${kind} on ${backend} (implementation '${implementation}'), forward or backward`, async () => {
          await tf.setBackend(backend);
          await tf.ready();
          expect(fusedLstmCell.active()).toBe(false);
          expect(fusedGruCell.active()).toBe(false);
          const runsBefore = fusedLstmCell.runs() + fusedGruCell.runs();
          const before = tf.memory().numTensors;
          const layer = new Recurrent({ kind, inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, implementation, seed: 1 });
          const x = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 7) as tf.Tensor3D;
          const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(x, [5, 3]).output) as tf.Scalar, layer.variables);
          // Something was computed, so the count staying put is not vacuous.
          expect(Object.keys(grads)).toHaveLength(layer.variables.length);
          expect(Math.abs(value.dataSync()[0])).toBeGreaterThan(0);
          tf.dispose([value, x, ...Object.values(grads)]);
          layer.dispose();
          expect(fusedLstmCell.runs() + fusedGruCell.runs()).toBe(runsBefore);
          expect(tf.memory().numTensors).toBe(before);
        });
      }
    }
  }
});
