/**
 * One projected LSTM layer over a whole sequence as a single tfjs op with a hand-written
 * gradient (backpropagation through time). The per-step tfjs version issues ~15 kernel calls a
 * step and autodiff doubles them; here the recurrence is one call each way. Each step treats
 * all batch rows at once: the recurrent and projection products go through seqflow's matrix
 * engine (SIMD WebAssembly where available), only the element-wise gate math is JavaScript, and
 * the weight gradients are one product each over all steps after the backward walk.
 * Same arithmetic as `runLstmStack`: TF gate order i, j, f, o, the forget bias already in the
 * input term, cell clip, projection, projection clip, masked steps carrying the state.
 */
import * as tf from '@tensorflow/tfjs-core';
import { matrixEngine } from '../../backends/kernels/engine-choice';
import { transposeInto } from '../../backends/kernels/cpu/matrix-engine';

export interface FusedLayerInput {
  /** x·Wx + bias (+ forget bias on the f quarter): [batch, steps, 4 * dim]. */
  xw: tf.Tensor3D;
  /** [proj, 4 * dim] */
  wh: tf.Tensor2D;
  /** [dim, proj] */
  wp: tf.Tensor2D;
  /** 1 for real steps, 0 for padding, [batch * steps] row-major. */
  mask: Float32Array;
  /** Initial state (no gradient flows into it): c [batch * dim], h [batch * proj]; zeros when absent. */
  c0?: Float32Array;
  h0?: Float32Array;
  cellClip: number | null;
  projClip: number | null;
}

export interface FusedLayerOutput {
  /** [batch, steps, proj], zero at masked steps. */
  output: tf.Tensor3D;
  /** Final states as plain arrays (c [batch * dim], h [batch * proj]). */
  finalC: Float32Array;
  finalH: Float32Array;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

export function fusedLstmProjectionLayer(input: FusedLayerInput): FusedLayerOutput {
  const [batch, steps, four] = input.xw.shape;
  const dim = four / 4;
  const proj = input.wh.shape[0];
  const cellClip = input.cellClip ?? Infinity;
  const projClip = input.projClip ?? Infinity;
  const mask = input.mask;
  const rows = steps * batch;
  const finalC = new Float32Array(batch * dim);
  const finalH = new Float32Array(batch * proj);
  if (input.c0) finalC.set(input.c0);
  // What the backward pass needs, in time-major rows (step t, batch row b at t * batch + b).
  const gates = new Float32Array(rows * four); // i, j, f, o after their activations
  const cPrevAll = new Float32Array(rows * dim);
  const tanhC = new Float32Array(rows * dim);
  const cellPass = new Uint8Array(rows * dim); // 1 where the cell clip let the gradient through
  const projPass = new Uint8Array(rows * proj);
  // [steps + 1, batch, proj]: block t is the h entering step t; the last block is the final h.
  let hAll: Float32Array = new Float32Array(0);
  // [steps, batch, dim]: o · tanh(c), zero at masked steps.
  let mAll: Float32Array = new Float32Array(0);

  const op = tf.customGrad(((xwT: tf.Tensor, whT: tf.Tensor, wpT: tf.Tensor) => {
    const xw = xwT.dataSync() as Float32Array;
    const wh = whT.dataSync() as Float32Array;
    const wp = wpT.dataSync() as Float32Array;
    const out = new Float32Array(batch * steps * proj);
    const c = finalC;
    const engine = matrixEngine();
    try {
      // Everything is allocated before any view is read (the wasm engine's memory may grow).
      const whBuf = engine.from(wh);
      const wpBuf = engine.from(wp);
      const preBuf = engine.scratch(batch * four);
      const hBuf = engine.alloc((steps + 1) * batch * proj);
      const mBuf = engine.alloc(rows * dim);
      const sBuf = engine.scratch(batch * proj);
      const pre = engine.refresh(preBuf);
      const h = engine.refresh(hBuf);
      const m = engine.refresh(mBuf);
      const s = engine.refresh(sBuf);
      if (input.h0) h.set(input.h0);
      for (let t = 0; t < steps; t++) {
        const hOff = t * batch * proj;
        const hNext = hOff + batch * proj;
        for (let b = 0; b < batch; b++) {
          const xo = (b * steps + t) * four;
          const po = b * four;
          for (let g = 0; g < four; g++) pre[po + g] = xw[xo + g];
        }
        engine.nn(hBuf, hOff, whBuf, 0, preBuf, 0, batch, four, proj, true);
        for (let b = 0; b < batch; b++) {
          const sb = t * batch + b;
          const co = b * dim;
          for (let u = 0; u < dim; u++) cPrevAll[sb * dim + u] = c[co + u];
          if (mask[b * steps + t] === 0) continue; // m stays zero, so its projection row is zero too
          const po = b * four;
          const go = sb * four;
          for (let u = 0; u < dim; u++) {
            const i = sigmoid(pre[po + u]);
            const j = Math.tanh(pre[po + dim + u]);
            const f = sigmoid(pre[po + 2 * dim + u]);
            const o = sigmoid(pre[po + 3 * dim + u]);
            gates[go + u] = i;
            gates[go + dim + u] = j;
            gates[go + 2 * dim + u] = f;
            gates[go + 3 * dim + u] = o;
            let cu = f * c[co + u] + i * j;
            const cs = sb * dim + u;
            if (cu > cellClip) cu = cellClip;
            else if (cu < -cellClip) cu = -cellClip;
            else cellPass[cs] = 1;
            c[co + u] = cu;
            const tc = Math.tanh(cu);
            tanhC[cs] = tc;
            m[cs] = o * tc;
          }
        }
        engine.nn(mBuf, t * batch * dim, wpBuf, 0, sBuf, 0, batch, proj, dim, false);
        for (let b = 0; b < batch; b++) {
          const ho = b * proj;
          if (mask[b * steps + t] === 0) {
            for (let p = 0; p < proj; p++) h[hNext + ho + p] = h[hOff + ho + p];
            continue;
          }
          const sb = t * batch + b;
          const oo = (b * steps + t) * proj;
          for (let p = 0; p < proj; p++) {
            let v = s[ho + p];
            if (v > projClip) v = projClip;
            else if (v < -projClip) v = -projClip;
            else projPass[sb * proj + p] = 1;
            h[hNext + ho + p] = v;
            out[oo + p] = v;
          }
        }
      }
      hAll = engine.keep(hBuf);
      mAll = engine.keep(mBuf);
    } finally {
      engine.release();
    }
    finalH.set(hAll.subarray(rows * proj));
    const value = tf.tensor3d(out, [batch, steps, proj]);

    const gradFunc = (dy: tf.Tensor) => {
      const dOut = dy.dataSync() as Float32Array;
      const dxw = new Float32Array(batch * steps * four);
      let dwh: Float32Array;
      let dwp: Float32Array;
      const dhCarry = new Float64Array(batch * proj);
      const dcCarry = new Float64Array(batch * dim);
      try {
        const whTBuf = engine.scratch(four * proj);
        const wpTBuf = engine.scratch(proj * dim);
        const hPrevBuf = engine.from(hAll.subarray(0, rows * proj));
        const mBuf = engine.from(mAll);
        const dzBuf = engine.scratch(rows * four); // every row written, zero at masked steps
        const dhpBuf = engine.scratch(rows * proj);
        const dmBuf = engine.scratch(batch * dim);
        const dhBuf = engine.scratch(batch * proj);
        const dwhBuf = engine.scratch(proj * four);
        const dwpBuf = engine.scratch(dim * proj);
        transposeInto(wh, proj, four, engine.refresh(whTBuf));
        transposeInto(wp, dim, proj, engine.refresh(wpTBuf));
        const dz = engine.refresh(dzBuf);
        const dhp = engine.refresh(dhpBuf);
        const dm = engine.refresh(dmBuf);
        const dhRec = engine.refresh(dhBuf);
        for (let t = steps - 1; t >= 0; t--) {
          for (let b = 0; b < batch; b++) {
            const ps = (t * batch + b) * proj;
            if (mask[b * steps + t] === 0) {
              for (let p = 0; p < proj; p++) dhp[ps + p] = 0;
              continue;
            }
            const oo = (b * steps + t) * proj;
            const ho = b * proj;
            for (let p = 0; p < proj; p++) dhp[ps + p] = projPass[ps + p] ? dOut[oo + p] + dhCarry[ho + p] : 0;
          }
          engine.nn(dhpBuf, t * batch * proj, wpTBuf, 0, dmBuf, 0, batch, dim, proj, false);
          for (let b = 0; b < batch; b++) {
            const sb = t * batch + b;
            const go = sb * four;
            if (mask[b * steps + t] === 0) {
              // The state passed through unchanged: the carries flow on, this step adds nothing.
              for (let g = 0; g < four; g++) dz[go + g] = 0;
              continue;
            }
            const mo = b * dim;
            for (let u = 0; u < dim; u++) {
              const i = gates[go + u];
              const j = gates[go + dim + u];
              const f = gates[go + 2 * dim + u];
              const o = gates[go + 3 * dim + u];
              const cs = sb * dim + u;
              const tc = tanhC[cs];
              const dmu = dm[mo + u];
              const dO = dmu * tc;
              let dc = dcCarry[mo + u] + dmu * o * (1 - tc * tc);
              if (!cellPass[cs]) dc = 0;
              dz[go + u] = dc * j * i * (1 - i);
              dz[go + dim + u] = dc * i * (1 - j * j);
              dz[go + 2 * dim + u] = dc * cPrevAll[cs] * f * (1 - f);
              dz[go + 3 * dim + u] = dO * o * (1 - o);
              dcCarry[mo + u] = dc * f;
            }
          }
          engine.nn(dzBuf, t * batch * four, whTBuf, 0, dhBuf, 0, batch, proj, four, false);
          for (let b = 0; b < batch; b++) {
            if (mask[b * steps + t] === 0) continue;
            const ho = b * proj;
            for (let p = 0; p < proj; p++) dhCarry[ho + p] = dhRec[ho + p];
          }
        }
        engine.tn(hPrevBuf, dzBuf, dwhBuf, proj, four, rows, false);
        engine.tn(mBuf, dhpBuf, dwpBuf, dim, proj, rows, false);
        for (let t = 0; t < steps; t++) {
          for (let b = 0; b < batch; b++) {
            const from = (t * batch + b) * four;
            const to = (b * steps + t) * four;
            for (let g = 0; g < four; g++) dxw[to + g] = dz[from + g];
          }
        }
        dwh = Float32Array.from(engine.refresh(dwhBuf));
        dwp = Float32Array.from(engine.refresh(dwpBuf));
      } finally {
        engine.release();
      }
      return [tf.tensor3d(dxw, [batch, steps, four]), tf.tensor2d(dwh, [proj, four]), tf.tensor2d(dwp, [dim, proj])];
    };
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);

  const output = op(input.xw, input.wh, input.wp) as tf.Tensor3D;
  return { output, finalC, finalH };
}
