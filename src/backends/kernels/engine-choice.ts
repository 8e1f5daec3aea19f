// Which matrix engine the recurrent kernels use: the SIMD WebAssembly engine once it has been
// started (useWasmMatrixEngine), else plain JavaScript.
import { jsEngine, type MatrixEngine } from './cpu/matrix-engine';

let current: MatrixEngine = jsEngine;

export function matrixEngine(): MatrixEngine {
  return current;
}

export function setMatrixEngine(engine: MatrixEngine): void {
  current = engine;
}
