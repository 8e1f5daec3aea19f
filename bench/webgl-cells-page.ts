/**
 * In-page half of bench/webgl-cells.ts: times Recurrent's op path on webgl with the fused
 * LSTM/GRU cell programs on and off, forward only and forward + gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { useBackend } from '../src/backends';
import { Recurrent, type RecurrentKind } from '../src/models/recurrent';
import { fusedGruCell } from '../src/models/webgl-gru-cell';
import { fusedLstmCell } from '../src/models/webgl-lstm-cell';

export interface CellTiming {
  /** Milliseconds per batch, median of the timed repetitions. */
  forwardMs: number;
  trainMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const bench = {
  async time(kind: RecurrentKind, batch: number, steps: number, hidden: number, reps: number, fused: boolean, pack = true): Promise<CellTiming> {
    await useBackend('webgl');
    // tfjs's packed 2×2 texel layout (its default) or one value per texel, as the fused programs use.
    tf.env().set('WEBGL_PACK', pack);
    fusedLstmCell.setEnabled(fused);
    fusedGruCell.setEnabled(fused);
    const layer = new Recurrent({ kind, inputSize: hidden, hiddenSize: hidden, numLayers: 1, implementation: 'ops', seed: 3 });
    const x = tf.randomNormal([batch, steps, hidden], 0, 1, 'float32', 5) as tf.Tensor3D;
    const lengths = new Array(batch).fill(steps);
    const forward = () => {
      const out = tf.tidy(() => tf.sum(layer.apply(x, lengths).output));
      out.dataSync(); // waits for the GPU
      out.dispose();
    };
    const train = () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(x, lengths).output) as tf.Scalar, layer.variables);
      tf.stack(Object.values(grads).map((g) => tf.sum(g))).dataSync();
      tf.dispose([value, ...Object.values(grads)]);
    };
    const timed = (f: () => void) => {
      f(); // warm-up: shader compilation
      const ms: number[] = [];
      for (let r = 0; r < reps; r++) {
        const t0 = performance.now();
        f();
        ms.push(performance.now() - t0);
      }
      return median(ms);
    };
    try {
      return { forwardMs: timed(forward), trainMs: timed(train) };
    } finally {
      x.dispose();
      layer.dispose();
      fusedLstmCell.setEnabled(true);
      fusedGruCell.setEnabled(true);
    }
  },
};

export type WebglCellsBench = typeof bench;
(globalThis as unknown as { seqflowHarness: WebglCellsBench }).seqflowHarness = bench;
