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
type Gemm = (
  a: number, sAi: number, sAk: number, b: number, c: number, M: number, N: number, K: number, accumulate: number,
) => void;

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const bin = atob(MATRIX_WASM_BASE64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/**
 * Compiles and instantiates the module synchronously (it is 1.4 KB, under the browsers'
 * limit for synchronous compilation on the main thread). Null where WebAssembly or its SIMD
 * extension is missing.
 */
export function createWasmMatrixEngine(): MatrixEngine | null {
  if (typeof WebAssembly !== 'object') return null;
  const bytes = moduleBytes();
  if (!WebAssembly.validate(bytes)) return null;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  const memory = instance.exports.memory as WebAssembly.Memory;
  const gemm = instance.exports.gemm as Gemm;
  const lstmStep = instance.exports.lstmStep as LstmStep;
  const lstmStepBackward = instance.exports.lstmStepBackward as LstmStepBackward;
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
    lstmStepBackward(gates, gOff, tanhCell, cellPrev, sOff, dh, dy, dc, dG, n, H) {
      lstmStepBackward(
        gates.ptr + 4 * gOff, tanhCell.ptr + 4 * sOff, cellPrev.ptr + 4 * sOff, dh.ptr, dy.ptr, dc.ptr, dG.ptr + 4 * gOff, n, H,
      );
    },
  };
}
