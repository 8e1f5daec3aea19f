import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { main } from '../../src/cli/main';
import { useBackend } from '../../src/backends';
import { readHdf5 } from '../../src/models/elmo/hdf5-weights';

const ELMO = process.env.ELMO_TESTDATA ?? path.resolve(__dirname, '../../../shared/testdata/elmo');

async function quiet<T>(fn: () => Promise<T>): Promise<T> {
  const write = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return await fn();
  } finally {
    process.stderr.write = write;
  }
}

/** Reads a little-endian float32 .npy: its shape and values. */
function readNpy(file: string): { shape: number[]; values: Float32Array } {
  const bytes = fs.readFileSync(file);
  expect([...bytes.subarray(0, 6)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  expect(header).toContain("'descr': '<f4'");
  expect((10 + headerLength) % 64).toBe(0);
  const shape = header.match(/'shape': \(([^)]*)\)/)![1].split(',').filter((s) => s.trim() !== '').map(Number);
  const data = bytes.subarray(10 + headerLength);
  return { shape, values: new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
}

describe('seqflow embed (ELMo fixture weights)', () => {
  let dir: string;
  let sentences: string[][];
  beforeAll(async () => {
    await useBackend('cpu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqflow-embed-'));
    const lists = JSON.parse(fs.readFileSync(path.join(ELMO, 'sentences.json'), 'utf8')) as string[][];
    // Batch 0 of the fixture: sentence 0 of each list. A stateless run matches the reference there.
    sentences = lists.map((list) => list[0].split(' '));
    fs.writeFileSync(path.join(dir, 'sentences.txt'), `${sentences.map((s) => s.join(' ')).join('\n')}\n\n`);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes every layer as .npy; the top layer matches the bilm-tf reference', async () => {
    const before = tf.memory().numTensors;
    const out = path.join(dir, 'emb.npy');
    const elmo = `${path.join(ELMO, 'options.json')},${path.join(ELMO, 'lm_weights.hdf5')}`;
    const code = await quiet(() => main(['embed', '--elmo', elmo, '--data', path.join(dir, 'sentences.txt'), '--out', out, '--backend', 'cpu']));
    expect(code).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    const { shape, values } = readNpy(out);
    const maxTokens = Math.max(...sentences.map((s) => s.length));
    // The trailing empty line is kept as an empty (all-zero) sentence.
    expect(shape).toEqual([sentences.length + 1, 3, maxTokens, 32]);
    expect(values.subarray(sentences.length * 3 * maxTokens * 32).every((v) => v === 0)).toBe(true);
    let compared = 0;
    for (let k = 0; k < sentences.length; k++) {
      const file = path.join(ELMO, `lm_embeddings_${k}.hdf5`);
      if (!fs.existsSync(file)) continue;
      const reference = (await readHdf5(file)).get('0')!; // [2, tokens, 16]: forward, backward
      const tokens = sentences[k].length;
      expect(reference.shape).toEqual([2, tokens, 16]);
      let maxError = 0;
      for (let t = 0; t < tokens; t++) {
        for (let d = 0; d < 32; d++) {
          const got = values[((k * 3 + 2) * maxTokens + t) * 32 + d];
          const want = reference.data[(d < 16 ? 0 : 1) * tokens * 16 + t * 16 + (d % 16)];
          maxError = Math.max(maxError, Math.abs(got - want));
        }
      }
      expect(maxError).toBeLessThan(1e-5);
      // Past the sentence's end: zeros.
      expect(values.subarray(((k * 3 + 2) * maxTokens + tokens) * 32, (k * 3 + 3) * maxTokens * 32).every((v) => v === 0)).toBe(true);
      compared += 1;
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('writes JSON with tokens and layers per sentence', async () => {
    const out = path.join(dir, 'emb.json');
    const elmo = `${path.join(ELMO, 'options.json')},${path.join(ELMO, 'lm_weights.hdf5')}`;
    expect(await quiet(() => main(['embed', '--elmo', elmo, '--data', path.join(dir, 'sentences.txt'), '--out', out, '--backend', 'cpu']))).toBe(0);
    const rows = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.length).toBe(sentences.length + 1);
    rows.slice(0, sentences.length).forEach((r, i) => {
      expect(r.tokens).toEqual(sentences[i]);
      expect(r.layers.length).toBe(3);
      expect(r.layers[2].length).toBe(sentences[i].length);
      expect(r.layers[2][0].length).toBe(32);
    });
  });

  it('rejects an --elmo value without two files (exit 2)', async () => {
    expect(await quiet(() => main(['embed', '--elmo', 'options.json', '--data', 'x.txt', '--out', 'y.npy']))).toBe(2);
  });
});
