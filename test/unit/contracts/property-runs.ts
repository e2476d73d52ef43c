import type fc from 'fast-check';
import { HLD_PROPERTY_SEED, readSetting } from '#packages/settings/settings.ts';

/** The seed of every property test: fixed so a run can be repeated, overridable to explore. */
export const PROPERTY_SEED = readSetting(HLD_PROPERTY_SEED);

/**
 * fast-check parameters for a bounded property run: the seed (printed, so a failure can be
 * replayed with HLD_PROPERTY_SEED) and the number of runs.
 */
export function propertyRuns<T>(name: string, numRuns: number): fc.Parameters<T> {
  console.info(
    `[property] ${name}: seed ${PROPERTY_SEED}, ${numRuns} runs (set HLD_PROPERTY_SEED to change)`,
  );
  return { seed: PROPERTY_SEED, numRuns };
}
