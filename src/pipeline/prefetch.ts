import { withSignal } from './abort';
import { SignalOptions } from './common';
import type { Operator } from './types';

/**
 * Reads up to `n` items ahead of the consumer, so the source's work (parsing, I/O) overlaps
 * with the consumer's (a training step). Stopping early stops the source.
 */
export function prefetch<T>(n: number, options: SignalOptions = {}): Operator<T, T> {
  if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`prefetch: n must be a positive integer, got ${n}`);
  const { signal } = options;
  return async function* (source) {
    const it = withSignal(source, signal)[Symbol.asyncIterator]();
    const queue: T[] = [];
    let finished = false;
    let failed = false;
    let failure: unknown;
    let stopped = false;
    let wakeConsumer: (() => void) | undefined;
    let wakeProducer: (() => void) | undefined;
    const notifyConsumer = (): void => {
      const w = wakeConsumer;
      wakeConsumer = undefined;
      w?.();
    };
    const notifyProducer = (): void => {
      const w = wakeProducer;
      wakeProducer = undefined;
      w?.();
    };

    const produce = async (): Promise<void> => {
      try {
        while (!stopped) {
          if (queue.length >= n) {
            await new Promise<void>((resolve) => (wakeProducer = resolve));
            continue;
          }
          const r = await it.next();
          if (r.done) {
            finished = true;
            break;
          }
          queue.push(r.value);
          notifyConsumer();
        }
      } catch (err) {
        failed = true;
        failure = err;
      }
      notifyConsumer();
    };
    void produce();

    try {
      while (true) {
        if (queue.length > 0) {
          const item = queue.shift() as T;
          notifyProducer();
          yield item;
        } else if (failed) {
          throw failure;
        } else if (finished) {
          return;
        } else {
          await new Promise<void>((resolve) => (wakeConsumer = resolve));
        }
      }
    } finally {
      if (!finished && !failed) {
        stopped = true;
        notifyProducer();
        // Not awaited: the source may be in the middle of a next() that the consumer no longer wants.
        it.return?.().catch(() => undefined);
      }
    }
  };
}
