import * as tf from '@tensorflow/tfjs-core';

/** One weight's entry in a saved model's manifest: values follow each other in weights.bin. */
export interface WeightEntry {
  name: string;
  shape: number[];
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** float32 values as little-endian bytes (the saved format on every machine). */
export function littleEndianBytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  if (LITTLE_ENDIAN) bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  else {
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  }
  return bytes;
}

export function fromLittleEndianBytes(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.byteLength / 4);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes);
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

/**
 * Copies saved weights into a model's variables by name: every name and shape is checked
 * first, so a mismatching file changes nothing. `needs` says who sets the expected shapes.
 */
export function assignSavedWeights(own: Record<string, tf.Variable>, entries: readonly WeightEntry[], bytes: Uint8Array, file: string, needs = 'the config needs'): void {
  const problems: string[] = [];
  const inFile = new Set<string>();
  for (const w of entries) {
    inFile.add(w.name);
    const v = own[w.name];
    if (!v) problems.push(`unexpected weight "${w.name}"`);
    else if (v.shape.length !== w.shape.length || v.shape.some((d, j) => d !== w.shape[j])) {
      problems.push(`weight "${w.name}" has shape [${w.shape}], ${needs} [${v.shape}]`);
    }
  }
  for (const [name, v] of Object.entries(own)) if (!inFile.has(name)) problems.push(`missing weight "${name}" (shape [${v.shape}])`);
  if (problems.length) throw new Error(`${file}: ${problems.join('; ')}`);
  const values = fromLittleEndianBytes(bytes);
  let offset = 0;
  tf.tidy(() => {
    for (const w of entries) {
      const size = w.shape.reduce((a, b) => a * b, 1);
      own[w.name].assign(tf.tensor(values.subarray(offset, offset + size), w.shape, 'float32'));
      offset += size;
    }
  });
}
