// Runs in Chromium: loads the fixture ELMo from fetched bytes through h5wasm's browser build
// and embeds the first batch of sentences, for browser.test.ts to compare with the fixtures.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { Elmo } from '../../../../src/models/elmo/elmo';
import { readHdf5 } from '../../../../src/models/elmo/hdf5-weights';

async function bytes(name: string): Promise<Uint8Array> {
  const res = await fetch(name);
  if (!res.ok) throw new Error(`${name}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function run(): Promise<{ maxAbsError: number; compared: number; backend: string }> {
  await tf.setBackend('cpu');
  const options = await (await fetch('options.json')).text();
  const elmo = await Elmo.load(options, await bytes('lm_weights.hdf5'), { dropout: 0 });
  const lists = (await (await fetch('sentences.json')).json()) as string[][];
  const expected = (await readHdf5(await bytes('lm_embeddings_0.hdf5'))).get('0')!;
  const sentences = lists.map((l) => l[0].split(/\s+/));
  const out = elmo.embed(sentences);
  const top = (await out.layers[out.layers.length - 1].array()) as number[][][];
  const n = sentences[0].length;
  const p = expected.shape[2];
  let maxAbsError = 0;
  for (let t = 0; t < n; t++) {
    for (let k = 0; k < p; k++) {
      maxAbsError = Math.max(maxAbsError, Math.abs(top[0][t][k] - expected.data[t * p + k]));
      maxAbsError = Math.max(maxAbsError, Math.abs(top[0][t][p + k] - expected.data[(n + t) * p + k]));
    }
  }
  Elmo.disposeOutput(out);
  elmo.dispose();
  return { maxAbsError, compared: 2 * n * p, backend: tf.getBackend() };
}

(globalThis as unknown as { elmoPage: { run: typeof run } }).elmoPage = { run };
