// engineMatMul (the matrix engine's product with its gradient) against tf.matMul and tfjs's own
// MatMul gradient, on both backends it runs the engine on.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import seedrandom from 'seedrandom';
import { beforeAll, describe, expect, it } from 'vitest';
import { engineMatMul } from '../../src/models/engine-matmul';
import { registerGradients } from '../../src/models/gradients';

function randomMatrix(rng: () => number, rows: number, cols: number): tf.Tensor2D {
  const v = new Float32Array(rows * cols);
  for (let i = 0; i < v.length; i++) v[i] = rng() * 2 - 1;
  return tf.tensor2d(v, [rows, cols]);
}

/** Largest |x − y| relative to the largest |y| (at least 1). */
function relDiff(x: tf.Tensor, y: tf.Tensor): number {
  const a = x.dataSync();
  const b = y.dataSync();
  expect(x.shape).toEqual(y.shape);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [13, 6, 17],
  [33, 64, 9],
  [70, 41, 130],
];

for (const backend of ['cpu', 'wasm']) {
  describe(`engineMatMul on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      registerGradients();
    });

    for (const transposeB of [false, true]) {
      it(`matches tf.matMul and its gradients${transposeB ? ' with b transposed' : ''}`, () => {
        const rng = seedrandom(`engine-matmul-${backend}-${transposeB}`);
        const start = tf.memory().numTensors;
        for (const [M, K, N] of SHAPES) {
          tf.tidy(() => {
            const a = randomMatrix(rng, M, K);
            const b = transposeB ? randomMatrix(rng, N, K) : randomMatrix(rng, K, N);
            // A weighting of the output, so each gradient entry depends on a different mix.
            const weight = randomMatrix(rng, M, N);
            const loss = (f: (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Tensor2D) => (x: tf.Tensor, y: tf.Tensor) =>
              tf.sum(tf.mul(f(x as tf.Tensor2D, y as tf.Tensor2D), weight));
            const ours = (x: tf.Tensor2D, y: tf.Tensor2D) => engineMatMul(x, y, transposeB);
            const theirs = (x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D => tf.matMul(x, y, false, transposeB);
            expect(relDiff(ours(a, b), theirs(a, b))).toBeLessThan(1e-5);
            const [da, db] = tf.grads(loss(ours))([a, b]);
            const [ra, rb] = tf.grads(loss(theirs))([a, b]);
            expect(relDiff(da, ra), `dA for ${M}x${K}x${N}`).toBeLessThan(1e-5);
            expect(relDiff(db, rb), `dB for ${M}x${K}x${N}`).toBeLessThan(1e-5);
          });
        }
        expect(tf.memory().numTensors).toBe(start);
      });
    }

    it('names the shapes when they do not fit', () => {
      const start = tf.memory().numTensors;
      tf.tidy(() => {
        const a = tf.zeros([3, 4]) as tf.Tensor2D;
        expect(() => engineMatMul(a, tf.zeros([5, 2]) as tf.Tensor2D)).toThrow(/inner dimensions differ: a is \[3,4\] and b is \[5,2\]/);
        expect(() => engineMatMul(a, tf.zeros([2, 5]) as tf.Tensor2D, true)).toThrow(/a is \[3,4\] and b \(transposed\) is \[5,2\]/);
        expect(() => engineMatMul(a, tf.zeros([4, 2, 1]) as unknown as tf.Tensor2D)).toThrow(/expected 2D tensors/);
        expect(() => engineMatMul(a, tf.zeros([4, 2], 'int32') as tf.Tensor2D)).toThrow(/expected float32/);
      });
      expect(tf.memory().numTensors).toBe(start);
    });
  });
}
