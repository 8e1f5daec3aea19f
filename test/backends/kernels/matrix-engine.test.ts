import { describe, expect, it } from 'vitest';
import { random } from './random-values';
import { jsEngine, type MatrixEngine } from '../../../src/backends/kernels/cpu/matrix-engine';
import { createThreadedWasmMatrixEngine, createWasmMatrixEngine, relaxedSimdAvailable } from '../../../src/backends/kernels/wasm/wasm-engine';
import { MATRIX_WASM_BASE64 } from '../../../src/backends/kernels/wasm/matrix-wasm';
import { matrixEngine, prepareMatrixEngine, setMatrixEngine } from '../../../src/backends/kernels/engine-choice';

/** Reference in float64: C[M,N] = init + A·B, A given as [M,K] or transposed [K,M]. */
function reference(a: Float32Array, b: Float32Array, init: Float32Array, M: number, N: number, K: number, aT: boolean): Float64Array {
  const c = Float64Array.from(init);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (aT ? a[k * M + i] : a[i * K + k]) * b[k * N + j];
      c[i * N + j] += s;
    }
  return c;
}

const wasm = createWasmMatrixEngine();
const threaded = createThreadedWasmMatrixEngine();
// The plain-SIMD build too, which runtimes without relaxed SIMD get (the default engines above
// are the relaxed build in Node).
const plain = createWasmMatrixEngine(new WebAssembly.Module(Buffer.from(MATRIX_WASM_BASE64, 'base64')));
const engines: MatrixEngine[] = [jsEngine, ...(wasm ? [wasm] : []), ...(threaded ? [threaded] : []), ...(plain ? [plain] : [])];

describe('matrix engines', () => {
  it('the SIMD WebAssembly engines are available in Node, synchronously and asynchronously', async () => {
    expect(wasm?.name).toBe('wasm-simd');
    expect(threaded?.name).toBe('wasm-simd-2t');
    expect(plain?.name).toBe('wasm-simd');
    // Node's V8 takes the relaxed-SIMD builds (fused multiply-add) once its flag is on.
    expect(relaxedSimdAvailable()).toBe(true);
    expect(['wasm-simd', 'wasm-simd-2t']).toContain(matrixEngine().name);
    setMatrixEngine('js');
    expect(matrixEngine().name).toBe('js');
    expect(['wasm-simd', 'wasm-simd-2t']).toContain(await prepareMatrixEngine());
    setMatrixEngine('wasm-simd');
    expect(matrixEngine().name).toBe('wasm-simd');
  });

  it('the two-thread engine has its worker running (so the products below are split)', async () => {
    if (!threaded) return;
    for (let i = 0; i < 100 && threaded.parallelism!() !== 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(threaded.parallelism!()).toBe(2);
  });

  for (const engine of engines) {
    // Sizes that leave tails in every blocking (rows by 4, columns by 8 and 4, k by 128).
    for (const [M, N, K] of [[1, 1, 1], [5, 13, 3], [16, 64, 16], [7, 9, 300], [33, 130, 129], [16, 512, 128], [140, 256, 130]]) {
      for (const accumulate of [false, true]) {
        it(`${engine.name}: nn and tn match a float64 product for ${M}x${N}x${K}, accumulate ${accumulate}`, () => {
          const a = random(M * K + 3, M + N);
          const b = random(K * N, K + 1);
          const init = random(M * N, 7);
          const A = engine.from(a);
          const B = engine.from(b);
          const C = engine.from(init);
          const C2 = engine.from(init);
          // nn reads A at offset 3 to check offsets.
          engine.nn(A, 3, B, 0, C, 0, M, N, K, accumulate);
          engine.tn(A, B, C2, M, N, K, accumulate);
          const zero = new Float32Array(M * N);
          const expectNN = reference(a.subarray(3), b, accumulate ? init : zero, M, N, K, false);
          const expectTN = reference(a, b, accumulate ? init : zero, M, N, K, true);
          const gotNN = engine.keep(C);
          const gotTN = engine.keep(C2);
          engine.release();
          let worstNN = 0;
          let worstTN = 0;
          for (let i = 0; i < M * N; i++) {
            worstNN = Math.max(worstNN, Math.abs(gotNN[i] - expectNN[i]));
            worstTN = Math.max(worstTN, Math.abs(gotTN[i] - expectTN[i]));
          }
          expect(worstNN).toBeLessThan(1e-4);
          expect(worstTN).toBeLessThan(1e-4);
        });
      }
    }
  }

  it('wasm engine: buffers allocated before a memory growth are still readable after it', () => {
    if (!wasm) return;
    const first = wasm.from(new Float32Array([1, 2, 3]));
    wasm.alloc(4 << 20); // 16 MB: grows the memory, detaching old views
    expect(Array.from(wasm.refresh(first))).toEqual([1, 2, 3]);
    wasm.release();
  });
});
