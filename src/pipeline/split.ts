import { withSignal } from './abort';
import { SignalOptions } from './common';
import { Dataset, DatasetSource, isOneShot } from './pipe';
import { checkSeed, hash32 } from './random';
import type { Operator } from './types';

export interface SplitOptions extends SignalOptions {
  /** The fraction of items that go to validation, in [0, 1]. */
  validation: number;
  /** Which items go where depends only on this seed and each item's position (default 0). */
  seed?: number;
}

/** Whether the item at `index` belongs to the validation part. */
export function isValidationIndex(index: number, validation: number, seed: number): boolean {
  return hash32(seed, index, (index / 4294967296) | 0) / 4294967296 < validation;
}

function keep<T>(validationPart: boolean, fraction: number, seed: number, signal?: AbortSignal): Operator<T, T> {
  return async function* (source) {
    let index = 0;
    for await (const item of withSignal(source, signal)) {
      if (isValidationIndex(index++, fraction, seed) === validationPart) yield item;
    }
  };
}

/**
 * A seeded train/validation split: item `i` of the source goes to validation when a hash of
 * (seed, i) falls under `validation`, so the assignment is the same every epoch and every
 * run, with no list of indices kept. Both parts are re-iterable datasets; each reads the
 * whole source. Split before shuffling (a shuffled source moves items between parts).
 */
export function split<T>(source: DatasetSource<T>, options: SplitOptions): { train: Dataset<T>; validation: Dataset<T> } {
  const { validation, signal } = options;
  if (typeof validation !== 'number' || !(validation >= 0 && validation <= 1)) {
    throw new RangeError(`split: validation must be a fraction in [0, 1], got ${validation}`);
  }
  const seed = checkSeed('split', options.seed ?? 0);
  if (typeof source === 'object' && source !== null && isOneShot(source)) {
    throw new TypeError('split: the source is a one-shot iterator (e.g. a generator object), but both parts read it; pass a function that returns a fresh one');
  }
  return {
    train: new Dataset<T>(source, [keep(false, validation, seed, signal)]),
    validation: new Dataset<T>(source, [keep(true, validation, seed, signal)]),
  };
}
