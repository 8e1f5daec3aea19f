import * as fs from 'node:fs/promises';

/**
 * The header of a NumPy .npy file (format 1.0) for a little-endian float32 C-order array:
 * magic, version, header length, then a Python dict literal padded so the data starts on a
 * 64-byte boundary.
 */
export function npyHeader(shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + dict.length + 1;
  const total = Math.ceil(unpadded / 64) * 64;
  const header = new Uint8Array(total);
  header.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]); // \x93NUMPY v1.0
  new DataView(header.buffer).setUint16(8, total - 10, true);
  const text = `${dict}${' '.repeat(total - unpadded)}\n`;
  for (let i = 0; i < text.length; i++) header[10 + i] = text.charCodeAt(i);
  return header;
}

/** Writes a float32 array as .npy piece by piece (the shape is known up front). */
export class NpyWriter {
  private constructor(private readonly handle: fs.FileHandle) {}

  static async open(file: string, shape: readonly number[]): Promise<NpyWriter> {
    const handle = await fs.open(file, 'w');
    await handle.write(npyHeader(shape));
    return new NpyWriter(handle);
  }

  async write(values: Float32Array): Promise<void> {
    // .npy is little-endian; so is every machine tfjs runs on, so the bytes go out as they are.
    await this.handle.write(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
