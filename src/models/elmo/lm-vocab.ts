/**
 * The word vocabulary of a biLM's softmax, in bilm-tf's vocab-file layout: `<S>`, `</S>`,
 * `<UNK>` first, then words by descending frequency (ties by first appearance), one a line.
 * Frequency order is what the log-uniform sampler of the sampled softmax assumes.
 */
import { BOS_TOKEN, EOS_TOKEN } from './char-ids';

export const UNK_TOKEN = '<UNK>';

export class LmVocab {
  private readonly ids = new Map<string, number>();

  constructor(readonly words: readonly string[]) {
    if (words[0] !== BOS_TOKEN || words[1] !== EOS_TOKEN || words[2] !== UNK_TOKEN) {
      throw new Error(`LmVocab: the first words must be ${BOS_TOKEN}, ${EOS_TOKEN}, ${UNK_TOKEN}`);
    }
    words.forEach((w, i) => {
      if (this.ids.has(w)) throw new Error(`LmVocab: word "${w}" appears twice (line ${i + 1})`);
      this.ids.set(w, i);
    });
  }

  get size(): number {
    return this.words.length;
  }

  get bos(): number {
    return 0;
  }

  get eos(): number {
    return 1;
  }

  get unk(): number {
    return 2;
  }

  id(word: string): number {
    return this.ids.get(word) ?? 2;
  }

  /** Counts words over tokenised sentences; keeps those seen `minCount` times, at most `maxSize` in all. */
  static async build(
    sentences: Iterable<readonly string[]> | AsyncIterable<readonly string[]>,
    options: { maxSize?: number; minCount?: number } = {},
  ): Promise<LmVocab> {
    const counts = new Map<string, number>();
    for await (const sentence of sentences) for (const w of sentence) counts.set(w, (counts.get(w) ?? 0) + 1);
    const minCount = options.minCount ?? 1;
    const special = new Set([BOS_TOKEN, EOS_TOKEN, UNK_TOKEN]);
    const order = [...counts.entries()].filter(([w, c]) => c >= minCount && !special.has(w));
    // Stable sort keeps first appearance for ties.
    order.sort((a, b) => b[1] - a[1]);
    const limit = options.maxSize !== undefined ? Math.max(0, options.maxSize - 3) : order.length;
    return new LmVocab([BOS_TOKEN, EOS_TOKEN, UNK_TOKEN, ...order.slice(0, limit).map(([w]) => w)]);
  }

  /** bilm-tf's vocab file: one word a line. */
  toText(): string {
    return this.words.join('\n') + '\n';
  }

  static fromText(text: string, source = 'vocab.txt'): LmVocab {
    const words = text.split(/\r?\n/);
    if (words[words.length - 1] === '') words.pop();
    try {
      return new LmVocab(words);
    } catch (err) {
      throw new Error(`${source}: ${(err as Error).message}`);
    }
  }
}
