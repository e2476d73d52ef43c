import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredBriefingItem } from '#contracts/briefing/item.ts';
import { diffVersions } from '#packages/briefing/diff.ts';
import { diffAgainstPrevious } from '#packages/pipeline/publish.ts';
import { propertyRuns } from '../contracts/property-runs.ts';

/**
 * assemble reports how many items a publish added, removed and changed. It counts them by key and
 * hash instead of listing every field change (`diffVersions`, what `hld briefing diff` shows):
 * for any two versions the counts are the ones `diffVersions` gives. The previous version's items
 * are handed over in memory (the store's listItems is tested against emulators in
 * test/integration/publish.test.ts).
 */

const version = fc.uniqueArray(
  fc.record({
    type: fc.constantFrom('country', 'theme', 'event'),
    id: fc.constantFrom('MDA', 'SEN', 'PHL', 'RT3@MDA', 'é'),
    hash: fc.constantFrom('h1', 'h2', 'h3'),
    body: fc.record({ n: fc.integer({ min: 0, max: 3 }) }),
  }),
  { selector: (item) => `${item.type}#${item.id}`, maxLength: 12 },
) as unknown as fc.Arbitrary<StoredBriefingItem[]>;

describe('diffAgainstPrevious', () => {
  it('counts added, removed and changed items as diffVersions does, for any two versions', async () => {
    await fc.assert(
      fc.asyncProperty(version, version, async (previous, items) => {
        const outcome = {
          published: true as const,
          version: 2,
          previousVersion: 1,
          contentHash: 'new',
          items,
          counts: {},
          record: {} as never,
        };

        const counts = await diffAgainstPrevious({ listItems: async () => previous }, 'hld', outcome);

        const diff = diffVersions({ version: 1, items: previous }, { version: 2, items });
        expect(counts).toEqual({
          added: diff.added.length,
          removed: diff.removed.length,
          changed: diff.changed.length,
        });
      }),
      propertyRuns('diffAgainstPrevious counts as diffVersions', 300),
    );
  });
});
