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
      for (; j + 8 <= N; j += 8) {
        let x00 = v128.load(at(c0, j));
        let x01 = v128.load(at(c0, j + 4));
        let x10 = v128.load(at(c1, j));
        let x11 = v128.load(at(c1, j + 4));
        let x20 = v128.load(at(c2, j));
        let x21 = v128.load(at(c2, j + 4));
        let x30 = v128.load(at(c3, j));
        let x31 = v128.load(at(c3, j + 4));
        for (let k: i32 = k0; k < k1; k++) {
          const bRow = at(b, k * N + j);
          const b0 = v128.load(bRow);
          const b1 = v128.load(bRow, 16);
          const aBase = i * sAi + k * sAk;
          const a0 = f32x4.splat(load<f32>(at(a, aBase)));
          const a1 = f32x4.splat(load<f32>(at(a, aBase + sAi)));
          const a2 = f32x4.splat(load<f32>(at(a, aBase + 2 * sAi)));
          const a3 = f32x4.splat(load<f32>(at(a, aBase + 3 * sAi)));
          x00 = f32x4.add(x00, f32x4.mul(a0, b0));
          x01 = f32x4.add(x01, f32x4.mul(a0, b1));
          x10 = f32x4.add(x10, f32x4.mul(a1, b0));
          x11 = f32x4.add(x11, f32x4.mul(a1, b1));
          x20 = f32x4.add(x20, f32x4.mul(a2, b0));
          x21 = f32x4.add(x21, f32x4.mul(a2, b1));
          x30 = f32x4.add(x30, f32x4.mul(a3, b0));
          x31 = f32x4.add(x31, f32x4.mul(a3, b1));
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
          x0 = f32x4.add(x0, f32x4.mul(f32x4.splat(load<f32>(at(a, aBase))), bv));
          x1 = f32x4.add(x1, f32x4.mul(f32x4.splat(load<f32>(at(a, aBase + sAi))), bv));
          x2 = f32x4.add(x2, f32x4.mul(f32x4.splat(load<f32>(at(a, aBase + 2 * sAi))), bv));
          x3 = f32x4.add(x3, f32x4.mul(f32x4.splat(load<f32>(at(a, aBase + 3 * sAi))), bv));
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
    for (; i < M; i++) {
      const cRow = at(c, i * N);
      let j: i32 = 0;
      for (; j + 4 <= N; j += 4) {
        let x = v128.load(at(cRow, j));
        for (let k: i32 = k0; k < k1; k++) {
          x = f32x4.add(x, f32x4.mul(f32x4.splat(load<f32>(at(a, i * sAi + k * sAk))), v128.load(at(b, k * N + j))));
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
