/**
 * The biLM's weights and their names in the bilm-tf / AllenNLP HDF5 layout:
 * `char_embed`, `CNN/W_cnn_i`, `CNN_high_k/{W,b}_{carry,transform}`, `CNN_proj/{W,b}_proj`,
 * `RNN_{0,1}/RNN/MultiRNNCell/Cell{k}/LSTMCell/{W_0,B,W_P_0}` (RNN_0 forward, RNN_1 backward),
 * and, in files this library trains, `softmax/{W,b}` (ignored by other readers).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CharCnnWeights } from './char-cnn';
import type { NamedArray } from './hdf5-weights';
import { requireArray } from './hdf5-weights';
import type { LstmCellWeights } from './lstm-projection';
import { cnnHasProjection, ElmoOptions, lstmHasProjection, nFilters } from './options';

export interface SoftmaxWeights {
  /** [vocabulary, projDim] */
  w: tf.Tensor2D;
  b: tf.Tensor1D;
}

export interface BiLmWeights {
  charCnn: CharCnnWeights;
  forward: LstmCellWeights[];
  backward: LstmCellWeights[];
  softmax?: SoftmaxWeights;
}

const cellPrefix = (direction: number, layer: number) => `RNN_${direction}/RNN/MultiRNNCell/Cell${layer}/LSTMCell`;

/** Builds tensors from the arrays of a weight file, checking every name and shape against the options. */
export function weightsFromArrays(arrays: Map<string, NamedArray>, options: ElmoOptions, source = 'weights.hdf5'): BiLmWeights {
  const { char_cnn: cnn, lstm } = options;
  const get = (name: string, shape: number[]) => requireArray(arrays, name, shape, source);
  const t2 = (name: string, shape: [number, number]) => tf.tensor2d(get(name, shape).data, shape);
  const t1 = (name: string, n: number) => tf.tensor1d(get(name, [n]).data);
  const charDim = cnn.embedding.dim;
  const width = nFilters(options);
  const proj = lstm.projection_dim;
  // tidy frees every tensor already made when a later array is missing or misshapen.
  return tf.tidy(() => {
    const charCnn: CharCnnWeights = {
      charEmbed: t2('char_embed', [261, charDim]),
      convW: cnn.filters.map(([w, n], i) => tf.tensor3d(get(`CNN/W_cnn_${i}`, [1, w, charDim, n]).data, [w, charDim, n])),
      convB: cnn.filters.map(([, n], i) => t1(`CNN/b_cnn_${i}`, n)),
      highway: Array.from({ length: cnn.n_highway }, (_, k) => ({
        wCarry: t2(`CNN_high_${k}/W_carry`, [width, width]),
        bCarry: t1(`CNN_high_${k}/b_carry`, width),
        wTransform: t2(`CNN_high_${k}/W_transform`, [width, width]),
        bTransform: t1(`CNN_high_${k}/b_transform`, width),
      })),
      projection: cnnHasProjection(options)
        ? { w: t2('CNN_proj/W_proj', [width, proj]), b: t1('CNN_proj/b_proj', proj) }
        : undefined,
    };
    const dim = lstm.dim;
    const cells = (direction: number): LstmCellWeights[] =>
      Array.from({ length: lstm.n_layers }, (_, layer) => {
        const prefix = cellPrefix(direction, layer);
        const kernel = get(`${prefix}/W_0`, [2 * proj, 4 * dim]).data;
        return {
          wx: tf.tensor2d(kernel.subarray(0, proj * 4 * dim), [proj, 4 * dim]),
          wh: tf.tensor2d(kernel.subarray(proj * 4 * dim), [proj, 4 * dim]),
          bias: t1(`${prefix}/B`, 4 * dim),
          projection: lstmHasProjection(options) ? t2(`${prefix}/W_P_0`, [dim, proj]) : undefined,
        };
      });
    const weights: BiLmWeights = { charCnn, forward: cells(0), backward: cells(1) };
    const sw = arrays.get('softmax/W');
    if (sw) {
      const vocab = sw.shape[0];
      weights.softmax = { w: t2('softmax/W', [vocab, proj]), b: t1('softmax/b', vocab) };
    }
    return weights as unknown as tf.TensorContainer;
  }) as unknown as BiLmWeights;
}

/** The arrays to write for these weights, named as bilm-tf names them. */
export async function weightsToArrays(weights: BiLmWeights): Promise<Map<string, NamedArray>> {
  const out = new Map<string, NamedArray>();
  const put = async (name: string, t: tf.Tensor, shape = t.shape) => {
    out.set(name, { shape: [...shape], data: (await t.data()) as Float32Array });
  };
  const c = weights.charCnn;
  await put('char_embed', c.charEmbed);
  for (let i = 0; i < c.convW.length; i++) {
    await put(`CNN/W_cnn_${i}`, c.convW[i], [1, ...c.convW[i].shape]);
    await put(`CNN/b_cnn_${i}`, c.convB[i]);
  }
  for (let k = 0; k < c.highway.length; k++) {
    const h = c.highway[k];
    await put(`CNN_high_${k}/W_carry`, h.wCarry);
    await put(`CNN_high_${k}/b_carry`, h.bCarry);
    await put(`CNN_high_${k}/W_transform`, h.wTransform);
    await put(`CNN_high_${k}/b_transform`, h.bTransform);
  }
  if (c.projection) {
    await put('CNN_proj/W_proj', c.projection.w);
    await put('CNN_proj/b_proj', c.projection.b);
  }
  for (const [direction, cells] of [weights.forward, weights.backward].entries()) {
    for (let layer = 0; layer < cells.length; layer++) {
      const cell = cells[layer];
      const prefix = cellPrefix(direction, layer);
      const kernel = tf.concat([cell.wx, cell.wh], 0);
      await put(`${prefix}/W_0`, kernel);
      kernel.dispose();
      await put(`${prefix}/B`, cell.bias);
      if (cell.projection) await put(`${prefix}/W_P_0`, cell.projection);
    }
  }
  if (weights.softmax) {
    await put('softmax/W', weights.softmax.w);
    await put('softmax/b', weights.softmax.b);
  }
  return out;
}

/** Every tensor in the weights (for disposal, or as the trainable variables). */
export function listWeights(weights: BiLmWeights): tf.Tensor[] {
  const c = weights.charCnn;
  const list: tf.Tensor[] = [c.charEmbed, ...c.convW, ...c.convB];
  for (const h of c.highway) list.push(h.wCarry, h.bCarry, h.wTransform, h.bTransform);
  if (c.projection) list.push(c.projection.w, c.projection.b);
  for (const cell of [...weights.forward, ...weights.backward]) {
    list.push(cell.wx, cell.wh, cell.bias);
    if (cell.projection) list.push(cell.projection);
  }
  if (weights.softmax) list.push(weights.softmax.w, weights.softmax.b);
  return list;
}

export function disposeWeights(weights: BiLmWeights): void {
  for (const t of listWeights(weights)) t.dispose();
}

/**
 * Fresh trainable weights, initialised as bilm-tf initialises them (uniform char embedding,
 * small uniform CNN filters, highway carry bias −2 so layers start near identity, Glorot
 * LSTM kernels, zero biases). `vocabSize` adds a softmax for language-model training.
 */
export function initWeights(options: ElmoOptions, vocabSize: number | undefined, seed = 1): BiLmWeights {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483647);
  const v = <T extends tf.Tensor>(t: T): T => tf.variable(t, true) as unknown as T;
  const uniform = (shape: number[], lim: number) => tf.randomUniform(shape, -lim, lim, 'float32', next());
  const normal = (shape: number[], std: number) => tf.truncatedNormal(shape, 0, std, 'float32', next());
  const { char_cnn: cnn, lstm } = options;
  const width = nFilters(options);
  const proj = lstm.projection_dim;
  const dim = lstm.dim;
  let built: BiLmWeights | undefined;
  // Variables outlive tidy(); only the initialisers' temporaries are freed.
  tf.tidy(() => {
    const charCnn: CharCnnWeights = {
      charEmbed: v(uniform([261, cnn.embedding.dim], 1) as tf.Tensor2D),
      convW: cnn.filters.map(([w, n]) =>
        v(
          (cnn.activation === 'relu'
            ? uniform([w, cnn.embedding.dim, n], 0.05)
            : normal([w, cnn.embedding.dim, n], Math.sqrt(1 / (w * cnn.embedding.dim)))) as tf.Tensor3D,
        ),
      ),
      convB: cnn.filters.map(([, n]) => v(tf.zeros([n]) as tf.Tensor1D)),
      highway: Array.from({ length: cnn.n_highway }, () => ({
        wCarry: v(normal([width, width], Math.sqrt(1 / width)) as tf.Tensor2D),
        bCarry: v(tf.fill([width], -2) as tf.Tensor1D),
        wTransform: v(normal([width, width], Math.sqrt(1 / width)) as tf.Tensor2D),
        bTransform: v(tf.zeros([width]) as tf.Tensor1D),
      })),
      projection: cnnHasProjection(options)
        ? { w: v(normal([width, proj], Math.sqrt(1 / width)) as tf.Tensor2D), b: v(tf.zeros([proj]) as tf.Tensor1D) }
        : undefined,
    };
    const glorot = Math.sqrt(6 / (2 * proj + 4 * dim));
    const cells = (): LstmCellWeights[] =>
      Array.from({ length: lstm.n_layers }, () => ({
        wx: v(uniform([proj, 4 * dim], glorot) as tf.Tensor2D),
        wh: v(uniform([proj, 4 * dim], glorot) as tf.Tensor2D),
        bias: v(tf.zeros([4 * dim]) as tf.Tensor1D),
        projection: lstmHasProjection(options)
          ? v(uniform([dim, proj], Math.sqrt(6 / (dim + proj))) as tf.Tensor2D)
          : undefined,
      }));
    const weights: BiLmWeights = { charCnn, forward: cells(), backward: cells() };
    if (vocabSize !== undefined) {
      weights.softmax = {
        w: v(normal([vocabSize, proj], 1 / Math.sqrt(proj)) as tf.Tensor2D),
        b: v(tf.zeros([vocabSize]) as tf.Tensor1D),
      };
    }
    built = weights;
  });
  return built!;
}

/** Replaces every biLM weight by a trainable variable holding the same values. */
export function makeWeightsTrainable(weights: BiLmWeights): void {
  const swap = <T extends tf.Tensor>(t: T): T => {
    if (t instanceof tf.Variable) return t;
    const v = tf.variable(t, true) as unknown as T;
    t.dispose();
    return v;
  };
  const c = weights.charCnn;
  c.charEmbed = swap(c.charEmbed);
  c.convW = c.convW.map(swap);
  c.convB = c.convB.map(swap);
  c.highway = c.highway.map((h) => ({ wCarry: swap(h.wCarry), bCarry: swap(h.bCarry), wTransform: swap(h.wTransform), bTransform: swap(h.bTransform) }));
  if (c.projection) c.projection = { w: swap(c.projection.w), b: swap(c.projection.b) };
  for (const cells of [weights.forward, weights.backward]) {
    cells.forEach((cell, k) => {
      cells[k] = { wx: swap(cell.wx), wh: swap(cell.wh), bias: swap(cell.bias), projection: cell.projection && swap(cell.projection) };
    });
  }
  if (weights.softmax) weights.softmax = { w: swap(weights.softmax.w), b: swap(weights.softmax.b) };
}
