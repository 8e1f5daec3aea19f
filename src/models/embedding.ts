import * as tf from '@tensorflow/tfjs-core';
import { isHostBackend } from '../backends/kernels/host-backends';
import { hostValues } from './host-values';
import { uniqueVariableName } from './variable-names';

export interface EmbeddingOptions {
  /** Seed for the N(0, 1) initialisation (PyTorch's nn.Embedding default). */
  seed?: number;
  /** Prefix of the weight variable's name (made unique per instance). */
  name?: string;
}

/**
 * Lookup of a dense vector per token id, with a gradient that is a scatter of the output
 * gradient into the rows that were read. tfjs's own gradient of `gather` goes through
 * UnsortedSegmentSum, which loops over the whole vocabulary on cpu and has no wasm kernel.
 */
export class Embedding {
  readonly weight: tf.Variable;
  readonly vocabSize: number;
  readonly dim: number;

  constructor(vocabSize: number, dim: number, opts: EmbeddingOptions = {}) {
    if (!Number.isInteger(vocabSize) || vocabSize < 1) {
      throw new Error(`Embedding: vocabSize must be a positive integer, got ${vocabSize}`);
    }
    if (!Number.isInteger(dim) || dim < 1) {
      throw new Error(`Embedding: dim must be a positive integer, got ${dim}`);
    }
    this.vocabSize = vocabSize;
    this.dim = dim;
    const init = tf.randomNormal([vocabSize, dim], 0, 1, 'float32', opts.seed);
    this.weight = tf.variable(init, true, uniqueVariableName(opts.name ?? 'embedding', 'weight'));
    init.dispose();
  }

  /** ids: int32 [batch, time] → [batch, time, dim]. */
  apply(ids: tf.Tensor2D): tf.Tensor3D {
    if (ids.rank !== 2) throw new Error(`Embedding.apply: ids must be [batch, time], got shape [${ids.shape}]`);
    if (ids.dtype !== 'int32') throw new Error(`Embedding.apply: ids must be int32, got ${ids.dtype}`);
    return embeddingLookup(this.weight as tf.Tensor2D, ids);
  }

  dispose(): void {
    this.weight.dispose();
  }
}

/**
 * `weight[ids]` with a scatter-add gradient. `ids` is an input of the custom op (and saved),
 * because a tensor captured only by the closure is disposed before the gradient runs. On the
 * cpu and wasm backends, whose data is a host copy away, both directions are plain loops over
 * typed arrays: tfjs's cpu gather and scatterND index element by element, and tfjs-wasm's
 * gather took a fifth of a BiLSTM's inference time. Elsewhere tf.gather and tf.scatterND run
 * on the backend.
 */
export function embeddingLookup(weight: tf.Tensor2D, ids: tf.Tensor2D): tf.Tensor3D {
  const [vocab, dim] = weight.shape;
  const [batch, time] = ids.shape;
  const n = batch * time;
  const onHost = isHostBackend();
  const lookup = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [w, idx] = args as tf.Tensor[];
    const save = args[2] as tf.GradSaveFunc;
    save([idx]);
    let value: tf.Tensor;
    if (onHost) {
      const table = hostValues(w);
      const rows = checkedIds(idx.dataSync() as Int32Array, vocab);
      const out = new Float32Array(n * dim);
      for (let p = 0; p < n; p++) out.set(table.subarray(rows[p] * dim, rows[p] * dim + dim), p * dim);
      value = tf.tensor3d(out, [batch, time, dim]);
    } else {
      value = tf.reshape(tf.gather(w, tf.reshape(idx, [n])), [batch, time, dim]);
    }
    return {
      value,
      gradFunc: (grad: tf.Tensor, saved: tf.Tensor[]) => {
        const savedIds = saved[0];
        if (onHost) {
          const rows = savedIds.dataSync() as Int32Array;
          const g = grad.dataSync() as Float32Array;
          const dw = new Float32Array(vocab * dim);
          for (let p = 0; p < n; p++) {
            const to = rows[p] * dim;
            const from = p * dim;
            for (let j = 0; j < dim; j++) dw[to + j] += g[from + j];
          }
          return [tf.tensor2d(dw, [vocab, dim]), tf.zerosLike(savedIds)];
        }
        const dw = tf.scatterND(tf.reshape(savedIds, [n, 1]), tf.reshape(grad, [n, dim]), [vocab, dim]);
        return [dw, tf.zerosLike(savedIds)];
      },
    };
  });
  return lookup(weight, ids) as tf.Tensor3D;
}

function checkedIds(ids: Int32Array, vocab: number): Int32Array {
  for (let p = 0; p < ids.length; p++) {
    if (ids[p] < 0 || ids[p] >= vocab) {
      throw new Error(`Embedding: token id ${ids[p]} at position ${p} is outside the vocabulary [0, ${vocab})`);
    }
  }
  return ids;
}
