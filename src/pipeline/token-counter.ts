import { describe } from './common';
import { TokenTable } from './token-table';

/**
 * Token counts that can be merged, so a vocabulary can be counted over shards (files,
 * workers, partitions) and combined before ids are assigned.
 */
export class TokenCounter {
  private readonly table = new TokenTable();
  private readonly counts: number[] = [];
  private totalCount = 0;

  /** Counts every token of one sequence. */
  add(tokens: ArrayLike<string>): this {
    const table = this.table;
    const counts = this.counts;
    for (let i = 0; i < tokens.length; i++) {
      const slot = table.intern(tokens[i]);
      if (slot === counts.length) counts.push(1);
      else counts[slot]++;
    }
    this.totalCount += tokens.length;
    return this;
  }

  /** Adds `count` occurrences of one token. */
  addToken(token: string, count = 1): this {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`TokenCounter: count for ${JSON.stringify(token)} must be a non-negative integer, got ${count}`);
    if (typeof token !== 'string') throw new TypeError(`TokenCounter: token is ${describe(token)}, expected a string`);
    const slot = this.table.intern(token);
    if (slot === this.counts.length) this.counts.push(count);
    else this.counts[slot] += count;
    this.totalCount += count;
    return this;
  }

  /**
   * The slot (first-seen position) of `token`, which is added with count 0 if new; with
   * {@link addToSlot}, for counting loops that find tokens without making their strings
   * (normalized-counts.ts).
   */
  slotOf(token: string): number {
    const slot = this.table.intern(token);
    if (slot === this.counts.length) this.counts.push(0);
    return slot;
  }

  /** Adds one occurrence of the token in `slot` (from {@link slotOf}). */
  addToSlot(slot: number): void {
    this.counts[slot]++;
    this.totalCount++;
  }

  /** Adds another counter's counts into this one. */
  merge(other: TokenCounter): this {
    for (const [token, count] of other.entries()) this.addToken(token, count);
    return this;
  }

  /** How often `token` was seen (0 if never). */
  get(token: string): number {
    const slot = this.table.indexOf(token);
    return slot < 0 ? 0 : this.counts[slot];
  }

  /** Distinct tokens seen. */
  get size(): number {
    return this.counts.length;
  }

  /** Tokens seen, repeats included. */
  get total(): number {
    return this.totalCount;
  }

  /** `[token, count]` pairs in first-seen order. */
  *entries(): IterableIterator<[string, number]> {
    const tokens = this.table.tokens;
    for (let i = 0; i < tokens.length; i++) yield [tokens[i], this.counts[i]];
  }

  /** Plain `[token, count]` pairs, for moving counts between workers. */
  toJSON(): { counts: [string, number][] } {
    return { counts: [...this.entries()] };
  }

  static fromJSON(json: { counts: [string, number][] } | string): TokenCounter {
    const data = typeof json === 'string' ? JSON.parse(json) : json;
    if (!data || !Array.isArray(data.counts)) throw new TypeError(`TokenCounter.fromJSON: expected { counts: [token, count][] }, got ${describe(data)}`);
    const counter = new TokenCounter();
    for (const pair of data.counts) {
      if (!Array.isArray(pair) || typeof pair[0] !== 'string' || typeof pair[1] !== 'number') {
        throw new TypeError(`TokenCounter.fromJSON: each entry must be [token, count], got ${JSON.stringify(pair)}`);
      }
      counter.addToken(pair[0], pair[1]);
    }
    return counter;
  }
}
