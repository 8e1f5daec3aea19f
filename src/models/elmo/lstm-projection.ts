/**
 * The biLM's LSTM: TF's LSTMCell with a projection (bilm-tf's `num_proj`), run layer by
 * layer over whole sequences. Gates come in TF's order i, j, f, o; the forget gate gets
 * `forgetBias` (1.0) added at run time because the stored bias lacks it; the cell is clipped,
 * then projected, then the projection clipped; from the second layer on the output adds the
 * layer's input (bilm-tf's ResidualWrapper), while the carried state stays the plain projection.
 */
import * as tf from '@tensorflow/tfjs-core';
import { engineMatMul } from '../engine-matmul';
import { fusedLstmProjectionLayer } from './lstm-projection-kernel';

export interface LstmCellWeights {
  /** Input part of the file's `W_0`: [inputDim, 4 * dim]. */
  wx: tf.Tensor2D;
  /** Recurrent part of `W_0`: [projDim, 4 * dim]. */
  wh: tf.Tensor2D;
  /** `B`: [4 * dim], without the forget bias. */
  bias: tf.Tensor1D;
  /** `W_P_0`: [dim, projDim]; absent when the cell is not projected. */
  projection?: tf.Tensor2D;
}

/** The state a cell carries: memory `c` [batch, dim] and output `h` [batch, projDim]. */
export interface LstmState {
  c: tf.Tensor2D;
  h: tf.Tensor2D;
}

export interface LstmStackOptions {
  cellClip: number | null;
  projClip: number | null;
  skipConnections: boolean;
  forgetBias?: number;
  /** Dropout rate on each layer's input (training only). */
  dropout?: number;
  /** Seeds the dropout masks (layer k uses seed + k); unseeded without it. */
  dropoutSeed?: number;
  /** Steps before this one are real in every row, so they need no masking (default 0). */
  allValidSteps?: number;
  /**
   * 'fused': each projected layer as one op with a hand-written BPTT gradient (typed arrays);
   * 'ops': a tfjs op per gate per step. 'auto' (default) picks fused for projected cells on
   * cpu, and on wasm for cells of up to 512 units.
   */
  kernel?: 'auto' | 'fused' | 'ops';
}

function useFused(cell: LstmCellWeights, kernel: LstmStackOptions['kernel']): boolean {
  if (!cell.projection || kernel === 'ops') return false;
  if (kernel === 'fused') return true;
  // tfjs's cpu matMul is plain JavaScript too, so the fused loops win there at every size;
  // wasm's matMul (XNNPACK) wins for wide cells, where arithmetic outweighs per-op overhead.
  const backend = tf.getBackend();
  return backend === 'cpu' || (backend === 'wasm' && cell.bias.shape[0] / 4 <= 512);
}

export interface LstmStackResult {
  /** Per layer, [batch, steps, projDim]; zero at masked steps. */
  outputs: tf.Tensor3D[];
  /** Per layer, the state after each row's last unmasked step. */
  final: LstmState[];
}

function zeroState(cell: LstmCellWeights, batch: number): LstmState {
  const dim = cell.bias.shape[0] / 4;
  const proj = cell.wh.shape[0];
  return { c: tf.zeros([batch, dim]), h: tf.zeros([batch, proj]) };
}

/**
 * Runs a stack of cells over `inputs` [batch, steps, inputDim]. `mask` [batch, steps] is 1
 * for real steps and 0 for padding; the state does not move on padded steps, so the final
 * state is the one each row ended with. `initial` (per layer) defaults to zeros.
 */
export function runLstmStack(
  cells: readonly LstmCellWeights[],
  inputs: tf.Tensor3D,
  mask: tf.Tensor2D,
  initial: readonly (LstmState | undefined)[] | undefined,
  options: LstmStackOptions,
): LstmStackResult {
  const [batch, steps] = inputs.shape;
  const forgetBias = options.forgetBias ?? 1.0;
  const allValidSteps = Math.min(options.allValidSteps ?? 0, steps);
  return tf.tidy(() => {
    const masks = tf.unstack(tf.reshape(mask, [batch, steps, 1]), 1) as tf.Tensor2D[];
    const keeps = masks.map((m) => tf.sub(1, m));
    const outputs: tf.Tensor3D[] = [];
    const final: LstmState[] = [];
    let layerInput = inputs;
    cells.forEach((cell, layer) => {
      const dim = cell.bias.shape[0] / 4;
      const inDim = layerInput.shape[2];
      let x = layerInput;
      if (options.dropout && options.dropout > 0) {
        const seed = options.dropoutSeed === undefined ? undefined : options.dropoutSeed + layer;
        x = tf.dropout(x, options.dropout, undefined, seed) as tf.Tensor3D;
      }
      // The forget bias joins the input term once per layer instead of once per step.
      const forgetOffset = tf.concat([tf.zeros([2 * dim]), tf.fill([dim], forgetBias), tf.zeros([dim])]);
      const xw = tf.reshape(
        tf.add(tf.add(engineMatMul(tf.reshape(x, [batch * steps, inDim]), cell.wx), cell.bias), forgetOffset),
        [batch, steps, 4 * dim],
      );
      if (useFused(cell, options.kernel)) {
        const init = initial?.[layer];
        const fused = fusedLstmProjectionLayer({
          xw: xw as tf.Tensor3D,
          wh: cell.wh,
          wp: cell.projection!,
          mask: mask.dataSync() as Float32Array,
          c0: init ? (init.c.dataSync() as Float32Array) : undefined,
          h0: init ? (init.h.dataSync() as Float32Array) : undefined,
          cellClip: options.cellClip,
          projClip: options.projClip,
        });
        let out = fused.output;
        if (options.skipConnections && layer > 0) out = tf.mul(tf.add(out, layerInput), tf.reshape(mask, [batch, steps, 1])) as tf.Tensor3D;
        outputs.push(out);
        final.push({ c: tf.tensor2d(fused.finalC, [batch, dim]), h: tf.tensor2d(fused.finalH, [batch, cell.wh.shape[0]]) });
        layerInput = out;
        return;
      }
      const xSteps = tf.unstack(xw, 1) as tf.Tensor2D[];
      const start = initial?.[layer] ?? zeroState(cell, batch);
      let c = start.c;
      let h = start.h;
      const hs: tf.Tensor2D[] = [];
      for (let t = 0; t < steps; t++) {
        const z = tf.add(xSteps[t], tf.matMul(h, cell.wh));
        // One sigmoid over all four gates (the j quarter is discarded) saves two kernel calls per step.
        const [i, , f, o] = tf.split(tf.sigmoid(z), 4, 1);
        const j = tf.tanh(tf.slice(z, [0, dim], [batch, dim]));
        let cNew = tf.add(tf.mul(f, c), tf.mul(i, j));
        if (options.cellClip !== null) cNew = tf.clipByValue(cNew, -options.cellClip, options.cellClip);
        let hNew = tf.mul(o, tf.tanh(cNew));
        if (cell.projection) hNew = tf.matMul(hNew as tf.Tensor2D, cell.projection);
        if (options.projClip !== null) hNew = tf.clipByValue(hNew, -options.projClip, options.projClip);
        if (t < allValidSteps) {
          c = cNew as tf.Tensor2D;
          h = hNew as tf.Tensor2D;
          hs.push(h);
          continue;
        }
        // Multiplying by an exact 0/1 keeps the carried values bit-identical to the unmasked ones.
        c = tf.add(tf.mul(cNew, masks[t]), tf.mul(c, keeps[t])) as tf.Tensor2D;
        h = tf.add(tf.mul(hNew, masks[t]), tf.mul(h, keeps[t])) as tf.Tensor2D;
        hs.push(tf.mul(hNew, masks[t]) as tf.Tensor2D);
      }
      let out = tf.stack(hs, 1) as tf.Tensor3D;
      if (options.skipConnections && layer > 0) out = tf.mul(tf.add(out, layerInput), tf.reshape(mask, [batch, steps, 1])) as tf.Tensor3D;
      outputs.push(out);
      final.push({ c, h });
      layerInput = out;
    });
    return { outputs, final } as unknown as tf.TensorContainer;
  }) as unknown as LstmStackResult;
}
