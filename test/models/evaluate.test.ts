import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { TextClassifier } from '../../src/models/classifier';
import { evaluate } from '../../src/models/evaluate';
import type { Batch } from '../../src/pipeline/types';

const vocab = { itos: ['<UNK>', '<PAD>', 'a', 'b', 'c', 'd'], defaultIndex: 0 };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function batchOf(rows: number[][], labels: number[], T = 4): Batch {
  const ids = new Int32Array(rows.length * T).fill(1);
  rows.forEach((r, i) => ids.set(r, i * T));
  return { ids, lengths: Int32Array.from(rows.map((r) => r.length)), labels: Int32Array.from(labels), size: rows.length, seqLength: T };
}

describe('evaluate', () => {
  it('matches loss and predictions computed directly from the logits, over several batches', async () => {
    const model = new TextClassifier({ vocab, labels: ['x', 'y', 'z'], text: { seqLength: 4 }, architecture: { embeddingDim: 4, hiddenSize: 4, pooling: 'mean' }, seed: 7 });
    const batches = [
      batchOf([[2, 3], [4], [5, 5, 5, 2]], [0, 1, 2]),
      batchOf([[3, 3, 4], [2]], [2, 0]),
    ];
    const before = tf.memory().numTensors;
    const result = await evaluate(model, batches);
    expect(tf.memory().numTensors).toBe(before);

    // The same quantities by hand.
    let lossSum = 0;
    const trueLabels: number[] = [];
    const predicted: number[] = [];
    for (const b of batches) {
      const logits = model.logits(tf.tensor2d(b.ids, [b.size, b.seqLength], 'int32'), b.lengths);
      const v = await logits.array();
      logits.dispose();
      v.forEach((row, i) => {
        const max = Math.max(...row);
        const logSum = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
        lossSum += logSum - row[b.labels![i]];
        predicted.push(row.indexOf(max));
        trueLabels.push(b.labels![i]);
      });
    }
    expect(result.n).toBe(5);
    expect(result.loss).toBeCloseTo(lossSum / 5, 5);
    const correct = predicted.filter((p, i) => p === trueLabels[i]).length;
    expect(result.accuracy).toBeCloseTo(correct / 5, 12);
    const confusion = [0, 1, 2].map(() => [0, 0, 0]);
    trueLabels.forEach((t, i) => confusion[t][predicted[i]]++);
    expect(result.confusion).toEqual(confusion);
    expect(result.perClass.map((c) => c.label)).toEqual(['x', 'y', 'z']);
    expect(result.perClass.map((c) => c.support)).toEqual([2, 1, 2]);
    model.dispose();
  });

  it('reads async batch streams, and reports empty input and bad labels clearly', async () => {
    const model = new TextClassifier({ vocab, labels: ['x', 'y'], text: { seqLength: 4 }, architecture: { embeddingDim: 4, hiddenSize: 4 } });
    async function* stream() {
      yield batchOf([[2], [3]], [0, 1]);
    }
    expect((await evaluate(model, stream())).n).toBe(2);
    await expect(evaluate(model, [])).rejects.toThrow(/batches were empty/);
    await expect(evaluate(model, [batchOf([[2]], [5])])).rejects.toThrow(/batch 0 row 0 has label 5, but the model has 2 classes/);
    const ragged = { ...batchOf([[2]], [0]), seqLength: 3 };
    await expect(evaluate(model, [ragged])).rejects.toThrow(/ids has 4 values, expected size 1 × seqLength 3/);
    const controller = new AbortController();
    controller.abort();
    await expect(evaluate(model, [batchOf([[2]], [0])], { signal: controller.signal })).rejects.toThrow(/abort/i);
    model.dispose();
  });
});
