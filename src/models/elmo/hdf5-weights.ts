/**
 * Reading and writing the float datasets of an HDF5 file (the bilm-tf / AllenNLP weight
 * layout) with h5wasm. h5wasm is ESM-only, so it is loaded with a real dynamic import():
 * its Node build (host file system) in Node, its browser build (in-memory file system)
 * elsewhere. Sources may be a path (a URL in a browser) or the file's bytes, so the same
 * loader serves both.
 */
import type * as H5 from 'h5wasm' with { 'resolution-mode': 'import' };
import { isNode, nodeBuiltin, nodeOnlyImport } from './node-modules';

type H5Module = typeof H5;

/** One dataset: row-major float32 values and their shape. */
export interface NamedArray {
  shape: number[];
  data: Float32Array;
}

export type Hdf5Source = string | Uint8Array | ArrayBuffer;

type Fs = typeof import('node:fs/promises');
type Os = typeof import('node:os');
type Path = typeof import('node:path');

let h5Promise: Promise<H5Module> | undefined;

/** The initialised h5wasm module (loaded once). */
export function loadH5wasm(): Promise<H5Module> {
  if (!h5Promise) {
    h5Promise = (async () => {
      // The Node build sees the host file system; bundlers must not pull it into a page.
      const mod = (isNode ? await nodeOnlyImport<H5Module>(['h5wasm', 'node']) : await import('h5wasm')) as H5Module;
      await mod.ready;
      return mod;
    })();
  }
  return h5Promise;
}

interface ScratchFile {
  path: string;
  cleanup(): Promise<void>;
}

let scratchCounter = 0;

/** A path h5wasm can open: the Node build sees the host file system, the browser build its own memory FS. */
async function scratchPath(h5: H5Module, bytes: Uint8Array | undefined): Promise<ScratchFile> {
  const name = `seqflow-${Date.now()}-${Math.floor(Math.random() * 1e9)}-${scratchCounter++}.h5`;
  if (isNode) {
    const fs = await nodeBuiltin<Fs>('fs/promises', 'a scratch file');
    const os = await nodeBuiltin<Os>('os', 'a scratch file');
    const path = await nodeBuiltin<Path>('path', 'a scratch file');
    const file = path.join(os.tmpdir(), name);
    if (bytes) await fs.writeFile(file, bytes);
    return { path: file, cleanup: () => fs.rm(file, { force: true }) };
  }
  const fsys = h5.FS as unknown as { writeFile(p: string, d: Uint8Array): void; unlink(p: string): void } | null;
  if (!fsys) throw new Error('h5wasm file system is not ready');
  const file = `/${name}`;
  if (bytes) fsys.writeFile(file, bytes);
  return {
    path: file,
    cleanup: async () => {
      try {
        fsys.unlink(file);
      } catch {
        /* already gone */
      }
    },
  };
}

function describe(source: Hdf5Source): string {
  return typeof source === 'string' ? source : `<${source.byteLength} bytes of HDF5>`;
}

/**
 * Every numeric dataset of an HDF5 file, keyed by its path without the leading slash
 * (e.g. `RNN_0/RNN/MultiRNNCell/Cell0/LSTMCell/W_0`), as float32.
 */
export async function readHdf5(source: Hdf5Source): Promise<Map<string, NamedArray>> {
  const h5 = await loadH5wasm();
  let bytes: Uint8Array | undefined;
  if (typeof source !== 'string') bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
  else if (!isNode) {
    const res = await fetch(source);
    if (!res.ok) throw new Error(`${source}: HTTP ${res.status}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  }
  const scratch = typeof source === 'string' && isNode ? undefined : await scratchPath(h5, bytes);
  const path = scratch ? scratch.path : (source as string);
  if (!scratch) {
    const fs = await nodeBuiltin<Fs>('fs/promises', path);
    if (!(await fs.stat(path).then(() => true, () => false))) throw new Error(`${path}: no such file`);
  }
  const out = new Map<string, NamedArray>();
  let file: H5.File | undefined;
  try {
    const walk = (group: H5.Group, prefix: string): void => {
      for (const key of group.keys()) {
        const item = group.get(key);
        const name = prefix + key;
        if (item instanceof h5.Group) walk(item, name + '/');
        else if (item instanceof h5.Dataset) {
          const value = item.value as unknown;
          const shape = (item.shape ?? []) as number[];
          if (value instanceof BigInt64Array || value instanceof BigUint64Array) {
            out.set(name, { shape, data: Float32Array.from(value as ArrayLike<bigint>, (v) => Number(v)) });
          } else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
            out.set(name, { shape, data: Float32Array.from(value as unknown as ArrayLike<number>) });
          } else if (typeof value === 'number') {
            out.set(name, { shape, data: Float32Array.of(value) });
          }
        }
      }
    };
    try {
      file = new h5.File(path, 'r');
      walk(file, '');
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`${describe(source)}: not a readable HDF5 file (${why})`);
    }
  } finally {
    file?.close();
    await scratch?.cleanup();
  }
  return out;
}

/**
 * Writes float32 datasets (groups made from the `/` in each name) as an HDF5 file. Returns
 * the file's bytes; in Node it also writes them to `path` when one is given.
 */
export async function writeHdf5(datasets: Map<string, NamedArray>, path?: string): Promise<Uint8Array> {
  const h5 = await loadH5wasm();
  const scratch = await scratchPath(h5, undefined);
  let bytes: Uint8Array;
  try {
    const file = new h5.File(scratch.path, 'w');
    try {
      const groups = new Set<string>();
      for (const [name, arr] of datasets) {
        const size = arr.shape.reduce((a, b) => a * b, 1);
        if (size !== arr.data.length) {
          throw new Error(`dataset ${name}: shape [${arr.shape}] holds ${size} values, data has ${arr.data.length}`);
        }
        const parts = name.split('/');
        let group: H5.Group = file;
        for (let i = 0; i < parts.length - 1; i++) {
          const g = parts.slice(0, i + 1).join('/');
          if (!groups.has(g)) {
            group.create_group(parts[i]);
            groups.add(g);
          }
          group = group.get(parts[i]) as H5.Group;
        }
        group.create_dataset({ name: parts[parts.length - 1], data: arr.data, shape: arr.shape, dtype: '<f' });
      }
    } finally {
      file.close();
    }
    if (isNode) {
      const fs = await nodeBuiltin<Fs>('fs/promises', 'writeHdf5');
      bytes = new Uint8Array(await fs.readFile(scratch.path));
    } else {
      const fsys = h5.FS as unknown as { readFile(p: string): Uint8Array };
      bytes = fsys.readFile(scratch.path);
    }
  } finally {
    await scratch.cleanup();
  }
  if (path !== undefined) {
    const fs = await nodeBuiltin<Fs>('fs/promises', 'writeHdf5 to a path');
    await fs.writeFile(path, bytes);
  }
  return bytes;
}

/** A dataset by name, with a clear error naming the file and the missing field. */
export function requireArray(
  arrays: Map<string, NamedArray>,
  name: string,
  expectedShape: number[] | undefined,
  sourceName: string,
): NamedArray {
  const arr = arrays.get(name);
  if (!arr) throw new Error(`${sourceName}: missing dataset "${name}"`);
  if (expectedShape && (arr.shape.length !== expectedShape.length || arr.shape.some((d, i) => d !== expectedShape[i]))) {
    throw new Error(`${sourceName}: dataset "${name}" has shape [${arr.shape}], expected [${expectedShape}]`);
  }
  return arr;
}
