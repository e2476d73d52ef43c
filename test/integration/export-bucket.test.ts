import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withHash } from '#contracts/briefing/hash.ts';
import type { BriefingItem } from '#contracts/briefing/item.ts';
import { writeExportsToBucket } from '#packages/briefing/exports/bucket.ts';
import { EXPORT_MANIFEST, exportPrefix } from '#packages/briefing/exports/layout.ts';
import { renderBriefingExport } from '#packages/briefing/exports/render.ts';
import { type RunningBackend, startBackend } from '#packages/local/backends.ts';
import { BUCKET_EXPORT_FORMATS } from '#packages/pipeline/assemble.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import type { ObjectStore } from '#packages/storage/object-store.ts';
import { integrationBackends } from '../support/backends.ts';
import { seededRandom, testSeed } from '../support/seed.ts';
import { META, storedItems } from '../unit/briefing/export-fixture.ts';

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** The exports bucket with every put held back a seeded while, so puts finish out of order. */
function slowPuts(store: ObjectStore, random: () => number): ObjectStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== 'put') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: Parameters<ObjectStore['put']>) => {
        await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 8)));
        return target.put(...args);
      };
    },
  });
}

for (const backend of integrationBackends().filter((candidate) => candidate.available)) {
  describe(`writing a version's exports to the bucket on ${backend.name}`, () => {
    let running: RunningBackend;

    beforeAll(async () => {
      running = await startBackend(backend.name);
    });

    afterAll(async () => {
      await running?.stop();
    });

    it('puts the same objects with the same bytes, listed in render order, however the puts interleave (seeded property)', async () => {
      const seed = testSeed('export puts in any order');
      const exports = pipelineContext().exports;
      const items = storedItems();
      const formats = BUCKET_EXPORT_FORMATS;
      const expected: { key: string; sha256: string }[] = [];
      for (const format of formats) {
        for (const file of await renderBriefingExport(format, items, META)) {
          expected.push({ key: `${format}/${file.path}`, sha256: sha256(file.bytes) });
        }
      }
      let run = 0;

      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (delaySeed) => {
          run += 1;
          const prefix = exportPrefix(`exports-${seed}-${run}`, 1);

          const written = await writeExportsToBucket(
            items,
            slowPuts(exports, seededRandom(delaySeed)),
            prefix,
            formats,
            META,
          );

          const manifest = JSON.parse(await exports.getText(`${prefix}${EXPORT_MANIFEST}`));
          const listed = (manifest.objects as { key: string; sha256: string }[]).map((object) => ({
            key: object.key.slice(prefix.length),
            sha256: object.sha256,
          }));
          expect(listed).toEqual(expected);
          expect(written.map((object) => object.key)).toEqual([
            ...manifest.objects.map((object: { key: string }) => object.key),
            `${prefix}${EXPORT_MANIFEST}`,
          ]);
          const stored = await exports.list(prefix);
          expect(stored).toHaveLength(expected.length + 1);
          for (const object of listed) {
            expect(sha256(await exports.get(`${prefix}${object.key}`)), object.key).toBe(object.sha256);
          }
        }),
        { seed, numRuns: 3 },
      );
    });

    it('fails the whole write when one put fails (failure injected: no emulator refuses one put), with no put still running or started after it', async () => {
      const exports = pipelineContext().exports;
      const prefix = exportPrefix('exports-failing', 1);
      let started = 0;
      let running = 0;
      let atFailure = -1;
      const failing = new Proxy(exports, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (property !== 'put') return typeof value === 'function' ? value.bind(target) : value;
          return async (...args: Parameters<ObjectStore['put']>) => {
            started += 1;
            running += 1;
            try {
              if (started === 12) {
                atFailure = started;
                throw new Error('injected put failure');
              }
              return await target.put(...args);
            } finally {
              running -= 1;
            }
          };
        },
      });

      await expect(writeExportsToBucket(storedItems(), failing, prefix, ['markdown'], META)).rejects.toThrow(
        'injected put failure',
      );

      expect(running).toBe(0);
      // The puts already in flight finish; none starts after the failure.
      expect(started).toBe(atFailure);
      expect(await exports.list(`${prefix}${EXPORT_MANIFEST}`)).toEqual([]);
    });
  });
}

describe('the JSON export of freshly hashed items', () => {
  it('is the same bytes whether it takes the items’ hashes or hashes every body again (seeded property)', async () => {
    const seed = testSeed('json export with stored hashes');
    const base = storedItems();

    await fc.assert(
      fc.asyncProperty(
        fc.subarray(base, { minLength: 1 }),
        fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })), {
          maxLength: 4,
        }),
        async (subset, extras) => {
          // Any body (extra fields, unicode keys and values), hashed as publish hashes it.
          const items = subset.map((item, index) =>
            withHash({
              ...item,
              body: { ...item.body, ...Object.fromEntries(extras.slice(index % 2)) },
            } as BriefingItem),
          );

          const trusted = await renderBriefingExport('json', items, META, { storedHashes: true });
          const rehashed = await renderBriefingExport('json', items, META);

          expect(trusted.map((file) => file.path)).toEqual(rehashed.map((file) => file.path));
          expect(trusted.map((file) => sha256(file.bytes))).toEqual(
            rehashed.map((file) => sha256(file.bytes)),
          );
        },
      ),
      { seed, numRuns: 40 },
    );
  });
});
