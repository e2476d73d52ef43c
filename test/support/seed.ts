import { HLD_TEST_SEED, readSetting } from '#packages/settings/settings.ts';

/**
 * The seed of a randomised test: HLD_TEST_SEED when set (to replay a failure), else a fresh one.
 * Printed either way, so a failing CI run can be replayed exactly.
 */
export function testSeed(name: string): number {
  const seed = readSetting(HLD_TEST_SEED) ?? Math.floor(Math.random() * 2 ** 31);
  process.stdout.write(`[seed] ${name}: ${seed} (replay with HLD_TEST_SEED=${seed})\n`);
  return seed;
}

/** A small seeded generator (mulberry32), the one the benchmarks' data generator uses. */
export { random as seededRandom } from '../../bench/generate.ts';
