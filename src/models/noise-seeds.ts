/**
 * The seeds of a model's random noise (dropout masks, random initial states): one stream per
 * model, restarted by `reseed` so that `fit(..., { seed })` repeats a run exactly.
 */
export class NoiseSeeds {
  private seed: number;
  private counter = 0;

  constructor(seed: number) {
    this.seed = seed;
  }

  reseed(seed: number): void {
    this.seed = seed;
    this.counter = 0;
  }

  next(): number {
    this.counter += 1;
    // A large odd multiplier spreads consecutive seeds apart; tfjs's seedrandom hashes them anyway.
    return (this.seed * 1_000_003 + this.counter * 7919) % 2_147_483_647;
  }
}
