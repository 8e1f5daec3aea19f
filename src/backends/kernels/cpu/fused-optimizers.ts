// Adam and SGD whose update is one loop over each variable's typed array on the cpu backend.
// tfjs's own optimizers build the update from ~8 element-wise ops per variable, and the cpu
// backend runs each through a generic per-element callback: with a 12.9k×64 embedding that is
// most of a training step. On other backends these delegate to tf.train.adam / tf.train.sgd,
// whose ops run natively there. The math is tfjs's (and PyTorch's):
//   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,  w ← w − lr·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + ε)
import * as tf from '@tensorflow/tfjs-core';

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

export class FusedAdam extends tf.Optimizer {
  static get className(): string {
    return 'SeqflowFusedAdam';
  }

  private readonly moments = new Map<string, { m: Float32Array; v: Float32Array }>();
  private step = 0;
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
    if (tf.getBackend() !== 'cpu' || this.fallback !== null) {
      if (this.step > 0 && this.fallback === null) {
        throw new Error('FusedAdam: the backend changed during training (its moments live on cpu)');
      }
      this.fallback ??= tf.train.adam(this.learningRate, this.beta1, this.beta2, this.epsilon);
      this.fallback.applyGradients(variableGradients);
      this.incrementIterations();
      return;
    }
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
      const { m, v } = state;
      const out = new Float32Array(w.length);
      for (let i = 0; i < w.length; i++) {
        const gi = g[i];
        const mi = b1 * m[i] + (1 - b1) * gi;
        const vi = b2 * v[i] + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        out[i] = w[i] - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
      }
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
