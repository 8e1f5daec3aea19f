// The GRU recurrence as one differentiable whole-sequence op on the typed-array kernel
// (src/backends/kernels/cpu/gru.ts); see lstm-sequence.ts.
import * as tf from '@tensorflow/tfjs-core';
import { gruBackward, gruForward, type GruForwardInputs } from '../backends/kernels/cpu/gru';
import { unpackStates, type SequenceSpans } from './lstm-sequence';

export interface GruSequenceResult {
  y: tf.Tensor3D;
  hN: tf.Tensor2D;
}

/** gx: [time, batch, 3·hidden] = x·W_ihᵀ + b_ih; whh: [3·hidden, hidden]; bhh: [3·hidden]. */
export function gruSequenceKernel(
  gx: tf.Tensor3D,
  whh: tf.Tensor2D,
  bhh: tf.Tensor1D,
  h0: tf.Tensor2D,
  spans: SequenceSpans,
  reverse: boolean,
): GruSequenceResult {
  const [T, B, G] = gx.shape;
  const H = G / 3;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [gxT, whhT, bhhT, h0T] = args as tf.Tensor[];
    const inputs: GruForwardInputs = {
      time: T,
      batch: B,
      hidden: H,
      gx: gxT.dataSync() as Float32Array,
      whh: whhT.dataSync() as Float32Array,
      bhh: bhhT.dataSync() as Float32Array,
      h0: h0T.dataSync() as Float32Array,
      start: spans.start,
      end: spans.end,
      reverse,
    };
    const fwd = gruForward(inputs, true);
    const packed = new Float32Array((T + 1) * B * H);
    packed.set(fwd.y, 0);
    packed.set(fwd.hN, T * B * H);
    return {
      value: tf.tensor3d(packed, [T + 1, B, H]),
      gradFunc: (dy: tf.Tensor) => {
        const dPacked = dy.dataSync() as Float32Array;
        const n = T * B * H;
        const trace = fwd.trace!;
        const back = gruBackward(inputs, trace, dPacked.subarray(0, n), dPacked.subarray(n, n + B * H));
        const dGh = tf.tensor2d(back.dGh, [T * B, G]);
        const hPrev = tf.tensor2d(trace.hiddenPrev, [T * B, H]);
        return [
          tf.tensor3d(back.dGx, [T, B, G]),
          tf.matMul(dGh, hPrev, true, false),
          tf.sum(dGh, 0),
          tf.tensor2d(back.dh0, [B, H]),
        ];
      },
    };
  });
  const packed = op(gx, whh, bhh, h0) as tf.Tensor3D;
  const { y, hN } = unpackStates(packed, T, B, H, false);
  return { y, hN };
}
