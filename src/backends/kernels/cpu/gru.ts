// The GRU recurrence over a whole sequence on typed arrays, forward and backward through time,
// time-major. PyTorch's formulation, gate order r, z, n:
//   r = σ(gx_r + W_hr h + b_hr), z = σ(gx_z + W_hz h + b_hz),
//   n = tanh(gx_n + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h
// where gx = x·W_ihᵀ + b_ih comes from one matMul over all steps. b_hh stays inside the
// recurrence because b_hn is multiplied by r. Spans as in lstm.ts.
import { sigmoid, type RecurrenceSpans } from './lstm';

export interface GruForwardInputs extends RecurrenceSpans {
  time: number;
  batch: number;
  hidden: number;
  /** [time, batch, 3·hidden]: x·W_ihᵀ + b_ih. */
  gx: Float32Array;
  /** [3·hidden, hidden]. */
  whh: Float32Array;
  /** [3·hidden]. */
  bhh: Float32Array;
  /** [batch, hidden]. */
  h0: Float32Array;
}

export interface GruTrace {
  /** Activated r, z, n: [time, batch, 3·hidden]. */
  gates: Float32Array;
  /** W_hn h + b_hn: [time, batch, hidden]. */
  hn: Float32Array;
  hiddenPrev: Float32Array;
}

export interface GruForwardResult {
  y: Float32Array;
  hN: Float32Array;
  trace: GruTrace | null;
}

export function gruForward(p: GruForwardInputs, keepTrace: boolean): GruForwardResult {
  const { time: T, batch: B, hidden: H, gx, whh, bhh, start, end, reverse } = p;
  const G = 3 * H;
  const h = Float32Array.from(p.h0);
  const y = new Float32Array(T * B * H);
  const trace: GruTrace | null = keepTrace
    ? { gates: new Float32Array(T * B * G), hn: new Float32Array(T * B * H), hiddenPrev: new Float32Array(T * B * H) }
    : null;
  const gh = new Float32Array(G);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      if (t < start[b] || t >= end[b]) continue;
      const gOff = (t * B + b) * G;
      const hOff = b * H;
      const oOff = (t * B + b) * H;
      for (let k = 0; k < G; k++) {
        const wOff = k * H;
        let sum = bhh[k];
        let j = 0;
        for (; j + 3 < H; j += 4) {
          sum +=
            whh[wOff + j] * h[hOff + j] +
            whh[wOff + j + 1] * h[hOff + j + 1] +
            whh[wOff + j + 2] * h[hOff + j + 2] +
            whh[wOff + j + 3] * h[hOff + j + 3];
        }
        for (; j < H; j++) sum += whh[wOff + j] * h[hOff + j];
        gh[k] = sum;
      }
      for (let j = 0; j < H; j++) {
        const r = sigmoid(gx[gOff + j] + gh[j]);
        const z = sigmoid(gx[gOff + H + j] + gh[H + j]);
        const hnj = gh[2 * H + j];
        const n = Math.tanh(gx[gOff + 2 * H + j] + r * hnj);
        const hPrev = h[hOff + j];
        if (trace !== null) {
          trace.gates[gOff + j] = r;
          trace.gates[gOff + H + j] = z;
          trace.gates[gOff + 2 * H + j] = n;
          trace.hn[oOff + j] = hnj;
          trace.hiddenPrev[oOff + j] = hPrev;
        }
        y[oOff + j] = (1 - z) * n + z * hPrev;
      }
      for (let j = 0; j < H; j++) h[hOff + j] = y[oOff + j];
    }
  }
  return { y, hN: h, trace };
}

export interface GruBackwardResult {
  /** d(gx): [time, batch, 3·hidden]. */
  dGx: Float32Array;
  /** Gradient of W_hh h + b_hh: [time, batch, 3·hidden] (d b_hh is its sum over rows). */
  dGh: Float32Array;
  dh0: Float32Array;
}

export function gruBackward(p: GruForwardInputs, trace: GruTrace, dy: Float32Array, dhN: Float32Array): GruBackwardResult {
  const { time: T, batch: B, hidden: H, whh, start, end, reverse } = p;
  const G = 3 * H;
  const dh = Float32Array.from(dhN);
  const dGx = new Float32Array(T * B * G);
  const dGh = new Float32Array(T * B * G);
  const { gates, hn, hiddenPrev } = trace;
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      if (t < start[b] || t >= end[b]) continue;
      const gOff = (t * B + b) * G;
      const hOff = b * H;
      const oOff = (t * B + b) * H;
      for (let j = 0; j < H; j++) {
        const r = gates[gOff + j];
        const z = gates[gOff + H + j];
        const n = gates[gOff + 2 * H + j];
        const dhTotal = dh[hOff + j] + dy[oOff + j];
        const dn = dhTotal * (1 - z) * (1 - n * n);
        const dz = dhTotal * (hiddenPrev[oOff + j] - n) * z * (1 - z);
        const dr = dn * hn[oOff + j] * r * (1 - r);
        dGx[gOff + j] = dr;
        dGx[gOff + H + j] = dz;
        dGx[gOff + 2 * H + j] = dn;
        dGh[gOff + j] = dr;
        dGh[gOff + H + j] = dz;
        dGh[gOff + 2 * H + j] = dn * r;
        dh[hOff + j] = dhTotal * z;
      }
      for (let k = 0; k < G; k++) {
        const d = dGh[gOff + k];
        if (d === 0) continue;
        const wOff = k * H;
        for (let j = 0; j < H; j++) dh[hOff + j] += d * whh[wOff + j];
      }
    }
  }
  return { dGx, dGh, dh0: dh };
}
