// The matrix engine on seqflow's own SIMD WebAssembly module (assembly/matrix.ts). Buffers
// are carved out of the module's linear memory by a bump allocator that is reset after every
// kernel call; the gate math in JS works on Float32Array views of the same memory, so nothing
// is copied between a product and the code that reads it.
import type { Buffer, LstmBackwardLoopJob, LstmForwardLoopJob, MatrixEngine } from '../cpu/matrix-engine';
import { MATRIX_RELAXED_WASM_BASE64, MATRIX_SHARED_RELAXED_WASM_BASE64, MATRIX_SHARED_WASM_BASE64, MATRIX_WASM_BASE64 } from './matrix-wasm';

/** Below this the module's own stack and data would live (the stub runtime uses none). */
const HEAP_START = 65536;
/**
 * Int32 slots shared with the worker thread, inside the reserved first page but clear of the
 * module's static data, which AssemblyScript places from byte 1024 (Mathf.exp's table: a
 * control block written there turned the scalar tails of the gate math, hidden sizes that are
 * not a multiple of 4, into NaN).
 */
const CONTROL_BYTE = 32768;
/**
 * Products smaller than this (multiply-adds) or with fewer rows are not worth a hand-off to the
 * worker: waking it costs tens to hundreds of microseconds, more than a per-step product of a
 * batch (16×512×128 takes ~0.1 ms). The projections and weight gradients over all steps qualify.
 */
const SPLIT_MIN_WORK = 1 << 22;
const SPLIT_MIN_ROWS = 64;
const PAGE = 65536;

type LstmStep = (gx: number, pre: number, c: number, h: number, n: number, H: number, gates: number, tanhCell: number, cellPrev: number) => void;
type LstmStepBackward = (gates: number, tanhCell: number, cellPrev: number, dh: number, dy: number, dc: number, dG: number, n: number, H: number) => void;
type GruStep = (gx: number, pre: number, bhh: number, h: number, n: number, H: number, gates: number, hn: number) => void;
type GruStepBackward = (gates: number, hn: number, hPrev: number, dh: number, dy: number, dGx: number, dGh: number, n: number, H: number) => void;
type AdamStep = (
  w: number, g: number, m: number, v: number, n: number, lr: number, b1: number, b2: number, eps: number, c1: number, c2: number,
) => void;
type Loop = (...args: number[]) => void;
/** Runs `fn(...args[0])` here and, at the same time, export `op` on args[1] in the worker. */
type RunPair = (fn: Loop, op: number, args: number[][]) => boolean;
/** Worker operations (ctrl slot 13); 0 is a gemm share. */
const OP_LSTM_FORWARD = 1;
const OP_LSTM_BACKWARD = 2;
/** Int32 slots of the control block; loop arguments start at slot 16. */
const CONTROL_SLOTS = 48;
/** At most this much of keep()'s copies waits in the pool for reuse. */
const POOL_BYTES = 64 * 2 ** 20;
const LOOP_ARGS = 16;
type Gemm = (
  a: number, sAi: number, sAk: number, b: number, c: number, M: number, N: number, K: number, accumulate: number,
) => void;

function moduleBytes(base64 = MATRIX_WASM_BASE64): Uint8Array<ArrayBuffer> {
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

let relaxed: boolean | undefined;

/**
 * Whether the relaxed-SIMD builds (fused multiply-add) load here. Node 20's V8 has relaxed SIMD
 * behind a flag, which is turned on before the first module is compiled; Chrome 114+ and Node
 * 22+ have it already. SEQFLOW_RELAXED_SIMD=0 in the environment keeps the plain SIMD builds.
 */
export function relaxedSimdAvailable(): boolean {
  if (relaxed !== undefined) return relaxed;
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined>; versions?: { node?: string } } }).process;
  if (typeof WebAssembly !== 'object' || proc?.env?.SEQFLOW_RELAXED_SIMD === '0') return (relaxed = false);
  const bytes = moduleBytes(MATRIX_RELAXED_WASM_BASE64);
  relaxed = WebAssembly.validate(bytes);
  if (!relaxed && proc?.versions?.node && typeof require === 'function') {
    try {
      // Held in a variable so that browser bundlers do not try to resolve Node's module.
      const v8Name = 'node:v8';
      (require(v8Name) as typeof import('node:v8')).setFlagsFromString('--experimental-wasm-relaxed-simd');
      relaxed = WebAssembly.validate(bytes);
    } catch {
      relaxed = false;
    }
  }
  return relaxed;
}

function ownMemoryBytes(): Uint8Array<ArrayBuffer> {
  return moduleBytes(relaxedSimdAvailable() ? MATRIX_RELAXED_WASM_BASE64 : MATRIX_WASM_BASE64);
}

/** Compiles the module off the main thread's critical path (browsers). Null without WebAssembly SIMD. */
export async function compileMatrixModule(): Promise<WebAssembly.Module | null> {
  if (typeof WebAssembly !== 'object') return null;
  const bytes = ownMemoryBytes();
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
    const bytes = ownMemoryBytes();
    if (!WebAssembly.validate(bytes)) return null;
    try {
      module = new WebAssembly.Module(bytes);
    } catch {
      return null;
    }
  }
  const instance = new WebAssembly.Instance(module, {});
  return engineOn(instance, instance.exports.memory as WebAssembly.Memory, instance.exports.gemm as Gemm, 'wasm-simd');
}

/**
 * Node only: the engine on a shared memory, with one worker thread that computes the second
 * half of the rows of every large product while this thread computes the first (so two cores
 * share the input projection and the weight gradients over all steps).
 * Null where worker threads, shared memory or the module cannot be had.
 */
export function createThreadedWasmMatrixEngine(): MatrixEngine | null {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (typeof WebAssembly !== 'object' || !proc?.versions?.node || typeof require !== 'function') return null;
  const bytes = moduleBytes(relaxedSimdAvailable() ? MATRIX_SHARED_RELAXED_WASM_BASE64 : MATRIX_SHARED_WASM_BASE64);
  let memory: WebAssembly.Memory;
  let instance: WebAssembly.Instance;
  let threads: typeof import('node:worker_threads');
  try {
    if (!WebAssembly.validate(bytes)) return null;
    memory = new WebAssembly.Memory({ initial: 2, maximum: 16384, shared: true });
    instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    // Held in a variable so that browser bundlers do not try to resolve Node's module.
    const workerThreads = 'node:worker_threads';
    threads = require(workerThreads) as typeof import('node:worker_threads');
  } catch {
    return null;
  }
  const ctrl = new Int32Array(memory.buffer, CONTROL_BYTE, CONTROL_SLOTS);
  // Slots: 0 job number (worker waits on it), 1 quit, 2..10 gemm arguments, 11 last job done,
  // 12 set to 1 by the worker once it is running, 13 operation (0 gemm, 1/2 LSTM forward/
  // backward loop), 14 loop argument count, 16… loop arguments.
  const worker = new threads.Worker(
    `const { workerData } = require('node:worker_threads');
     const { memory, bytes, at } = workerData;
     const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
     const gemm = inst.exports.gemm;
     const loops = [null, inst.exports.lstmForwardLoop, inst.exports.lstmBackwardLoop];
     const ctrl = new Int32Array(memory.buffer, at, ${CONTROL_SLOTS});
     let seen = 0;
     Atomics.store(ctrl, 12, 1);
     for (;;) {
       Atomics.wait(ctrl, 0, seen);
       seen = Atomics.load(ctrl, 0);
       if (Atomics.load(ctrl, 1) === 1) break;
       const op = ctrl[13];
       if (op === 0) gemm(ctrl[2], ctrl[3], ctrl[4], ctrl[5], ctrl[6], ctrl[7], ctrl[8], ctrl[9], ctrl[10]);
       else loops[op](...Array.from(ctrl.subarray(${LOOP_ARGS}, ${LOOP_ARGS} + ctrl[14])));
       Atomics.store(ctrl, 11, seen);
       Atomics.notify(ctrl, 11);
     }`,
    // execArgv: [] so the thread does not inherit this process's preloads (-r ts-node/…) or -e.
    { eval: true, execArgv: [], workerData: { memory, bytes, at: CONTROL_BYTE } },
  );
  worker.unref();
  // A worker that died (it should not: it only multiplies) turns the engine single-threaded.
  let workerAlive = true;
  worker.on('error', () => (workerAlive = false));
  worker.on('exit', () => (workerAlive = false));
  const gemm = instance.exports.gemm as Gemm;
  let job = 0;
  const split: Gemm = (a, sAi, sAk, b, c, M, N, K, accumulate) => {
    // Until the worker reports itself running (its start-up takes a few ms), work alone.
    if (!workerAlive || M < SPLIT_MIN_ROWS || M * N * K < SPLIT_MIN_WORK || Atomics.load(ctrl, 12) !== 1) {
      gemm(a, sAi, sAk, b, c, M, N, K, accumulate);
      return;
    }
    const m0 = (M >> 3) << 2; // about half, a multiple of 4 rows
    job += 1;
    ctrl[13] = 0;
    ctrl[2] = a + 4 * m0 * sAi;
    ctrl[3] = sAi;
    ctrl[4] = sAk;
    ctrl[5] = b;
    ctrl[6] = c + 4 * m0 * N;
    ctrl[7] = M - m0;
    ctrl[8] = N;
    ctrl[9] = K;
    ctrl[10] = accumulate;
    Atomics.store(ctrl, 0, job);
    Atomics.notify(ctrl, 0);
    gemm(a, sAi, sAk, b, c, m0, N, K, accumulate);
    awaitWorker();
  };
  const awaitWorker = () => {
    for (let done = Atomics.load(ctrl, 11); done !== job; done = Atomics.load(ctrl, 11)) {
      if (Atomics.wait(ctrl, 11, done, 20_000) === 'timed-out') {
        throw new Error('seqflow: the matrix worker thread did not answer within 20 s');
      }
    }
  };
  const runPair: RunPair = (fn, op, args) => {
    if (!workerAlive || Atomics.load(ctrl, 12) !== 1 || args.length < 2) return false;
    if (args[1].length > CONTROL_SLOTS - LOOP_ARGS) throw new Error('seqflow: too many loop arguments for the worker');
    job += 1;
    ctrl[13] = op;
    ctrl[14] = args[1].length;
    ctrl.set(args[1], LOOP_ARGS);
    Atomics.store(ctrl, 0, job);
    Atomics.notify(ctrl, 0);
    fn(...args[0]);
    awaitWorker();
    return true;
  };
  const engine = engineOn(instance, memory, split, 'wasm-simd-2t', runPair);
  engine.parallelism = () => (workerAlive && Atomics.load(ctrl, 12) === 1 ? 2 : 1);
  return engine;
}

function engineOn(instance: WebAssembly.Instance, memory: WebAssembly.Memory, gemm: Gemm, name: string, runPair?: RunPair): MatrixEngine {
  const lstmForwardLoop = instance.exports.lstmForwardLoop as Loop;
  const lstmBackwardLoop = instance.exports.lstmBackwardLoop as Loop;
  const lstmStep = instance.exports.lstmStep as LstmStep;
  const lstmStepBackward = instance.exports.lstmStepBackward as LstmStepBackward;
  const gruStep = instance.exports.gruStep as GruStep;
  const gruStepBackward = instance.exports.gruStepBackward as GruStepBackward;
  const adamStep = instance.exports.adamStep as AdamStep;
  let top = HEAP_START;
  // keep()'s copies, by power-of-two capacity, and the ones handed back by recycle().
  const pool = new Map<number, Float32Array[]>();
  const pooledArrays = new WeakSet<ArrayBufferLike>();
  let pooledBytes = 0;
  const capacityOf = (length: number) => 2 ** Math.ceil(Math.log2(Math.max(length, 1024)));

  const view = (buf: Buffer): Float32Array => {
    if (buf.arr.buffer !== memory.buffer) buf.arr = new Float32Array(memory.buffer, buf.ptr, buf.length);
    return buf.arr;
  };
  /** Uninitialised (for buffers that are written whole before any read). */
  const reserve = (length: number): number => {
    const ptr = (top + 15) & ~15;
    const end = ptr + length * 4;
    if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
    top = end;
    return ptr;
  };
  const alloc = (length: number): Buffer => {
    const ptr = reserve(length);
    const arr = new Float32Array(memory.buffer, ptr, length);
    arr.fill(0);
    return { arr, ptr, length };
  };
  /** The schedule copied in above the kernel's buffers, the jobs run (two at once where a worker can take one). */
  const runLoops = <J>(count: Int32Array, offset: Int32Array, jobs: J[], argsOf: (j: J, pc: number, po: number) => number[], fn: Loop, op: number) => {
    const mark = top;
    const pc = reserve(count.length);
    const po = reserve(offset.length);
    const ints = new Int32Array(memory.buffer);
    ints.set(count, pc >> 2);
    ints.set(offset, po >> 2);
    const args = jobs.map((j) => argsOf(j, pc, po));
    let first = 0;
    if (runPair !== undefined && args.length >= 2 && runPair(fn, op, args.slice(0, 2))) first = 2;
    for (let k = first; k < args.length; k++) fn(...args[k]);
    top = mark;
  };
  const scratch = (length: number): Buffer => {
    const ptr = reserve(length);
    return { arr: new Float32Array(memory.buffer, ptr, length), ptr, length };
  };
  return {
    name,
    alloc,
    scratch,
    from(values) {
      const buf = scratch(values.length);
      buf.arr.set(values);
      return buf;
    },
    refresh: view,
    keep(buf) {
      const capacity = capacityOf(buf.length);
      let whole = pool.get(capacity)?.pop();
      if (whole === undefined) {
        whole = new Float32Array(capacity);
        pooledArrays.add(whole.buffer);
      } else {
        pooledBytes -= whole.byteLength;
      }
      const copy = whole.subarray(0, buf.length);
      copy.set(view(buf));
      return copy;
    },
    recycle(arrays) {
      for (const a of arrays) {
        if (!pooledArrays.has(a.buffer) || pooledBytes + a.buffer.byteLength > POOL_BYTES) continue;
        const whole = new Float32Array(a.buffer);
        const list = pool.get(whole.length) ?? [];
        if (list.includes(whole)) continue;
        list.push(whole);
        pool.set(whole.length, list);
        pooledBytes += whole.byteLength;
      }
    },
    release() {
      top = HEAP_START;
    },
    lstmForwardLoops(count, offset, H, jobs) {
      const argsOf = (j: LstmForwardLoopJob, pc: number, po: number) => [
        j.gx.ptr, j.whhT.ptr, j.h.ptr, j.c.ptr, j.pre.ptr, j.yP.ptr,
        j.trace?.gates.ptr ?? 0, j.trace?.tanhCell.ptr ?? 0, j.trace?.cellPrev.ptr ?? 0, j.trace?.hPrev.ptr ?? 0,
        pc, po, count.length, H, j.reverse ? 1 : 0,
      ];
      runLoops(count, offset, jobs, argsOf, lstmForwardLoop, OP_LSTM_FORWARD);
    },
    lstmBackwardLoops(count, offset, H, jobs) {
      const argsOf = (j: LstmBackwardLoopJob, pc: number, po: number) => [
        j.gates.ptr, j.tanhCell.ptr, j.cellPrev.ptr, j.whh.ptr, j.dh.ptr, j.dc.ptr, j.dyP.ptr, j.dG.ptr,
        pc, po, count.length, H, j.reverse ? 1 : 0,
      ];
      runLoops(count, offset, jobs, argsOf, lstmBackwardLoop, OP_LSTM_BACKWARD);
    },
    adamStep(w, g, m, v, out, lr, b1, b2, eps, c1, c2) {
      const n = w.length;
      const mark = top;
      const [pw, pg, pm, pv] = [reserve(n), reserve(n), reserve(n), reserve(n)];
      const f = new Float32Array(memory.buffer);
      f.set(w, pw >> 2);
      f.set(g, pg >> 2);
      f.set(m, pm >> 2);
      f.set(v, pv >> 2);
      adamStep(pw, pg, pm, pv, n, lr, b1, b2, eps, c1, c2);
      out.set(f.subarray(pw >> 2, (pw >> 2) + n));
      m.set(f.subarray(pm >> 2, (pm >> 2) + n));
      v.set(f.subarray(pv >> 2, (pv >> 2) + n));
      top = mark;
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
