// Where the AllenNLP ELMo fixtures are: $ELMO_TESTDATA, or ../shared/testdata/elmo beside the repository.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const elmoTestdata = process.env.ELMO_TESTDATA ?? path.resolve(__dirname, '../../../../shared/testdata/elmo');

export function fixture(name: string): string {
  return path.join(elmoTestdata, name);
}

export function fixtureExists(name: string): boolean {
  return fs.existsSync(fixture(name));
}

/** Largest |a − b| over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
