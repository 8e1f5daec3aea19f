import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { TextClassifier } from '../../src/models/classifier';
import { fit, type BatchLog } from '../../src/models/fit';
import { clipByGlobalNorm } from '../../src/models/optimizers';
import { ProgressBar } from '../../src/models/progress-bar';
import type { Batch } from '../../src/pipeline/types';

const vocab = { itos: ['<UNK>', '<PAD>', 'good', 'bad', 'great', 'awful', 'food', 'the', 'tea', 'was'], defaultIndex: 0 };
const arch = { embeddingDim: 6, hiddenSize: 6, dropout: 0.3 };
const positive = ['good food', 'the tea was great', 'great', 'good good tea', 'the food was good', 'great tea'];
const negative = ['bad food', 'the tea was awful', 'awful', 'bad bad tea', 'the food was bad', 'awful tea'];

function makeModel(seed = 1, architecture: object = arch): TextClassifier {
  return new TextClassifier({ vocab, labels: ['neg', 'pos'], text: { seqLength: 6 }, architecture, seed });
}

/** Two batches of 6 from the texts above, labelled. */
function batches(model: TextClassifier): Batch[] {
  const texts = [...positive, ...negative];
  const labels = [...positive.map(() => 1), ...negative.map(() => 0)];
  const order = [0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11];
  const out: Batch[] = [];
  for (let start = 0; start < order.length; start += 6) {
    const rows = order.slice(start, start + 6);
    const enc = model.encoding.encodeBatch(rows.map((i) => texts[i]));
    out.push({ ids: enc.ids, lengths: enc.lengths, labels: Int32Array.from(rows.map((i) => labels[i])), size: rows.length, seqLength: 6 });
  }
  return out;
}

function weightsOf(model: TextClassifier): Record<string, number[]> {
  return Object.fromEntries(Object.entries(model.namedWeights()).map(([k, v]) => [k, Array.from(v.dataSync())]));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('fit', () => {
  it('learns a separable toy task, reports per-epoch loss and validation, and frees its tensors', async () => {
    const model = makeModel();
    const data = batches(model);
    const before = tf.memory().numTensors;
    const history = await fit(model, data, { epochs: 12, learningRate: 0.03, validation: data, seed: 2, earlyStopping: { monitor: 'accuracy', patience: 20 } });
    expect(tf.memory().numTensors).toBe(before);
    expect(history.stopReason).toBe('completed');
    expect(history.epochs).toHaveLength(12);
    const first = history.epochs[0];
    const last = history.epochs[11];
    expect(first.examples).toBe(12);
    expect(first.batches).toBe(2);
    expect(last.loss).toBeLessThan(first.loss * 0.6);
    expect(last.validation!.accuracy).toBe(1);
    expect(last.validation!.confusion).toEqual([
      [6, 0],
      [0, 6],
    ]);
    expect(history.timing.step).toBeGreaterThan(0);
    const p = await model.predictBatch(['great food', 'awful food']);
    expect(p.map((x) => x.label)).toEqual(['pos', 'neg']);
    model.dispose();
  });

  it('is reproducible: the same seeds give the same model, another fit seed another model', async () => {
    const run = async (fitSeed: number) => {
      const model = makeModel(4, { ...arch, numLayers: 2, encoder: 'bigru' });
      await fit(model, batches(model), { epochs: 2, seed: fitSeed, learningRate: 0.01 });
      const w = weightsOf(model);
      model.dispose();
      return w;
    };
    const a = await run(9);
    const b = await run(9);
    const c = await run(10);
    expect(b).toEqual(a);
    // Dropout masks come from the fit seed: a different seed trains differently.
    expect(c['fc.weight']).not.toEqual(a['fc.weight']);
  });

  it('calls callbacks in order and stops promptly on abort, returning what it has', async () => {
    const model = makeModel();
    const data = batches(model);
    const events: string[] = [];
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const history = await fit(model, data, {
      epochs: 5,
      signal: controller.signal,
      callbacks: {
        onTrainBegin: () => void events.push('train-begin'),
        onEpochBegin: (e) => void events.push(`epoch-begin ${e}`),
        onBatchEnd: (b: BatchLog) => {
          events.push(`batch ${b.epoch}.${b.batch}`);
          if (b.step === 3) controller.abort();
        },
        onEpochEnd: (e) => void events.push(`epoch-end ${e.epoch}`),
        onTrainEnd: (h) => void events.push(`train-end ${h.stopReason}`),
      },
    });
    expect(events).toEqual(['train-begin', 'epoch-begin 1', 'batch 1.0', 'batch 1.1', 'epoch-end 1', 'epoch-begin 2', 'batch 2.0', 'train-end aborted']);
    expect(history.stopReason).toBe('aborted');
    expect(history.epochs).toHaveLength(1);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('stops early when the monitored metric stops improving and restores the best weights', async () => {
    const model = makeModel();
    const data = batches(model);
    const seen: Record<string, number[]>[] = [];
    const before = tf.memory().numTensors;
    const history = await fit(model, data, {
      epochs: 10,
      optimizer: 'sgd',
      learningRate: 1e-9, // nothing improves, so epoch 1 stays the best
      validation: data,
      earlyStopping: { monitor: 'loss', patience: 2, minDelta: 0.01 },
      callbacks: { onEpochEnd: () => void seen.push(weightsOf(model)) },
    });
    expect(history.stopReason).toBe('early-stopping');
    expect(history.epochs).toHaveLength(3);
    expect(history.bestEpoch).toBe(1);
    expect(weightsOf(model)).toEqual(seen[0]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("uses the model's Adam learning rate when given none: Adam's first step moves each weight by ±lr", async () => {
    // Adam's first update is lr · m̂ / (√v̂ + ε) = lr · g / |g| for every weight with a gradient.
    const firstStep = async (learningRate?: number) => {
      const model = makeModel(1, { ...arch, dropout: 0 });
      const before = weightsOf(model);
      await fit(model, batches(model).slice(0, 1), { epochs: 1, optimizer: 'adam', learningRate });
      const after = weightsOf(model);
      model.dispose();
      return Math.max(...Object.keys(before).flatMap((k) => before[k].map((v, i) => Math.abs(after[k][i] - v))));
    };
    const probe = makeModel();
    expect(probe.adamLearningRate).toBe(3e-3);
    probe.dispose();
    expect(await firstStep()).toBeCloseTo(3e-3, 6);
    expect(await firstStep(0.02)).toBeCloseTo(0.02, 6);
  });

  it('accepts a tf.Optimizer (and leaves it to the caller) and clips gradients', async () => {
    const model = makeModel();
    const optimizer = tf.train.adam(0.01);
    const history = await fit(model, batches(model), { epochs: 1, optimizer, clipNorm: 0.5 });
    expect(history.epochs[0].loss).toBeGreaterThan(0);
    optimizer.dispose();
    model.dispose();
  });

  it('rejects bad options and bad batches with messages naming them', async () => {
    const model = makeModel();
    const data = batches(model);
    const before = tf.memory().numTensors;
    await expect(fit(model, data, { epochs: 0 })).rejects.toThrow(/epochs must be a positive integer/);
    await expect(fit(model, data, { optimizer: 'rmsprop' as 'adam' })).rejects.toThrow(/unknown optimizer "rmsprop"/);
    const sgd = tf.train.sgd(0.1);
    await expect(fit(model, data, { optimizer: sgd, learningRate: 0.1 })).rejects.toThrow(/learningRate applies only to a named optimizer/);
    sgd.dispose();
    const badLabel = { ...data[1], labels: Int32Array.from([0, 1, 0, 2, 0, 1]) };
    await expect(fit(model, [data[0], badLabel], { epochs: 1 })).rejects.toThrow(/batch 1 row 3 has label 2, but the model has 2 classes/);
    const unlabelled = { ...data[0], labels: undefined };
    await expect(fit(model, [unlabelled], { epochs: 1 })).rejects.toThrow(/batch 0 has no labels/);
    await expect(fit(model, [], { epochs: 1 })).rejects.toThrow(/epoch 1 had no batches/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('clipByGlobalNorm', () => {
  it('scales all gradients together to the maximum norm, and leaves small ones alone', () => {
    const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) };
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 1);
    expect(norm).toBeCloseTo(5, 5);
    expect(Array.from(clipped.a.dataSync())[0]).toBeCloseTo(0.6, 5);
    expect(Array.from(clipped.b.dataSync())[1]).toBeCloseTo(0.8, 5);
    const { grads: same } = clipByGlobalNorm(grads, 10);
    expect(Array.from(same.b.dataSync())).toEqual([0, 4]);
    tf.dispose([...Object.values(grads), ...Object.values(clipped), ...Object.values(same)]);
  });
});

describe('ProgressBar', () => {
  it('draws a tqdm-like line on a terminal stream', () => {
    const written: string[] = [];
    const stream = { isTTY: true, columns: 80, write: (s: string) => (written.push(s), true) };
    const bar = new ProgressBar({ description: 'epoch 1/3', total: 4, unit: 'batch', stream, minIntervalMs: 0 });
    bar.update(2, { loss: 0.5 });
    expect(written[0]).toMatch(/^\repoch 1\/3  50%\|█+[▏▎▍▌▋▊▉ ]+\| 2\/4 \[00:00<00:00, .*batch\/s, loss=0\.5000\]/);
    expect(written[0].length).toBe(80); // \r + 79 columns
    bar.close();
    expect(written[written.length - 1]).toBe('\n');
    const unknown = new ProgressBar({ description: 'epoch 1/3', unit: 'batch', stream });
    unknown.update(7);
    expect(unknown.render()).toMatch(/^epoch 1\/3 7batch \[00:00, /);
  });
});
