// The char-CNN's hand-made pieces (windowed matMul convolution, max-pool gradient) against
// tfjs's own conv1d / max and their built-in gradients.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initWeights, listWeights } from '../../../src/models/elmo/bilm-weights';
import { charCnn, CharCnnWeights, maxOverPositions } from '../../../src/models/elmo/char-cnn';
import { batchToCharIds } from '../../../src/models/elmo/char-ids';
import { highway } from '../../../src/models/elmo/highway';
import { tinyElmoOptions } from '../../../src/models/elmo/pretrain';
import { registerGradients } from '../../../src/models/gradients';
import { maxAbsDiff } from './fixtures';

/** The same network written with tfjs's conv1d, max and gather. */
function reference(w: CharCnnWeights, ids: tf.Tensor2D): tf.Tensor2D {
  const [n, maxChars] = ids.shape;
  const dim = w.charEmbed.shape[1];
  const table = tf.concat([tf.zeros([1, dim]), w.charEmbed], 0);
  const x = tf.reshape(tf.gather(table, tf.reshape(ids, [-1])), [n, maxChars, dim]) as tf.Tensor3D;
  const pooled = w.convW.map((f, i) => tf.relu(tf.max(tf.add(tf.conv1d(x, f, 1, 'valid'), w.convB[i]), 1)));
  const h = highway(tf.concat(pooled, 1) as tf.Tensor2D, w.highway);
  return tf.add(tf.matMul(h, w.projection!.w), w.projection!.b) as tf.Tensor2D;
}

describe('char-CNN', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    registerGradients();
  });

  it('matches conv1d + max in value and in every weight gradient', async () => {
    const start = tf.memory().numTensors;
    const options = tinyElmoOptions();
    // Short tokens leave runs of identical padding windows, where tfjs's max gradient feeds
    // every tied position and ours (like TF's max_pool) only the first; 8 characters and
    // tokens of 6+ distinct bytes keep every window distinct, so the two must agree.
    options.char_cnn.max_characters_per_token = 8;
    const weights = initWeights(options, undefined, 3);
    const b = batchToCharIds([['Pride!', 'Prejudice'], ['Emma.,']], { addSentenceBoundaries: false, maxChars: 8 });
    const ids = tf.tensor2d(b.ids, [b.batchSize * b.steps, 8], 'int32');
    const vars = listWeights(weights) as tf.Variable[];
    const cnnVars = vars.slice(0, 1 + 2 * options.char_cnn.filters.length + 4 * options.char_cnn.n_highway + 2);
    const probe = tf.randomNormal([b.batchSize * b.steps, 16], 0, 1, 'float32', 5);
    const ours = tf.variableGrads(() => tf.sum(tf.mul(charCnn(weights.charCnn, ids, 'relu'), probe)) as tf.Scalar, cnnVars);
    const ref = tf.variableGrads(() => tf.sum(tf.mul(reference(weights.charCnn, ids), probe)) as tf.Scalar, cnnVars);
    expect(Math.abs((await ours.value.data())[0] - (await ref.value.data())[0])).toBeLessThan(1e-4);
    let worst = 0;
    for (const v of cnnVars) {
      expect(ours.grads[v.name], v.name).toBeDefined();
      worst = Math.max(worst, maxAbsDiff(await ours.grads[v.name].data(), await ref.grads[v.name].data()));
    }
    expect(worst).toBeLessThan(1e-4);
    const bad = tf.tensor2d([[259, 300, 0, 0, 0, 0, 0, 0]], [1, 8], 'int32');
    expect(() => charCnn(weights.charCnn, bad, 'relu')).toThrow(/character id 300 at token 0 is outside 0..261/);
    bad.dispose();
    tf.dispose([ids, probe, ours.value, ref.value, ...Object.values(ours.grads), ...Object.values(ref.grads), ...vars]);
    expect(tf.memory().numTensors).toBe(start);
  });
});

describe('char-CNN max-pool gradient on ties', () => {
  it('routes each channel\'s gradient to its first maximal position only', async () => {
    await tf.setBackend('cpu');
    registerGradients();
    const start = tf.memory().numTensors;
    // one token, 4 positions, 2 channels: channel 0 ties at positions 1 and 3, channel 1 at all
    const x = tf.tensor3d([0, 5, 2, 5, 1, 5, 2, 5], [1, 4, 2]);
    const dy = tf.tensor2d([[3, 7]]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(maxOverPositions(v as tf.Tensor3D), dy)))(x);
    expect(Array.from(await g.data())).toEqual([0, 7, 3, 0, 0, 0, 0, 0]);
    const y = maxOverPositions(x);
    expect(Array.from(await y.data())).toEqual([2, 5]);
    tf.dispose([x, dy, g, y]);
    expect(tf.memory().numTensors).toBe(start);
  });
});
