// Loading weights saved from PyTorch's nn.LSTM / nn.GRU (state_dict names and layouts, which
// are also the Recurrent layer's own: gate rows i,f,g,o for the LSTM, r,z,n for the GRU).
import * as tf from '@tensorflow/tfjs-core';
import type { Recurrent } from './recurrent';

export type TorchWeightValue = number[] | number[][];

/**
 * Copies `weights` (by PyTorch name: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0,
 * …_reverse) into the layer. Every weight is checked before any is assigned, so a bad file
 * changes nothing. Extra keys are an error too: they mean the file is for another layer shape.
 */
export function loadTorchWeights(layer: Recurrent, weights: Record<string, TorchWeightValue>): void {
  if (weights === null || typeof weights !== 'object') {
    throw new Error('loadTorchWeights: weights must be an object mapping PyTorch names to arrays');
  }
  const targets = layer.namedWeights();
  const values: Array<[tf.Variable, Float32Array]> = [];
  for (const [name, variable] of Object.entries(targets)) {
    if (!(name in weights)) {
      throw new Error(`loadTorchWeights: missing weight "${name}" (expected shape [${variable.shape}])`);
    }
    values.push([variable, flattenChecked(weights[name], variable.shape, name)]);
  }
  const extra = Object.keys(weights).filter((k) => !(k in targets));
  if (extra.length > 0) {
    throw new Error(
      `loadTorchWeights: unexpected weight(s) ${extra.map((k) => `"${k}"`).join(', ')} ` +
        `(the layer has ${Object.keys(targets).join(', ')})`,
    );
  }
  for (const [variable, data] of values) {
    const t = tf.tensor(data, variable.shape, 'float32');
    variable.assign(t);
    t.dispose();
  }
}

function flattenChecked(value: TorchWeightValue, shape: number[], name: string): Float32Array {
  const actual = shapeOf(value, name);
  if (actual.length !== shape.length || actual.some((d, i) => d !== shape[i])) {
    throw new Error(`loadTorchWeights: weight "${name}" has shape [${actual}], expected [${shape}]`);
  }
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  let k = 0;
  const rows = (shape.length === 1 ? [value] : value) as number[][];
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    for (let c = 0; c < row.length; c++) {
      const v = row[c];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        const where = shape.length === 1 ? `[${c}]` : `[${r}][${c}]`;
        throw new Error(`loadTorchWeights: weight "${name}"${where} is ${JSON.stringify(v)}, not a finite number`);
      }
      out[k++] = v;
    }
  }
  return out;
}

function shapeOf(value: unknown, name: string): number[] {
  if (!Array.isArray(value)) throw new Error(`loadTorchWeights: weight "${name}" is not an array`);
  if (value.length > 0 && Array.isArray(value[0])) {
    const width = (value[0] as unknown[]).length;
    value.forEach((row, r) => {
      if (!Array.isArray(row) || row.length !== width) {
        throw new Error(`loadTorchWeights: weight "${name}" row ${r} has ${Array.isArray(row) ? row.length : 'no'} columns, expected ${width}`);
      }
    });
    return [value.length, width];
  }
  return [value.length];
}
