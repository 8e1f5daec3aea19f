/**
 * Small seeded random numbers for shuffle and split: the same seed gives the same stream
 * in Node and browsers, and a stream per epoch or per index is derived by hashing.
 */

/** Mixes 32-bit integers into one well-spread 32-bit hash (murmur3's finaliser over each word). */
export function hash32(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    let k = Math.imul(w | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A seeded generator of floats in [0, 1) (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Checks a user seed: an integer (taken modulo 2^32). */
export function checkSeed(operator: string, seed: number): number {
  if (!Number.isInteger(seed)) throw new RangeError(`${operator}: seed must be an integer, got ${seed}`);
  return seed >>> 0;
}
