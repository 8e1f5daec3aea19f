import * as tf from '@tensorflow/tfjs-core';
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
 * `weight[ids]` with a scatterND gradient. `ids` is an input of the custom op (and saved),
 * because a tensor captured only by the closure is disposed before the gradient runs.
 */
export function embeddingLookup(weight: tf.Tensor2D, ids: tf.Tensor2D): tf.Tensor3D {
  const [vocab, dim] = weight.shape;
  const [batch, time] = ids.shape;
  const lookup = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [w, idx] = args as tf.Tensor[];
    const save = args[2] as tf.GradSaveFunc;
    save([idx]);
    return {
      value: tf.gather(w, idx) as tf.Tensor,
      gradFunc: (grad: tf.Tensor, saved: tf.Tensor[]) => {
        const savedIds = saved[0];
        const rows = tf.reshape(savedIds, [batch * time, 1]);
        const updates = tf.reshape(grad, [batch * time, dim]);
        const dw = tf.scatterND(rows, updates, [vocab, dim]);
        rows.dispose();
        updates.dispose();
        return [dw, tf.zerosLike(savedIds)];
      },
    };
  });
  return lookup(weight, ids) as tf.Tensor3D;
}
