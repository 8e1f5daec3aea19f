// The generic path: the LSTM / GRU recurrence as a loop of tfjs-core ops per step, for
// backends without a kernel of ours (webgl, tensorflow). Differentiated by tfjs's autodiff.
// Time-major: gx is [time, batch, gates·hidden], the input projection done by the caller.
import * as tf from '@tensorflow/tfjs-core';
import type { SequenceSpans } from './recurrent-kernel-op';
import { fusedGruCell, webglGruCell } from './webgl-gru-cell';
import { fusedLstmCell, webglLstmCell } from './webgl-lstm-cell';

export interface LstmSequenceResult {
  /** [time, batch, hidden], zero at inactive steps. */
  y: tf.Tensor3D;
  hN: tf.Tensor2D;
  cN: tf.Tensor2D;
}

export interface GruSequenceResult {
  y: tf.Tensor3D;
  hN: tf.Tensor2D;
}

/**
 * Which rows take each step: 'all' and 'none' need no mask (a step no row takes is skipped, one
 * every row takes carries its new state as is: on webgl each op is a shader program, and the
 * masking ops of the autodiffed loop cost more than the cell itself); otherwise a [batch, 1]
 * mask, 1 where the row is active.
 */
type StepActivity = 'all' | 'none' | tf.Tensor2D;

function stepActivity(spans: SequenceSpans, T: number): StepActivity[] {
  const B = spans.start.length;
  const steps: StepActivity[] = new Array(T);
  for (let t = 0; t < T; t++) {
    const m = new Float32Array(B);
    let active = 0;
    for (let b = 0; b < B; b++) {
      if (t >= spans.start[b] && t < spans.end[b]) {
        m[b] = 1;
        active++;
      }
    }
    steps[t] = active === B ? 'all' : active === 0 ? 'none' : tf.tensor2d(m, [B, 1]);
  }
  return steps;
}

/** Keeps `prev` where the mask is 0, takes `next` where it is 1. */
function carry(mask: tf.Tensor2D, next: tf.Tensor2D, prev: tf.Tensor2D): tf.Tensor2D {
  return tf.add(prev, tf.mul(mask, tf.sub(next, prev)));
}

export function lstmSequenceOps(
  gx: tf.Tensor3D,
  whh: tf.Tensor2D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  spans: SequenceSpans,
  reverse: boolean,
): LstmSequenceResult {
  const fused = fusedLstmCell.active();
  const { y, state } = scanSteps(gx, [h0, c0], spans, reverse, (gxStep, [h, c]) => {
    const pre = tf.add(gxStep, tf.matMul(h, whh, false, true)) as tf.Tensor2D;
    const next = fused ? webglLstmCell(pre, c) : lstmCellOps(pre, c);
    return [next.h, next.c];
  });
  return { y, hN: state[0], cN: state[1] };
}

/**
 * The loop both cells share: `cell` maps a step's input projection and the state (h first) to
 * the new state; a row keeps its old state at steps it does not take, and its output there is 0.
 */
function scanSteps(
  gx: tf.Tensor3D,
  state0: tf.Tensor2D[],
  spans: SequenceSpans,
  reverse: boolean,
  cell: (gxStep: tf.Tensor2D, state: tf.Tensor2D[]) => tf.Tensor2D[],
): { y: tf.Tensor3D; state: tf.Tensor2D[] } {
  const T = gx.shape[0];
  const activity = stepActivity(spans, T);
  const gxSteps = tf.unstack(gx) as tf.Tensor2D[];
  const ys: tf.Tensor2D[] = new Array(T);
  const idle = tf.zerosLike(state0[0]);
  let state = state0;
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const mask = activity[t];
    if (mask === 'none') {
      ys[t] = idle;
      continue;
    }
    const next = cell(gxSteps[t], state);
    if (mask === 'all') {
      ys[t] = next[0];
      state = next;
    } else {
      ys[t] = tf.mul(mask, next[0]);
      state = next.map((v, i) => carry(mask, v, state[i]));
    }
  }
  return { y: tf.stack(ys) as tf.Tensor3D, state };
}

function lstmCellOps(pre: tf.Tensor2D, c: tf.Tensor2D): { h: tf.Tensor2D; c: tf.Tensor2D } {
  const [i, f, g, o] = tf.split(pre, 4, 1);
  const cNew = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor2D;
  return { h: tf.mul(tf.sigmoid(o), tf.tanh(cNew)) as tf.Tensor2D, c: cNew };
}

export function gruSequenceOps(
  gx: tf.Tensor3D,
  whh: tf.Tensor2D,
  bhh: tf.Tensor1D,
  h0: tf.Tensor2D,
  spans: SequenceSpans,
  reverse: boolean,
): GruSequenceResult {
  const fused = fusedGruCell.active();
  const { y, state } = scanSteps(gx, [h0], spans, reverse, (gxStep, [h]) => {
    const gh = tf.add(tf.matMul(h, whh, false, true), bhh) as tf.Tensor2D;
    return [fused ? webglGruCell(gxStep, gh, h) : gruCellOps(gxStep, gh, h)];
  });
  return { y, hN: state[0] };
}

function gruCellOps(gx: tf.Tensor2D, gh: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor2D {
  const [xr, xz, xn] = tf.split(gx, 3, 1);
  const [hr, hz, hn] = tf.split(gh, 3, 1);
  const r = tf.sigmoid(tf.add(xr, hr));
  const z = tf.sigmoid(tf.add(xz, hz));
  const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
  // (1 − z)·n + z·h = n + z·(h − n)
  return tf.add(n, tf.mul(z, tf.sub(h, n))) as tf.Tensor2D;
}
