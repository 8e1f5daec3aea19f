// The matrix engine on seqflow's own SIMD WebAssembly module (assembly/matrix.ts). Buffers
// are carved out of the module's linear memory by a bump allocator that is reset after every
// kernel call; the gate math in JS works on Float32Array views of the same memory, so nothing
// is copied between a product and the code that reads it.
import type { Buffer, MatrixEngine } from '../cpu/matrix-engine';
import { MATRIX_WASM_BASE64 } from './matrix-wasm';

/** Below this the module's own stack and data would live (the stub runtime uses none). */
const HEAP_START = 65536;
const PAGE = 65536;

type LstmStep = (gx: number, pre: number, c: number, h: number, n: number, H: number, gates: number, tanhCell: number, cellPrev: number) => void;
type LstmStepBackward = (gates: number, tanhCell: number, cellPrev: number, dh: number, dy: number, dc: number, dG: number, n: number, H: number) => void;
type GruStep = (gx: number, pre: number, bhh: number, h: number, n: number, H: number, gates: number, hn: number) => void;
type GruStepBackward = (gates: number, hn: number, hPrev: number, dh: number, dy: number, dGx: number, dGh: number, n: number, H: number) => void;
type Gemm = (
  a: number, sAi: number, sAk: number, b: number, c: number, M: number, N: number, K: number, accumulate: number,
) => void;

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const bin = atob(MATRIX_WASM_BASE64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** Compiles the module off the main thread's critical path (browsers). Null without WebAssembly SIMD. */
export async function compileMatrixModule(): Promise<WebAssembly.Module | null> {
  if (typeof WebAssembly !== 'object') return null;
  const bytes = moduleBytes();
  if (!WebAssembly.validate(bytes)) return null;
  return WebAssembly.compile(bytes);
}

/**
 * The engine on a compiled module, or, without one, on a module compiled synchronously (fine
 * in Node; a browser's main thread may refuse to compile synchronously, so browsers call
 * compileMatrixModule first). Null where WebAssembly, its SIMD extension or synchronous
 * compilation is unavailable.
 */
export function createWasmMatrixEngine(compiled?: WebAssembly.Module): MatrixEngine | null {
  if (typeof WebAssembly !== 'object') return null;
  let module = compiled;
  if (module === undefined) {
    const bytes = moduleBytes();
    if (!WebAssembly.validate(bytes)) return null;
    try {
      module = new WebAssembly.Module(bytes);
    } catch {
      return null;
    }
  }
  const instance = new WebAssembly.Instance(module, {});
  const memory = instance.exports.memory as WebAssembly.Memory;
  const gemm = instance.exports.gemm as Gemm;
  const lstmStep = instance.exports.lstmStep as LstmStep;
  const lstmStepBackward = instance.exports.lstmStepBackward as LstmStepBackward;
  const gruStep = instance.exports.gruStep as GruStep;
  const gruStepBackward = instance.exports.gruStepBackward as GruStepBackward;
  let top = HEAP_START;

  const view = (buf: Buffer): Float32Array => {
    if (buf.arr.buffer !== memory.buffer) buf.arr = new Float32Array(memory.buffer, buf.ptr, buf.length);
    return buf.arr;
  };
  const alloc = (length: number): Buffer => {
    const ptr = (top + 15) & ~15;
    const end = ptr + length * 4;
    if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
    top = end;
    const arr = new Float32Array(memory.buffer, ptr, length);
    arr.fill(0);
    return { arr, ptr, length };
  };
  return {
    name: 'wasm-simd',
    alloc,
    from(values) {
      const buf = alloc(values.length);
      buf.arr.set(values);
      return buf;
    },
    refresh: view,
    keep: (buf) => view(buf).slice(),
    release() {
      top = HEAP_START;
    },
    nn(a, aOff, b, bOff, c, cOff, M, N, K, accumulate) {
      gemm(a.ptr + 4 * aOff, K, 1, b.ptr + 4 * bOff, c.ptr + 4 * cOff, M, N, K, accumulate ? 1 : 0);
    },
    tn(a, b, c, M, N, K, accumulate) {
      gemm(a.ptr, 1, M, b.ptr, c.ptr, M, N, K, accumulate ? 1 : 0);
    },
    lstmStep(gx, gxOff, pre, c, h, n, H, trace) {
      lstmStep(
        gx.ptr + 4 * gxOff, pre.ptr, c.ptr, h.ptr, n, H,
        trace ? trace.gates.ptr + 4 * trace.gOff : 0,
        trace ? trace.tanhCell.ptr + 4 * trace.sOff : 0,
        trace ? trace.cellPrev.ptr + 4 * trace.sOff : 0,
      );
    },
    gruStep(gx, gxOff, pre, bhh, h, n, H, trace) {
      gruStep(
        gx.ptr + 4 * gxOff, pre.ptr, bhh.ptr, h.ptr, n, H,
        trace ? trace.gates.ptr + 4 * trace.gOff : 0,
        trace ? trace.hn.ptr + 4 * trace.sOff : 0,
      );
    },
    gruStepBackward(gates, gOff, hn, hPrev, sOff, dh, dy, dGx, dGh, n, H) {
      gruStepBackward(
        gates.ptr + 4 * gOff, hn.ptr + 4 * sOff, hPrev.ptr + 4 * sOff, dh.ptr, dy.ptr, dGx.ptr + 4 * gOff, dGh.ptr + 4 * gOff, n, H,
      );
    },
    lstmStepBackward(gates, gOff, tanhCell, cellPrev, sOff, dh, dy, dc, dG, n, H) {
      lstmStepBackward(
        gates.ptr + 4 * gOff, tanhCell.ptr + 4 * sOff, cellPrev.ptr + 4 * sOff, dh.ptr, dy.ptr, dc.ptr, dG.ptr + 4 * gOff, n, H,
      );
    },
  };
}
