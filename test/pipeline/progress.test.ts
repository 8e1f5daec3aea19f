import { describe, expect, it } from 'vitest';
import { pipe, progress, type ProgressReport } from '../../src/pipeline';

describe('progress', () => {
  it('passes items through and reports rows, bytes and rates every n rows and at the end', async () => {
    const reports: ProgressReport[] = [];
    const ds = pipe(['ab', 'cde', 'f', 'gh', 'ijkl'], progress<string>((p) => reports.push(p), { every: 2, bytesOf: (s) => s.length }));
    expect(await ds.toArray()).toEqual(['ab', 'cde', 'f', 'gh', 'ijkl']);
    expect(reports.map((r) => [r.rows, r.bytes, r.done])).toEqual([[2, 5, false], [4, 8, false], [5, 12, true]]);
    for (const r of reports) {
      expect(r.elapsedMs).toBeGreaterThanOrEqual(0);
      expect(r.rowsPerSecond).toBeGreaterThanOrEqual(0);
      expect(r.bytesPerSecond).toBeGreaterThanOrEqual(0);
    }
    reports.length = 0;
    await ds.toArray(); // a new epoch counts from zero
    expect(reports.at(-1)).toMatchObject({ rows: 5, bytes: 12, done: true });
  });

  it('omits bytes when their size is unknown, and checks its options', async () => {
    const reports: ProgressReport[] = [];
    await pipe([1, 2, 3], progress<number>((p) => reports.push(p))).toArray();
    expect(reports).toHaveLength(1);
    expect(reports[0].rows).toBe(3);
    expect(reports[0].bytes).toBeUndefined();
    expect(() => progress(() => undefined, { every: 0 })).toThrow('progress: every must be a positive integer, got 0');
  });
});
