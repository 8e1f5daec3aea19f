import type { BackendName } from './names';

/**
 * A backend that was asked for by name and cannot start here. The message carries the
 * reason, so the user learns what to install or change; seqflow never falls back silently.
 */
export class BackendUnavailableError extends Error {
  readonly backend: BackendName;
  readonly reason: string;

  constructor(backend: BackendName, reason: string) {
    super(`backend '${backend}' cannot start: ${reason}`);
    this.name = 'BackendUnavailableError';
    this.backend = backend;
    this.reason = reason;
  }
}
