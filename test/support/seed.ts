/**
 * The seed of a randomised test: HLD_TEST_SEED when set (to replay a failure), else a fresh one.
 * Printed either way, so a failing CI run can be replayed exactly.
 */
export function testSeed(name: string): number {
  const fixed = process.env.HLD_TEST_SEED;
  const seed = fixed ? Number(fixed) : Math.floor(Math.random() * 2 ** 31);
  process.stdout.write(`[seed] ${name}: ${seed} (replay with HLD_TEST_SEED=${seed})\n`);
  return seed;
}

/** A small seeded generator (mulberry32) for tests that pick random instants or choices. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
