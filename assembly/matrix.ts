// AssemblyScript source of seqflow's SIMD matrix product, the one routine the recurrent
// kernels need from WebAssembly (src/backends/kernels/wasm/). Rebuild with
// `npm run build:wasm` (scripts/build-wasm.sh); the built module ships base64-encoded in
// src/backends/kernels/wasm/matrix-wasm.ts, so users need no toolchain.
//
// C[M,N] (+)= A·B[K,N] where A's element (i, k) is at a + 4·(i·sAi + k·sAk): sAi = K, sAk = 1
// for A[M,K]; sAi = 1, sAk = M for A stored transposed ([K,M]). Row-major, f32, pointers are
// byte offsets. Blocks of 4 rows × 8 columns of C live in 8 SIMD accumulators while k runs
// over a chunk of KC steps (so the B rows of the chunk stay in cache).

const KC: i32 = 128;

// @ts-ignore: decorator
@inline
function at(p: usize, index: i32): usize {
  return p + (<usize>index << 2);
}

// a·b + c: one fused multiply-add per lane where the build has relaxed SIMD (scripts/build-wasm.sh
// makes both builds; the engine loads the relaxed one where the runtime accepts it), else two ops.
// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

export function gemm(a: usize, sAi: i32, sAk: i32, b: usize, c: usize, M: i32, N: i32, K: i32, accumulate: i32): void {
  if (!accumulate) memory.fill(c, 0, <usize>(M * N) << 2);
  for (let k0: i32 = 0; k0 < K; k0 += KC) {
    const k1: i32 = min(K, k0 + KC);
    let i: i32 = 0;
    for (; i + 4 <= M; i += 4) {
      const c0 = at(c, i * N);
      const c1 = at(c, (i + 1) * N);
      const c2 = at(c, (i + 2) * N);
      const c3 = at(c, (i + 3) * N);
      let j: i32 = 0;
      // Pointer walks instead of index arithmetic in the innermost loop.
      const aStart = at(a, i * sAi + k0 * sAk);
      const aStep = <usize>sAk << 2;
      const o1 = <usize>sAi << 2;
      const o2 = o1 << 1;
      const o3 = o1 + o2;
      const bStep = <usize>N << 2;
      for (; j + 8 <= N; j += 8) {
        let x00 = v128.load(at(c0, j));
        let x01 = v128.load(at(c0, j + 4));
        let x10 = v128.load(at(c1, j));
        let x11 = v128.load(at(c1, j + 4));
        let x20 = v128.load(at(c2, j));
        let x21 = v128.load(at(c2, j + 4));
        let x30 = v128.load(at(c3, j));
        let x31 = v128.load(at(c3, j + 4));
        let pa = aStart;
        let pb = at(b, k0 * N + j);
        for (let k: i32 = k0; k < k1; k++) {
          const b0 = v128.load(pb);
          const b1 = v128.load(pb, 16);
          const a0 = v128.load32_splat(pa);
          const a1 = v128.load32_splat(pa + o1);
          const a2 = v128.load32_splat(pa + o2);
          const a3 = v128.load32_splat(pa + o3);
          x00 = madd(a0, b0, x00);
          x01 = madd(a0, b1, x01);
          x10 = madd(a1, b0, x10);
          x11 = madd(a1, b1, x11);
          x20 = madd(a2, b0, x20);
          x21 = madd(a2, b1, x21);
          x30 = madd(a3, b0, x30);
          x31 = madd(a3, b1, x31);
          pa += aStep;
          pb += bStep;
        }
        v128.store(at(c0, j), x00);
        v128.store(at(c0, j + 4), x01);
        v128.store(at(c1, j), x10);
        v128.store(at(c1, j + 4), x11);
        v128.store(at(c2, j), x20);
        v128.store(at(c2, j + 4), x21);
        v128.store(at(c3, j), x30);
        v128.store(at(c3, j + 4), x31);
      }
      for (; j + 4 <= N; j += 4) {
        let x0 = v128.load(at(c0, j));
        let x1 = v128.load(at(c1, j));
        let x2 = v128.load(at(c2, j));
        let x3 = v128.load(at(c3, j));
        for (let k: i32 = k0; k < k1; k++) {
          const bv = v128.load(at(b, k * N + j));
          const aBase = i * sAi + k * sAk;
          x0 = madd(f32x4.splat(load<f32>(at(a, aBase))), bv, x0);
          x1 = madd(f32x4.splat(load<f32>(at(a, aBase + sAi))), bv, x1);
          x2 = madd(f32x4.splat(load<f32>(at(a, aBase + 2 * sAi))), bv, x2);
          x3 = madd(f32x4.splat(load<f32>(at(a, aBase + 3 * sAi))), bv, x3);
        }
        v128.store(at(c0, j), x0);
        v128.store(at(c1, j), x1);
        v128.store(at(c2, j), x2);
        v128.store(at(c3, j), x3);
      }
      for (; j < N; j++) {
        for (let r: i32 = 0; r < 4; r++) {
          const cp = at(c, (i + r) * N + j);
          let s: f32 = load<f32>(cp);
          for (let k: i32 = k0; k < k1; k++) s += load<f32>(at(a, (i + r) * sAi + k * sAk)) * load<f32>(at(b, k * N + j));
          store<f32>(cp, s);
        }
      }
    }
    // Leftover rows (a step's active rows are often not a multiple of 4): 1 row × 8 columns
    // with pointer walks, as fast per row as the 4-row block's.
    const aStep = <usize>sAk << 2;
    const bStep = <usize>N << 2;
    for (; i < M; i++) {
      const cRow = at(c, i * N);
      const aStart = at(a, i * sAi + k0 * sAk);
      let j: i32 = 0;
      for (; j + 8 <= N; j += 8) {
        let x0 = v128.load(at(cRow, j));
        let x1 = v128.load(at(cRow, j + 4));
        let pa = aStart;
        let pb = at(b, k0 * N + j);
        for (let k: i32 = k0; k < k1; k++) {
          const av = v128.load32_splat(pa);
          x0 = madd(av, v128.load(pb), x0);
          x1 = madd(av, v128.load(pb, 16), x1);
          pa += aStep;
          pb += bStep;
        }
        v128.store(at(cRow, j), x0);
        v128.store(at(cRow, j + 4), x1);
      }
      for (; j + 4 <= N; j += 4) {
        let x = v128.load(at(cRow, j));
        for (let k: i32 = k0; k < k1; k++) {
          x = madd(f32x4.splat(load<f32>(at(a, i * sAi + k * sAk))), v128.load(at(b, k * N + j)), x);
        }
        v128.store(at(cRow, j), x);
      }
      for (; j < N; j++) {
        let s: f32 = load<f32>(at(cRow, j));
        for (let k: i32 = k0; k < k1; k++) s += load<f32>(at(a, i * sAi + k * sAk)) * load<f32>(at(b, k * N + j));
        store<f32>(at(cRow, j), s);
      }
    }
  }
}

// ---- LSTM gate math of one step, 4 lanes at a time -------------------------------------
// exp by range reduction to [−ln2/2, ln2/2] and Cephes' degree-5 polynomial (relative error
// ~1e-7 in f32), sigmoid(x) = 1 / (1 + exp(−x)), tanh(x) = 2·sigmoid(2x) − 1.

// @ts-ignore: decorator
@inline
function expv(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const k = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(k, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(k, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(k), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

// @ts-ignore: decorator
@inline
function sigmoidv(x: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.div(one, f32x4.add(one, expv(f32x4.neg(x))));
}

// @ts-ignore: decorator
@inline
function tanhv(x: v128): v128 {
  return f32x4.sub(f32x4.mul(f32x4.splat(2.0), sigmoidv(f32x4.add(x, x))), f32x4.splat(1.0));
}

function sigmoids(x: f32): f32 {
  return 1.0 / (1.0 + Mathf.exp(-x));
}

/**
 * One LSTM step over n rows: pre-activations gx + pre ([n, 4H] each, gate blocks i, f, g, o),
 * state c and h ([n, H], updated in place). Where `gates` is not 0 it records the activated
 * gates [n, 4H], tanh of the new cell and the old cell ([n, H] each) for the backward pass.
 */
export function lstmStep(gx: usize, pre: usize, c: usize, h: usize, n: i32, H: i32, gates: usize, tanhCell: usize, cellPrev: usize): void {
  const G = 4 * H;
  for (let i: i32 = 0; i < n; i++) {
    const gRow = i * G;
    const hRow = i * H;
    let j: i32 = 0;
    for (; j + 4 <= H; j += 4) {
      const ig = sigmoidv(f32x4.add(v128.load(at(gx, gRow + j)), v128.load(at(pre, gRow + j))));
      const fg = sigmoidv(f32x4.add(v128.load(at(gx, gRow + H + j)), v128.load(at(pre, gRow + H + j))));
      const gg = tanhv(f32x4.add(v128.load(at(gx, gRow + 2 * H + j)), v128.load(at(pre, gRow + 2 * H + j))));
      const og = sigmoidv(f32x4.add(v128.load(at(gx, gRow + 3 * H + j)), v128.load(at(pre, gRow + 3 * H + j))));
      const cPrev = v128.load(at(c, hRow + j));
      const cNew = f32x4.add(f32x4.mul(fg, cPrev), f32x4.mul(ig, gg));
      const tc = tanhv(cNew);
      v128.store(at(c, hRow + j), cNew);
      v128.store(at(h, hRow + j), f32x4.mul(og, tc));
      if (gates) {
        v128.store(at(gates, gRow + j), ig);
        v128.store(at(gates, gRow + H + j), fg);
        v128.store(at(gates, gRow + 2 * H + j), gg);
        v128.store(at(gates, gRow + 3 * H + j), og);
        v128.store(at(tanhCell, hRow + j), tc);
        v128.store(at(cellPrev, hRow + j), cPrev);
      }
    }
    for (; j < H; j++) {
      const ig = sigmoids(load<f32>(at(gx, gRow + j)) + load<f32>(at(pre, gRow + j)));
      const fg = sigmoids(load<f32>(at(gx, gRow + H + j)) + load<f32>(at(pre, gRow + H + j)));
      const gg = Mathf.tanh(load<f32>(at(gx, gRow + 2 * H + j)) + load<f32>(at(pre, gRow + 2 * H + j)));
      const og = sigmoids(load<f32>(at(gx, gRow + 3 * H + j)) + load<f32>(at(pre, gRow + 3 * H + j)));
      const cPrev = load<f32>(at(c, hRow + j));
      const cNew = fg * cPrev + ig * gg;
      const tc = Mathf.tanh(cNew);
      store<f32>(at(c, hRow + j), cNew);
      store<f32>(at(h, hRow + j), og * tc);
      if (gates) {
        store<f32>(at(gates, gRow + j), ig);
        store<f32>(at(gates, gRow + H + j), fg);
        store<f32>(at(gates, gRow + 2 * H + j), gg);
        store<f32>(at(gates, gRow + 3 * H + j), og);
        store<f32>(at(tanhCell, hRow + j), tc);
        store<f32>(at(cellPrev, hRow + j), cPrev);
      }
    }
  }
}

/**
 * The LSTM backward of one step over n rows: from the recorded gates, tanh(c) and old cell
 * ([n, ·] at this step) and the incoming dh (state, plus dy) and dc (state, updated in place
 * to the old cell's gradient), the gate pre-activation gradients dG [n, 4H].
 */
export function lstmStepBackward(gates: usize, tanhCell: usize, cellPrev: usize, dh: usize, dy: usize, dc: usize, dG: usize, n: i32, H: i32): void {
  const G = 4 * H;
  const one = f32x4.splat(1.0);
  for (let i: i32 = 0; i < n; i++) {
    const gRow = i * G;
    const hRow = i * H;
    let j: i32 = 0;
    for (; j + 4 <= H; j += 4) {
      const ig = v128.load(at(gates, gRow + j));
      const fg = v128.load(at(gates, gRow + H + j));
      const gg = v128.load(at(gates, gRow + 2 * H + j));
      const og = v128.load(at(gates, gRow + 3 * H + j));
      const tc = v128.load(at(tanhCell, hRow + j));
      const dhTotal = f32x4.add(v128.load(at(dh, hRow + j)), v128.load(at(dy, hRow + j)));
      const dcTotal = f32x4.add(v128.load(at(dc, hRow + j)), f32x4.mul(f32x4.mul(dhTotal, og), f32x4.sub(one, f32x4.mul(tc, tc))));
      v128.store(at(dG, gRow + j), f32x4.mul(f32x4.mul(dcTotal, gg), f32x4.mul(ig, f32x4.sub(one, ig))));
      v128.store(at(dG, gRow + H + j), f32x4.mul(f32x4.mul(dcTotal, v128.load(at(cellPrev, hRow + j))), f32x4.mul(fg, f32x4.sub(one, fg))));
      v128.store(at(dG, gRow + 2 * H + j), f32x4.mul(f32x4.mul(dcTotal, ig), f32x4.sub(one, f32x4.mul(gg, gg))));
      v128.store(at(dG, gRow + 3 * H + j), f32x4.mul(f32x4.mul(dhTotal, tc), f32x4.mul(og, f32x4.sub(one, og))));
      v128.store(at(dc, hRow + j), f32x4.mul(dcTotal, fg));
    }
    for (; j < H; j++) {
      const ig = load<f32>(at(gates, gRow + j));
      const fg = load<f32>(at(gates, gRow + H + j));
      const gg = load<f32>(at(gates, gRow + 2 * H + j));
      const og = load<f32>(at(gates, gRow + 3 * H + j));
      const tc = load<f32>(at(tanhCell, hRow + j));
      const dhTotal = load<f32>(at(dh, hRow + j)) + load<f32>(at(dy, hRow + j));
      const dcTotal = load<f32>(at(dc, hRow + j)) + dhTotal * og * (1 - tc * tc);
      store<f32>(at(dG, gRow + j), dcTotal * gg * ig * (1 - ig));
      store<f32>(at(dG, gRow + H + j), dcTotal * load<f32>(at(cellPrev, hRow + j)) * fg * (1 - fg));
      store<f32>(at(dG, gRow + 2 * H + j), dcTotal * ig * (1 - gg * gg));
      store<f32>(at(dG, gRow + 3 * H + j), dhTotal * tc * og * (1 - og));
      store<f32>(at(dc, hRow + j), dcTotal * fg);
    }
  }
}

/**
 * One GRU step over n rows (gate order r, z, n): gx [n, 3H] = x·W_ihᵀ + b_ih, pre [n, 3H] =
 * h·W_hhᵀ, bhh [3H]; h [n, H] updated in place. Where `gates` is not 0 it records r, z, n
 * [n, 3H] and W_hn h + b_hn ([n, H], at `hn`).
 */
export function gruStep(gx: usize, pre: usize, bhh: usize, h: usize, n: i32, H: i32, gates: usize, hn: usize): void {
  const G = 3 * H;
  const one = f32x4.splat(1.0);
  for (let i: i32 = 0; i < n; i++) {
    const gRow = i * G;
    const hRow = i * H;
    let j: i32 = 0;
    for (; j + 4 <= H; j += 4) {
      const r = sigmoidv(f32x4.add(f32x4.add(v128.load(at(gx, gRow + j)), v128.load(at(pre, gRow + j))), v128.load(at(bhh, j))));
      const z = sigmoidv(f32x4.add(f32x4.add(v128.load(at(gx, gRow + H + j)), v128.load(at(pre, gRow + H + j))), v128.load(at(bhh, H + j))));
      const hnv = f32x4.add(v128.load(at(pre, gRow + 2 * H + j)), v128.load(at(bhh, 2 * H + j)));
      const nv = tanhv(f32x4.add(v128.load(at(gx, gRow + 2 * H + j)), f32x4.mul(r, hnv)));
      const hPrev = v128.load(at(h, hRow + j));
      v128.store(at(h, hRow + j), f32x4.add(f32x4.mul(f32x4.sub(one, z), nv), f32x4.mul(z, hPrev)));
      if (gates) {
        v128.store(at(gates, gRow + j), r);
        v128.store(at(gates, gRow + H + j), z);
        v128.store(at(gates, gRow + 2 * H + j), nv);
        v128.store(at(hn, hRow + j), hnv);
      }
    }
    for (; j < H; j++) {
      const r = sigmoids(load<f32>(at(gx, gRow + j)) + load<f32>(at(pre, gRow + j)) + load<f32>(at(bhh, j)));
      const z = sigmoids(load<f32>(at(gx, gRow + H + j)) + load<f32>(at(pre, gRow + H + j)) + load<f32>(at(bhh, H + j)));
      const hnv = load<f32>(at(pre, gRow + 2 * H + j)) + load<f32>(at(bhh, 2 * H + j));
      const nv = Mathf.tanh(load<f32>(at(gx, gRow + 2 * H + j)) + r * hnv);
      const hPrev = load<f32>(at(h, hRow + j));
      store<f32>(at(h, hRow + j), (1 - z) * nv + z * hPrev);
      if (gates) {
        store<f32>(at(gates, gRow + j), r);
        store<f32>(at(gates, gRow + H + j), z);
        store<f32>(at(gates, gRow + 2 * H + j), nv);
        store<f32>(at(hn, hRow + j), hnv);
      }
    }
  }
}

/**
 * The GRU backward of one step over n rows: from the recorded gates, W_hn h + b_hn and old
 * hidden state, and dh (state) + dy, writes dGx and dGh ([n, 3H]) and sets dh to the direct
 * part z·dh_total (the caller adds dGh·W_hh).
 */
export function gruStepBackward(gates: usize, hn: usize, hPrev: usize, dh: usize, dy: usize, dGx: usize, dGh: usize, n: i32, H: i32): void {
  const G = 3 * H;
  const one = f32x4.splat(1.0);
  for (let i: i32 = 0; i < n; i++) {
    const gRow = i * G;
    const hRow = i * H;
    let j: i32 = 0;
    for (; j + 4 <= H; j += 4) {
      const r = v128.load(at(gates, gRow + j));
      const z = v128.load(at(gates, gRow + H + j));
      const nv = v128.load(at(gates, gRow + 2 * H + j));
      const dhTotal = f32x4.add(v128.load(at(dh, hRow + j)), v128.load(at(dy, hRow + j)));
      const dn = f32x4.mul(f32x4.mul(dhTotal, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(nv, nv)));
      const dz = f32x4.mul(f32x4.mul(dhTotal, f32x4.sub(v128.load(at(hPrev, hRow + j)), nv)), f32x4.mul(z, f32x4.sub(one, z)));
      const dr = f32x4.mul(f32x4.mul(dn, v128.load(at(hn, hRow + j))), f32x4.mul(r, f32x4.sub(one, r)));
      v128.store(at(dGx, gRow + j), dr);
      v128.store(at(dGx, gRow + H + j), dz);
      v128.store(at(dGx, gRow + 2 * H + j), dn);
      v128.store(at(dGh, gRow + j), dr);
      v128.store(at(dGh, gRow + H + j), dz);
      v128.store(at(dGh, gRow + 2 * H + j), f32x4.mul(dn, r));
      v128.store(at(dh, hRow + j), f32x4.mul(dhTotal, z));
    }
    for (; j < H; j++) {
      const r = load<f32>(at(gates, gRow + j));
      const z = load<f32>(at(gates, gRow + H + j));
      const nv = load<f32>(at(gates, gRow + 2 * H + j));
      const dhTotal = load<f32>(at(dh, hRow + j)) + load<f32>(at(dy, hRow + j));
      const dn = dhTotal * (1 - z) * (1 - nv * nv);
      const dz = dhTotal * (load<f32>(at(hPrev, hRow + j)) - nv) * z * (1 - z);
      const dr = dn * load<f32>(at(hn, hRow + j)) * r * (1 - r);
      store<f32>(at(dGx, gRow + j), dr);
      store<f32>(at(dGx, gRow + H + j), dz);
      store<f32>(at(dGx, gRow + 2 * H + j), dn);
      store<f32>(at(dGh, gRow + j), dr);
      store<f32>(at(dGh, gRow + H + j), dz);
      store<f32>(at(dGh, gRow + 2 * H + j), dn * r);
      store<f32>(at(dh, hRow + j), dhTotal * z);
    }
  }
}

/**
 * One Adam step over n values in place (PyTorch's and tfjs's formula, f32):
 *   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,  w ← w − lr·(m/c1) / (√(v/c2) + ε)
 * with c1 = 1−β1ᵗ, c2 = 1−β2ᵗ.
 */
export function adamStep(w: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, b1: f32, b2: f32, eps: f32, c1: f32, c2: f32): void {
  const vb1 = f32x4.splat(b1);
  const va1 = f32x4.splat(1 - b1);
  const vb2 = f32x4.splat(b2);
  const va2 = f32x4.splat(1 - b2);
  const vlr = f32x4.splat(lr);
  const veps = f32x4.splat(eps);
  const vc1 = f32x4.splat(c1);
  const vc2 = f32x4.splat(c2);
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const gi = v128.load(at(g, i));
    const mi = f32x4.add(f32x4.mul(vb1, v128.load(at(m, i))), f32x4.mul(va1, gi));
    const vi = f32x4.add(f32x4.mul(vb2, v128.load(at(v, i))), f32x4.mul(va2, f32x4.mul(gi, gi)));
    v128.store(at(m, i), mi);
    v128.store(at(v, i), vi);
    const step = f32x4.div(f32x4.mul(vlr, f32x4.div(mi, vc1)), f32x4.add(f32x4.sqrt(f32x4.div(vi, vc2)), veps));
    v128.store(at(w, i), f32x4.sub(v128.load(at(w, i)), step));
  }
  for (; i < n; i++) {
    const gi = load<f32>(at(g, i));
    const mi = b1 * load<f32>(at(m, i)) + (1 - b1) * gi;
    const vi = b2 * load<f32>(at(v, i)) + (1 - b2) * gi * gi;
    store<f32>(at(m, i), mi);
    store<f32>(at(v, i), vi);
    store<f32>(at(w, i), load<f32>(at(w, i)) - (lr * (mi / c1)) / (Mathf.sqrt(vi / c2) + eps));
  }
}

// ---- whole-direction LSTM loops ---------------------------------------------------------
// One direction's walk through time as a single call, so that the two directions of a
// bidirectional layer can run at once on two threads (each step's product is too small to
// split). counts/offsets (i32 [T]): rows active at step t and their first packed row.

/**
 * Forward over all steps: per step pre = h·W_hhᵀ (whhT [H, 4H]), then lstmStep; the new h of
 * the active rows goes to yP [R, H] at their packed rows. With `gates` not 0 it records the
 * trace (gates [R, 4H], tanhCell, cellPrev and hPrev [R, H]).
 */
export function lstmForwardLoop(
  gx: usize, whhT: usize, h: usize, c: usize, pre: usize, yP: usize,
  gates: usize, tanhCell: usize, cellPrev: usize, hPrev: usize,
  counts: usize, offsets: usize, T: i32, H: i32, reverse: i32,
): void {
  const G = 4 * H;
  for (let s: i32 = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const n = load<i32>(counts + (<usize>t << 2));
    if (n == 0) continue;
    const off = load<i32>(offsets + (<usize>t << 2));
    const rowBytes = <usize>(n * H) << 2;
    gemm(h, H, 1, whhT, pre, n, G, H, 0);
    if (gates) {
      memory.copy(at(hPrev, off * H), h, rowBytes);
      lstmStep(at(gx, off * G), pre, c, h, n, H, at(gates, off * G), at(tanhCell, off * H), at(cellPrev, off * H));
    } else {
      lstmStep(at(gx, off * G), pre, c, h, n, H, 0, 0, 0);
    }
    memory.copy(at(yP, off * H), h, rowBytes);
  }
}

/**
 * Backward over all steps (last first): per step lstmStepBackward with dy from dyP [R, H] at
 * the packed rows, writing dG [R, 4H]; then dh = dG·W_hh (whh [4H, H]) over the active rows.
 */
export function lstmBackwardLoop(
  gates: usize, tanhCell: usize, cellPrev: usize, whh: usize, dh: usize, dc: usize, dyP: usize, dG: usize,
  counts: usize, offsets: usize, T: i32, H: i32, reverse: i32,
): void {
  const G = 4 * H;
  for (let s: i32 = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    const n = load<i32>(counts + (<usize>t << 2));
    if (n == 0) continue;
    const off = load<i32>(offsets + (<usize>t << 2));
    lstmStepBackward(at(gates, off * G), at(tanhCell, off * H), at(cellPrev, off * H), dh, at(dyP, off * H), dc, at(dG, off * G), n, H);
    gemm(at(dG, off * G), G, 1, whh, dh, n, H, G, 0);
  }
}
