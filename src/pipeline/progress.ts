import { withSignal } from './abort';
import { SignalOptions } from './common';
import type { Operator } from './types';

/** What a progress callback is told. */
export interface ProgressReport {
  /** Items passed so far in this pass. */
  rows: number;
  /** Bytes passed so far, when `bytesOf` is given. */
  bytes?: number;
  /** Milliseconds since the pass started. */
  elapsedMs: number;
  rowsPerSecond: number;
  bytesPerSecond?: number;
  /** True on the last report of a pass (the source ended). */
  done: boolean;
}

export interface ProgressOptions<T> extends SignalOptions {
  /** Report every this many rows. */
  every?: number;
  /** Report when at least this many milliseconds passed since the last report (default 1000 unless `every` is given). */
  intervalMs?: number;
  /** The size of an item in bytes (e.g. `(row) => row.text.length`), to report bytes and bytes/s. */
  bytesOf?: (item: T) => number;
}

/**
 * Passes items through unchanged and calls `report` with rows, bytes and rates: every
 * `every` rows and/or every `intervalMs`, and once more when the source ends (`done: true`).
 */
export function progress<T>(report: (p: ProgressReport) => void, options: ProgressOptions<T> = {}): Operator<T, T> {
  if (typeof report !== 'function') throw new TypeError('progress: expected a callback function');
  const { every, bytesOf, signal } = options;
  const intervalMs = options.intervalMs ?? (every === undefined ? 1000 : undefined);
  if (every !== undefined && !(Number.isInteger(every) && every > 0)) throw new RangeError(`progress: every must be a positive integer, got ${every}`);
  if (intervalMs !== undefined && !(intervalMs >= 0)) throw new RangeError(`progress: intervalMs must be >= 0, got ${intervalMs}`);
  return async function* (source) {
    const start = performance.now();
    let last = start;
    let rows = 0;
    let bytes = 0;
    const emit = (now: number, done: boolean): void => {
      const elapsedMs = now - start;
      const seconds = elapsedMs / 1000;
      const p: ProgressReport = { rows, elapsedMs, rowsPerSecond: seconds > 0 ? rows / seconds : 0, done };
      if (bytesOf) {
        p.bytes = bytes;
        p.bytesPerSecond = seconds > 0 ? bytes / seconds : 0;
      }
      last = now;
      report(p);
    };
    for await (const item of withSignal(source, signal)) {
      rows++;
      if (bytesOf) bytes += bytesOf(item);
      if (every !== undefined && rows % every === 0) emit(performance.now(), false);
      else if (intervalMs !== undefined) {
        const now = performance.now();
        if (now - last >= intervalMs) emit(now, false);
      }
      yield item;
    }
    emit(performance.now(), true);
  };
}
