// Which matrix engine the recurrent kernels use: seqflow's SIMD WebAssembly module where the
// runtime supports it, plain JavaScript otherwise (or when asked for).
import { jsEngine, type MatrixEngine } from './cpu/matrix-engine';
import { compileMatrixModule, createWasmMatrixEngine } from './wasm/wasm-engine';

export type MatrixEngineName = 'wasm-simd' | 'js';

let current: MatrixEngine | null = null;
let wasm: MatrixEngine | null | undefined;

function wasmEngine(): MatrixEngine | null {
  if (wasm === undefined) wasm = createWasmMatrixEngine();
  return wasm;
}

/** The engine in use; the first call picks the SIMD engine if it can be made synchronously. */
export function matrixEngine(): MatrixEngine {
  if (current === null) {
    const engine = wasmEngine();
    // Not cached as chosen when missing: prepareMatrixEngine may still compile it asynchronously.
    if (engine === null) return jsEngine;
    current = engine;
  }
  return current;
}

/**
 * Compiles the SIMD engine asynchronously and makes it current; for browsers, where the main
 * thread may refuse synchronous compilation. Resolves to the engine's name.
 */
export async function prepareMatrixEngine(): Promise<MatrixEngineName> {
  if (wasm === undefined || wasm === null) {
    const compiled = await compileMatrixModule();
    wasm = compiled === null ? null : createWasmMatrixEngine(compiled);
  }
  current = wasm ?? jsEngine;
  return current.name as MatrixEngineName;
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
