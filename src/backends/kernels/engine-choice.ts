// Which matrix engine the recurrent kernels use: seqflow's SIMD WebAssembly module where the
// runtime supports it, plain JavaScript otherwise (or when asked for).
import { jsEngine, type MatrixEngine } from './cpu/matrix-engine';
import { createWasmMatrixEngine } from './wasm/wasm-engine';

export type MatrixEngineName = 'wasm-simd' | 'js';

let current: MatrixEngine | null = null;
let wasm: MatrixEngine | null | undefined;

function wasmEngine(): MatrixEngine | null {
  if (wasm === undefined) wasm = createWasmMatrixEngine();
  return wasm;
}

export function matrixEngine(): MatrixEngine {
  if (current === null) current = wasmEngine() ?? jsEngine;
  return current;
}

/** Chooses the engine; 'wasm-simd' throws where WebAssembly SIMD is unavailable. */
export function setMatrixEngine(name: MatrixEngineName): void {
  if (name === 'js') {
    current = jsEngine;
    return;
  }
  const engine = wasmEngine();
  if (engine === null) throw new Error('setMatrixEngine: WebAssembly SIMD is not available in this runtime');
  current = engine;
}
