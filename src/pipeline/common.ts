/**
 * Pieces shared by the operators: option shapes and the field access that lets one operator
 * work on plain values and on records alike.
 */
import { withSignal } from './abort';

/** Every operator takes this: aborting the signal stops reading with an AbortError. */
export interface SignalOptions {
  signal?: AbortSignal;
}

/** Options of the operators that transform one value: `key` names the field of a record to transform. */
export interface FieldOptions<K extends string = string> extends SignalOptions {
  key?: K;
}

/** A record `R` whose field `K` now holds a `V`; every other field is kept as it was. */
export type WithField<R, K extends string, V> = Omit<R, K> & { [P in K]: V };

/**
 * An operator over records that replaces field `K` (an `In`) with an `Out` and keeps the rest.
 * It is generic in the record type, so the other fields' types flow through a `pipe`.
 */
export type FieldOperator<K extends string, In, Out> = <R extends { [P in K]: In }>(
  source: AsyncIterable<R>,
) => AsyncIterable<WithField<R, K, Out>>;

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'object') return `an object with fields ${JSON.stringify(Object.keys(value).slice(0, 8))}`;
  return `${typeof value} ${String(value)}`;
}

/**
 * `source` with `f` applied to each item (and its index), as a re-iterable AsyncIterable.
 * Written as a plain iterator rather than an async generator: a generator stage costs about
 * twice as much per item, and the map stages run once per row each. As a `for await` loop
 * would, it stops the source when `f` throws.
 */
export function mapStream<I, O>(source: AsyncIterable<I>, signal: AbortSignal | undefined, f: (value: I, index: number) => O): AsyncIterable<O> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<O> {
      const it = withSignal(source, signal)[Symbol.asyncIterator]();
      let index = 0;
      let closed = false;
      const done = (): IteratorResult<O> => ({ done: true, value: undefined });
      const step = (r: IteratorResult<I>): IteratorResult<O> => {
        if (r.done) {
          closed = true;
          return done();
        }
        try {
          return { done: false, value: f(r.value, index++) };
        } catch (err) {
          closed = true;
          it.return?.().catch(() => undefined);
          throw err;
        }
      };
      const failed = (err: unknown): never => {
        closed = true;
        throw err;
      };
      return {
        next: () => (closed ? Promise.resolve(done()) : it.next().then(step, failed)),
        return: async () => {
          if (!closed) {
            closed = true;
            await it.return?.();
          }
          return done();
        },
      };
    },
  };
}

/**
 * What a {@link mapValues} stream is made of, kept on the stream under {@link MAP_STAGE} so that
 * the next operator can fuse with it: run one combined transform over `source` instead of two
 * stages (see `tokenize`, which fuses the default `preprocess` with `basic_english`).
 */
export interface MapStage {
  source: AsyncIterable<unknown>;
  operatorName: string;
  transform: (value: any) => unknown;
  key: string | undefined;
  signal: AbortSignal | undefined;
}

export const MAP_STAGE: unique symbol = Symbol('seqflow.mapStage');

/** The map stage `stream` was built by, when it is a {@link mapValues} stream. */
export function mapStageOf(stream: unknown): MapStage | undefined {
  return stream !== null && typeof stream === 'object' ? (stream as { [MAP_STAGE]?: MapStage })[MAP_STAGE] : undefined;
}

/**
 * Builds an operator that transforms each item (no `key`) or field `key` of each record
 * (the record is copied with that field replaced). Values failing `isValid` raise a
 * TypeError naming the operator, the item's index, the field and `expected`.
 */
export function mapValues<In, Out>(
  operatorName: string,
  expected: string,
  isValid: (value: unknown) => boolean,
  transform: (value: In) => Out,
  options: FieldOptions | undefined,
): (source: AsyncIterable<unknown>) => AsyncIterable<unknown> {
  const key = options?.key;
  const signal = options?.signal;
  const tagged = (source: AsyncIterable<unknown>, stream: AsyncIterable<unknown>): AsyncIterable<unknown> =>
    Object.assign(stream, { [MAP_STAGE]: { source, operatorName, transform, key, signal } satisfies MapStage });
  if (key === undefined) {
    return (source) =>
      tagged(source, mapStream(source, signal, (value, row) => {
        if (!isValid(value)) {
          throw new TypeError(
            `${operatorName}: item ${row} is ${describe(value)}, expected ${expected}` +
              (value !== null && typeof value === 'object' && !Array.isArray(value) && !ArrayBuffer.isView(value)
                ? ` (to transform a field of records, pass { key: 'fieldName' })`
                : ''),
          );
        }
        return transform(value as In);
      }));
  }
  return (source) =>
    tagged(source, mapStream(source, signal, (record, row) => {
      if (record === null || typeof record !== 'object') {
        throw new TypeError(`${operatorName}: item ${row} is ${describe(record)}, expected a record with field '${key}'`);
      }
      const value = (record as Record<string, unknown>)[key];
      if (value === undefined && !(key in record)) {
        throw new TypeError(
          `${operatorName}: record ${row} has no field '${key}' (its fields: ${Object.keys(record).join(', ') || 'none'})`,
        );
      }
      if (!isValid(value)) {
        throw new TypeError(`${operatorName}: record ${row} field '${key}' is ${describe(value)}, expected ${expected}`);
      }
      return { ...(record as object), [key]: transform(value as In) };
    }));
}
