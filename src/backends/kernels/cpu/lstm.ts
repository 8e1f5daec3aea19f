// The LSTM recurrence over a whole sequence on typed arrays, forward and backward through
// time, time-major ([time, batch, ...]). The input projection (x·W_ihᵀ + b_ih + b_hh) is done
// before, as one matMul over all steps; the weight gradient of W_hh after, as one matMul of the
// returned gate gradients with the saved previous hidden states. Gate order i, f, g, o
// (PyTorch's). Row b is active at steps start[b] <= t < end[b]; elsewhere its output is zero
// and its state is carried unchanged, which is what PyTorch's packed sequences do for
// post-padding (start 0) and what pre-padding (end = time) needs.

export interface RecurrenceSpans {
  start: Int32Array;
  end: Int32Array;
  /** Run from the last step to the first (the backward direction of a bidirectional layer). */
  reverse: boolean;
}

export interface LstmForwardInputs extends RecurrenceSpans {
  time: number;
  batch: number;
  hidden: number;
  /** [time, batch, 4·hidden]: x·W_ihᵀ + b_ih + b_hh. */
  gx: Float32Array;
  /** [4·hidden, hidden], PyTorch's weight_hh. */
  whh: Float32Array;
  /** [batch, hidden] each. */
  h0: Float32Array;
  c0: Float32Array;
}

/** Values the backward pass reads; all [time, batch, ·], zero at inactive steps. */
export interface LstmTrace {
  /** Activated gates i, f, g, o: [time, batch, 4·hidden]. */
  gates: Float32Array;
  /** tanh of the cell after the step: [time, batch, hidden]. */
  tanhCell: Float32Array;
  /** Cell before the step. */
  cellPrev: Float32Array;
  /** Hidden state before the step (the right operand of dW_hh). */
  hiddenPrev: Float32Array;
}

export interface LstmForwardResult {
  /** [time, batch, hidden]. */
  y: Float32Array;
  hN: Float32Array;
  cN: Float32Array;
  trace: LstmTrace | null;
}

export function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

export function lstmForward(p: LstmForwardInputs, keepTrace: boolean): LstmForwardResult {
  const { time: T, batch: B, hidden: H, gx, whh, start, end, reverse } = p;
  const G = 4 * H;
  const h = Float32Array.from(p.h0);
  const c = Float32Array.from(p.c0);
  const y = new Float32Array(T * B * H);
  const trace: LstmTrace | null = keepTrace
    ? {
        gates: new Float32Array(T * B * G),
        tanhCell: new Float32Array(T * B * H),
        cellPrev: new Float32Array(T * B * H),
        hiddenPrev: new Float32Array(T * B * H),
      }
    : null;
  const pre = new Float32Array(G);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      if (t < start[b] || t >= end[b]) continue;
      const gOff = (t * B + b) * G;
      const hOff = b * H;
      const oOff = (t * B + b) * H;
      // pre = gx[t, b] + W_hh · h[b]
      for (let k = 0; k < G; k++) {
        const wOff = k * H;
        let sum = gx[gOff + k];
        let j = 0;
        for (; j + 3 < H; j += 4) {
          sum +=
            whh[wOff + j] * h[hOff + j] +
            whh[wOff + j + 1] * h[hOff + j + 1] +
            whh[wOff + j + 2] * h[hOff + j + 2] +
            whh[wOff + j + 3] * h[hOff + j + 3];
        }
        for (; j < H; j++) sum += whh[wOff + j] * h[hOff + j];
        pre[k] = sum;
      }
      for (let j = 0; j < H; j++) {
        const ig = sigmoid(pre[j]);
        const fg = sigmoid(pre[H + j]);
        const gg = Math.tanh(pre[2 * H + j]);
        const og = sigmoid(pre[3 * H + j]);
        const cPrev = c[hOff + j];
        const cNew = fg * cPrev + ig * gg;
        const tc = Math.tanh(cNew);
        const hNew = og * tc;
        if (trace !== null) {
          trace.gates[gOff + j] = ig;
          trace.gates[gOff + H + j] = fg;
          trace.gates[gOff + 2 * H + j] = gg;
          trace.gates[gOff + 3 * H + j] = og;
          trace.tanhCell[oOff + j] = tc;
          trace.cellPrev[oOff + j] = cPrev;
          trace.hiddenPrev[oOff + j] = h[hOff + j];
        }
        c[hOff + j] = cNew;
        y[oOff + j] = hNew;
      }
      // h[b] changes only after all of pre[] has been read from it.
      for (let j = 0; j < H; j++) h[hOff + j] = y[oOff + j];
    }
  }
  return { y, hN: h, cN: c, trace };
}

export interface LstmBackwardResult {
  /** Gradient of the gate pre-activations, [time, batch, 4·hidden]: also d(gx). */
  dGates: Float32Array;
  dh0: Float32Array;
  dc0: Float32Array;
}

export function lstmBackward(
  p: LstmForwardInputs,
  trace: LstmTrace,
  dy: Float32Array,
  dhN: Float32Array,
  dcN: Float32Array,
): LstmBackwardResult {
  const { time: T, batch: B, hidden: H, whh, start, end, reverse } = p;
  const G = 4 * H;
  const dh = Float32Array.from(dhN);
  const dc = Float32Array.from(dcN);
  const dGates = new Float32Array(T * B * G);
  const { gates, tanhCell, cellPrev } = trace;
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      if (t < start[b] || t >= end[b]) continue;
      const gOff = (t * B + b) * G;
      const hOff = b * H;
      const oOff = (t * B + b) * H;
      for (let j = 0; j < H; j++) {
        const ig = gates[gOff + j];
        const fg = gates[gOff + H + j];
        const gg = gates[gOff + 2 * H + j];
        const og = gates[gOff + 3 * H + j];
        const tc = tanhCell[oOff + j];
        const dhTotal = dh[hOff + j] + dy[oOff + j];
        const dcTotal = dc[hOff + j] + dhTotal * og * (1 - tc * tc);
        dGates[gOff + j] = dcTotal * gg * ig * (1 - ig);
        dGates[gOff + H + j] = dcTotal * cellPrev[oOff + j] * fg * (1 - fg);
        dGates[gOff + 2 * H + j] = dcTotal * ig * (1 - gg * gg);
        dGates[gOff + 3 * H + j] = dhTotal * tc * og * (1 - og);
        dc[hOff + j] = dcTotal * fg;
      }
      // dh[b] = W_hhᵀ · dGates[t, b]
      dh.fill(0, hOff, hOff + H);
      for (let k = 0; k < G; k++) {
        const d = dGates[gOff + k];
        if (d === 0) continue;
        const wOff = k * H;
        for (let j = 0; j < H; j++) dh[hOff + j] += d * whh[wOff + j];
      }
    }
  }
  return { dGates, dh0: dh, dc0: dc };
}
