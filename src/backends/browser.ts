/**
 * Starting backends in a browser (or a web worker). Loaded only by a dynamic import from
 * select.ts, so Node never loads WebGL or WebGPU code; each backend package is itself imported
 * lazily, so a bundle split into chunks fetches only the backend that runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { activateTfBackend } from './activate';
import { BackendUnavailableError } from './errors';
import type { BackendName } from './names';
import type { BackendOptions, StartedBackend } from './types';
import { applyWasmPaths } from './wasm-paths';

export async function startBrowserBackend(name: BackendName, options: BackendOptions): Promise<StartedBackend> {
  switch (name) {
    case 'webgpu':
      return startWebGpu();
    case 'webgl':
      return startWebGl();
    case 'wasm':
      return startWasm(options);
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      await activateTfBackend('cpu', 'cpu');
      return { tfBackend: 'cpu', device: 'plain JavaScript on the main thread' };
    case 'cuda':
      throw new BackendUnavailableError(name, 'needs Node with @tensorflow/tfjs-node-gpu; a browser reaches the GPU through webgpu or webgl');
    case 'tensorflow':
      throw new BackendUnavailableError(name, 'needs Node with @tensorflow/tfjs-node; in a browser use webgpu, webgl, wasm or cpu');
  }
}

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string };
}
interface GpuLike {
  requestAdapter(options?: unknown): Promise<GpuAdapterLike | null>;
}

async function startWebGpu(): Promise<StartedBackend> {
  const gpu = (globalThis.navigator as unknown as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) {
    throw new BackendUnavailableError('webgpu', 'navigator.gpu is missing: this browser (or its settings) has no WebGPU');
  }
  // Asked here first because tfjs only logs a failed adapter request; an explicit reason is kinder.
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (error) {
    throw new BackendUnavailableError('webgpu', `navigator.gpu.requestAdapter() failed: ${String(error)}`);
  }
  if (!adapter) {
    throw new BackendUnavailableError('webgpu', 'navigator.gpu.requestAdapter() found no adapter (no usable GPU, or WebGPU is blocked)');
  }
  await import('@tensorflow/tfjs-backend-webgpu');
  await activateTfBackend('webgpu', 'webgpu');
  const info = adapter.info ?? {};
  const words = [info.vendor, info.architecture, info.description].filter((w) => w);
  return { tfBackend: 'webgpu', device: `WebGPU adapter ${words.length ? words.join(' ') : '(no details exposed)'}` };
}

async function startWebGl(): Promise<StartedBackend> {
  await import('@tensorflow/tfjs-backend-webgl');
  await activateTfBackend('webgl', 'webgl');
  const version = tf.env().getNumber('WEBGL_VERSION');
  const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
  let renderer = 'unknown renderer';
  if (gl) {
    const debugInfo = gl.getExtension('WEBGL_debug_renderer_info');
    renderer = String(gl.getParameter(debugInfo ? debugInfo.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  }
  return { tfBackend: 'webgl', device: `WebGL ${version} on ${renderer}` };
}

/** The page's folder: where the build copies the .wasm files next to index.html. */
function defaultWasmFolder(): string | undefined {
  const base = (globalThis as { document?: Document }).document?.baseURI ?? globalThis.location?.href;
  return base ? new URL('./', base).href : undefined;
}

async function startWasm(options: BackendOptions): Promise<StartedBackend> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const paths = options.wasmPaths ?? defaultWasmFolder();
  applyWasmPaths(wasm.setWasmPaths, paths);
  try {
    await activateTfBackend('wasm', 'wasm');
  } catch (error) {
    if (error instanceof BackendUnavailableError) {
      const where = typeof paths === 'string' ? paths : JSON.stringify(paths);
      throw new BackendUnavailableError(
        'wasm',
        `${error.reason} (looked for the .wasm files in ${where}; copy node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm there or pass wasmPaths)`,
      );
    }
    throw error;
  }
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = wasm.getThreadsCount();
  return {
    tfBackend: 'wasm',
    device: `WebAssembly (${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'})`,
  };
}
