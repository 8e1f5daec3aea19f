/**
 * Starting backends in Node. Loaded only by a dynamic import from select.ts when seqflow runs
 * in Node. The tfjs-node packages are optional peers that are usually absent (their install
 * downloads libtensorflow), so their names are held in variables: no bundler tries to resolve
 * them, and TypeScript needs no types for them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { activateTfBackend, isInitialised } from './activate';
import { BackendUnavailableError } from './errors';
import type { BackendName } from './names';
import type { BackendOptions, StartedBackend } from './types';
import { applyWasmPaths } from './wasm-paths';

const TFJS_NODE_PACKAGE: Record<'cuda' | 'tensorflow', string> = {
  cuda: '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

const TFJS_NODE_REQUIREMENT: Record<'cuda' | 'tensorflow', string> = {
  cuda: 'needs CUDA 11.2 and cuDNN 8.1',
  tensorflow: 'downloads libtensorflow at install time',
};

export async function startNodeBackend(name: BackendName, options: BackendOptions): Promise<StartedBackend> {
  switch (name) {
    case 'cuda':
    case 'tensorflow':
      return startTfjsNode(name);
    case 'wasm':
      return startWasm(options);
    case 'cpu':
      return startCpu();
    case 'webgl':
      throw new BackendUnavailableError(name, 'needs a browser: Node has no WebGL (in Node use cuda, tensorflow, wasm or cpu)');
    case 'webgpu':
      throw new BackendUnavailableError(name, 'needs a browser: Node has no WebGPU (in Node use cuda, tensorflow, wasm or cpu)');
  }
}

/** Node's resolver when this file runs as CommonJS; undefined in an ES-module bundle. */
function nodeRequire(): NodeJS.Require | undefined {
  return typeof require === 'function' ? require : undefined;
}

function resolvePackage(specifier: string): string | undefined {
  const req = nodeRequire();
  if (!req) return undefined;
  try {
    return req.resolve(specifier);
  } catch {
    return undefined;
  }
}

function isModuleNotFound(error: unknown, specifier: string): boolean {
  const code = (error as { code?: string } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return (
    (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(message)) &&
    new RegExp(`['"]${specifier.replace(/[/\\^$*+?.()|[\]{}-]/g, '\\$&')}['"]`).test(message)
  );
}

async function startTfjsNode(name: 'cuda' | 'tensorflow'): Promise<StartedBackend> {
  const pkg = TFJS_NODE_PACKAGE[name];
  const notInstalled = new BackendUnavailableError(
    name,
    `${pkg} is not installed (npm i ${pkg}; ${TFJS_NODE_REQUIREMENT[name]})`,
  );
  // require.resolve tells "absent" apart from "present but its native addon fails to load".
  if (nodeRequire() && resolvePackage(pkg) === undefined) throw notInstalled;
  try {
    await import(pkg);
  } catch (error) {
    if (isModuleNotFound(error, pkg)) throw notInstalled;
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new BackendUnavailableError(name, `${pkg} is installed but failed to load: ${message} (${TFJS_NODE_REQUIREMENT[name]})`);
  }
  const previous = (tf.engine() as unknown as { backendName: string | null }).backendName;
  await activateTfBackend(name, 'tensorflow');
  const binding = (tf.backend() as unknown as { binding?: { TF_Version?: string; isUsingGpuDevice?: () => boolean } })
    .binding;
  const version = binding?.TF_Version ? `libtensorflow ${binding.TF_Version}` : 'libtensorflow';
  if (name === 'cuda') {
    // tfjs-node-gpu quietly runs on the CPU when the CUDA libraries are missing; say so instead.
    if (binding?.isUsingGpuDevice && !binding.isUsingGpuDevice()) {
      // Leave tfjs on what ran before, as a request that fails earlier does.
      if (previous && previous !== 'tensorflow') await tf.setBackend(previous);
      throw new BackendUnavailableError(
        name,
        `${pkg} loaded but libtensorflow found no usable CUDA GPU (${TFJS_NODE_REQUIREMENT.cuda}; check nvidia-smi and LD_LIBRARY_PATH)`,
      );
    }
    return { tfBackend: 'tensorflow', device: `CUDA GPU via ${version}` };
  }
  return { tfBackend: 'tensorflow', device: `CPU via ${version}` };
}

/** The folder holding the .wasm files of the installed package, ending in the path separator. */
function installedWasmFolder(): string | undefined {
  const entry = resolvePackage('@tensorflow/tfjs-backend-wasm');
  if (!entry) return undefined;
  return entry.slice(0, Math.max(entry.lastIndexOf('/'), entry.lastIndexOf('\\')) + 1);
}

async function startWasm(options: BackendOptions): Promise<StartedBackend> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // Without a folder, emscripten looks beside the file that contains it: right for a bundle
  // that ships the .wasm files beside itself.
  applyWasmPaths(wasm.setWasmPaths, options.wasmPaths ?? installedWasmFolder());
  try {
    await activateTfBackend('wasm', 'wasm');
  } catch (error) {
    if (error instanceof BackendUnavailableError && !isInitialised('wasm')) {
      const where = options.wasmPaths ?? installedWasmFolder() ?? 'the folder of the script that contains tfjs-backend-wasm';
      throw new BackendUnavailableError(
        'wasm',
        `${error.reason} (looked for the .wasm files in ${typeof where === 'string' ? where : JSON.stringify(where)}; ` +
          'copy node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm there or pass wasmPaths)',
      );
    }
    throw error;
  }
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = wasm.getThreadsCount();
  return {
    tfBackend: 'wasm',
    device: `WebAssembly in Node (${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'})`,
  };
}

async function startCpu(): Promise<StartedBackend> {
  await import('@tensorflow/tfjs-backend-cpu');
  // The cpu backend prints a banner urging tfjs-node on first use in Node; describeBackend()
  // already tells the user what runs and what was skipped, with the install command.
  await activateTfBackend('cpu', 'cpu', (backend) => {
    (backend as unknown as { firstUse?: boolean }).firstUse = false;
  });
  return { tfBackend: 'cpu', device: 'plain JavaScript on the main thread' };
}
