import { FieldOperator, FieldOptions, mapValues } from './common';

/**
 * Maps class names to class indices in the field `key` of records (default `'label'`):
 * `encodeLabels(['other', 'great'], { key: 'score' })` turns `score: 'great'` into `score: 1`.
 * `classes` is a list (index = position) or an explicit name → index object. A name not in
 * it raises an error naming the record, the field and the known classes.
 */
export function encodeLabels<K extends string = 'label'>(
  classes: readonly string[] | Readonly<Record<string, number>>,
  options?: FieldOptions<K>,
): FieldOperator<K, unknown, number> {
  const index = new Map<string, number>(
    Array.isArray(classes) ? classes.map((c, i) => [String(c), i] as [string, number]) : Object.entries(classes as Record<string, number>),
  );
  if (index.size === 0) throw new RangeError('encodeLabels: no classes given');
  for (const [name, i] of index) {
    if (!Number.isInteger(i) || i < 0) throw new RangeError(`encodeLabels: class ${JSON.stringify(name)} has index ${i}, expected a non-negative integer`);
  }
  const known = [...index.keys()].map((k) => JSON.stringify(k)).join(', ');
  return mapValues<unknown, number>(
    'encodeLabels',
    `one of the classes ${known}`,
    (v) => (typeof v === 'string' || typeof v === 'number') && index.has(String(v)),
    (v) => index.get(String(v))!,
    { ...options, key: options?.key ?? 'label' },
  ) as FieldOperator<K, unknown, number>;
}
