import { withSignal } from './abort';
import { SignalOptions } from './common';
import { checkSeed, hash32, mulberry32 } from './random';
import type { Operator } from './types';

export interface ShuffleOptions extends SignalOptions {
  /** Makes the order reproducible; without it each run differs. */
  seed?: number;
}

/**
 * Shuffles through a buffer of `bufferSize` items (like tf.data's `shuffle`): a buffer as
 * large as the dataset gives a uniform permutation, a smaller one a local shuffle with
 * bounded memory. Each time the operator is applied — in a `pipe`, each epoch — it draws a
 * new order; with `seed` the sequence of orders is the same on every run.
 */
export function shuffle<T>(bufferSize: number, options: ShuffleOptions = {}): Operator<T, T> {
  if (!(Number.isInteger(bufferSize) && bufferSize > 0)) throw new RangeError(`shuffle: bufferSize must be a positive integer, got ${bufferSize}`);
  const { signal } = options;
  const seed = options.seed === undefined ? (Math.random() * 4294967296) >>> 0 : checkSeed('shuffle', options.seed);
  let epoch = 0;
  return (source) => {
    const random = mulberry32(hash32(seed, epoch++));
    return (async function* () {
      const buffer: T[] = [];
      for await (const item of withSignal(source, signal)) {
        if (buffer.length < bufferSize) {
          buffer.push(item);
          continue;
        }
        const j = Math.floor(random() * bufferSize);
        const out = buffer[j];
        buffer[j] = item;
        yield out;
      }
      // Drain: a Fisher-Yates pass over what is left.
      for (let i = buffer.length - 1; i >= 0; i--) {
        const j = Math.floor(random() * (i + 1));
        const out = buffer[j];
        buffer[j] = buffer[i];
        yield out;
      }
    })();
  };
}
