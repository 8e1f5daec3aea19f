import type { BackendName } from './names';

export interface BackendOptions {
  /**
   * Where the wasm backend finds its three .wasm files: a folder (URL or path, ending in '/')
   * or a map from file name ('tfjs-backend-wasm.wasm', '…-simd.wasm', '…-threaded-simd.wasm')
   * to location. Default in Node: the installed @tensorflow/tfjs-backend-wasm/dist/ (or,
   * in a bundle without node_modules, the bundle's own folder); in a browser: the page's folder.
   */
  wasmPaths?: string | Record<string, string>;
}

/** What a platform module reports after its backend started and passed a smoke test. */
export interface StartedBackend {
  /** The name tfjs knows the backend by ('tensorflow' for cuda). */
  tfBackend: string;
  /** What actually computes: GPU/renderer name, WebAssembly features, CPU library. */
  device: string;
}

/** Starts one backend or throws BackendUnavailableError with the reason. */
export type BackendStarter = (name: BackendName, options: BackendOptions) => Promise<StartedBackend>;
