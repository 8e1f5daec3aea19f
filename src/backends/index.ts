/**
 * Backends: `await useBackend()` starts the best backend that runs here (Node: cuda, tensorflow,
 * wasm, cpu; browser: webgpu, webgl, wasm, cpu), or the one named by the argument,
 * SEQFLOW_BACKEND or the page's `?backend=`; `describeBackend().summary` says what runs, on what
 * device, and why each better one was skipped. A named backend that cannot start throws
 * BackendUnavailableError with the reason. Backend packages load lazily, by dynamic import.
 */
export { useBackend, describeBackend, detectPlatform, backendFromEnvironment } from './select';
export type { BackendDescription, SkippedBackend, RequestSource } from './select';
export { BACKEND_NAMES, PREFERENCE, parseBackendRequest, isBackendRequest } from './names';
export type { BackendName, BackendRequest, Platform } from './names';
export { BackendUnavailableError } from './errors';
export type { BackendOptions } from './types';
