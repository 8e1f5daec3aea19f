/**
 * The bidirectional language model under ELMo: char-CNN token representations, then a
 * forward and a backward LSTM stack, kept apart. Stateless by default; in stateful mode
 * (AllenNLP's and bilm-tf's) row k of each batch starts, in both directions and every
 * layer, from the state row k ended with in the previous batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BiLmWeights } from './bilm-weights';
import { disposeWeights } from './bilm-weights';
import { charCnn } from './char-cnn';
import type { CharIdBatch } from './char-ids';
import { gatherRows } from './gather-rows';
import { LstmState, runLstmStack } from './lstm-projection';
import type { ElmoOptions } from './options';

export interface BiLmOutput {
  /** Context-independent token representations [batch, steps, projDim] (zero at padding). */
  tokens: tf.Tensor3D;
  /** Per layer, [batch, steps, projDim], aligned with the input positions. */
  forward: tf.Tensor3D[];
  /** Per layer, [batch, steps, projDim], aligned with the input positions. */
  backward: tf.Tensor3D[];
  /** [batch, steps]: 1 at real tokens (boundaries included), 0 at padding. */
  mask: tf.Tensor2D;
}

export interface BiLmRunOptions {
  /** Dropout rate on each LSTM layer's input; only applied when > 0 (training). */
  dropout?: number;
  /** Seeds the dropout masks (the forward stack uses it, the backward stack seed + 1000). */
  dropoutSeed?: number;
}

interface DirectionStates {
  forward: LstmState[];
  backward: LstmState[];
}

/**
 * Index that reverses each row within its own length (padding stays put), over the
 * flattened [batch * steps] positions. It is its own inverse.
 */
export function reverseWithinLengths(lengths: ArrayLike<number>, steps: number): Int32Array {
  const idx = new Int32Array(lengths.length * steps);
  for (let b = 0; b < lengths.length; b++) {
    const len = lengths[b];
    for (let t = 0; t < steps; t++) idx[b * steps + t] = b * steps + (t < len ? len - 1 - t : t);
  }
  return idx;
}

function disposeStates(states: DirectionStates | undefined): void {
  if (!states) return;
  for (const s of [...states.forward, ...states.backward]) {
    s.c.dispose();
    s.h.dispose();
  }
}

export class BiLm {
  private states: DirectionStates | undefined;
  /** How the LSTM layers run: see LstmStackOptions.kernel (default 'auto'). */
  kernel: 'auto' | 'fused' | 'ops' = 'auto';

  constructor(
    readonly options: ElmoOptions,
    readonly weights: BiLmWeights,
    /** Carry each row's final state into the next batch. */
    public stateful = false,
  ) {}

  get projectionDim(): number {
    return this.options.lstm.projection_dim;
  }

  get nLayers(): number {
    return this.options.lstm.n_layers;
  }

  /** Token representations for character ids [tokens, maxChars] → [tokens, projDim]. */
  tokenEmbeddings(charIds: tf.Tensor2D): tf.Tensor2D {
    return charCnn(this.weights.charCnn, charIds, this.options.char_cnn.activation);
  }

  /** Runs the biLM on a batch of character ids (sentence markers already in place). */
  run(batch: CharIdBatch, options: BiLmRunOptions = {}): BiLmOutput {
    const { batchSize, steps, maxChars } = batch;
    // The char-CNN runs once per distinct token (padding included once), not once per position.
    const unique = new Map<string, number>();
    const positionToUnique = new Int32Array(batchSize * steps);
    const uniqueRows: number[] = [];
    for (let pos = 0; pos < batchSize * steps; pos++) {
      const key = batch.ids.subarray(pos * maxChars, (pos + 1) * maxChars).join(',');
      let u = unique.get(key);
      if (u === undefined) {
        u = uniqueRows.length;
        unique.set(key, u);
        uniqueRows.push(pos);
      }
      positionToUnique[pos] = u;
    }
    const uniqueIds = new Int32Array(uniqueRows.length * maxChars);
    uniqueRows.forEach((pos, u) => uniqueIds.set(batch.ids.subarray(pos * maxChars, (pos + 1) * maxChars), u * maxChars));
    const tokens = tf.tidy(() => {
      const embedded = this.tokenEmbeddings(tf.tensor2d(uniqueIds, [uniqueRows.length, maxChars], 'int32'));
      const atPositions = gatherRows(embedded, tf.tensor1d(positionToUnique, 'int32'));
      return tf.reshape(atPositions, [batchSize, steps, this.projectionDim]) as tf.Tensor3D;
    });
    try {
      return this.runEmbedded(tokens, batch.lengths, options);
    } finally {
      tokens.dispose();
    }
  }

  /** Runs the LSTMs on token representations [batch, steps, projDim] with per-row lengths. */
  runEmbedded(tokens: tf.Tensor3D, lengths: ArrayLike<number>, options: BiLmRunOptions = {}): BiLmOutput {
    const [batchSize, steps] = tokens.shape;
    if (lengths.length !== batchSize) throw new Error(`runEmbedded: ${lengths.length} lengths for ${batchSize} rows`);
    const { lstm } = this.options;
    const stackOptions = {
      cellClip: lstm.cell_clip,
      projClip: lstm.proj_clip,
      skipConnections: lstm.use_skip_connections,
      dropout: options.dropout,
      dropoutSeed: options.dropoutSeed,
      allValidSteps: Math.min(...Array.from(lengths)),
      kernel: this.kernel,
    };
    const initial = this.stateful ? this.initialStates(batchSize) : undefined;
    const result = tf.tidy(() => {
      const maskValues = new Float32Array(batchSize * steps);
      for (let b = 0; b < batchSize; b++) {
        if (lengths[b] > steps) throw new Error(`runEmbedded: row ${b} has length ${lengths[b]} > ${steps} steps`);
        maskValues.fill(1, b * steps, b * steps + lengths[b]);
      }
      const mask = tf.tensor2d(maskValues, [batchSize, steps]);
      const maskedTokens = tf.mul(tokens, tf.reshape(mask, [batchSize, steps, 1])) as tf.Tensor3D;
      const fwd = runLstmStack(this.weights.forward, maskedTokens, mask, initial?.forward, stackOptions);
      const reverseIdx = tf.tensor1d(reverseWithinLengths(lengths, steps), 'int32');
      const reverse = (x: tf.Tensor3D) =>
        tf.reshape(gatherRows(tf.reshape(x, [batchSize * steps, x.shape[2]]), reverseIdx), [batchSize, steps, x.shape[2]]) as tf.Tensor3D;
      const bwd = runLstmStack(this.weights.backward, reverse(maskedTokens), mask, initial?.backward, {
        ...stackOptions,
        dropoutSeed: stackOptions.dropoutSeed === undefined ? undefined : stackOptions.dropoutSeed + 1000,
      });
      return {
        out: { tokens: maskedTokens, forward: fwd.outputs, backward: bwd.outputs.map(reverse), mask },
        final: { forward: fwd.final, backward: bwd.final },
      } as unknown as tf.TensorContainer;
    }) as unknown as { out: BiLmOutput; final: DirectionStates };
    if (this.stateful) this.storeStates(result.final, batchSize);
    else disposeStates(result.final);
    disposeStates(initial);
    return result.out;
  }

  /**
   * The layers as AllenNLP numbers them, each [batch, steps, 2 * projDim]: layer 0 is the
   * token representation twice, layer k the forward and backward outputs of LSTM layer k−1.
   */
  static layers(out: BiLmOutput): tf.Tensor3D[] {
    return tf.tidy(() => [
      tf.concat([out.tokens, out.tokens], 2) as tf.Tensor3D,
      ...out.forward.map((f, k) => tf.concat([f, out.backward[k]], 2) as tf.Tensor3D),
    ]);
  }

  static disposeOutput(out: BiLmOutput): void {
    tf.dispose([out.tokens, ...out.forward, ...out.backward, out.mask]);
  }

  /** Forgets the carried states (the next stateful batch starts from zeros). */
  resetStates(): void {
    disposeStates(this.states);
    this.states = undefined;
  }

  dispose(): void {
    this.resetStates();
    disposeWeights(this.weights);
  }

  /** Copies of the stored states fitted to `batchSize` rows (zeros for rows never seen). */
  private initialStates(batchSize: number): DirectionStates | undefined {
    const stored = this.states;
    if (!stored) return undefined;
    const fit = (t: tf.Tensor2D): tf.Tensor2D =>
      tf.tidy(() => {
        const rows = t.shape[0];
        if (rows >= batchSize) return tf.slice(t, [0, 0], [batchSize, -1]);
        return tf.concat([t, tf.zeros([batchSize - rows, t.shape[1]])], 0);
      });
    const map = (s: LstmState[]) => s.map((st) => ({ c: fit(st.c), h: fit(st.h) }));
    return { forward: map(stored.forward), backward: map(stored.backward) };
  }

  /** Keeps this batch's final states; rows beyond this batch keep what they had. */
  private storeStates(final: DirectionStates, batchSize: number): void {
    const old = this.states;
    const merge = (next: LstmState, prev: LstmState | undefined): LstmState => {
      if (!prev || prev.c.shape[0] <= batchSize) return next;
      const rest = prev.c.shape[0] - batchSize;
      const merged = tf.tidy(() => ({
        c: tf.concat([next.c, tf.slice(prev.c, [batchSize, 0], [rest, -1])], 0) as tf.Tensor2D,
        h: tf.concat([next.h, tf.slice(prev.h, [batchSize, 0], [rest, -1])], 0) as tf.Tensor2D,
      }));
      next.c.dispose();
      next.h.dispose();
      return merged;
    };
    this.states = {
      forward: final.forward.map((s, k) => merge(s, old?.forward[k])),
      backward: final.backward.map((s, k) => merge(s, old?.backward[k])),
    };
    disposeStates(old);
  }
}
