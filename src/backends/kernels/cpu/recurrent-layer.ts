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
//
// Like PyTorch's PackedSequence, the work is done on active (step, row) pairs only: the rows
// are ordered so that those active at step t are a prefix of count[t] rows, and the step-major
// matrices hold just those, so padding costs no arithmetic.
import { transposeInto, type LstmBackwardLoopJob, type LstmForwardLoopJob, type MatrixEngine } from './matrix-engine';

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

/**
 * The packed layout: `order` lists batch rows so that the rows active at any step are its
 * first count[t]; packed row offset[t] + i is step t of batch row order[i].
 */
export interface PackedSchedule {
  order: Int32Array;
  count: Int32Array;
  offset: Int32Array;
  /** Number of active (step, row) pairs. */
  rows: number;
}

export function packedSchedule(start: Int32Array, end: Int32Array, T: number): PackedSchedule {
  const B = start.length;
  // Longest-running first; among equals, the earliest start first. For post-padding (all
  // starts 0) and pre-padding (all ends T) this makes every step's active rows a prefix.
  const order = Int32Array.from({ length: B }, (_, b) => b).sort(
    (a, b) => end[b] - start[b] - (end[a] - start[a]) || start[a] - start[b],
  );
  const count = new Int32Array(T);
  const offset = new Int32Array(T);
  let rows = 0;
  for (let t = 0; t < T; t++) {
    offset[t] = rows;
    let n = 0;
    for (let i = 0; i < B; i++) {
      const b = order[i];
      const active = t >= start[b] && t < end[b];
      if (active && n !== i) throw new Error('packedSchedule: the active rows of a step are not a prefix (mixed padding sides)');
      if (active) n++;
    }
    count[t] = n;
    rows += n;
  }
  return { order, count, offset, rows };
}

interface DirectionTrace {
  /** Activated gates [R, G] in packed rows. */
  gates: Float32Array;
  /** LSTM: tanh of the new cell; GRU: W_hn h + b_hn. [R, H]. */
  aux: Float32Array;
  /** LSTM: the cell before the step. [R, H]. */
  cellPrev: Float32Array | null;
  /** The hidden state before the step. [R, H]. */
  hiddenPrev: Float32Array;
}

export interface LayerTrace {
  schedule: PackedSchedule;
  /** x in packed rows, [R, I]. */
  xP: Float32Array;
  dirs: DirectionTrace[];
  /** Set once a backward pass has handed the arrays back to the engine for reuse. */
  recycled?: boolean;
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

/** A short copy without the view object that `set(subarray(…))` would allocate. */
function copyRow(src: Float32Array, from: number, dst: Float32Array, to: number, length: number): void {
  for (let k = 0; k < length; k++) dst[to + k] = src[from + k];
}

/** [B, H] in batch order → rows in schedule order (or back, with `inverse`). */
function permuteRows(src: Float32Array, order: Int32Array, H: number, inverse: boolean): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < order.length; i++) {
    const b = order[i];
    if (inverse) out.set(src.subarray(i * H, i * H + H), b * H);
    else out.set(src.subarray(b * H, b * H + H), i * H);
  }
  return out;
}

/** `out`, when given, receives y (zero-filled, [B, T, D·H]) instead of a new array. */
export function recurrentLayerForward(
  engine: MatrixEngine,
  args: LayerArgs,
  keepTrace: boolean,
  out?: Float32Array,
): LayerForwardResult {
  const { kind, time: T, batch: B, input: I, hidden: H, dirs } = args;
  const D = dirs.length;
  const G = gateCount(kind) * H;
  const DH = D * H;
  const sched = packedSchedule(args.start, args.end, T);
  const { order, count, offset } = sched;
  const R = sched.rows;
  // The engine's fused step, where it has one, runs the gate math next to its products.
  const fused = kind === 'lstm' ? engine.lstmStep !== undefined : engine.gruStep !== undefined;
  // Where the engine walks a whole direction in one call, the directions run together (on two
  // threads where it has a worker) after every direction's set-up.
  const loops = kind === 'lstm' && fused && engine.lstmForwardLoops !== undefined;
  try {
    // Allocation phase: no `arr` is read until every buffer exists (wasm memory may grow).
    // Scratch: buffers every element of which is written before it is read.
    const xP = engine.scratch(R * I);
    const bufs = dirs.map(() => ({
      wihT: engine.scratch(I * G),
      gx: engine.scratch(R * G),
      whhT: engine.scratch(H * G),
      h: engine.alloc(B * H),
      pre: engine.alloc(B * G),
      c: fused && kind === 'lstm' ? engine.alloc(B * H) : null,
      bhh: fused && kind === 'gru' ? engine.alloc(G) : null,
      fusedTrace:
        fused && keepTrace
          ? {
              gates: engine.scratch(R * G),
              aux: engine.scratch(R * H),
              cellPrev: kind === 'lstm' ? engine.scratch(R * H) : null,
              gOff: 0,
              sOff: 0,
            }
          : null,
      // The whole-direction loop's outputs: each step's new h and (trace) the h before it.
      yP: loops ? engine.scratch(R * H) : null,
      hPrevP: loops && keepTrace ? engine.scratch(R * H) : null,
    }));
    const loopJobs: LstmForwardLoopJob[] = [];
    const finishers: Array<() => void> = [];
    const xPa = engine.refresh(xP);
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < count[t]; i++) {
        const src = (order[i] * T + t) * I;
        copyRow(args.x, src, xPa, (offset[t] + i) * I, I);
      }
    }
    const y = out ?? new Float32Array(B * T * DH);
    const hN: Float32Array[] = [];
    const cN: Float32Array[] = [];
    const traces: DirectionTrace[] = [];
    dirs.forEach((p, d) => {
      const buf = bufs[d];
      transposeInto(p.wih, G, I, engine.refresh(buf.wihT));
      // gx starts as the bias in every row (memory copies), then the product adds x·W_ihᵀ.
      const gx = engine.refresh(buf.gx);
      if (R > 0) {
        for (let k = 0; k < G; k++) gx[k] = kind === 'lstm' ? p.bih[k] + p.bhh[k] : p.bih[k];
        for (let filled = 1; filled < R; filled *= 2) gx.copyWithin(filled * G, 0, Math.min(filled, R - filled) * G);
      }
      engine.nn(xP, 0, buf.wihT, 0, buf.gx, 0, R, G, I, true);
      transposeInto(p.whh, G, H, engine.refresh(buf.whhT));
      const h = engine.refresh(buf.h);
      h.set(permuteRows(p.h0, order, H, false));
      const pre = engine.refresh(buf.pre);
      const c = p.c0 === null ? null : permuteRows(p.c0, order, H, false);
      // (The fused path records gates, aux and cellPrev in engine memory and keeps them at the end.)
      const trace: DirectionTrace | null = keepTrace
        ? {
            gates: fused ? new Float32Array(0) : new Float32Array(R * G),
            aux: fused ? new Float32Array(0) : new Float32Array(R * H),
            cellPrev: kind === 'lstm' && !fused ? new Float32Array(R * H) : null,
            hiddenPrev: new Float32Array(loops ? 0 : R * H),
          }
        : null;
      const bhh = p.bhh;
      if (fused) {
        const cState = buf.c === null ? null : engine.refresh(buf.c);
        if (cState !== null) cState.set(c!);
        if (buf.bhh !== null) engine.refresh(buf.bhh).set(bhh);
        const ft = buf.fusedTrace;
        if (loops) {
          loopJobs.push({
            gx: buf.gx, whhT: buf.whhT, h: buf.h, c: buf.c!, pre: buf.pre, yP: buf.yP!, reverse: p.reverse,
            trace: ft === null ? null : { gates: ft.gates, tanhCell: ft.aux, cellPrev: ft.cellPrev!, hPrev: buf.hPrevP! },
          });
        }
        const fusedSteps = loops ? 0 : T;
        for (let s = 0; s < fusedSteps; s++) {
          const t = p.reverse ? T - 1 - s : s;
          const n = count[t];
          if (n === 0) continue;
          engine.nn(buf.h, 0, buf.whhT, 0, buf.pre, 0, n, G, H, false);
          if (trace !== null) trace.hiddenPrev.set(h.subarray(0, n * H), offset[t] * H);
          if (ft !== null) {
            ft.gOff = offset[t] * G;
            ft.sOff = offset[t] * H;
          }
          if (kind === 'lstm') {
            engine.lstmStep!(buf.gx, offset[t] * G, buf.pre, buf.c!, buf.h, n, H, ft === null ? null : { ...ft, tanhCell: ft.aux, cellPrev: ft.cellPrev! });
          } else {
            engine.gruStep!(buf.gx, offset[t] * G, buf.pre, buf.bhh!, buf.h, n, H, ft === null ? null : { ...ft, hn: ft.aux });
          }
          for (let i = 0; i < n; i++) copyRow(h, i * H, y, (order[i] * T + t) * DH + d * H, H);
        }
      }
      const finishFused = () => {
        if (!fused) return;
        if (buf.c !== null) c!.set(engine.refresh(buf.c));
        const ft = buf.fusedTrace;
        if (trace !== null && ft !== null) {
          trace.gates = engine.keep(ft.gates);
          trace.aux = engine.keep(ft.aux);
          trace.cellPrev = ft.cellPrev === null ? null : engine.keep(ft.cellPrev);
        }
        if (!loops) return;
        if (trace !== null) trace.hiddenPrev = engine.keep(buf.hPrevP!);
        const yP = engine.refresh(buf.yP!);
        for (let t = 0; t < T; t++) {
          for (let i = 0; i < count[t]; i++) copyRow(yP, (offset[t] + i) * H, y, (order[i] * T + t) * DH + d * H, H);
        }
      };
      // The gate math in JS (an engine without a fused step).
      const jsSteps = fused ? 0 : T;
      for (let s = 0; s < jsSteps; s++) {
        const t = p.reverse ? T - 1 - s : s;
        const n = count[t];
        if (n === 0) continue;
        engine.nn(buf.h, 0, buf.whhT, 0, buf.pre, 0, n, G, H, false);
        if (trace !== null) trace.hiddenPrev.set(h.subarray(0, n * H), offset[t] * H);
        for (let i = 0; i < n; i++) {
          const row = offset[t] + i;
          const gOff = row * G;
          const pOff = i * G;
          const hOff = i * H;
          const sOff = row * H;
          const yOff = (order[i] * T + t) * DH + d * H;
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
              const nn = Math.tanh(gx[gOff + 2 * H + j] + r * hn);
              const hNew = (1 - z) * nn + z * h[hOff + j];
              if (trace !== null) {
                trace.gates[gOff + j] = r;
                trace.gates[gOff + H + j] = z;
                trace.gates[gOff + 2 * H + j] = nn;
                trace.aux[sOff + j] = hn;
              }
              h[hOff + j] = hNew;
              y[yOff + j] = hNew;
            }
          }
        }
      }
      const finish = () => {
        finishFused();
        hN[d] = permuteRows(engine.refresh(buf.h), order, H, true);
        if (c !== null) cN[d] = permuteRows(c, order, H, true);
        if (trace !== null) traces[d] = trace;
      };
      if (loops) finishers.push(finish);
      else finish();
    });
    if (loops) {
      engine.lstmForwardLoops!(count, offset, H, loopJobs);
      for (const finish of finishers) finish();
    }
    return { y, hN, cN, trace: keepTrace ? { schedule: sched, xP: engine.keep(xP), dirs: traces } : null };
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
  const DH = D * H;
  const { order, count, offset, rows: R } = trace.schedule;
  const fused = kind === 'lstm' ? engine.lstmStepBackward !== undefined : engine.gruStepBackward !== undefined;
  // As in the forward pass: whole-direction loops, run together, before the products over all steps.
  const loops = kind === 'lstm' && fused && engine.lstmBackwardLoops !== undefined;
  if (trace.recycled) throw new Error('recurrent layer: a second backward pass over one forward pass (its trace went back to the engine after the first)');
  try {
    const xP = engine.from(trace.xP);
    // Scratch: buffers every element of which is written before it is read.
    const dX = engine.scratch(R * I);
    const bufs = dirs.map((p, d) => {
      const dGx = engine.scratch(R * G);
      return {
        fused: fused
          ? {
              gates: engine.from(trace.dirs[d].gates),
              aux: engine.from(trace.dirs[d].aux),
              cellPrev: kind === 'lstm' ? engine.from(trace.dirs[d].cellPrev!) : null,
              dh: engine.alloc(B * H),
              dc: kind === 'lstm' ? engine.alloc(B * H) : null,
              dy: engine.alloc(B * H),
            }
          : null,
        wih: engine.from(p.wih),
        whh: engine.from(p.whh),
        dGx,
        dGh: kind === 'lstm' ? dGx : engine.scratch(R * G),
        hPrev: engine.from(trace.dirs[d].hiddenPrev),
        dhRec: engine.alloc(B * H),
        dWih: engine.scratch(G * I),
        dWhh: engine.scratch(G * H),
        ones: engine.alloc(R),
        db: engine.scratch(G),
        /** The direction's output gradient in packed rows (whole-direction loops). */
        dyP: loops ? engine.scratch(R * H) : null,
      };
    });
    // The trace now lives in engine memory; with fused steps nothing reads the arrays again, so
    // they go back to the engine for the next forward pass instead of to the garbage collector.
    if (fused && engine.recycle !== undefined) {
      engine.recycle([trace.xP, ...trace.dirs.flatMap((t) => [t.gates, t.aux, t.hiddenPrev, ...(t.cellPrev ? [t.cellPrev] : [])])]);
      trace.recycled = true;
    }
    if (loops) {
      const jobs: LstmBackwardLoopJob[] = dirs.map((p, d) => {
        const buf = bufs[d];
        const fb = buf.fused!;
        engine.refresh(fb.dh).set(permuteRows(dhN[d], order, H, false));
        engine.refresh(fb.dc!).set(permuteRows(dcN[d], order, H, false));
        const dyP = engine.refresh(buf.dyP!);
        for (let t = 0; t < T; t++) {
          for (let i = 0; i < count[t]; i++) copyRow(dy, (order[i] * T + t) * DH + d * H, dyP, (offset[t] + i) * H, H);
        }
        return {
          gates: fb.gates, tanhCell: fb.aux, cellPrev: fb.cellPrev!, whh: buf.whh,
          dh: fb.dh, dc: fb.dc!, dyP: buf.dyP!, dG: buf.dGx, reverse: p.reverse,
        };
      });
      engine.lstmBackwardLoops!(count, offset, H, jobs);
    }
    const grads: DirectionGrads[] = dirs.map((p, d) => {
      const buf = bufs[d];
      const tr = trace.dirs[d];
      const gates = tr.gates;
      const aux = tr.aux;
      const hPrev = tr.hiddenPrev;
      const dGx = engine.refresh(buf.dGx);
      const dGh = engine.refresh(buf.dGh);
      const dhRec = engine.refresh(buf.dhRec);
      engine.refresh(buf.ones).fill(1);
      let dh = permuteRows(dhN[d], order, H, false);
      let dc = kind === 'lstm' ? permuteRows(dcN[d], order, H, false) : null;
      const fb = buf.fused;
      if (fb !== null) {
        const dhState = engine.refresh(fb.dh);
        const dcState = fb.dc === null ? null : engine.refresh(fb.dc);
        const dyStep = engine.refresh(fb.dy);
        // (After whole-direction loops the states hold their results already.)
        if (!loops) {
          dhState.set(dh);
          if (dcState !== null) dcState.set(dc!);
        }
        for (let s = loops ? -1 : T - 1; s >= 0; s--) {
          const t = p.reverse ? T - 1 - s : s;
          const n = count[t];
          if (n === 0) continue;
          for (let i = 0; i < n; i++) {
            const yOff = (order[i] * T + t) * DH + d * H;
            copyRow(dy, yOff, dyStep, i * H, H);
          }
          if (kind === 'lstm') {
            engine.lstmStepBackward!(fb.gates, offset[t] * G, fb.aux, fb.cellPrev!, offset[t] * H, fb.dh, fb.dy, fb.dc!, buf.dGx, n, H);
          } else {
            engine.gruStepBackward!(fb.gates, offset[t] * G, fb.aux, buf.hPrev, offset[t] * H, fb.dh, fb.dy, buf.dGx, buf.dGh, n, H);
          }
          // dh_prev = dGh·W_hh over the step's active rows (the GRU adds it to its direct part
          // z·dh); the rows after n keep theirs.
          engine.nn(buf.dGh, offset[t] * G, buf.whh, 0, fb.dh, 0, n, H, G, kind === 'gru');
        }
        dh = Float32Array.from(dhState);
        dc = dcState === null ? null : Float32Array.from(dcState);
      }
      // The gate gradients in JS (an engine without a fused step).
      const lastJsStep = fb !== null ? -1 : T - 1;
      for (let s = lastJsStep; s >= 0; s--) {
        const t = p.reverse ? T - 1 - s : s;
        const n = count[t];
        if (n === 0) continue;
        for (let i = 0; i < n; i++) {
          const row = offset[t] + i;
          const gOff = row * G;
          const hOff = i * H;
          const sOff = row * H;
          const yOff = (order[i] * T + t) * DH + d * H;
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
              const nn = gates[gOff + 2 * H + j];
              const dhTotal = dh[hOff + j] + dy[yOff + j];
              const dn = dhTotal * (1 - z) * (1 - nn * nn);
              const dz = dhTotal * (hPrev[sOff + j] - nn) * z * (1 - z);
              const dr = dn * aux[sOff + j] * r * (1 - r);
              dGx[gOff + j] = dr;
              dGx[gOff + H + j] = dz;
              dGx[gOff + 2 * H + j] = dn;
              dGh[gOff + j] = dr;
              dGh[gOff + H + j] = dz;
              dGh[gOff + 2 * H + j] = dn * r;
              // The direct path h → h' (z·h); the path through W_hh is added below.
              dh[hOff + j] = dhTotal * z;
            }
          }
        }
        // dh_prev (+)= dGh·W_hh over the step's active rows.
        engine.nn(buf.dGh, offset[t] * G, buf.whh, 0, buf.dhRec, 0, n, H, G, false);
        if (kind === 'lstm') dh.set(dhRec.subarray(0, n * H));
        else for (let k = 0; k < n * H; k++) dh[k] += dhRec[k];
      }
      engine.tn(buf.dGh, buf.hPrev, buf.dWhh, G, H, R, false);
      engine.tn(buf.dGx, xP, buf.dWih, G, I, R, false);
      engine.nn(buf.dGx, 0, buf.wih, 0, dX, 0, R, I, G, d > 0);
      // Bias gradients: column sums of dGx and dGh, as products with a row of ones.
      engine.nn(buf.ones, 0, buf.dGx, 0, buf.db, 0, 1, G, R, false);
      const dbih = Float32Array.from(engine.refresh(buf.db));
      if (kind === 'gru') engine.nn(buf.ones, 0, buf.dGh, 0, buf.db, 0, 1, G, R, false);
      const dbhh = kind === 'gru' ? Float32Array.from(engine.refresh(buf.db)) : Float32Array.from(dbih);
      return {
        dwih: Float32Array.from(engine.refresh(buf.dWih)),
        dbih,
        dbhh,
        dwhh: Float32Array.from(engine.refresh(buf.dWhh)),
        dh0: permuteRows(dh, order, H, true),
        dc0: dc === null ? null : permuteRows(dc, order, H, true),
      };
    });
    const dXa = engine.refresh(dX);
    const dx = new Float32Array(B * T * I);
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < count[t]; i++) {
        const src = (offset[t] + i) * I;
        copyRow(dXa, src, dx, (order[i] * T + t) * I, I);
      }
    }
    return { dx, dirs: grads };
  } finally {
    engine.release();
  }
}
