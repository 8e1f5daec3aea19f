import { withSignal } from './abort';
import { SignalOptions } from './common';
import type { Operator } from './types';

export interface BatchOptions extends SignalOptions {
  /** Drop a last batch smaller than `size` (default false). */
  dropRemainder?: boolean;
}

/**
 * Groups items into arrays of exactly `size` (the last may be smaller unless `dropRemainder`),
 * in order. Works on anything; follow it with `collate()` to stack Examples into a Batch.
 * (IxJS's `batch()` is different: it gathers whatever has arrived.)
 */
export function batch<T>(size: number, options: BatchOptions = {}): Operator<T, T[]> {
  if (!(Number.isInteger(size) && size > 0)) throw new RangeError(`batch: size must be a positive integer, got ${size}`);
  const { dropRemainder = false, signal } = options;
  return async function* (source: AsyncIterable<T>) {
    let group: T[] = [];
    for await (const item of withSignal(source, signal)) {
      group.push(item);
      if (group.length === size) {
        yield group;
        group = [];
      }
    }
    if (group.length > 0 && !dropRemainder) yield group;
  };
}
