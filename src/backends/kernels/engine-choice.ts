// Which matrix engine the recurrent kernels use: seqflow's SIMD WebAssembly module where the
// runtime supports it — in Node with a second thread for large products when the machine has
// two cores or more — and plain JavaScript otherwise (or when asked for). SEQFLOW_THREADS=1
// in the environment keeps Node on one thread.
import { jsEngine, type MatrixEngine } from './cpu/matrix-engine';
import { compileMatrixModule, createThreadedWasmMatrixEngine, createWasmMatrixEngine } from './wasm/wasm-engine';

export type MatrixEngineName = 'wasm-simd-2t' | 'wasm-simd' | 'js';

let current: MatrixEngine | null = null;
let wasm: MatrixEngine | null | undefined;
let threaded: MatrixEngine | null | undefined;

function wasmEngine(): MatrixEngine | null {
  if (wasm === undefined) wasm = createWasmMatrixEngine();
  return wasm;
}

function threadedEngine(): MatrixEngine | null {
  if (threaded === undefined) threaded = createThreadedWasmMatrixEngine();
  return threaded;
}

function wantsThreads(): boolean {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined>; versions?: { node?: string } } }).process;
  if (!proc?.versions?.node || proc.env?.SEQFLOW_THREADS === '1') return false;
  try {
    const osName = 'node:os';
    const os = require(osName) as typeof import('node:os');
    return (os.availableParallelism?.() ?? os.cpus().length) >= 2;
  } catch {
    return false;
  }
}

/** The engine in use; the first call picks the best one that can be made synchronously. */
export function matrixEngine(): MatrixEngine {
  if (current === null) {
    const engine = (wantsThreads() ? threadedEngine() : null) ?? wasmEngine();
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
  if (current !== null && current !== jsEngine) return current.name as MatrixEngineName;
  const engine = wantsThreads() ? threadedEngine() : null;
  if (engine !== null) {
    current = engine;
  } else {
    if (wasm === undefined || wasm === null) {
      const compiled = await compileMatrixModule();
      wasm = compiled === null ? null : createWasmMatrixEngine(compiled);
    }
    current = wasm ?? jsEngine;
  }
  return current.name as MatrixEngineName;
}

/** Chooses the engine; a WebAssembly one throws where it cannot be made here. */
export function setMatrixEngine(name: MatrixEngineName): void {
  if (name === 'js') {
    current = jsEngine;
    return;
  }
  const engine = name === 'wasm-simd-2t' ? threadedEngine() : wasmEngine();
  if (engine === null) throw new Error(`setMatrixEngine: the ${name} engine is not available in this runtime`);
  current = engine;
}
