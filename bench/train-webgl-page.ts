/**
 * In-page half of bench/train.ts's webgl row: the same two configurations as the Node children
 * (bench/train-models.ts), on tfjs's webgl backend in headless Chromium, seqflow's recurrent core
 * (its op path with the fused WebGL cell programs) beside tfjs-layers' LSTM in the same page.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../src/backends';
import { CONFIGS, TrainBench, timeInterleaved, type ConfigName, type Rates } from './train-models';

export interface WebglTrainRun {
  backend: string;
  /** What renders: in headless Chromium without a GPU, SwiftShader (WebGL emulated on the CPU). */
  device: string;
  seqflow: Rates;
  seqflowFullLength: Rates;
  layers: Rates | null;
  leakedTensors: number;
}

/** Batches cross from Node as plain number arrays (typed arrays do not survive page.evaluate). */
export interface WebglBatch {
  ids: number[];
  lengths: number[];
  labels: number[];
}

const bench = {
  async run(config: ConfigName, vocabSize: number, batches: WebglBatch[], steps: number, layersSteps: number): Promise<WebglTrainRun> {
    const backend = await useBackend('webgl');
    const plain = batches.map((b) => ({ ids: Int32Array.from(b.ids), lengths: Int32Array.from(b.lengths), labels: Int32Array.from(b.labels) }));
    const before = tf.memory().numTensors;
    const run = new TrainBench(CONFIGS[config], vocabSize, plain);
    const variants = [run.seqflow(false), run.seqflow(true)];
    const [seqflow, seqflowFullLength] = timeInterleaved(run.batch, steps, variants, 1);
    for (const v of variants) v.dispose();
    let layers: Rates | null = null;
    if (layersSteps > 0) {
      const model = run.layers(tfl);
      [layers] = timeInterleaved(run.batch, layersSteps, [model], 1);
      model.dispose();
    }
    run.dispose();
    return { backend: backend.name, device: backend.device, seqflow, seqflowFullLength, layers, leakedTensors: tf.memory().numTensors - before };
  },
};

export type WebglTrainBench = typeof bench;
(globalThis as unknown as { seqflowHarness: WebglTrainBench }).seqflowHarness = bench;
