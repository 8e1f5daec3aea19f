import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readText } from '../../src/pipeline/read-text';

const AUSTEN = path.resolve(__dirname, '../../../shared/data/austen/austen.txt');

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

describe('readText', () => {
  it('yields paragraphs by default: non-blank lines joined, whitespace collapsed', async () => {
    const text = 'Title\r\n\r\n\r\nFirst line\nof a  paragraph.\n\n  Second\tone.  \n';
    expect(await collect(readText([text]))).toEqual(['Title', 'First line of a paragraph.', 'Second one.']);
  });

  it("by: 'line' yields the non-blank lines; minLength drops short units", async () => {
    const text = 'a\n\nlonger line\n  \nxy\n';
    expect(await collect(readText([text], { by: 'line' }))).toEqual(['a', 'longer line', 'xy']);
    expect(await collect(readText([text], { by: 'line', minLength: 3 }))).toEqual(['longer line']);
  });

  it('keeps line breaks inside a paragraph when normalizeSpace is false', async () => {
    expect(await collect(readText(['a \nb\n\nc'], { normalizeSpace: false }))).toEqual(['a \nb', 'c']);
  });

  it('cuts a paragraph longer than maxChars instead of growing without bound', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => `line${i}`).join('\n');
    const units = await collect(readText([lines], { maxChars: 20 }));
    expect(units.join(' ')).toBe(lines.replace(/\n/g, ' '));
    expect(Math.max(...units.map((u) => u.length))).toBeLessThanOrEqual(20);
    expect(units.length).toBeGreaterThan(1);
  });

  it('reads Austen as paragraphs', async () => {
    const paragraphs = await collect(readText(AUSTEN));
    expect(paragraphs.slice(0, 5)).toEqual(['SENSE AND SENSIBILITY', 'by Jane Austen', '(1811)', 'CHAPTER 1']
      .concat([paragraphs[4]]));
    expect(paragraphs[4].startsWith('The family of Dashwood had long been settled in Sussex. Their estate was large,')).toBe(true);
    expect(paragraphs.every((p) => p.length > 0 && !p.includes('\n') && p === p.trim())).toBe(true);
    // Six novels of hard-wrapped prose: far fewer paragraphs than lines.
    expect(paragraphs.length).toBeGreaterThan(10_000);
    expect(paragraphs.length).toBeLessThan(40_000);
  });
});

describe('readText: abort', () => {
  it('stops reading when the signal aborts', async () => {
    const controller = new AbortController();
    let n = 0;
    const reading = (async () => {
      for await (const _ of readText(AUSTEN, { signal: controller.signal })) if (++n === 3) controller.abort(new Error('enough'));
    })();
    await expect(reading).rejects.toThrow('enough');
    expect(n).toBe(3);
  });
});
