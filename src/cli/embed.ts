import * as fs from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { type Command, optionalInteger, requireString, UsageError } from './args';
import { report } from './report';
import { startBackend } from './backend';
import { NpyWriter } from './npy';
import { readLines } from '../pipeline/read-lines';
import { Elmo } from '../models/elmo/elmo';

export const embedCommand: Command = {
  name: 'embed',
  summary: 'ELMo embeddings of sentences (one per line, whitespace-tokenised)',
  usage: `seqflow embed --elmo options.json,weights.hdf5 --data sentences.txt --out embeddings.npy|embeddings.json
              [--batch-size 32] [--backend NAME]

  Every biLM layer of every token (layer 0 is the character-based token representation), as
  AllenNLP's "elmo --all" gives them. .npy: float32 [sentences, layers, maxTokens, dim], zero
  past each sentence's end. .json: one object per line of input: {"tokens": [...],
  "layers": [[[...dim] per token] per layer]}. Empty lines are kept as empty sentences.`,
  options: {
    elmo: { type: 'string' },
    data: { type: 'string' },
    out: { type: 'string' },
    'batch-size': { type: 'string' },
    backend: { type: 'string' },
  },
  async run(values) {
    const [optionsFile, weightsFile, ...extra] = requireString(values, 'elmo').split(',');
    if (!weightsFile || extra.length > 0) throw new UsageError('--elmo takes two files separated by a comma: options.json,weights.hdf5');
    const file = requireString(values, 'data');
    const out = requireString(values, 'out');
    const format = out.endsWith('.npy') ? 'npy' : out.endsWith('.json') ? 'json' : undefined;
    if (!format) throw new UsageError(`--out must end in .npy or .json, got "${out}"`);
    const batchSize = optionalInteger(values, 'batch-size', 1) ?? 32;
    await startBackend(values.backend);

    const sentences: string[][] = [];
    for await (const line of readLines(file)) sentences.push(line.split(/\s+/).filter((t) => t !== ''));
    const maxTokens = Math.max(1, ...sentences.map((s) => s.length));
    const elmo = await Elmo.load(optionsFile, weightsFile, { dropout: 0 });
    try {
      const nLayers = elmo.bilm.nLayers + 1;
      const dim = elmo.outputDim;
      const npy = format === 'npy' ? await NpyWriter.open(out, [sentences.length, nLayers, maxTokens, dim]) : undefined;
      const json: string[] = [];
      for (let start = 0; start < sentences.length; start += batchSize) {
        const chunk = sentences.slice(start, start + batchSize);
        // The biLM needs a token per row; an empty sentence is embedded as nothing (all zeros).
        const nonEmpty = chunk.map((s, i) => [s, i] as const).filter(([s]) => s.length > 0);
        const perRow: Float32Array[][] = chunk.map((s) => Array.from({ length: nLayers }, () => new Float32Array(s.length * dim)));
        if (nonEmpty.length > 0) {
          const output = elmo.embed(nonEmpty.map(([s]) => s));
          const layers = await Promise.all(output.layers.map((l) => l.data() as Promise<Float32Array>));
          const steps = output.layers[0].shape[1];
          Elmo.disposeOutput(output);
          nonEmpty.forEach(([s, row], r) => {
            for (let k = 0; k < nLayers; k++) perRow[row][k] = layers[k].slice(r * steps * dim, (r * steps + s.length) * dim);
          });
        }
        for (let i = 0; i < chunk.length; i++) {
          if (npy) {
            const block = new Float32Array(nLayers * maxTokens * dim);
            perRow[i].forEach((layer, k) => block.set(layer, k * maxTokens * dim));
            await npy.write(block);
          } else {
            const layers = perRow[i].map((layer) => Array.from({ length: chunk[i].length }, (_, t) => Array.from(layer.subarray(t * dim, (t + 1) * dim))));
            json.push(JSON.stringify({ tokens: chunk[i], layers }));
          }
        }
      }
      if (npy) await npy.close();
      else await fs.writeFile(out, `${json.join('\n')}\n`);
      report.info(`embedded ${sentences.length} sentences (${nLayers} layers × ${dim}) into ${out}; ${tf.memory().numTensors} tensors held by the model`);
    } finally {
      elmo.dispose();
    }
    return 0;
  },
};
