// Reads the PyTorch reference cases (README in ../shared/testdata): every JSON in
// $TORCH_TESTDATA, or in ../shared/testdata/torch.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TorchCase {
  file: string;
  kind: 'lstm' | 'gru';
  input_size: number;
  hidden_size: number;
  num_layers: number;
  bidirectional: boolean;
  weights: Record<string, number[] | number[][]>;
  x: number[][][];
  lengths: number[];
  output: number[][][];
  h_n: number[][][];
  c_n?: number[][][];
  loss_weights_output: number[][][];
  loss_weights_h_n: number[][][];
  loss: number;
  grad_x: number[][][];
  grad_weights: Record<string, number[] | number[][]>;
}

export function torchTestdataDir(): string {
  return process.env.TORCH_TESTDATA ?? path.resolve(__dirname, '../../../shared/testdata/torch');
}

export function readTorchCases(dir = torchTestdataDir()): TorchCase[] {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) throw new Error(`no PyTorch test cases (*.json) in ${dir}`);
  return files.map((f) => {
    const file = path.join(dir, f);
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as Omit<TorchCase, 'file'>;
    for (const key of ['kind', 'weights', 'x', 'lengths', 'output', 'h_n', 'grad_x', 'grad_weights'] as const) {
      if (!(key in data)) throw new Error(`${file}: field "${key}" is missing`);
    }
    return { file, ...data };
  });
}
