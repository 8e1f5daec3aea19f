import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../src/backends';
import * as elmoModule from '../src/models/elmo';
import type { Elmo, ElmoOutput, PretrainEpochLog } from '../src/models/elmo';
import * as pipeline from '../src/pipeline';
import * as ixOperators from 'ix/asynciterable/operators';
import type { Batch, Vocab } from '../src/pipeline';
import { elmoTestdata } from './models/elmo/fixtures';

const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

/** The first ```ts block after a heading. */
function snippetAfter(heading: string): string {
  const start = README.indexOf(heading);
  if (start < 0) throw new Error(`README has no heading "${heading}"`);
  const match = /```ts\n([\s\S]*?)```/.exec(README.slice(start));
  if (!match) throw new Error(`README has no ts block after "${heading}"`);
  return match[1];
}

const MODULES: Record<string, unknown> = { 'seqflow/pipeline': pipeline, 'seqflow/elmo': elmoModule, 'ix/asynciterable/operators': ixOperators };
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;

/**
 * The snippet after `heading` as the body of an async function of `modules`: it is plain
 * JavaScript apart from its imports, which are bound to the modules; `returning` names the
 * snippet's variables to hand back.
 */
function runnable(heading: string, returning: string[], replace: Record<string, string> = {}): (modules: unknown) => Promise<unknown> {
  let body = snippetAfter(heading).replace(/import \{([^}]+)\} from '([^']+)';/g, (_, names: string, mod: string) => {
    if (!(mod in MODULES)) throw new Error(`README imports an unknown module ${mod}`);
    return `const {${names}} = modules[${JSON.stringify(mod)}];`;
  });
  for (const [from, to] of Object.entries(replace)) {
    if (!body.includes(from)) throw new Error(`the snippet after "${heading}" no longer contains ${from}`);
    body = body.split(from).join(to);
  }
  return new AsyncFunction('modules', `${body}\nreturn { ${returning.join(', ')} };`);
}

describe('README', () => {
  it('the pipeline tour runs as written and yields padded batches', async () => {
    const run = runnable('### Pipelines', ['vocab', 'batches']);
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

  it('the ELMo tour runs as written: fixture embeddings, two epochs of pre-training, the checkpoint loads back', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqflow-readme-elmo-'));
    // The published files are AllenNLP's test fixtures here; the checkpoint goes to a temporary folder.
    const run = runnable('### ELMo', ['elmo', 'out', 'history', 'mine'], {
      "'elmo/options.json'": JSON.stringify(path.join(elmoTestdata, 'options.json')),
      "'elmo/weights.hdf5'": JSON.stringify(path.join(elmoTestdata, 'lm_weights.hdf5')),
      "'out/bilm'": JSON.stringify(dir),
      "'out/bilm/options.json'": JSON.stringify(path.join(dir, 'options.json')),
      "'out/bilm/weights.hdf5'": JSON.stringify(path.join(dir, 'weights.hdf5')),
    });
    try {
      const { elmo, out, history, mine } = (await run(MODULES)) as { elmo: Elmo; out: ElmoOutput; history: PretrainEpochLog[]; mine: Elmo };
      expect(out.representations[0].shape).toEqual([2, 5, 32]);
      expect(Array.from(out.lengths)).toEqual([5, 2]);
      expect(out.layers).toHaveLength(3);
      expect(out.mask.isDisposed).toBe(true);
      expect(history).toHaveLength(2);
      expect(history.every((e) => Number.isFinite(e.loss))).toBe(true);
      expect(history[1].loss).toBeLessThan(history[0].loss);
      for (const file of ['options.json', 'weights.hdf5', 'vocab.txt']) expect(fs.existsSync(path.join(dir, file)), file).toBe(true);
      expect(mine.outputDim).toBe(32);
      elmo.dispose();
      mine.dispose();
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
