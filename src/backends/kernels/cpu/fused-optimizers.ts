// Adam and SGD whose update is one loop over each variable's typed array on the backends that
// keep tensors in this process's memory (Adam: cpu and wasm; SGD: cpu only). tfjs's own optimizers build the update
// from ~8 element-wise ops per variable: on cpu each runs through a generic per-element
// callback, on wasm each is a separate pass plus a tensor allocation, and with a 12.9k×64
// embedding that is a large share of a training step (on wasm ~12% for the BiLSTM benchmark);
// reading a variable and writing it back are plain memory copies there. On other backends
// (webgl: every read is a GPU download) these delegate to tf.train.adam / tf.train.sgd, whose
// ops run natively there. The math is tfjs's (and PyTorch's):
//   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,  w ← w − lr·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + ε)
import * as tf from '@tensorflow/tfjs-core';
import { matrixEngine } from '../engine-choice';
import { isHostBackend } from '../host-backends';

type Gradients = tf.NamedTensorMap | Array<{ name: string; tensor: tf.Tensor }>;

function entries(grads: Gradients): Array<[string, tf.Tensor]> {
  return Array.isArray(grads) ? grads.map((g) => [g.name, g.tensor] as [string, tf.Tensor]) : Object.entries(grads);
}

function variableNamed(name: string): tf.Variable {
  const v = tf.engine().registeredVariables[name];
  if (v === undefined) throw new Error(`fused optimizer: no variable named "${name}"`);
  return v;
}

/** Replaces a variable's value with `values` (a new buffer: clones may share the old one). */
function assignValues(variable: tf.Variable, values: Float32Array): void {
  const t = tf.tensor(values, variable.shape, 'float32');
  variable.assign(t);
  t.dispose();
}

/** One Adam step over a variable's values (a function of its own so that it stays monomorphic). */
function adamUpdate(
  w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, out: Float32Array,
  lr: number, b1: number, b2: number, eps: number, c1: number, c2: number,
): void {
  const n = w.length;
  const a1 = 1 - b1;
  const a2 = 1 - b2;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const mi = b1 * m[i] + a1 * gi;
    const vi = b2 * v[i] + a2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    out[i] = w[i] - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
  }
}

export class FusedAdam extends tf.Optimizer {
  static get className(): string {
    return 'SeqflowFusedAdam';
  }

  private readonly moments = new Map<string, { m: Float32Array; v: Float32Array }>();
  private step = 0;
  private backend = '';
  private fallback: tf.Optimizer | null = null;

  constructor(
    readonly learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
  ) {
    super();
  }

  applyGradients(variableGradients: Gradients): void {
    const backend = tf.getBackend();
    if (this.step > 0 && this.fallback === null && backend !== this.backend) {
      // The moments of one backend's run are kept; a switch mid-training is almost surely a mistake.
      throw new Error(`FusedAdam: the backend changed during training (${this.backend} → ${backend})`);
    }
    if (!isHostBackend(backend) || this.fallback !== null) {
      this.fallback ??= tf.train.adam(this.learningRate, this.beta1, this.beta2, this.epsilon);
      this.fallback.applyGradients(variableGradients);
      this.incrementIterations();
      return;
    }
    this.backend = backend;
    this.step += 1;
    const { learningRate: lr, beta1: b1, beta2: b2, epsilon: eps } = this;
    const c1 = 1 - b1 ** this.step;
    const c2 = 1 - b2 ** this.step;
    for (const [name, gradient] of entries(variableGradients)) {
      if (gradient == null) continue;
      const variable = variableNamed(name);
      const w = variable.dataSync() as Float32Array;
      const g = gradient.dataSync() as Float32Array;
      let state = this.moments.get(name);
      if (state === undefined) {
        state = { m: new Float32Array(w.length), v: new Float32Array(w.length) };
        this.moments.set(name, state);
      }
      // On wasm dataSync hands out a fresh copy, which can take the result; on cpu it is the
      // variable's own buffer (possibly shared with clones), so the result gets a new one.
      const out = backend === 'wasm' ? w : new Float32Array(w.length);
      // The SIMD engine's loop where there is one (4 lanes, f32 as tfjs computes it).
      const engine = matrixEngine();
      if (engine.adamStep !== undefined) engine.adamStep(w, g, state.m, state.v, out, lr, b1, b2, eps, c1, c2);
      else adamUpdate(w, g, state.m, state.v, out, lr, b1, b2, eps, c1, c2);
      assignValues(variable, out);
    }
    this.incrementIterations();
  }

  dispose(): void {
    this.fallback?.dispose();
    this.moments.clear();
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

export class FusedSgd extends tf.Optimizer {
  static get className(): string {
    return 'SeqflowFusedSgd';
  }

  private fallback: tf.Optimizer | null = null;

  constructor(readonly learningRate: number) {
    super();
  }

  applyGradients(variableGradients: Gradients): void {
    // SGD is one native op per variable on wasm already; the copies out and back would cost more.
    if (tf.getBackend() !== 'cpu') {
      this.fallback ??= tf.train.sgd(this.learningRate);
      this.fallback.applyGradients(variableGradients);
      this.incrementIterations();
      return;
    }
    const lr = this.learningRate;
    for (const [name, gradient] of entries(variableGradients)) {
      if (gradient == null) continue;
      const variable = variableNamed(name);
      const w = variable.dataSync() as Float32Array;
      const g = gradient.dataSync() as Float32Array;
      const out = new Float32Array(w.length);
      for (let i = 0; i < w.length; i++) out[i] = w[i] - lr * g[i];
      assignValues(variable, out);
    }
    this.incrementIterations();
  }

  dispose(): void {
    this.fallback?.dispose();
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate };
  }
}
