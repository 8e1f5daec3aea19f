import * as tf from '@tensorflow/tfjs-core';
import { recurrentLayerKernel, type DirectionTensors, type SequenceSpans } from './recurrent-kernel-op';
import { gruSequenceOps, lstmSequenceOps } from './recurrent-ops';
import { matrixEngine } from '../backends/kernels/engine-choice';
import { uniqueVariableName } from './variable-names';

export type RecurrentKind = 'lstm' | 'gru';

/**
 * How the recurrence is computed. 'kernel': each layer is one op with its own gradient,
 * computed on typed arrays by src/backends/kernels (matrix products in seqflow's SIMD
 * WebAssembly module, or plain JS where WebAssembly SIMD is missing); fast on cpu and wasm,
 * correct anywhere. 'ops': the input projection as one matMul, then a loop of tfjs-core ops
 * per step, differentiated by tfjs (any backend). 'auto': the kernel on cpu and wasm, ops
 * elsewhere (webgl, webgpu, tensorflow keep their data on the device).
 */
export type RecurrentImplementation = 'auto' | 'kernel' | 'ops';

export interface RecurrentOptions {
  kind: RecurrentKind;
  inputSize: number;
  hiddenSize: number;
  numLayers?: number;
  bidirectional?: boolean;
  /** Dropout on the outputs of every layer but the last, in training only (as PyTorch). */
  dropout?: number;
  seed?: number;
  name?: string;
  implementation?: RecurrentImplementation;
}

// Type aliases rather than interfaces, so that these are TensorContainers (tf.tidy can return them).
export type RecurrentState = {
  /** [layers·directions, batch, hidden], PyTorch's order (layer-major, forward then reverse). */
  h: tf.Tensor3D;
  /** LSTM only. */
  c?: tf.Tensor3D;
};

export interface RecurrentApplyOptions {
  training?: boolean;
  initialState?: RecurrentState;
  /** 'post': real tokens first, padding after (default); 'pre': padding first. */
  padding?: 'post' | 'pre';
}

export type RecurrentOutput = RecurrentState & {
  /** [batch, time, directions·hidden], zero at padded steps. */
  output: tf.Tensor3D;
};

interface DirectionWeights {
  weightIh: tf.Variable;
  weightHh: tf.Variable;
  biasIh: tf.Variable;
  biasHh: tf.Variable;
}

const KERNEL_BACKENDS = new Set(['cpu', 'wasm']);

/**
 * A stacked, optionally bidirectional LSTM or GRU with PyTorch's weights, initialisation and
 * padding semantics (packed sequences). Batch-first in and out.
 */
export class Recurrent {
  readonly kind: RecurrentKind;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly dropout: number;
  readonly implementation: RecurrentImplementation;
  readonly variables: tf.Variable[];
  private readonly cells: DirectionWeights[]; // index layer·directions + direction
  private readonly named: Record<string, tf.Variable>;
  private readonly seed: number | undefined;
  private dropoutCalls = 0;

  constructor(opts: RecurrentOptions) {
    if (opts.kind !== 'lstm' && opts.kind !== 'gru') {
      throw new Error(`Recurrent: kind must be 'lstm' or 'gru', got ${JSON.stringify(opts.kind)}`);
    }
    for (const key of ['inputSize', 'hiddenSize'] as const) {
      if (!Number.isInteger(opts[key]) || opts[key] < 1) {
        throw new Error(`Recurrent: ${key} must be a positive integer, got ${opts[key]}`);
      }
    }
    const numLayers = opts.numLayers ?? 1;
    if (!Number.isInteger(numLayers) || numLayers < 1) {
      throw new Error(`Recurrent: numLayers must be a positive integer, got ${numLayers}`);
    }
    const dropout = opts.dropout ?? 0;
    if (!(dropout >= 0 && dropout < 1)) throw new Error(`Recurrent: dropout must be in [0, 1), got ${dropout}`);
    const implementation = opts.implementation ?? 'auto';
    if (!['auto', 'kernel', 'ops'].includes(implementation)) {
      throw new Error(`Recurrent: implementation must be 'auto', 'kernel' or 'ops', got ${JSON.stringify(implementation)}`);
    }
    this.kind = opts.kind;
    this.inputSize = opts.inputSize;
    this.hiddenSize = opts.hiddenSize;
    this.numLayers = numLayers;
    this.bidirectional = opts.bidirectional ?? false;
    this.dropout = dropout;
    this.implementation = implementation;
    this.seed = opts.seed;

    const H = this.hiddenSize;
    const gates = this.gateCount * H;
    // PyTorch: every weight and bias ~ U(−1/√hidden, 1/√hidden).
    const bound = 1 / Math.sqrt(H);
    const prefix = opts.name ?? this.kind;
    let seedOffset = 0;
    const init = (shape: number[], weightName: string): tf.Variable => {
      const seed = this.seed === undefined ? undefined : this.seed + seedOffset++;
      const value = tf.randomUniform(shape, -bound, bound, 'float32', seed);
      const v = tf.variable(value, true, uniqueVariableName(prefix, weightName));
      value.dispose();
      return v;
    };
    this.cells = [];
    this.named = {};
    for (let layer = 0; layer < numLayers; layer++) {
      const inSize = layer === 0 ? this.inputSize : H * this.directions;
      for (let dir = 0; dir < this.directions; dir++) {
        const suffix = `_l${layer}${dir === 1 ? '_reverse' : ''}`;
        const cell: DirectionWeights = {
          weightIh: init([gates, inSize], `weight_ih${suffix}`),
          weightHh: init([gates, H], `weight_hh${suffix}`),
          biasIh: init([gates], `bias_ih${suffix}`),
          biasHh: init([gates], `bias_hh${suffix}`),
        };
        this.cells.push(cell);
        this.named[`weight_ih${suffix}`] = cell.weightIh;
        this.named[`weight_hh${suffix}`] = cell.weightHh;
        this.named[`bias_ih${suffix}`] = cell.biasIh;
        this.named[`bias_hh${suffix}`] = cell.biasHh;
      }
    }
    this.variables = Object.values(this.named);
  }

  get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  get gateCount(): number {
    return this.kind === 'lstm' ? 4 : 3;
  }

  /** Output width: directions·hidden. */
  get outputSize(): number {
    return this.directions * this.hiddenSize;
  }

  /** The weights under PyTorch's names, in PyTorch's shapes. */
  namedWeights(): Record<string, tf.Variable> {
    return { ...this.named };
  }

  apply(
    x: tf.Tensor3D,
    lengths: Int32Array | number[],
    opts: RecurrentApplyOptions = {},
  ): RecurrentOutput {
    if (x.rank !== 3) throw new Error(`Recurrent.apply: x must be [batch, time, features], got shape [${x.shape}]`);
    const [B, T, I] = x.shape;
    if (I !== this.inputSize) {
      throw new Error(`Recurrent.apply: x has ${I} features per step, the layer expects inputSize ${this.inputSize}`);
    }
    const spans = this.spansFor(lengths, B, T, opts.padding ?? 'post');
    const L = this.numLayers;
    const D = this.directions;
    const H = this.hiddenSize;
    const init = opts.initialState;
    if (init !== undefined) this.checkState(init, B);
    const useKernel = this.useKernel();
    const training = opts.training ?? false;

    return tf.tidy(() => {
      let layerInput = x; // [B, T, in]
      const hs: tf.Tensor2D[] = [];
      const cs: tf.Tensor2D[] = [];
      const zeros = init === undefined ? (tf.zeros([B, H]) as tf.Tensor2D) : undefined;
      const initialH = init === undefined ? undefined : (tf.unstack(init.h) as tf.Tensor2D[]);
      const initialC = init?.c === undefined ? undefined : (tf.unstack(init.c) as tf.Tensor2D[]);
      for (let layer = 0; layer < L; layer++) {
        const dirs: DirectionTensors[] = [];
        for (let dir = 0; dir < D; dir++) {
          const idx = layer * D + dir;
          const cell = this.cells[idx];
          dirs.push({
            wih: cell.weightIh,
            bih: cell.biasIh,
            bhh: cell.biasHh,
            whh: cell.weightHh,
            h0: initialH?.[idx] ?? zeros!,
            c0: this.kind === 'lstm' ? (initialC?.[idx] ?? zeros!) : undefined,
          });
        }
        const r = useKernel
          ? recurrentLayerKernel(this.kind, layerInput, dirs, H, spans, matrixEngine())
          : this.layerWithOps(layerInput, dirs, spans);
        hs.push(...r.hN);
        cs.push(...r.cN);
        let layerOutput = r.y;
        if (training && this.dropout > 0 && layer < L - 1) {
          const seed = this.seed === undefined ? undefined : this.seed + 7919 * ++this.dropoutCalls;
          layerOutput = tf.dropout(layerOutput, this.dropout, undefined, seed) as tf.Tensor3D;
        }
        layerInput = layerOutput;
      }
      const h = tf.stack(hs) as tf.Tensor3D;
      return this.kind === 'lstm' ? { output: layerInput, h, c: tf.stack(cs) as tf.Tensor3D } : { output: layerInput, h };
    });
  }

  /** The generic path: input projection as one matMul, then a loop of tfjs ops per step. */
  private layerWithOps(
    x: tf.Tensor3D,
    dirs: DirectionTensors[],
    spans: SequenceSpans,
  ): { y: tf.Tensor3D; hN: tf.Tensor2D[]; cN: tf.Tensor2D[] } {
    const [B, T, I] = x.shape;
    const H = this.hiddenSize;
    const flat = tf.reshape(tf.transpose(x, [1, 0, 2]), [T * B, I]);
    const outs: tf.Tensor3D[] = [];
    const hN: tf.Tensor2D[] = [];
    const cN: tf.Tensor2D[] = [];
    dirs.forEach((d, dir) => {
      // For the LSTM both biases go into the projection; the GRU keeps b_hh in the recurrence.
      const bias = this.kind === 'lstm' ? tf.add(d.bih, d.bhh) : d.bih;
      const gx = tf.reshape(tf.add(tf.matMul(flat, d.wih, false, true), bias), [T, B, this.gateCount * H]) as tf.Tensor3D;
      const reverse = dir === 1;
      if (this.kind === 'lstm') {
        const r = lstmSequenceOps(gx, d.whh as tf.Tensor2D, d.h0, d.c0!, spans, reverse);
        outs.push(r.y);
        hN.push(r.hN);
        cN.push(r.cN);
      } else {
        const r = gruSequenceOps(gx, d.whh as tf.Tensor2D, d.bhh as tf.Tensor1D, d.h0, spans, reverse);
        outs.push(r.y);
        hN.push(r.hN);
      }
    });
    const yT = outs.length === 1 ? outs[0] : tf.concat(outs, 2);
    return { y: tf.transpose(yT, [1, 0, 2]) as tf.Tensor3D, hN, cN };
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }

  private useKernel(): boolean {
    if (this.implementation === 'kernel') return true;
    if (this.implementation === 'ops') return false;
    return KERNEL_BACKENDS.has(tf.getBackend());
  }

  private spansFor(lengths: Int32Array | number[], B: number, T: number, padding: 'post' | 'pre'): SequenceSpans {
    if (padding !== 'post' && padding !== 'pre') {
      throw new Error(`Recurrent.apply: padding must be 'post' or 'pre', got ${JSON.stringify(padding)}`);
    }
    if (lengths.length !== B) {
      throw new Error(`Recurrent.apply: got ${lengths.length} lengths for a batch of ${B} rows`);
    }
    const start = new Int32Array(B);
    const end = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      const len = lengths[b];
      if (!Number.isInteger(len) || len < 0 || len > T) {
        throw new Error(`Recurrent.apply: lengths[${b}] = ${len} is not an integer in [0, ${T}] (time steps)`);
      }
      start[b] = padding === 'post' ? 0 : T - len;
      end[b] = padding === 'post' ? len : T;
    }
    return { start, end };
  }

  private checkState(state: RecurrentState, B: number): void {
    const expected = [this.numLayers * this.directions, B, this.hiddenSize];
    const check = (t: tf.Tensor | undefined, which: string) => {
      if (t === undefined) throw new Error(`Recurrent.apply: initialState.${which} is missing (an LSTM needs h and c)`);
      if (t.rank !== 3 || t.shape.some((d, i) => d !== expected[i])) {
        throw new Error(`Recurrent.apply: initialState.${which} has shape [${t.shape}], expected [${expected}]`);
      }
    };
    check(state.h, 'h');
    if (this.kind === 'lstm') check(state.c, 'c');
  }
}
