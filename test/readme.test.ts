import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as pipeline from '../src/pipeline';
import * as ixOperators from 'ix/asynciterable/operators';
import type { Batch, Vocab } from '../src/pipeline';

const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

/** The first ```ts block after a heading. */
function snippetAfter(heading: string): string {
  const start = README.indexOf(heading);
  if (start < 0) throw new Error(`README has no heading "${heading}"`);
  const match = /```ts\n([\s\S]*?)```/.exec(README.slice(start));
  if (!match) throw new Error(`README has no ts block after "${heading}"`);
  return match[1];
}

const MODULES: Record<string, unknown> = { 'seqflow/pipeline': pipeline, 'ix/asynciterable/operators': ixOperators };
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;

describe('README', () => {
  it('the pipeline tour runs as written and yields padded batches', async () => {
    // The snippet is plain JavaScript apart from its imports: bind those to the modules, run it.
    const body = snippetAfter('### Pipelines').replace(/import \{([^}]+)\} from '([^']+)';/g, (_, names: string, mod: string) => {
      if (!(mod in MODULES)) throw new Error(`README imports an unknown module ${mod}`);
      return `const {${names}} = modules[${JSON.stringify(mod)}];`;
    });
    const run = new AsyncFunction('modules', `${body}\nreturn { vocab, batches };`);
    const { vocab, batches } = (await run(MODULES)) as { vocab: Vocab; batches: AsyncIterable<Batch> };
    expect(vocab.idToToken(0)).toBe('<UNK>');
    expect(vocab.idToToken(1)).toBe('<PAD>');
    let rows = 0;
    for await (const b of batches) {
      expect(b.seqLength).toBe(100);
      expect(b.ids.length).toBe(b.size * 100);
      expect(b.labels!.every((l) => l === 0 || l === 1)).toBe(true);
      rows += b.size;
    }
    expect(rows).toBe(4000);
  });
});
