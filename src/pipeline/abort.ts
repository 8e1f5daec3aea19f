import type { Operator } from './types';

/** The error an aborted operator throws: the signal's reason, or a DOMException named AbortError. */
export function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/**
 * Iterates `source`, but stops as soon as `signal` aborts, even while waiting on a slow
 * source: the pending `next()` is raced against the abort, the source is told to stop
 * (`return()`, so its `finally` blocks run) and the abort reason is thrown.
 */
export function withSignal<T>(source: AsyncIterable<T>, signal: AbortSignal | undefined): AsyncIterable<T> {
  if (signal === undefined) return source;
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      let it: AsyncIterator<T> | undefined;
      let onAbort: (() => void) | undefined;
      let aborted: Promise<never> | undefined;
      const stop = (): void => {
        if (onAbort) signal.removeEventListener('abort', onAbort);
        onAbort = undefined;
      };
      const closeSource = (): void => {
        const src = it;
        it = undefined;
        stop();
        // The source may still be busy with the raced next(); its return() settles after that.
        if (src?.return) src.return().catch(() => undefined);
      };
      return {
        async next(): Promise<IteratorResult<T>> {
          if (signal.aborted) {
            closeSource();
            throw abortError(signal);
          }
          if (it === undefined) {
            it = source[Symbol.asyncIterator]();
            aborted = new Promise<never>((_, reject) => {
              onAbort = () => reject(abortError(signal));
              signal.addEventListener('abort', onAbort, { once: true });
            });
            aborted.catch(() => undefined);
          }
          try {
            const r = await Promise.race([it.next(), aborted!]);
            if (r.done) stop();
            return r;
          } catch (err) {
            closeSource();
            throw err;
          }
        },
        async return(value?: unknown): Promise<IteratorResult<T>> {
          const src = it;
          it = undefined;
          stop();
          if (src?.return) await src.return(value);
          return { done: true, value: undefined as never };
        },
      };
    },
  };
}

/** Throws the abort reason when `signal` has been aborted (for loops that do not await a source). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/**
 * An operator that passes items through until `signal` aborts, then stops the source and
 * throws the abort reason (a DOMException named AbortError unless the signal gave another).
 * Every seqflow operator takes `{ signal }` and does this itself; this one is for the other
 * stages of a pipe (IxJS operators, user functions, sources).
 */
export function abortable<T>(signal: AbortSignal): Operator<T, T> {
  return (source) => withSignal(source, signal);
}
