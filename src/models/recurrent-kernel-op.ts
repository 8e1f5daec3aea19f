// One recurrent layer (all its directions) as a single differentiable tfjs op computed by the
// typed-array kernel (src/backends/kernels/cpu/recurrent-layer.ts). It reads its inputs out of
// whichever backend holds them (free on cpu, one copy on wasm) and its gradient is the
// kernel's backward pass through time.
import * as tf from '@tensorflow/tfjs-core';
import {
  recurrentLayerBackward,
  recurrentLayerForward,
  type CellKind,
  type LayerArgs,
} from '../backends/kernels/cpu/recurrent-layer';
import type { MatrixEngine } from '../backends/kernels/cpu/matrix-engine';

export interface SequenceSpans {
  /** Per row, the first active step. */
  start: Int32Array;
  /** Per row, one past the last active step. */
  end: Int32Array;
}

export interface DirectionTensors {
  wih: tf.Tensor;
  bih: tf.Tensor;
  bhh: tf.Tensor;
  whh: tf.Tensor;
  h0: tf.Tensor2D;
  /** LSTM only. */
  c0?: tf.Tensor2D;
}

export interface LayerResult {
  /** [batch, time, directions·hidden]. */
  y: tf.Tensor3D;
  hN: tf.Tensor2D[];
  cN: tf.Tensor2D[];
}

/**
 * Whether the op about to run is being recorded for a gradient (inside tf.grads,
 * variableGrads, optimizer.minimize). When not, the kernel keeps no trace for a backward
 * pass. Reads the engine's own test (tfjs-core 4.x); if that is missing, assumes recording.
 */
function recording(): boolean {
  const engine = tf.engine() as unknown as { isTapeOn?: () => boolean };
  return typeof engine.isTapeOn === 'function' ? engine.isTapeOn() : true;
}

function f32(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

export function recurrentLayerKernel(
  kind: CellKind,
  x: tf.Tensor3D,
  dirs: DirectionTensors[],
  hidden: number,
  spans: SequenceSpans,
  engine: MatrixEngine,
): LayerResult {
  const [B, T, I] = x.shape;
  const D = dirs.length;
  const H = hidden;
  const perDir = kind === 'lstm' ? 6 : 5;
  const stateCount = kind === 'lstm' ? 2 : 1;
  const ySize = B * T * D * H;
  const inputs: tf.Tensor[] = [x];
  for (const d of dirs) {
    inputs.push(d.wih, d.bih, d.bhh, d.whh, d.h0);
    if (kind === 'lstm') {
      if (!d.c0) throw new Error('recurrentLayerKernel: an LSTM direction needs c0');
      inputs.push(d.c0);
    }
  }
  const keepTrace = recording();
  // tf.customGrad carries one output: y, then every direction's h_N, then (LSTM) its c_N.
  const op = tf.customGrad((...argsIn: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const t = argsIn as tf.Tensor[];
    const args: LayerArgs = {
      kind,
      time: T,
      batch: B,
      input: I,
      hidden: H,
      x: f32(t[0]),
      dirs: dirs.map((_, d) => {
        const o = 1 + d * perDir;
        return {
          wih: f32(t[o]),
          bih: f32(t[o + 1]),
          bhh: f32(t[o + 2]),
          whh: f32(t[o + 3]),
          h0: f32(t[o + 4]),
          c0: kind === 'lstm' ? f32(t[o + 5]) : null,
          reverse: d === 1,
        };
      }),
      start: spans.start,
      end: spans.end,
    };
    const packed = new Float32Array(ySize + stateCount * D * B * H);
    const fwd = recurrentLayerForward(engine, args, keepTrace, packed.subarray(0, ySize));
    fwd.hN.forEach((h, d) => packed.set(h, ySize + d * B * H));
    fwd.cN.forEach((c, d) => packed.set(c, ySize + (D + d) * B * H));
    return {
      value: tf.tensor1d(packed),
      gradFunc: (dy: tf.Tensor) => {
        const g = f32(dy);
        const dhN = dirs.map((_, d) => g.subarray(ySize + d * B * H, ySize + (d + 1) * B * H));
        const dcN = kind === 'lstm' ? dirs.map((_, d) => g.subarray(ySize + (D + d) * B * H, ySize + (D + d + 1) * B * H)) : [];
        if (fwd.trace === null) throw new Error('recurrentLayerKernel: no trace kept for the backward pass');
        const back = recurrentLayerBackward(engine, args, fwd.trace, g.subarray(0, ySize), dhN, dcN);
        const grads: tf.Tensor[] = [tf.tensor3d(back.dx, [B, T, I])];
        back.dirs.forEach((gd, d) => {
          const o = 1 + d * perDir;
          grads.push(
            tf.tensor(gd.dwih, t[o].shape),
            tf.tensor(gd.dbih, t[o + 1].shape),
            tf.tensor(gd.dbhh, t[o + 2].shape),
            tf.tensor(gd.dwhh, t[o + 3].shape),
            tf.tensor2d(gd.dh0, [B, H]),
          );
          if (kind === 'lstm') grads.push(tf.tensor2d(gd.dc0!, [B, H]));
        });
        return grads;
      },
    };
  });
  const packed = op(...inputs) as tf.Tensor1D;
  const y = tf.reshape(tf.slice(packed, 0, ySize), [B, T, D * H]) as tf.Tensor3D;
  const state = (k: number) => tf.reshape(tf.slice(packed, ySize + k * B * H, B * H), [B, H]) as tf.Tensor2D;
  const hN = dirs.map((_, d) => state(d));
  const cN = kind === 'lstm' ? dirs.map((_, d) => state(D + d)) : [];
  return { y, hN, cN };
}
