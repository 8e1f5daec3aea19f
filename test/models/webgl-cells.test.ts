// The fused WebGL LSTM cell stays out of the way in Node: its kernel is registered for 'webgl'
// only, and Recurrent's op path on cpu and wasm never runs it (nor the 'kernel' path).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { Recurrent, type RecurrentImplementation } from '../../src/models/recurrent';
import { LSTM_CELL_KERNEL, webglLstmCellActive, webglLstmCellRuns } from '../../src/models/webgl-lstm-cell';

describe('fused WebGL LSTM cell outside WebGL', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('is registered as a kernel for webgl and for no other backend', () => {
    expect(tf.getKernel(LSTM_CELL_KERNEL, 'webgl')).toBeDefined();
    for (const backend of ['cpu', 'wasm', 'webgpu', 'tensorflow']) expect(tf.getKernel(LSTM_CELL_KERNEL, backend), backend).toBeUndefined();
  });

  for (const backend of ['cpu', 'wasm']) {
    for (const implementation of ['ops', 'auto'] as RecurrentImplementation[]) {
      it(`is not used by an LSTM on ${backend} (implementation '${implementation}'), forward or backward`, async () => {
        await tf.setBackend(backend);
        await tf.ready();
        expect(webglLstmCellActive()).toBe(false);
        const runsBefore = webglLstmCellRuns();
        const before = tf.memory().numTensors;
        const layer = new Recurrent({ kind: 'lstm', inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, implementation, seed: 1 });
        const x = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 7) as tf.Tensor3D;
        const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(x, [5, 3]).output) as tf.Scalar, layer.variables);
        // Something was computed, so the count staying put is not vacuous.
        expect(Object.keys(grads)).toHaveLength(layer.variables.length);
        expect(Math.abs(value.dataSync()[0])).toBeGreaterThan(0);
        tf.dispose([value, x, ...Object.values(grads)]);
        layer.dispose();
        expect(webglLstmCellRuns()).toBe(runsBefore);
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }
});
