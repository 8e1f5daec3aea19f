import { Observable, type ObservableInput, type Subscription, from as rxFrom } from 'rxjs';
import { withSignal } from './abort';
import { SignalOptions } from './common';
import { Dataset, DatasetSource, openSource } from './pipe';

/**
 * An RxJS Observable over one pass of a dataset (or any source): each subscription reads the
 * source afresh, items are pulled one at a time, and unsubscribing stops the source (its
 * `return()` runs, so its `finally` blocks and file handles close).
 */
export function toObservable<T>(source: DatasetSource<T>, options: SignalOptions = {}): Observable<T> {
  return new Observable<T>((subscriber) => {
    let closed = false;
    const it = withSignal(openSource(source, 'toObservable'), options.signal)[Symbol.asyncIterator]();
    (async () => {
      try {
        while (!closed) {
          const r = await it.next();
          if (closed) break;
          if (r.done) {
            subscriber.complete();
            return;
          }
          subscriber.next(r.value);
        }
      } catch (err) {
        if (!closed) subscriber.error(err);
      }
    })();
    return () => {
      if (closed) return;
      closed = true;
      it.return?.().catch(() => undefined);
    };
  });
}

export interface FromObservableOptions extends SignalOptions {
  /** Items held while the consumer is behind (default 1024). */
  bufferSize?: number;
  /**
   * What happens when the buffer is full, since an Observable cannot be asked to wait:
   * `'error'` (default: the iteration fails with an error saying so), `'dropOldest'` or
   * `'dropNewest'` (items are lost, counted in the dataset's `dropped`).
   */
  overflow?: 'error' | 'dropOldest' | 'dropNewest';
}

/** A dataset fed by an Observable, with the number of items its overflow policy dropped. */
export class ObservableDataset<T> extends Dataset<T> {
  /** Items dropped by `'dropOldest'`/`'dropNewest'` over all passes. */
  dropped = 0;
}

/**
 * A re-iterable dataset fed by an Observable (or a function returning one): each pass
 * subscribes, and ending the pass unsubscribes. Unlike IxJS's `from(observable)`, which
 * queues without bound, the buffer holds at most `bufferSize` items.
 */
export function fromObservable<T>(
  observable: ObservableInput<T> | (() => ObservableInput<T>),
  options: FromObservableOptions = {},
): ObservableDataset<T> {
  const { bufferSize = 1024, overflow = 'error', signal } = options;
  if (!(Number.isInteger(bufferSize) && bufferSize > 0)) throw new RangeError(`fromObservable: bufferSize must be a positive integer, got ${bufferSize}`);
  if (overflow !== 'error' && overflow !== 'dropOldest' && overflow !== 'dropNewest') {
    throw new RangeError(`fromObservable: overflow must be 'error', 'dropOldest' or 'dropNewest', got ${JSON.stringify(overflow)}`);
  }
  let dataset: ObservableDataset<T>;
  const onePass = (): AsyncIterable<T> => {
    const input = typeof observable === 'function' ? observable() : observable;
    return withSignal(
      (async function* () {
        const buffer: T[] = [];
        let head = 0;
        let completed = false;
        let failed = false;
        let failure: unknown;
        let wake: (() => void) | undefined;
        const notify = (): void => {
          const w = wake;
          wake = undefined;
          w?.();
        };
        let subscription: Subscription | undefined;
        subscription = rxFrom(input).subscribe({
          next(value) {
            if (failed) return;
            if (buffer.length - head >= bufferSize) {
              if (overflow === 'dropNewest') {
                dataset.dropped++;
                return;
              }
              if (overflow === 'dropOldest') {
                head++;
                dataset.dropped++;
              } else {
                failed = true;
                subscription?.unsubscribe();
                failure = new Error(
                  `fromObservable: the buffer of ${bufferSize} items is full (the Observable emits faster than the pipeline reads); ` +
                    `raise bufferSize or choose overflow 'dropOldest' or 'dropNewest'`,
                );
                notify();
                return;
              }
            }
            buffer.push(value);
            notify();
          },
          error(err) {
            failed = true;
            failure = err;
            notify();
          },
          complete() {
            completed = true;
            notify();
          },
        });
        if (failed) subscription.unsubscribe();
        try {
          while (true) {
            if (head < buffer.length) {
              const item = buffer[head];
              buffer[head++] = undefined as T;
              if (head > 1024 && head * 2 > buffer.length) {
                buffer.splice(0, head);
                head = 0;
              }
              yield item;
            } else if (failed) {
              throw failure;
            } else if (completed) {
              return;
            } else {
              await new Promise<void>((resolve) => (wake = resolve));
            }
          }
        } finally {
          subscription?.unsubscribe();
        }
      })(),
      signal,
    );
  };
  dataset = new ObservableDataset<T>(onePass);
  return dataset;
}
