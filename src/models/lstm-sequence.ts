// The LSTM recurrence as one differentiable whole-sequence op, computed by the typed-array
// kernel (src/backends/kernels/cpu/lstm.ts). Works on any backend by reading the inputs out;
// on cpu that read is free. Its gradient is one backward loop over the saved gate values, plus
// one matMul for W_hh over all steps.
import * as tf from '@tensorflow/tfjs-core';
import { lstmBackward, lstmForward, type LstmForwardInputs } from '../backends/kernels/cpu/lstm';

export interface SequenceSpans {
  /** Per row, the first active step. */
  start: Int32Array;
  /** Per row, one past the last active step. */
  end: Int32Array;
}

export interface LstmSequenceResult {
  /** [time, batch, hidden], zero at inactive steps. */
  y: tf.Tensor3D;
  hN: tf.Tensor2D;
  cN: tf.Tensor2D;
}

/**
 * gx: [time, batch, 4·hidden] = x·W_ihᵀ + b_ih + b_hh; whh: [4·hidden, hidden];
 * h0, c0: [batch, hidden].
 */
export function lstmSequenceKernel(
  gx: tf.Tensor3D,
  whh: tf.Tensor2D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  spans: SequenceSpans,
  reverse: boolean,
): LstmSequenceResult {
  const [T, B, G] = gx.shape;
  const H = G / 4;
  // Outputs are packed into one tensor [time + 2, batch, hidden] (y, then h_N, then c_N):
  // tf.customGrad carries a single output.
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [gxT, whhT, h0T, c0T] = args as tf.Tensor[];
    const inputs: LstmForwardInputs = {
      time: T,
      batch: B,
      hidden: H,
      gx: gxT.dataSync() as Float32Array,
      whh: whhT.dataSync() as Float32Array,
      h0: h0T.dataSync() as Float32Array,
      c0: c0T.dataSync() as Float32Array,
      start: spans.start,
      end: spans.end,
      reverse,
    };
    const fwd = lstmForward(inputs, true);
    const packed = new Float32Array((T + 2) * B * H);
    packed.set(fwd.y, 0);
    packed.set(fwd.hN, T * B * H);
    packed.set(fwd.cN, (T + 1) * B * H);
    return {
      value: tf.tensor3d(packed, [T + 2, B, H]),
      gradFunc: (dy: tf.Tensor) => {
        const dPacked = dy.dataSync() as Float32Array;
        const n = T * B * H;
        const trace = fwd.trace!;
        const back = lstmBackward(
          inputs,
          trace,
          dPacked.subarray(0, n),
          dPacked.subarray(n, n + B * H),
          dPacked.subarray(n + B * H, n + 2 * B * H),
        );
        const dGates = tf.tensor2d(back.dGates, [T * B, G]);
        const hPrev = tf.tensor2d(trace.hiddenPrev, [T * B, H]);
        const dWhh = tf.matMul(dGates, hPrev, true, false);
        return [
          tf.reshape(dGates, [T, B, G]),
          dWhh,
          tf.tensor2d(back.dh0, [B, H]),
          tf.tensor2d(back.dc0, [B, H]),
        ];
      },
    };
  });
  const packed = op(gx, whh, h0, c0) as tf.Tensor3D;
  return unpackStates(packed, T, B, H, true) as LstmSequenceResult;
}

/** Splits [time + k, batch, hidden] into y and the k final states (h, then c). */
export function unpackStates(
  packed: tf.Tensor3D,
  T: number,
  B: number,
  H: number,
  withCell: boolean,
): { y: tf.Tensor3D; hN: tf.Tensor2D; cN?: tf.Tensor2D } {
  const y = tf.slice(packed, [0, 0, 0], [T, B, H]);
  const hN = tf.reshape(tf.slice(packed, [T, 0, 0], [1, B, H]), [B, H]) as tf.Tensor2D;
  const cN = withCell ? (tf.reshape(tf.slice(packed, [T + 1, 0, 0], [1, B, H]), [B, H]) as tf.Tensor2D) : undefined;
  return { y, hN, cN };
}
