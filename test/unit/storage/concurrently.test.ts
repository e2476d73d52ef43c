import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forEachConcurrently } from '#packages/storage/concurrently.ts';
import { propertyRuns } from '../contracts/property-runs.ts';

/** Per item: how many ticks its work takes, and whether it fails. */
const plan = fc.array(fc.record({ ticks: fc.nat({ max: 4 }), fails: fc.boolean() }), { maxLength: 30 });
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('forEachConcurrently: a bounded pool that leaves nothing running once it rejects', () => {
  it('runs every item once, at most `limit` at once; after a failure the others start no further item, and it rejects only when none runs', async () => {
    await fc.assert(
      fc.asyncProperty(plan, fc.integer({ min: 1, max: 9 }), async (items, limit) => {
        const started: number[] = [];
        let running = 0;
        let most = 0;
        let failedAt: number | undefined;
        // Items started between a failure and the pool seeing it: at most one per other worker.
        let startedAfterFailure = 0;
        const outcome = forEachConcurrently(items, limit, async (item, index) => {
          if (failedAt !== undefined) startedAfterFailure += 1;
          started.push(index);
          running += 1;
          most = Math.max(most, running);
          for (let at = 0; at < item.ticks; at += 1) await tick();
          running -= 1;
          if (item.fails) {
            failedAt ??= index;
            throw new Error(`item ${index}`);
          }
        }).then(
          () => undefined,
          (error: Error) => error,
        );
        const error = await outcome;
        // Nothing of the call is still running when it settles, and no item started twice.
        expect(running).toBe(0);
        expect(new Set(started).size).toBe(started.length);
        expect(most).toBeLessThanOrEqual(Math.max(1, limit));
        if (items.some((item) => item.fails)) {
          expect(error?.message).toBe(`item ${failedAt}`);
          expect(startedAfterFailure).toBeLessThanOrEqual(Math.max(1, limit) - 1);
        } else {
          expect(error).toBeUndefined();
          expect(started.sort((a, b) => a - b)).toEqual(items.map((_, index) => index));
        }
      }),
      propertyRuns('forEachConcurrently bounds, finishes and stops', 300),
    );
  });
});
