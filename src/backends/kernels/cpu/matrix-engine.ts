// Where the recurrent kernels get their memory and their matrix products from. The JS engine
// works on ordinary Float32Arrays; the WebAssembly engine (../wasm/wasm-engine.ts) hands out
// views into its linear memory and multiplies with SIMD. The kernels are written once against
// this interface: element-wise gate math in JS on `arr`, matrix products through the engine.

export interface Buffer {
  /** The floats. For the wasm engine a view that is valid until the next alloc (memory may grow). */
  arr: Float32Array;
  /** Byte offset in the engine's memory (wasm engine); 0 for the JS engine. */
  ptr: number;
  length: number;
}

/** One direction's LSTM forward walk through time (buffers in the engine's memory). */
export interface LstmForwardLoopJob {
  /** [R, 4H] input projections (+ biases) in packed rows. */
  gx: Buffer;
  /** [H, 4H]. */
  whhT: Buffer;
  /** [B, H] state in schedule order, updated in place. */
  h: Buffer;
  c: Buffer;
  /** [B, 4H] scratch. */
  pre: Buffer;
  /** [R, H] receives each step's new h in packed rows. */
  yP: Buffer;
  /** Where given, the trace for the backward pass, in packed rows. */
  trace: { gates: Buffer; tanhCell: Buffer; cellPrev: Buffer; hPrev: Buffer } | null;
  reverse: boolean;
}

/** One direction's LSTM backward walk through time. */
export interface LstmBackwardLoopJob {
  gates: Buffer;
  tanhCell: Buffer;
  cellPrev: Buffer;
  /** [4H, H]. */
  whh: Buffer;
  /** [B, H] state gradients in schedule order, updated in place. */
  dh: Buffer;
  dc: Buffer;
  /** [R, H] the output gradient in packed rows. */
  dyP: Buffer;
  /** [R, 4H] receives the gate pre-activation gradients. */
  dG: Buffer;
  reverse: boolean;
}

export interface MatrixEngine {
  readonly name: string;
  /** Threads that large products use now (1 unless a worker thread is running). */
  parallelism?(): number;
  /** Zero-filled. Allocate everything a kernel needs before reading any `arr`. */
  alloc(length: number): Buffer;
  /** Like alloc but with undefined contents: for buffers written whole before any read. */
  scratch(length: number): Buffer;
  /** A buffer holding a copy of `values`. */
  from(values: Float32Array): Buffer;
  /** Re-reads `arr` after allocations (a no-op for the JS engine). */
  refresh(buf: Buffer): Float32Array;
  /** A JS-owned copy (or the array itself, for the JS engine), valid after release(). */
  keep(buf: Buffer): Float32Array;
  /**
   * Optional: arrays that keep() returned and that the caller will never read again, for
   * later keep() calls to reuse (so large traces do not churn the garbage collector).
   */
  recycle?(arrays: Float32Array[]): void;
  /** Frees every allocation made since the engine was last released. */
  release(): void;
  /** C[M,N] (+)= A[M,K]·B[K,N]; offsets in floats. */
  nn(a: Buffer, aOff: number, b: Buffer, bOff: number, c: Buffer, cOff: number, M: number, N: number, K: number, accumulate: boolean): void;
  /** C[M,N] (+)= A[K,M]ᵀ·B[K,N]. */
  tn(a: Buffer, b: Buffer, c: Buffer, M: number, N: number, K: number, accumulate: boolean): void;
  /**
   * Optional fused LSTM step (gate order i, f, g, o) over n rows: gx[gxOff…] + pre → gates,
   * c and h updated in place; with a trace, records the gates (at trace.gOff), tanh of the new
   * cell and the old cell (at trace.sOff). Engines without it leave the gate math to the kernel.
   */
  lstmStep?(
    gx: Buffer, gxOff: number, pre: Buffer, c: Buffer, h: Buffer, n: number, H: number,
    trace: { gates: Buffer; tanhCell: Buffer; cellPrev: Buffer; gOff: number; sOff: number } | null,
  ): void;
  /**
   * Optional fused GRU step (gate order r, z, n): gx[gxOff…] + pre (= h·W_hhᵀ) + bhh → h updated
   * in place; with a trace, records r, z, n (at gOff) and W_hn h + b_hn (at sOff).
   */
  gruStep?(
    gx: Buffer, gxOff: number, pre: Buffer, bhh: Buffer, h: Buffer, n: number, H: number,
    trace: { gates: Buffer; hn: Buffer; gOff: number; sOff: number } | null,
  ): void;
  /** Optional fused GRU step backward: dGx, dGh (at gOff); dh set to its direct part z·dh_total. */
  gruStepBackward?(
    gates: Buffer, gOff: number, hn: Buffer, hPrev: Buffer, sOff: number,
    dh: Buffer, dy: Buffer, dGx: Buffer, dGh: Buffer, n: number, H: number,
  ): void;
  /**
   * Optional Adam step over one variable's values: m and v updated in place, the new weights
   * written to `out` (which may be `w`). c1 = 1−β1ᵗ, c2 = 1−β2ᵗ. Independent of any kernel's
   * buffers (call it between kernels, not inside one).
   */
  adamStep?(
    w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, out: Float32Array,
    lr: number, b1: number, b2: number, eps: number, c1: number, c2: number,
  ): void;
  /**
   * Optional whole-sequence LSTM loops, one job per direction over the same schedule
   * (count/offset per step). An engine with a worker thread runs two jobs at once.
   */
  lstmForwardLoops?(count: Int32Array, offset: Int32Array, H: number, jobs: LstmForwardLoopJob[]): void;
  lstmBackwardLoops?(count: Int32Array, offset: Int32Array, H: number, jobs: LstmBackwardLoopJob[]): void;
  /** Optional fused LSTM step backward: dG (at gOff) from the trace, dh + dy and dc (updated). */
  lstmStepBackward?(
    gates: Buffer, gOff: number, tanhCell: Buffer, cellPrev: Buffer, sOff: number,
    dh: Buffer, dy: Buffer, dc: Buffer, dG: Buffer, n: number, H: number,
  ): void;
}

function jsBuffer(arr: Float32Array): Buffer {
  return { arr, ptr: 0, length: arr.length };
}

export const jsEngine: MatrixEngine = {
  name: 'js',
  alloc: (length) => jsBuffer(new Float32Array(length)),
  scratch: (length) => jsBuffer(new Float32Array(length)),
  from: (values) => jsBuffer(Float32Array.from(values)),
  refresh: (buf) => buf.arr,
  keep: (buf) => buf.arr,
  release: () => {},
  nn(a, aOff, b, bOff, c, cOff, M, N, K, accumulate) {
    const A = a.arr;
    const B = b.arr;
    const C = c.arr;
    if (!accumulate) C.fill(0, cOff, cOff + M * N);
    for (let i = 0; i < M; i++) {
      const cRow = cOff + i * N;
      const aRow = aOff + i * K;
      for (let k = 0; k < K; k++) {
        const s = A[aRow + k];
        if (s === 0) continue;
        const bRow = bOff + k * N;
        for (let j = 0; j < N; j++) C[cRow + j] += s * B[bRow + j];
      }
    }
  },
  tn(a, b, c, M, N, K, accumulate) {
    const A = a.arr;
    const B = b.arr;
    const C = c.arr;
    if (!accumulate) C.fill(0, 0, M * N);
    for (let k = 0; k < K; k++) {
      const aRow = k * M;
      const bRow = k * N;
      for (let i = 0; i < M; i++) {
        const s = A[aRow + i];
        if (s === 0) continue;
        const cRow = i * N;
        for (let j = 0; j < N; j++) C[cRow + j] += s * B[bRow + j];
      }
    }
  },
};

/** out[c·R + r] = m[r·C + c]: an R×C matrix transposed. */
export function transposeInto(m: Float32Array, R: number, C: number, out: Float32Array): void {
  for (let r = 0; r < R; r++) {
    const row = r * C;
    for (let c = 0; c < C; c++) out[c * R + r] = m[row + c];
  }
}
