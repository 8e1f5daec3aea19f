/**
 * `fromIterable`: any values — an array, a Set, an async generator, a function that makes one —
 * as a dataset that can be iterated again (an epoch per `for await`). A one-shot iterator can
 * only be read once; passing a function that returns a fresh iterator makes it re-iterable.
 */
import { isOneShot } from './byte-source';
import { abortReason } from './errors';

export type IterableInput<T> = Iterable<T> | AsyncIterable<T>;

export interface FromIterableOptions {
  /** Aborting ends the iteration with the signal's reason, and closes the underlying iterator. */
  signal?: AbortSignal;
}

export function fromIterable<T>(input: IterableInput<T> | (() => IterableInput<T>), options: FromIterableOptions = {}): AsyncIterable<T> {
  const oneShot = typeof input !== 'function' && isOneShot(input);
  let started = false;
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      if (oneShot) {
        if (started) {
          throw new Error(
            'fromIterable: this iterator was already read and cannot restart; pass a function that returns a fresh iterable (e.g. () => gen()) to iterate it again',
          );
        }
        started = true;
      }
      return iterate(typeof input === 'function' ? input() : input, options.signal);
    },
  };
}

async function* iterate<T>(iterable: IterableInput<T>, signal: AbortSignal | undefined): AsyncGenerator<T> {
  if (signal?.aborted) throw abortReason(signal);
  const asyncMethod = (iterable as Partial<AsyncIterable<T>>)[Symbol.asyncIterator];
  if (typeof asyncMethod !== 'function') {
    // A synchronous iterable needs no racing: each value is there at once.
    for (const value of iterable as Iterable<T>) {
      if (signal?.aborted) throw abortReason(signal);
      yield value;
    }
    return;
  }
  const iterator = asyncMethod.call(iterable);
  let finished = false;
  let rejectPending: ((reason: unknown) => void) | undefined;
  const onAbort = (): void => rejectPending?.(abortReason(signal!));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (signal?.aborted) throw abortReason(signal);
      // Race the pending value against the abort, so a slow source cannot delay it.
      const result = signal
        ? await new Promise<IteratorResult<T>>((resolve, reject) => {
            rejectPending = reject;
            iterator.next().then(resolve, reject);
          })
        : await iterator.next();
      rejectPending = undefined;
      if (result.done) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!finished) {
      // After an abort the source may be stuck in a pending next(); do not wait for it.
      const closing = Promise.resolve(iterator.return?.());
      if (signal?.aborted) closing.catch(() => undefined);
      else await closing;
    }
  }
}
