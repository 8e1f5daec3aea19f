import { isInitialised } from './activate';
import { BackendUnavailableError } from './errors';

type WasmPaths = string | Record<string, string>;

/** The paths handed to tfjs-backend-wasm, as JSON; tfjs accepts them only until a first attempt. */
let applied: string | undefined;

/**
 * Hands the .wasm locations to tfjs-backend-wasm before its first initialisation. tfjs refuses
 * new paths after a failed attempt (it throws a plain Error); that becomes the reason the
 * backend cannot start, so 'auto' moves on and an explicit request explains itself.
 */
export function applyWasmPaths(setWasmPaths: (paths: WasmPaths) => void, paths: WasmPaths | undefined): void {
  if (paths === undefined || isInitialised('wasm')) return;
  const key = JSON.stringify(paths);
  if (key === applied) return;
  try {
    setWasmPaths(paths);
    applied = key;
  } catch (error) {
    throw new BackendUnavailableError(
      'wasm',
      `an earlier attempt to start it failed with the .wasm files at ${applied ?? 'the default place'}, and tfjs takes no ` +
        `other location afterwards (${error instanceof Error ? error.message.split('. ')[0] : String(error)}); ` +
        'restart the program or reload the page',
    );
  }
}
