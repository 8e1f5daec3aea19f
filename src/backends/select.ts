/**
 * Choosing the backend: `useBackend()` starts the one asked for (or the best that starts) and
 * `describeBackend()` says what runs, on what device, and why better ones were passed over.
 * Platform code is imported lazily, so a browser bundle never loads the Node module's
 * addons and Node never loads WebGL.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from './errors';
import { BACKEND_NAMES, type BackendName, type BackendRequest, type Platform, PREFERENCE, parseBackendRequest } from './names';
import type { BackendOptions, BackendStarter, StartedBackend } from './types';

/** Where the backend request came from: the call, the environment, the page's URL, or nowhere. */
export type RequestSource = 'argument' | 'SEQFLOW_BACKEND' | '?backend=' | 'default' | 'tf.setBackend';

export interface SkippedBackend {
  name: BackendName;
  reason: string;
}

export interface BackendDescription {
  /** seqflow's name for what runs ('cuda', 'webgl', …). */
  name: BackendName;
  /** tfjs's name for it (`tf.getBackend()`); 'tensorflow' for both cuda and tensorflow. */
  tfBackend: string;
  device: string;
  platform: Platform;
  requested: BackendRequest;
  requestedBy: RequestSource;
  /** Backends better than `name` that 'auto' tried and could not start, best first. */
  skipped: SkippedBackend[];
  /** The above as lines for a person: "wasm: WebAssembly in Node (SIMD, 1 thread)", then "cuda: <why not>"… */
  summary: string;
}

export function detectPlatform(): Platform {
  const g = globalThis as { process?: { versions?: { node?: string } }; window?: unknown; importScripts?: unknown };
  const isNode = g.process?.versions?.node != null && g.window === undefined && g.importScripts === undefined;
  return isNode ? 'node' : 'browser';
}

/** The request in SEQFLOW_BACKEND (Node) or in the page's `?backend=` query parameter. */
export function backendFromEnvironment(): { request: BackendRequest; source: RequestSource } | undefined {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> }; location?: { search?: string } };
  const fromEnv = g.process?.env?.SEQFLOW_BACKEND;
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return { request: parseBackendRequest(fromEnv, 'SEQFLOW_BACKEND'), source: 'SEQFLOW_BACKEND' };
  }
  const search = g.location?.search;
  if (search) {
    const fromQuery = new URLSearchParams(search).get('backend');
    if (fromQuery !== null && fromQuery.trim() !== '') {
      return { request: parseBackendRequest(fromQuery, 'the page URL ?backend='), source: '?backend=' };
    }
  }
  return undefined;
}

let current: BackendDescription | undefined;
let queue: Promise<unknown> = Promise.resolve();

async function loadStarter(platform: Platform): Promise<BackendStarter> {
  if (platform === 'node') return (await importSibling(() => import('./node.js'), () => require('./node'))).startNodeBackend;
  return (await import('./browser.js')).startBrowserBackend;
}

/**
 * A real `import()` works in compiled output, bundles and Vitest; under ts-node (CommonJS with
 * a require hook for .ts) only `require` finds the TypeScript source, so fall back to it there.
 */
async function importSibling<T>(load: () => Promise<T>, fallback: () => T): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (typeof require !== 'function') throw err;
    return fallback();
  }
}

/**
 * Starts a backend and makes it tfjs's current one.
 *
 * `name` defaults to SEQFLOW_BACKEND (Node) or the page's `?backend=` parameter, else 'auto'.
 * 'auto' tries, best first, Node: cuda, tensorflow, wasm, cpu; browser: webgpu, webgl, wasm,
 * cpu. A backend named explicitly (argument, variable or parameter) that cannot start throws
 * BackendUnavailableError with the reason; it never falls back to another.
 */
export function useBackend(name?: BackendRequest, options: BackendOptions = {}): Promise<BackendDescription> {
  // One switch at a time: two interleaved setBackend sequences would leave either one active.
  const run = queue.then(() => chooseBackend(name, options));
  queue = run.catch(() => undefined);
  return run;
}

async function chooseBackend(name: BackendRequest | undefined, options: BackendOptions): Promise<BackendDescription> {
  let request: BackendRequest;
  let requestedBy: RequestSource;
  if (name !== undefined) {
    request = parseBackendRequest(String(name), 'useBackend()');
    requestedBy = 'argument';
  } else {
    const fromEnvironment = backendFromEnvironment();
    request = fromEnvironment?.request ?? 'auto';
    requestedBy = fromEnvironment?.source ?? 'default';
  }
  const platform = detectPlatform();
  const start = await loadStarter(platform);

  if (request !== 'auto') {
    let started: StartedBackend;
    try {
      started = await start(request, options);
    } catch (error) {
      if (error instanceof BackendUnavailableError && requestedBy !== 'argument') {
        throw new BackendUnavailableError(error.backend, `${error.reason} (asked for by ${requestText(requestedBy, request)})`);
      }
      throw error;
    }
    current = describe(request, started, platform, request, requestedBy, []);
    return current;
  }

  const skipped: SkippedBackend[] = [];
  for (const candidate of PREFERENCE[platform]) {
    try {
      const started = await start(candidate, options);
      current = describe(candidate, started, platform, request, requestedBy, skipped);
      return current;
    } catch (error) {
      if (!(error instanceof BackendUnavailableError)) throw error;
      skipped.push({ name: candidate, reason: error.reason });
    }
  }
  throw new Error(
    `no backend could start in ${platform}:\n` + skipped.map((s) => `  ${s.name}: ${s.reason}`).join('\n'),
  );
}

/** 'SEQFLOW_BACKEND=wasm' or '?backend=wasm': the request as the user wrote it. */
function requestText(source: RequestSource, request: BackendRequest): string {
  return source === '?backend=' ? `?backend=${request}` : `${source}=${request}`;
}

function describe(
  name: BackendName,
  started: StartedBackend,
  platform: Platform,
  requested: BackendRequest,
  requestedBy: RequestSource,
  skipped: SkippedBackend[],
): BackendDescription {
  const how =
    requested === 'auto'
      ? `best that starts in ${platform}`
      : requestedBy === 'argument'
        ? 'asked for by name'
        : `asked for by ${requestText(requestedBy, requested)}`;
  const lines = [`${name}: ${started.device} (${how})`, ...skipped.map((s) => `skipped ${s.name}: ${s.reason}`)];
  return {
    name,
    tfBackend: started.tfBackend,
    device: started.device,
    platform,
    requested,
    requestedBy,
    skipped: [...skipped],
    summary: lines.join('\n'),
  };
}

/**
 * What runs now. If the active tfjs backend was switched outside seqflow (tf.setBackend), it is
 * described as such, without a device. Throws only when no backend has been chosen at all.
 */
export function describeBackend(): BackendDescription {
  const active = (tf.engine() as unknown as { backendName: string | null }).backendName;
  if (current && active === current.tfBackend) return current;
  if (!active) throw new Error('no backend chosen yet: call `await useBackend()` first');
  if (!(BACKEND_NAMES as readonly string[]).includes(active)) {
    throw new Error(`tfjs runs a backend seqflow does not know ('${active}', set with tf.setBackend); use useBackend() with one of ${BACKEND_NAMES.join(', ')}`);
  }
  const name = active as BackendName;
  const device = `unknown: tfjs backend '${active}' was chosen with tf.setBackend, not useBackend()`;
  return {
    name,
    tfBackend: active,
    device,
    platform: detectPlatform(),
    requested: name,
    requestedBy: 'tf.setBackend',
    skipped: [],
    summary: `${active}: ${device}`,
  };
}
