/**
 * Backend names as seqflow users write them, and the order 'auto' tries them in.
 * 'cuda' and 'tensorflow' both become tfjs's 'tensorflow' backend; they differ in the
 * package that provides it (@tensorflow/tfjs-node-gpu vs @tensorflow/tfjs-node).
 */
export const BACKEND_NAMES = ['cuda', 'tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;

export type BackendName = (typeof BACKEND_NAMES)[number];

/** What a caller may ask for: a backend, or 'auto' for the best one that starts here. */
export type BackendRequest = BackendName | 'auto';

export type Platform = 'node' | 'browser';

/** Best first. 'auto' stops at the first one that starts. */
export const PREFERENCE: Readonly<Record<Platform, readonly BackendName[]>> = {
  node: ['cuda', 'tensorflow', 'wasm', 'cpu'],
  browser: ['webgpu', 'webgl', 'wasm', 'cpu'],
};

export function isBackendRequest(text: string): text is BackendRequest {
  return text === 'auto' || (BACKEND_NAMES as readonly string[]).includes(text);
}

/**
 * Reads a backend name typed by a user (an environment variable, a query parameter, a CLI
 * flag); `where` names that place in the error, so a typo points at its source.
 */
export function parseBackendRequest(text: string, where: string): BackendRequest {
  const name = text.trim().toLowerCase();
  if (isBackendRequest(name)) return name;
  throw new Error(
    `${where}: '${text}' is not a backend; use one of auto, ${BACKEND_NAMES.join(', ')}`,
  );
}
