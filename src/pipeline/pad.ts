import { describe, mapStream, SignalOptions } from './common';
import { allocInt32 } from './int32-slab';
import type { Example, Operator } from './types';

/** Ids as `encode` makes them, or any array of integers. */
export type Ids = Int32Array | readonly number[];

export interface PadOptions extends SignalOptions {
  /** Every row is padded or truncated to this length; omitted, rows keep their own length. */
  length?: number;
  /** Where padding goes: after the tokens (`'post'`, default) or before them (`'pre'`). */
  side?: 'post' | 'pre';
  /** Which end a too-long row loses: its tail (`'post'`, default, as the notebook does) or its head. */
  truncate?: 'post' | 'pre';
  /** The padding id (default 0); usually `vocab.tokenToId('<PAD>')`. */
  value?: number;
}

export interface PadFieldOptions<K extends string, L extends string> extends PadOptions {
  /** The record field holding the ids. */
  key: K;
  /** The record field holding the class index, copied to `Example.label` when present (default `'label'`). */
  labelKey?: L;
}

/** What `pad` makes of a record: an Example, plus the record's other fields. */
export type PaddedRecord<R, K extends string, L extends string> = Example & Omit<R, K | L | 'ids' | 'length' | 'label'>;

/** Pads or truncates one id sequence; returns the padded ids and the number of real tokens kept. */
export function padIds(ids: Ids, length: number | undefined, side: 'post' | 'pre', truncate: 'post' | 'pre', value: number): Example {
  const n = ids.length;
  if (length === undefined) {
    return { ids: ids instanceof Int32Array ? ids : Int32Array.from(ids), length: n };
  }
  const kept = n < length ? n : length;
  const from = truncate === 'post' ? 0 : n - kept;
  const to = side === 'post' ? 0 : length - kept;
  const out = allocInt32(length);
  if (value !== 0 && kept < length) {
    if (side === 'post') out.fill(value, kept);
    else out.fill(value, 0, to);
  }
  if (ids instanceof Int32Array) out.set(from === 0 && kept === n ? ids : ids.subarray(from, from + kept), to);
  else for (let i = 0; i < kept; i++) out[to + i] = ids[from + i];
  return { ids: out, length: kept };
}

/** Int32Arrays, or plain arrays whose every element is an integer (an array of tokens is not ids). */
function isIds(v: unknown): boolean {
  if (v instanceof Int32Array) return true;
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (!Number.isInteger(v[i])) return false;
  return true;
}

/**
 * Pads (or truncates) id sequences to `length`, keeping each row's true length, and makes
 * {@link Example}s. On records (`key` given) the example takes its ids from `key`, its label
 * from `labelKey` (default `'label'`, which must then hold an integer class index: see
 * `encodeLabels`), and keeps the record's other fields.
 */
export function pad(options?: PadOptions & { key?: undefined }): Operator<Ids, Example>;
export function pad<K extends string, L extends string = 'label'>(
  options: PadFieldOptions<K, L>,
): <R extends { [P in K]: Ids }>(source: AsyncIterable<R>) => AsyncIterable<PaddedRecord<R, K, L>>;
export function pad(options: PadOptions & { key?: string; labelKey?: string } = {}): (source: AsyncIterable<any>) => AsyncIterable<any> {
  const { length, side = 'post', truncate = 'post', value = 0, key, labelKey = 'label', signal } = options;
  if (length !== undefined && !(Number.isInteger(length) && length >= 0)) throw new RangeError(`pad: length must be a non-negative integer, got ${length}`);
  if (side !== 'post' && side !== 'pre') throw new RangeError(`pad: side must be 'post' or 'pre', got ${JSON.stringify(side)}`);
  if (truncate !== 'post' && truncate !== 'pre') throw new RangeError(`pad: truncate must be 'post' or 'pre', got ${JSON.stringify(truncate)}`);
  if (!Number.isInteger(value)) throw new RangeError(`pad: value must be an integer id, got ${value}`);

  if (key === undefined) {
    return (source: AsyncIterable<unknown>) =>
      mapStream(source, signal, (ids, row) => {
        if (!isIds(ids)) {
          throw new TypeError(
            `pad: item ${row} is ${describe(ids)}, expected ids (Int32Array or an array of integers)` +
              (ids !== null && typeof ids === 'object' && !Array.isArray(ids) ? ` (for records pass { key: 'fieldName' })` : ''),
          );
        }
        return padIds(ids as Ids, length, side, truncate, value);
      });
  }
  return (source: AsyncIterable<unknown>) =>
    mapStream(source, signal, (record, row) => {
      if (record === null || typeof record !== 'object') throw new TypeError(`pad: item ${row} is ${describe(record)}, expected a record with field '${key}'`);
      const { [key]: ids, [labelKey]: label, ...rest } = record as Record<string, unknown>;
      if (!(key in record)) throw new TypeError(`pad: record ${row} has no field '${key}' (its fields: ${Object.keys(record).join(', ') || 'none'})`);
      if (!isIds(ids)) throw new TypeError(`pad: record ${row} field '${key}' is ${describe(ids)}, expected ids (Int32Array or an array of integers; run encode first)`);
      const example: Example = Object.assign(rest, padIds(ids as Ids, length, side, truncate, value));
      if (label !== undefined) {
        if (typeof label !== 'number' || !Number.isInteger(label)) {
          throw new TypeError(`pad: record ${row} field '${labelKey}' is ${describe(label)}, expected an integer class index (map class names with encodeLabels)`);
        }
        example.label = label;
      }
      return example;
    });
}
