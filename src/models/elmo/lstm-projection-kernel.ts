/**
 * One projected LSTM layer over a whole sequence as a single tfjs op with a hand-written
 * gradient (backpropagation through time in typed arrays). The per-step tfjs version issues
 * ~15 kernel calls a step and autodiff doubles them; here the recurrence is one call each way,
 * which is what makes pre-training on cpu and wasm practical for the fixture-to-small sizes.
 * Same arithmetic as `runLstmStack`: TF gate order i, j, f, o, the forget bias already in the
 * input term, cell clip, projection, projection clip, masked steps carrying the state.
 */
import * as tf from '@tensorflow/tfjs-core';

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
  const finalC = new Float32Array(batch * dim);
  const finalH = new Float32Array(batch * proj);
  if (input.c0) finalC.set(input.c0);
  if (input.h0) finalH.set(input.h0);
  // Per step, what the backward pass needs.
  const gates = new Float32Array(steps * batch * four); // i, j, f, o after their activations
  const cPrevAll = new Float32Array(steps * batch * dim);
  const tanhC = new Float32Array(steps * batch * dim);
  const cellPass = new Uint8Array(steps * batch * dim); // 1 where the cell clip let the gradient through
  const mAll = new Float32Array(steps * batch * dim);
  const hPrevAll = new Float32Array(steps * batch * proj);
  const projPass = new Uint8Array(steps * batch * proj);

  const op = tf.customGrad(((xwT: tf.Tensor, whT: tf.Tensor, wpT: tf.Tensor) => {
    const xw = xwT.dataSync() as Float32Array;
    const wh = whT.dataSync() as Float32Array;
    const wp = wpT.dataSync() as Float32Array;
    const out = new Float32Array(batch * steps * proj);
    const c = finalC;
    const h = finalH;
    const z = new Float64Array(four);
    const m = new Float64Array(dim);
    for (let t = 0; t < steps; t++) {
      for (let b = 0; b < batch; b++) {
        const live = mask[b * steps + t] !== 0;
        const sb = t * batch + b;
        hPrevAll.set(h.subarray(b * proj, (b + 1) * proj), sb * proj);
        cPrevAll.set(c.subarray(b * dim, (b + 1) * dim), sb * dim);
        if (!live) continue;
        const xo = (b * steps + t) * four;
        for (let g = 0; g < four; g++) z[g] = xw[xo + g];
        for (let k = 0; k < proj; k++) {
          const hk = h[b * proj + k];
          if (hk === 0) continue;
          const row = k * four;
          for (let g = 0; g < four; g++) z[g] += hk * wh[row + g];
        }
        const go = sb * four;
        for (let u = 0; u < dim; u++) {
          const i = sigmoid(z[u]);
          const j = Math.tanh(z[dim + u]);
          const f = sigmoid(z[2 * dim + u]);
          const o = sigmoid(z[3 * dim + u]);
          gates[go + u] = i;
          gates[go + dim + u] = j;
          gates[go + 2 * dim + u] = f;
          gates[go + 3 * dim + u] = o;
          let cu = f * c[b * dim + u] + i * j;
          const cs = sb * dim + u;
          if (cu > cellClip) cu = cellClip;
          else if (cu < -cellClip) cu = -cellClip;
          else cellPass[cs] = 1;
          c[b * dim + u] = cu;
          const tc = Math.tanh(cu);
          tanhC[cs] = tc;
          m[u] = o * tc;
          mAll[cs] = m[u];
        }
        for (let p = 0; p < proj; p++) {
          let s = 0;
          for (let u = 0; u < dim; u++) s += m[u] * wp[u * proj + p];
          const ps = sb * proj + p;
          if (s > projClip) s = projClip;
          else if (s < -projClip) s = -projClip;
          else projPass[ps] = 1;
          h[b * proj + p] = s;
          out[(b * steps + t) * proj + p] = s;
        }
      }
    }
    const value = tf.tensor3d(out, [batch, steps, proj]);
    const gradFunc = (dy: tf.Tensor) => {
      const dOut = dy.dataSync() as Float32Array;
      const dxw = new Float32Array(batch * steps * four);
      const dwh = new Float32Array(proj * four);
      const dwp = new Float32Array(dim * proj);
      const dhCarry = new Float64Array(batch * proj);
      const dcCarry = new Float64Array(batch * dim);
      const dz = new Float64Array(four);
      const dm = new Float64Array(dim);
      const dhp = new Float64Array(proj);
      for (let t = steps - 1; t >= 0; t--) {
        for (let b = 0; b < batch; b++) {
          if (mask[b * steps + t] === 0) continue; // state passed through unchanged: carries flow on
          const sb = t * batch + b;
          for (let p = 0; p < proj; p++) {
            const d = dOut[(b * steps + t) * proj + p] + dhCarry[b * proj + p];
            dhp[p] = projPass[sb * proj + p] ? d : 0;
          }
          for (let u = 0; u < dim; u++) {
            let s = 0;
            const row = u * proj;
            const mu = mAll[sb * dim + u];
            for (let p = 0; p < proj; p++) {
              s += dhp[p] * wp[row + p];
              dwp[row + p] += mu * dhp[p];
            }
            dm[u] = s;
          }
          const go = sb * four;
          for (let u = 0; u < dim; u++) {
            const i = gates[go + u];
            const j = gates[go + dim + u];
            const f = gates[go + 2 * dim + u];
            const o = gates[go + 3 * dim + u];
            const cs = sb * dim + u;
            const tc = tanhC[cs];
            const dO = dm[u] * tc;
            let dc = dcCarry[b * dim + u] + dm[u] * o * (1 - tc * tc);
            if (!cellPass[cs]) dc = 0;
            const cPrev = cPrevAll[cs];
            dz[u] = dc * j * i * (1 - i);
            dz[dim + u] = dc * i * (1 - j * j);
            dz[2 * dim + u] = dc * cPrev * f * (1 - f);
            dz[3 * dim + u] = dO * o * (1 - o);
            dcCarry[b * dim + u] = dc * f;
          }
          const xo = (b * steps + t) * four;
          for (let g = 0; g < four; g++) dxw[xo + g] = dz[g];
          for (let k = 0; k < proj; k++) {
            const hk = hPrevAll[sb * proj + k];
            const row = k * four;
            let s = 0;
            for (let g = 0; g < four; g++) {
              s += dz[g] * wh[row + g];
              if (hk !== 0) dwh[row + g] += hk * dz[g];
            }
            dhCarry[b * proj + k] = s;
          }
        }
      }
      return [tf.tensor3d(dxw, [batch, steps, four]), tf.tensor2d(dwh, [proj, four]), tf.tensor2d(dwp, [dim, proj])];
    };
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);

  const output = op(input.xw, input.wh, input.wp) as tf.Tensor3D;
  return { output, finalC, finalH };
}
