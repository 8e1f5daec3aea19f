/**
 * A 2D float32 matrix product with its gradient, run through seqflow's matrix engine (SIMD
 * WebAssembly where available) on the cpu and wasm backends. tfjs-backend-wasm's BatchMatMul is
 * very slow for the transposed products that weight gradients need (~0.3 GFLOP/s for Aᵀ·dY),
 * and tfjs-backend-cpu's is plain JavaScript; the engine does all three products of a training
 * step at its full speed. Other backends (webgl, tensorflow) keep tf.matMul.
 */
import * as tf from '@tensorflow/tfjs-core';
import { matrixEngine } from '../backends/kernels/engine-choice';
import { isHostBackend } from '../backends/kernels/host-backends';
import { transposeInto, type MatrixEngine } from '../backends/kernels/cpu/matrix-engine';

function floats(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/**
 * C[M,N] = A[M,K]·B[K,N], or with `aTransposed` A given as [K,M], or with `bTransposed` B given
 * as [N,K] (copied transposed first: the engine reads B by rows only). Every allocation is
 * released before returning, so this must not run inside another kernel's engine session.
 */
function product(
  engine: MatrixEngine, a: Float32Array, b: Float32Array, M: number, N: number, K: number,
  aTransposed: boolean, bTransposed: boolean,
): Float32Array {
  let bRows = b;
  if (bTransposed) {
    bRows = new Float32Array(K * N);
    transposeInto(b, N, K, bRows);
  }
  try {
    const bufA = engine.from(a);
    const bufB = engine.from(bRows);
    const bufC = engine.scratch(M * N);
    if (aTransposed) engine.tn(bufA, bufB, bufC, M, N, K, false);
    else engine.nn(bufA, 0, bufB, 0, bufC, 0, M, N, K, false);
    // A copy: the engine's memory is reused after release.
    return Float32Array.from(engine.refresh(bufC));
  } finally {
    engine.release();
  }
}

function checkShapes(a: tf.Tensor, b: tf.Tensor, transposeB: boolean): void {
  if (a.rank !== 2 || b.rank !== 2) {
    throw new Error(`engineMatMul: expected 2D tensors, got a of shape [${a.shape}] and b of shape [${b.shape}]`);
  }
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new Error(`engineMatMul: expected float32 tensors, got a ${a.dtype} and b ${b.dtype}`);
  }
  const inner = transposeB ? b.shape[1] : b.shape[0];
  if (a.shape[1] !== inner) {
    throw new Error(
      `engineMatMul: inner dimensions differ: a is [${a.shape}] and b${transposeB ? ' (transposed)' : ''} is ` +
        `[${transposeB ? [b.shape[1], b.shape[0]] : b.shape}] (${a.shape[1]} columns against ${inner} rows)`,
    );
  }
}

/**
 * a·b (or a·bᵀ with `transposeB`) for 2D float32 tensors, gradients included; through the
 * matrix engine on the cpu and wasm backends, tf.matMul elsewhere.
 */
export function engineMatMul(a: tf.Tensor2D, b: tf.Tensor2D, transposeB = false): tf.Tensor2D {
  checkShapes(a, b, transposeB);
  if (!isHostBackend()) return tf.matMul(a, b, false, transposeB);
  const [M, K] = a.shape;
  const N = transposeB ? b.shape[0] : b.shape[1];
  const op = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
    const engine = matrixEngine();
    save([x, w]);
    const value = tf.tensor2d(product(engine, floats(x), floats(w), M, N, K, false, transposeB), [M, N]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const g = floats(dy);
        const av = floats(saved[0]);
        const bv = floats(saved[1]);
        // dA[M,K] = dY[M,N]·Bᵀ: B stored [K,N] needs the transposed copy; B stored [N,K] is Bᵀ already.
        const dA = product(engine, g, bv, M, K, N, false, !transposeB);
        // dB: Aᵀ·dY as [K,N], or dYᵀ·A as [N,K] when B was given transposed.
        const dB = transposeB ? product(engine, g, av, N, K, M, true, false) : product(engine, av, g, K, N, M, true, false);
        return [tf.tensor2d(dA, [M, K]), tf.tensor2d(dB, transposeB ? [N, K] : [K, N])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(a, b) as tf.Tensor2D;
}
