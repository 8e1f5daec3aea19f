// One recurrent layer (LSTM or GRU, one or two directions) over a whole batch of sequences,
// forward and backward through time, on typed arrays. PyTorch's equations and layouts:
//   LSTM, gates i, f, g, o:  c' = σ(f)·c + σ(i)·tanh(g),  h' = σ(o)·tanh(c')
//   GRU, gates r, z, n:      n = tanh(gx_n + σ(r)·(W_hn h + b_hn)),  h' = (1 − z)·n + z·h
// with the pre-activations gx = x·W_ihᵀ + b_ih (+ b_hh for the LSTM; the GRU keeps b_hh in the
// recurrence because r multiplies b_hn) computed for all steps in one matrix product. Every
// weight gradient is one matrix product over all steps too; only the h·W_hhᵀ products walk the
// steps. Row b is active at steps start[b] ≤ t < end[b]: elsewhere its output is zero and its
// state passes through unchanged, which is PyTorch's packed-sequence rule for post-padding
// (start 0) and what pre-padding needs (end = time). The reverse direction walks the steps
// backwards, so it starts at each row's true last token.
import { transposeInto, type MatrixEngine } from './matrix-engine';

export type CellKind = 'lstm' | 'gru';

export interface DirectionParams {
  /** [G, I] with G = 4H (LSTM) or 3H (GRU). */
  wih: Float32Array;
  bih: Float32Array;
  bhh: Float32Array;
  /** [G, H]. */
  whh: Float32Array;
  /** [B, H]. */
  h0: Float32Array;
  /** [B, H], LSTM only. */
  c0: Float32Array | null;
  reverse: boolean;
}

export interface LayerArgs {
  kind: CellKind;
  time: number;
  batch: number;
  input: number;
  hidden: number;
  /** [B, T, I], batch-major. */
  x: Float32Array;
  dirs: DirectionParams[];
  start: Int32Array;
  end: Int32Array;
}

interface DirectionTrace {
  /** Activated gates [T·B, G], time-major. */
  gates: Float32Array;
  /** LSTM: tanh of the new cell; GRU: W_hn h + b_hn. [T·B, H]. */
  aux: Float32Array;
  /** LSTM: the cell before the step. [T·B, H]. */
  cellPrev: Float32Array | null;
  /** The hidden state before the step. [T·B, H]. */
  hiddenPrev: Float32Array;
}

export interface LayerTrace {
  /** x time-major, [T·B, I]. */
  xT: Float32Array;
  dirs: DirectionTrace[];
}

export interface LayerForwardResult {
  /** [B, T, D·H]: the directions side by side, as PyTorch concatenates them. */
  y: Float32Array;
  hN: Float32Array[];
  cN: Float32Array[];
  trace: LayerTrace | null;
}

export interface DirectionGrads {
  dwih: Float32Array;
  dbih: Float32Array;
  dbhh: Float32Array;
  dwhh: Float32Array;
  dh0: Float32Array;
  dc0: Float32Array | null;
}

export interface LayerBackwardResult {
  /** [B, T, I]. */
  dx: Float32Array;
  dirs: DirectionGrads[];
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

function gateCount(kind: CellKind): number {
  return kind === 'lstm' ? 4 : 3;
}

function isActive(args: LayerArgs, t: number, b: number): boolean {
  return t >= args.start[b] && t < args.end[b];
}

function anyActive(args: LayerArgs, t: number): boolean {
  for (let b = 0; b < args.batch; b++) if (isActive(args, t, b)) return true;
  return false;
}

export function recurrentLayerForward(engine: MatrixEngine, args: LayerArgs, keepTrace: boolean): LayerForwardResult {
  const { kind, time: T, batch: B, input: I, hidden: H, dirs } = args;
  const D = dirs.length;
  const G = gateCount(kind) * H;
  const TB = T * B;
  const DH = D * H;
  try {
    // Allocation phase: no `arr` is read until every buffer exists (wasm memory may grow).
    const xT = engine.alloc(TB * I);
    const bufs = dirs.map(() => ({
      wihT: engine.alloc(I * G),
      gx: engine.alloc(TB * G),
      whhT: engine.alloc(H * G),
      h: engine.alloc(B * H),
      pre: engine.alloc(B * G),
    }));
    const xTa = engine.refresh(xT);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const src = (b * T + t) * I;
        xTa.set(args.x.subarray(src, src + I), (t * B + b) * I);
      }
    }
    const y = new Float32Array(B * T * DH);
    const hN: Float32Array[] = [];
    const cN: Float32Array[] = [];
    const traces: DirectionTrace[] = [];
    dirs.forEach((p, d) => {
      const buf = bufs[d];
      transposeInto(p.wih, G, I, engine.refresh(buf.wihT));
      engine.nn(xT, 0, buf.wihT, 0, buf.gx, 0, TB, G, I, false);
      const gx = engine.refresh(buf.gx);
      const bias = new Float32Array(G);
      for (let k = 0; k < G; k++) bias[k] = kind === 'lstm' ? p.bih[k] + p.bhh[k] : p.bih[k];
      for (let r = 0; r < TB; r++) {
        const off = r * G;
        for (let k = 0; k < G; k++) gx[off + k] += bias[k];
      }
      transposeInto(p.whh, G, H, engine.refresh(buf.whhT));
      const h = engine.refresh(buf.h);
      h.set(p.h0);
      const pre = engine.refresh(buf.pre);
      const c = p.c0 === null ? null : Float32Array.from(p.c0);
      const trace: DirectionTrace | null = keepTrace
        ? {
            gates: new Float32Array(TB * G),
            aux: new Float32Array(TB * H),
            cellPrev: kind === 'lstm' ? new Float32Array(TB * H) : null,
            hiddenPrev: new Float32Array(TB * H),
          }
        : null;
      const bhh = p.bhh;
      for (let s = 0; s < T; s++) {
        const t = p.reverse ? T - 1 - s : s;
        if (!anyActive(args, t)) continue;
        engine.nn(buf.h, 0, buf.whhT, 0, buf.pre, 0, B, G, H, false);
        for (let b = 0; b < B; b++) {
          if (!isActive(args, t, b)) continue;
          const gOff = (t * B + b) * G;
          const pOff = b * G;
          const hOff = b * H;
          const sOff = (t * B + b) * H;
          const yOff = (b * T + t) * DH + d * H;
          if (trace !== null) trace.hiddenPrev.set(h.subarray(hOff, hOff + H), sOff);
          if (kind === 'lstm') {
            const cc = c!;
            for (let j = 0; j < H; j++) {
              const ig = sigmoid(gx[gOff + j] + pre[pOff + j]);
              const fg = sigmoid(gx[gOff + H + j] + pre[pOff + H + j]);
              const gg = Math.tanh(gx[gOff + 2 * H + j] + pre[pOff + 2 * H + j]);
              const og = sigmoid(gx[gOff + 3 * H + j] + pre[pOff + 3 * H + j]);
              const cPrev = cc[hOff + j];
              const cNew = fg * cPrev + ig * gg;
              const tc = Math.tanh(cNew);
              const hNew = og * tc;
              if (trace !== null) {
                trace.gates[gOff + j] = ig;
                trace.gates[gOff + H + j] = fg;
                trace.gates[gOff + 2 * H + j] = gg;
                trace.gates[gOff + 3 * H + j] = og;
                trace.aux[sOff + j] = tc;
                trace.cellPrev![sOff + j] = cPrev;
              }
              cc[hOff + j] = cNew;
              h[hOff + j] = hNew;
              y[yOff + j] = hNew;
            }
          } else {
            for (let j = 0; j < H; j++) {
              const r = sigmoid(gx[gOff + j] + pre[pOff + j] + bhh[j]);
              const z = sigmoid(gx[gOff + H + j] + pre[pOff + H + j] + bhh[H + j]);
              const hn = pre[pOff + 2 * H + j] + bhh[2 * H + j];
              const n = Math.tanh(gx[gOff + 2 * H + j] + r * hn);
              const hNew = (1 - z) * n + z * h[hOff + j];
              if (trace !== null) {
                trace.gates[gOff + j] = r;
                trace.gates[gOff + H + j] = z;
                trace.gates[gOff + 2 * H + j] = n;
                trace.aux[sOff + j] = hn;
              }
              h[hOff + j] = hNew;
              y[yOff + j] = hNew;
            }
          }
        }
      }
      hN.push(Float32Array.from(h));
      if (c !== null) cN.push(c);
      if (trace !== null) traces.push(trace);
    });
    return { y, hN, cN, trace: keepTrace ? { xT: engine.keep(xT), dirs: traces } : null };
  } finally {
    engine.release();
  }
}

export function recurrentLayerBackward(
  engine: MatrixEngine,
  args: LayerArgs,
  trace: LayerTrace,
  dy: Float32Array,
  dhN: Float32Array[],
  dcN: Float32Array[],
): LayerBackwardResult {
  const { kind, time: T, batch: B, input: I, hidden: H, dirs } = args;
  const D = dirs.length;
  const G = gateCount(kind) * H;
  const TB = T * B;
  const DH = D * H;
  try {
    const xT = engine.from(trace.xT);
    const dX = engine.alloc(TB * I);
    const bufs = dirs.map((p, d) => {
      const dGx = engine.alloc(TB * G);
      return {
        wih: engine.from(p.wih),
        whh: engine.from(p.whh),
        dGx,
        dGh: kind === 'lstm' ? dGx : engine.alloc(TB * G),
        hPrev: engine.from(trace.dirs[d].hiddenPrev),
        dhRec: engine.alloc(B * H),
        dWih: engine.alloc(G * I),
        dWhh: engine.alloc(G * H),
      };
    });
    const grads: DirectionGrads[] = dirs.map((p, d) => {
      const buf = bufs[d];
      const tr = trace.dirs[d];
      const gates = tr.gates;
      const aux = tr.aux;
      const hPrev = tr.hiddenPrev;
      const dGx = engine.refresh(buf.dGx);
      const dGh = engine.refresh(buf.dGh);
      const dhRec = engine.refresh(buf.dhRec);
      const dh = Float32Array.from(dhN[d]);
      const dc = kind === 'lstm' ? Float32Array.from(dcN[d]) : null;
      const dhDirect = new Float32Array(B * H);
      for (let s = T - 1; s >= 0; s--) {
        const t = p.reverse ? T - 1 - s : s;
        if (!anyActive(args, t)) continue;
        for (let b = 0; b < B; b++) {
          if (!isActive(args, t, b)) continue;
          const gOff = (t * B + b) * G;
          const hOff = b * H;
          const sOff = (t * B + b) * H;
          const yOff = (b * T + t) * DH + d * H;
          if (kind === 'lstm') {
            const cellPrev = tr.cellPrev!;
            const dcc = dc!;
            for (let j = 0; j < H; j++) {
              const ig = gates[gOff + j];
              const fg = gates[gOff + H + j];
              const gg = gates[gOff + 2 * H + j];
              const og = gates[gOff + 3 * H + j];
              const tc = aux[sOff + j];
              const dhTotal = dh[hOff + j] + dy[yOff + j];
              const dcTotal = dcc[hOff + j] + dhTotal * og * (1 - tc * tc);
              dGx[gOff + j] = dcTotal * gg * ig * (1 - ig);
              dGx[gOff + H + j] = dcTotal * cellPrev[sOff + j] * fg * (1 - fg);
              dGx[gOff + 2 * H + j] = dcTotal * ig * (1 - gg * gg);
              dGx[gOff + 3 * H + j] = dhTotal * tc * og * (1 - og);
              dcc[hOff + j] = dcTotal * fg;
            }
          } else {
            for (let j = 0; j < H; j++) {
              const r = gates[gOff + j];
              const z = gates[gOff + H + j];
              const n = gates[gOff + 2 * H + j];
              const dhTotal = dh[hOff + j] + dy[yOff + j];
              const dn = dhTotal * (1 - z) * (1 - n * n);
              const dz = dhTotal * (hPrev[sOff + j] - n) * z * (1 - z);
              const dr = dn * aux[sOff + j] * r * (1 - r);
              dGx[gOff + j] = dr;
              dGx[gOff + H + j] = dz;
              dGx[gOff + 2 * H + j] = dn;
              dGh[gOff + j] = dr;
              dGh[gOff + H + j] = dz;
              dGh[gOff + 2 * H + j] = dn * r;
              dhDirect[hOff + j] = dhTotal * z;
            }
          }
        }
        // dh_prev = dGh·W_hh for all rows (inactive rows have zero gate gradients).
        engine.nn(buf.dGh, t * B * G, buf.whh, 0, buf.dhRec, 0, B, H, G, false);
        for (let b = 0; b < B; b++) {
          if (!isActive(args, t, b)) continue;
          const hOff = b * H;
          for (let j = 0; j < H; j++) dh[hOff + j] = dhRec[hOff + j] + (kind === 'gru' ? dhDirect[hOff + j] : 0);
        }
      }
      engine.tn(buf.dGh, buf.hPrev, buf.dWhh, G, H, TB, false);
      engine.tn(buf.dGx, xT, buf.dWih, G, I, TB, false);
      engine.nn(buf.dGx, 0, buf.wih, 0, dX, 0, TB, I, G, d > 0);
      const dbih = new Float32Array(G);
      const dbhh = new Float32Array(G);
      const gx = engine.refresh(buf.dGx);
      const gh = engine.refresh(buf.dGh);
      for (let r = 0; r < TB; r++) {
        const off = r * G;
        for (let k = 0; k < G; k++) {
          dbih[k] += gx[off + k];
          dbhh[k] += gh[off + k];
        }
      }
      return {
        dwih: Float32Array.from(engine.refresh(buf.dWih)),
        dbih,
        dbhh,
        dwhh: Float32Array.from(engine.refresh(buf.dWhh)),
        dh0: dh,
        dc0: dc,
      };
    });
    const dXa = engine.refresh(dX);
    const dx = new Float32Array(B * T * I);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const src = (t * B + b) * I;
        dx.set(dXa.subarray(src, src + I), (b * T + t) * I);
      }
    }
    return { dx, dirs: grads };
  } finally {
    engine.release();
  }
}

