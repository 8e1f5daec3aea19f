import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TokenTable } from '../../src/pipeline/token-table';

describe('TokenTable', () => {
  it('agrees with a Map through growth and collisions (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 6 }), { maxLength: 500 }), fc.array(fc.string({ maxLength: 6 }), { maxLength: 50 }), (inserts, probes) => {
        const table = new TokenTable();
        const map = new Map<string, number>();
        for (const t of inserts) {
          const expected = map.get(t) ?? map.size;
          if (!map.has(t)) map.set(t, expected);
          expect(table.intern(t)).toBe(expected);
        }
        expect(table.size).toBe(map.size);
        expect(table.tokens).toEqual([...map.keys()]);
        for (const t of [...inserts, ...probes]) expect(table.indexOf(t)).toBe(map.get(t) ?? -1);
      }),
    );
  });
});
