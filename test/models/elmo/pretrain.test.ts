// Pre-training a tiny biLM on a slice of Austen, and the save → load round trip.
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../src/backends';
import { BiLm } from '../../../src/models/elmo/bilm';
import { batchToCharIds } from '../../../src/models/elmo/char-ids';
import { loadBiLm, loadBiLmWeights, loadElmoOptions } from '../../../src/models/elmo/load';
import { LmVocab } from '../../../src/models/elmo/lm-vocab';
import { perplexity, pretrainBiLm, tinyElmoOptions } from '../../../src/models/elmo/pretrain';
import { readLines } from '../../../src/pipeline/read-lines';
import { take } from 'ix/asynciterable/operators';
import { pipe } from '../../../src/pipeline/pipe';
import { basicEnglish, tokenize } from '../../../src/pipeline/tokenize';

const austen = path.resolve(__dirname, '../../../../shared/data/austen/austen.txt');

async function austenSentences(skip: number, take: number): Promise<string[][]> {
  const out: string[][] = [];
  let i = 0;
  for await (const line of readLines(austen, { skipEmpty: true })) {
    if (i++ < skip) continue;
    out.push(basicEnglish(line));
    if (out.length === take) break;
  }
  return out;
}

function smaller() {
  const o = tinyElmoOptions();
  o.lstm.dim = 32;
  o.lstm.projection_dim = 8;
  o.char_cnn.filters = [[1, 8], [2, 8], [3, 16]];
  o.char_cnn.n_highway = 1;
  o.char_cnn.max_characters_per_token = 16;
  return o;
}

describe('biLM pre-training', () => {
  let start: number;
  let train: string[][];
  let heldOut: string[][];
  beforeAll(async () => {
    // wasm: the same ops as cpu (parity.test.ts checks both), three times faster to train here.
    await useBackend('wasm');
    start = tf.memory().numTensors;
    train = await austenSentences(20, 64);
    heldOut = await austenSentences(200, 16);
  });
  afterAll(() => expect(tf.memory().numTensors).toBe(start));

  it('learns with the full softmax: loss and held-out perplexity of both directions fall', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqflow-elmo-'));
    const logs: number[] = [];
    const { bilm, vocab, history } = await pretrainBiLm(train, {
      options: smaller(),
      epochs: 3,
      batchSize: 32,
      maxTokens: 10,
      vocab: { maxSize: 300 },
      optimizer: 'adam',
      learningRate: 0.01,
      dropout: 0,
      heldOut,
      checkpointDir: dir,
      onBatch: (b) => logs.push(b.loss),
    });
    expect(vocab.size).toBe(300);
    expect(history.length).toBe(3);
    const [first, , last] = history;
    console.log(history.map((h) => `epoch ${h.epoch}: loss ${h.loss.toFixed(3)} ppl fwd ${h.forwardPerplexity!.toFixed(1)} bwd ${h.backwardPerplexity!.toFixed(1)}`).join('\n'));
    expect(first.loss).toBeLessThan(Math.log(300) + 0.5);
    expect(last.loss).toBeLessThan(first.loss - 0.3);
    expect(last.forwardPerplexity!).toBeLessThan(first.forwardPerplexity!);
    expect(last.backwardPerplexity!).toBeLessThan(first.backwardPerplexity!);
    expect(last.forwardPerplexity!).toBeLessThan(300);
    for (const f of ['options.json', 'weights.hdf5', 'vocab.txt']) expect(fs.existsSync(path.join(dir, f))).toBe(true);

    // round trip: the checkpoint loads back to identical outputs and perplexities
    const loaded = await loadBiLm(path.join(dir, 'options.json'), path.join(dir, 'weights.hdf5'));
    const loadedVocab = LmVocab.fromText(fs.readFileSync(path.join(dir, 'vocab.txt'), 'utf8'));
    expect(loadedVocab.words).toEqual(vocab.words);
    const batch = batchToCharIds(heldOut.slice(0, 4), { maxChars: 16 });
    const a = bilm.run(batch);
    const b = loaded.run(batch);
    for (const [x, y] of [[a.forward[1], b.forward[1]], [a.backward[1], b.backward[1]], [a.tokens, b.tokens]]) {
      expect(Array.from(await y.data())).toEqual(Array.from(await x.data()));
    }
    BiLm.disposeOutput(a);
    BiLm.disposeOutput(b);
    const p1 = await perplexity(bilm, vocab, heldOut, { batchSize: 32, maxTokens: 10 });
    const p2 = await perplexity(loaded, loadedVocab, heldOut, { batchSize: 32, maxTokens: 10 });
    expect(p2).toEqual(p1);
    expect(p1.forward).toBeCloseTo(last.forwardPerplexity!, 6);
    loaded.dispose();
    bilm.dispose();

    // resuming: training continues from the checkpoint's weights, not from scratch
    const options = await loadElmoOptions(path.join(dir, 'options.json'));
    const resumed = await pretrainBiLm(train, {
      options, epochs: 1, batchSize: 32, maxTokens: 10, vocab: loadedVocab, optimizer: 'adam', learningRate: 0.01, dropout: 0,
      initialWeights: await loadBiLmWeights(options, path.join(dir, 'weights.hdf5')),
    });
    expect(resumed.history[0].loss).toBeLessThan(first.loss - 0.3);
    resumed.bilm.dispose();
    const otherVocab = await LmVocab.build(train, { maxSize: 100 });
    const weights = await loadBiLmWeights(options, path.join(dir, 'weights.hdf5'));
    await expect(pretrainBiLm(train, { options, vocab: otherVocab, initialWeights: weights })).rejects.toThrow(/softmax has 300 rows but the vocabulary has 100/);
    new BiLm(options, weights).dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('learns with a sampled softmax and clips gradients', async () => {
    const norms: number[] = [];
    const { bilm, history } = await pretrainBiLm(train, {
      options: smaller(),
      epochs: 2,
      batchSize: 32,
      maxTokens: 10,
      vocab: { maxSize: 300 },
      softmax: { sampled: 64 },
      dropout: 0,
      optimizer: 'adam',
      learningRate: 0.01,
      clipNorm: 1,
      heldOut,
      onBatch: (b) => norms.push(b.gradNorm),
    });
    console.log(history.map((h) => `sampled epoch ${h.epoch}: loss ${h.loss.toFixed(3)} ppl fwd ${h.forwardPerplexity!.toFixed(1)} bwd ${h.backwardPerplexity!.toFixed(1)}`).join('\n'));
    expect(norms.some((n) => n > 1)).toBe(true); // the clip was active
    expect(history[1].forwardPerplexity!).toBeLessThan(history[0].forwardPerplexity!);
    expect(history[1].backwardPerplexity!).toBeLessThan(history[0].backwardPerplexity!);
    bilm.dispose();
  });

  it('trains straight from a pipeline over the text file, re-reading it each epoch', async () => {
    const dataset = pipe(readLines(austen, { skipEmpty: true }), take(48), tokenize('basic_english'));
    const batches: number[] = [];
    const { bilm, vocab, history } = await pretrainBiLm(dataset, {
      options: smaller(),
      epochs: 2,
      batchSize: 16,
      maxTokens: 10,
      vocab: { maxSize: 200, minCount: 1 },
      onBatch: (b) => batches.push(b.epoch),
    });
    expect(vocab.words.slice(0, 3)).toEqual(['<S>', '</S>', '<UNK>']);
    expect(vocab.id('the')).toBeGreaterThan(2); // counted from the stream
    expect(history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(history[0].tokens).toBe(history[1].tokens); // the same text both epochs
    expect(batches.filter((e) => e === 1).length).toBe(batches.filter((e) => e === 2).length);
    bilm.dispose();
  });

  it('is reproducible: the same seed gives the same losses, dropout included', async () => {
    const run = async () => {
      const losses: number[] = [];
      const { bilm } = await pretrainBiLm(train.slice(0, 32), {
        options: smaller(),
        batchSize: 16,
        maxTokens: 10,
        vocab: { maxSize: 100 },
        dropout: 0.3,
        seed: 7,
        onBatch: (b) => losses.push(b.loss),
      });
      bilm.dispose();
      return losses;
    };
    const first = await run();
    expect(first.length).toBeGreaterThan(1);
    expect(await run()).toEqual(first);
  });

  it('rejects a bad sampled-softmax size', async () => {
    await expect(pretrainBiLm(train, { options: smaller(), vocab: { maxSize: 50 }, softmax: { sampled: 50 } })).rejects.toThrow(
      /softmax.sampled/,
    );
  });
});
