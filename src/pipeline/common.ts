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
  if (key === undefined) {
    return async function* (source: AsyncIterable<unknown>) {
      let row = 0;
      for await (const value of withSignal(source, signal)) {
        if (!isValid(value)) {
          throw new TypeError(
            `${operatorName}: item ${row} is ${describe(value)}, expected ${expected}` +
              (value !== null && typeof value === 'object' && !Array.isArray(value) && !ArrayBuffer.isView(value)
                ? ` (to transform a field of records, pass { key: 'fieldName' })`
                : ''),
          );
        }
        yield transform(value as In);
        row++;
      }
    };
  }
  return async function* (source: AsyncIterable<unknown>) {
    let row = 0;
    for await (const record of withSignal(source, signal)) {
      if (record === null || typeof record !== 'object') {
        throw new TypeError(`${operatorName}: item ${row} is ${describe(record)}, expected a record with field '${key}'`);
      }
      const value = (record as Record<string, unknown>)[key];
      if (!(key in record)) {
        throw new TypeError(
          `${operatorName}: record ${row} has no field '${key}' (its fields: ${Object.keys(record).join(', ') || 'none'})`,
        );
      }
      if (!isValid(value)) {
        throw new TypeError(`${operatorName}: record ${row} field '${key}' is ${describe(value)}, expected ${expected}`);
      }
      yield { ...(record as object), [key]: transform(value as In) };
      row++;
    }
  };
}
