// Reading and writing weight files: bytes and paths, the bilm-tf names, and clear errors.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { weightsFromArrays } from '../../../src/models/elmo/bilm-weights';
import { readHdf5, writeHdf5 } from '../../../src/models/elmo/hdf5-weights';
import { loadBiLm, saveBiLm } from '../../../src/models/elmo/load';
import { parseElmoOptions } from '../../../src/models/elmo/options';
import { fixture } from './fixtures';

describe('HDF5 weights', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('writes nested float datasets to bytes and reads them back from bytes', async () => {
    const data = new Map([
      ['a/b/c', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6.5]) }],
      ['a/d', { shape: [1], data: Float32Array.from([-7]) }],
      ['top', { shape: [2], data: Float32Array.from([0.25, 1e-8]) }],
    ]);
    const bytes = await writeHdf5(data);
    expect(Array.from(bytes.slice(1, 4))).toEqual([72, 68, 70]); // the HDF5 signature: \x89HDF
    const back = await readHdf5(bytes);
    expect([...back.keys()].sort()).toEqual(['a/b/c', 'a/d', 'top']);
    for (const [k, v] of data) {
      expect(back.get(k)!.shape).toEqual(v.shape);
      expect(Array.from(back.get(k)!.data)).toEqual(Array.from(v.data));
    }
    await expect(writeHdf5(new Map([['x', { shape: [3], data: new Float32Array(2) }]]))).rejects.toThrow(/dataset x: shape \[3\] holds 3 values, data has 2/);
  });

  it('loads the fixture from bytes exactly as from paths, and a saved copy round-trips', async () => {
    const start = tf.memory().numTensors;
    const fromPath = await loadBiLm(fixture('options.json'), fixture('lm_weights.hdf5'));
    const fromBytes = await loadBiLm(fs.readFileSync(fixture('options.json'), 'utf8'), new Uint8Array(fs.readFileSync(fixture('lm_weights.hdf5'))));
    const saved = await saveBiLm(fromPath);
    const reloaded = await loadBiLm(saved.options, saved.weights);
    const original = await readHdf5(fixture('lm_weights.hdf5'));
    const resaved = await readHdf5(saved.weights);
    for (const [name, arr] of original) {
      expect(resaved.get(name)?.shape, name).toEqual(arr.shape);
      expect(Array.from(resaved.get(name)!.data), name).toEqual(Array.from(arr.data));
    }
    const a = await fromBytes.weights.backward[1].wh.data();
    const b = await fromPath.weights.backward[1].wh.data();
    const c = await reloaded.weights.backward[1].wh.data();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(c)).toEqual(Array.from(b));
    [fromPath, fromBytes, reloaded].forEach((m) => m.dispose());
    expect(tf.memory().numTensors).toBe(start);
  });

  it('names the file and the field when something is wrong', async () => {
    await expect(readHdf5('/nonexistent/weights.hdf5')).rejects.toThrow(/\/nonexistent\/weights.hdf5: no such file/);
    await expect(readHdf5(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(/not a readable HDF5 file/);
    const options = parseElmoOptions(fs.readFileSync(fixture('options.json'), 'utf8'));
    const arrays = await readHdf5(fixture('lm_weights.hdf5'));
    arrays.delete('CNN_high_1/W_carry');
    const before = tf.memory().numTensors;
    expect(() => weightsFromArrays(arrays, options, 'lm_weights.hdf5')).toThrow(/lm_weights.hdf5: missing dataset "CNN_high_1\/W_carry"/);
    // The tensors made before the missing dataset was met are freed.
    expect(tf.memory().numTensors).toBe(before);
    const wrong = parseElmoOptions({ ...options, lstm: { ...options.lstm, projection_dim: 8 } });
    const full = await readHdf5(fixture('lm_weights.hdf5'));
    expect(() => weightsFromArrays(full, wrong, 'w.hdf5')).toThrow(/w.hdf5: dataset "CNN_proj\/W_proj" has shape \[124,16\], expected \[124,8\]/);
    expect(() => parseElmoOptions({ ...options, lstm: { ...options.lstm, dim: -1 } }, 'o.json')).toThrow(/o.json: "lstm.dim" must be a positive integer, got -1/);
    expect(() => parseElmoOptions('{"lstm": ', 'o.json')).toThrow(/o.json: not valid JSON/);
    expect(() => parseElmoOptions({ ...options, char_cnn: { ...options.char_cnn, filters: [[1, 4], [2]] } }, 'o.json')).toThrow(
      /o.json: "char_cnn.filters\[1\]" must be \[width, count\]/,
    );
  });
});
