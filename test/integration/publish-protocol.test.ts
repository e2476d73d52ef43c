import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BriefingItem } from '#contracts/briefing/item.ts';
import { buildBriefing } from '#packages/briefing/build.ts';
import { exportPrefix } from '#packages/briefing/exports/layout.ts';
import { type RunningBackend, startBackend } from '#packages/local/backends.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import {
  collectAbandonedVersions,
  hashVersion,
  pruneVersions,
  publishVersion,
  rollbackTo,
} from '#packages/pipeline/publish.ts';
import {
  acquireRefreshLock,
  lockContext,
  refreshFailed,
  refreshLease,
  releaseRefreshLock,
  takeRefreshLease,
} from '#packages/pipeline/refresh-lock.ts';
import type { BriefingStore } from '#packages/storage/briefing-store.ts';
import { dynamoDocumentClient } from '#packages/storage/client-factory.ts';
import {
  BatchWriteIncompleteError,
  DuplicateRunError,
  PointerFencedError,
  PointerMovedError,
} from '#packages/storage/errors.ts';
import { integrationBackends } from '../support/backends.ts';
import { expectCurrentIntact } from '../support/current-intact.ts';
import { publishStores, withMoldovaCaveat } from '../support/publish.ts';
import { testSeed } from '../support/seed.ts';
import { TABLES } from '../unit/briefing/export-fixture.ts';

/**
 * The publish protocol (packages/pipeline/publish.ts) against the ways of making the live
 * briefing wrong or empty: a number reused after an abandoned write, a duplicate run id, a
 * rollback undone, a tampered live version judged "unchanged". After each, the invariant holds:
 * CURRENT names a complete version whose stored items hash to its recorded hash.
 */

const changedMoldova = (items: readonly BriefingItem[]): BriefingItem[] =>
  withMoldovaCaveat(items, 'Checked again.');

const REMOVED_EVENT = 'EV-20111012-gfmd-chisinau-mainstreaming';

for (const backend of integrationBackends().filter((candidate) => candidate.available)) {
  describe(`the publish protocol on ${backend.name}`, () => {
    let running: RunningBackend;
    const items = buildBriefing(TABLES);

    beforeAll(async () => {
      running = await startBackend(backend.name);
    });

    afterAll(async () => {
      await running?.stop();
    });

    const stores = publishStores;

    /** A refresh's lease as the lock step takes it (the real lock, the real generation). */
    const startRun = async (requestedBy: string) => {
      const ctx = lockContext();
      const state = await acquireRefreshLock({ runId: '', dataset: ctx.config.dataset, requestedBy }, ctx);
      const lease = refreshLease(state, ctx.ledger, ctx.config.lockLeaseSeconds);
      if (!lease) throw new Error('the lock step recorded no lease generation');
      return { state, lease, ctx };
    };

    it('never reuses the number of a write that kept failing: after an event is removed, the next refresh publishes exactly its record’s items and collects the abandoned number’s items and exports (mock: a chunk whose UnprocessedItems never drain, which no emulator produces)', async () => {
      const dataset = 'protocol-abandoned';
      const first = await startRun('v1');
      await publishVersion(stores(), {
        dataset,
        items,
        runId: first.state.runId,
        inputs: [],
        lease: first.lease,
      });
      await releaseRefreshLock(first.state, first.ctx);

      const failing = await startRun('failing chunk');
      const real = stores().briefings;
      let chunks = 0;
      const briefings = new Proxy(real, {
        get(target, property) {
          if (property === 'writeItems') {
            return (
              d: string,
              v: number,
              list: Parameters<BriefingStore['writeItems']>[2],
              beat: () => Promise<void>,
            ) =>
              target.writeItems(
                d,
                v,
                list,
                async () => {
                  chunks += 1;
                  if (chunks > 1) throw new BatchWriteIncompleteError(target.table, 5, 8);
                  await beat();
                },
                5,
              );
          }
          const value = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      await expect(
        publishVersion(
          { ...stores(), briefings },
          {
            dataset,
            items: changedMoldova(items),
            runId: failing.state.runId,
            inputs: [],
            lease: failing.lease,
          },
        ),
      ).rejects.toBeInstanceOf(BatchWriteIncompleteError);
      await refreshFailed({ ...failing.state, error: 'chunk kept failing' }, failing.ctx);
      const abandoned = (await real.listReservations(dataset)).find((record) => record.version === 2);
      expect(abandoned).toMatchObject({ state: 'abandoned', runId: failing.state.runId });
      expect((await real.listItems(dataset, 2)).length).toBe(5);

      const next = await startRun('event removed');
      const withoutEvent = changedMoldova(items).filter((item) => item.id !== REMOVED_EVENT);
      const outcome = await publishVersion(stores(), {
        dataset,
        items: withoutEvent,
        runId: next.state.runId,
        inputs: [],
        lease: next.lease,
      });
      const exports = pipelineContext().exports;
      await exports.put(`${exportPrefix(dataset, 2)}csv/items.csv`, 'written before the failure');
      const collected = await collectAbandonedVersions(
        real,
        dataset,
        { ...next.lease, runId: next.state.runId },
        exports,
      );
      await releaseRefreshLock(next.state, next.ctx);

      expect(outcome).toMatchObject({ published: true, version: 3, previousVersion: 1 });
      const record = await expectCurrentIntact(real, dataset);
      expect(record).toMatchObject({ version: 3, itemCount: items.length - 1 });
      const live = await real.listItems(dataset, 3);
      expect(live.map((item) => item.id)).not.toContain(REMOVED_EVENT);
      expect(live).toHaveLength(record.itemCount);
      // The abandoned number's items are gone; its record stays, so 2 is never handed out again.
      expect(collected).toEqual([2]);
      expect(await real.listItems(dataset, 2)).toEqual([]);
      expect(await exports.list(exportPrefix(dataset, 2))).toEqual([]);
      expect((await real.listReservations(dataset)).map((r) => [r.version, r.state])).toEqual([
        [1, 'complete'],
        [2, 'abandoned'],
        [3, 'complete'],
      ]);
    });

    it('refuses a second run with a run id already on record, and gives the lease back', async () => {
      const ctx = lockContext();
      const run = { runId: 'manual-1', requestedBy: 'ops', startedAt: new Date().toISOString() };
      await takeRefreshLease(ctx, run);
      await releaseRefreshLock({ runId: 'manual-1', dataset: ctx.config.dataset, requestedBy: 'ops' }, ctx);

      const again = takeRefreshLease(ctx, { ...run, startedAt: new Date(Date.now() + 1000).toISOString() });

      await expect(again).rejects.toBeInstanceOf(DuplicateRunError);
      await expect(again).rejects.toThrow(/manual-1 is already on record/);
      expect(await ctx.ledger.getLock('refresh')).toBeUndefined();
      const runs = (await ctx.ledger.listRuns()).filter((record) => record.runId === 'manual-1');
      expect(runs).toEqual([expect.objectContaining({ status: 'succeeded' })]);
    });

    it('lets exactly one of two runs started at once with the same run id hold the lease', async () => {
      const ctx = lockContext();
      const run = { runId: 'manual-2', requestedBy: 'ops', startedAt: new Date().toISOString() };

      const attempts = await Promise.allSettled([takeRefreshLease(ctx, run), takeRefreshLease(ctx, run)]);

      expect(attempts.filter((attempt) => attempt.status === 'fulfilled')).toHaveLength(1);
      await releaseRefreshLock({ runId: 'manual-2', dataset: ctx.config.dataset, requestedBy: 'ops' }, ctx);
    });

    it('keeps a rolled-back version live against the content it was rolled back from, says how to publish anyway, and publishes it when forced', async () => {
      const dataset = 'protocol-rollback';
      const changed = changedMoldova(items);
      await publishVersion(stores(), { dataset, items, runId: 'run-1', inputs: [] });
      await publishVersion(stores(), { dataset, items: changed, runId: 'run-2', inputs: [] });
      await rollbackTo(stores(), { dataset, version: 1, who: 'analyst', why: 'wrong caveat' });

      const refreshed = await publishVersion(stores(), {
        dataset,
        items: changed,
        runId: 'run-3',
        inputs: [],
      });

      expect(refreshed).toMatchObject({ published: false, version: 1 });
      expect(refreshed.note).toMatch(/v1 stays live: analyst rolled back from v2 .*"wrong caveat"/);
      expect(refreshed.note).toContain('hld refresh --force');
      expect((await stores().briefings.current(dataset))?.rollback).toMatchObject({
        from: 2,
        who: 'analyst',
      });
      await expectCurrentIntact(stores().briefings, dataset);

      const forced = await publishVersion(stores(), {
        dataset,
        items: changed,
        runId: 'run-4',
        inputs: [],
        force: true,
      });

      expect(forced).toMatchObject({ published: true, version: 3, previousVersion: 1 });
      expect((await stores().briefings.current(dataset))?.rollback).toBeUndefined();
      await expectCurrentIntact(stores().briefings, dataset);
    });

    it('publishes new content over a rollback without force (new input is not held back)', async () => {
      const dataset = 'protocol-rollback-new';
      await publishVersion(stores(), { dataset, items, runId: 'run-1', inputs: [] });
      await publishVersion(stores(), { dataset, items: changedMoldova(items), runId: 'run-2', inputs: [] });
      await rollbackTo(stores(), { dataset, version: 1, who: 'analyst', why: 'wrong caveat' });

      const outcome = await publishVersion(stores(), {
        dataset,
        items: items.filter((item) => item.id !== REMOVED_EVENT),
        runId: 'run-3',
        inputs: [],
      });

      expect(outcome).toMatchObject({ published: true, version: 3, previousVersion: 1 });
      await expectCurrentIntact(stores().briefings, dataset);
    });

    it('republishes equal content when the live version’s stored items no longer hash to its record', async () => {
      const dataset = 'protocol-tampered';
      await publishVersion(stores(), { dataset, items, runId: 'run-1', inputs: [] });
      const client = dynamoDocumentClient();
      const table = stores().briefings.table;
      const rows = (
        await Promise.all(
          Array.from({ length: 16 }, (_unused, shard) =>
            client.send(
              new QueryCommand({
                TableName: table,
                KeyConditionExpression: 'pk = :pk',
                ExpressionAttributeValues: { ':pk': `B#${dataset}#v1#${shard}` },
              }),
            ),
          ),
        )
      ).flatMap((page) => page.Items ?? []);
      const moldova = rows.find((row) => row.id === 'MDA' && row.type === 'country');
      if (!moldova) throw new Error('no stored MDA item');
      // A caveat rewritten in place, the stored hash left as it was.
      const tampered = String(moldova.body).replace('"caveats":["', '"caveats":["Tampered. ');
      expect(tampered).not.toBe(moldova.body);
      await client.send(new PutCommand({ TableName: table, Item: { ...moldova, body: tampered } }));

      const outcome = await publishVersion(stores(), { dataset, items, runId: 'run-2', inputs: [] });

      expect(outcome).toMatchObject({ published: true, version: 2, previousVersion: 1 });
      expect(outcome.note).toMatch(/v1's stored items no longer match its record/);
      expect((await expectCurrentIntact(stores().briefings, dataset)).contentHash).toBe(
        hashVersion(items).contentHash,
      );
    });

    it('refuses a pointer move fenced with an older lease generation than the one that claimed the pointer', async () => {
      const dataset = 'protocol-fence';
      const { briefings } = stores();
      await publishVersion(stores(), { dataset, items, runId: 'run-1', inputs: [] });
      await briefings.claimPointer(dataset, 1_000_002);

      await expect(briefings.claimPointer(dataset, 1_000_001)).rejects.toBeInstanceOf(PointerFencedError);
      await expect(
        briefings.movePointer(dataset, 1, 1, undefined, { fence: 1_000_001 }),
      ).rejects.toBeInstanceOf(PointerFencedError);
      await expectCurrentIntact(briefings, dataset);
    });

    it('deletes a pruned version with its exports, and never a version the pointer names (live, rolled back from)', async () => {
      const dataset = 'protocol-retention';
      const { briefings } = stores();
      const exports = pipelineContext().exports;
      for (let n = 1; n <= 4; n += 1) {
        const variant = items.map((item) =>
          item.type === 'country' && item.id === 'JAM'
            ? ({
                ...item,
                body: { ...item.body, caveats: [...item.body.caveats, `Version ${n}.`] },
              } as BriefingItem)
            : item,
        );
        await publishVersion(stores(), { dataset, items: variant, runId: `run-${n}`, inputs: [] });
        await exports.put(`${exportPrefix(dataset, n)}manifest.json`, `{"version":${n}}`);
      }
      await rollbackTo(stores(), { dataset, version: 1, who: 'analyst', why: 'v2-v4 wrong' });

      // Keep 1 besides the live one: v4 and v3 are the newest, v1 is live; v2 goes.
      const deleted = await pruneVersions(briefings, dataset, 1, 1, { exports });

      expect(deleted).toEqual([2]);
      expect((await briefings.listVersions(dataset)).map((record) => record.version).sort()).toEqual([
        1, 3, 4,
      ]);
      expect(await exports.list(exportPrefix(dataset, 2))).toEqual([]);
      for (const kept of [1, 3, 4])
        expect(await exports.exists(`${exportPrefix(dataset, kept)}manifest.json`)).toBe(true);
      await expectCurrentIntact(briefings, dataset);
    });

    it('gives every number to one writer only, however many publish at once (property)', async () => {
      const seed = testSeed('concurrent reservations');
      let round = 0;
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 2, max: 4 }), async (writers) => {
          round += 1;
          const dataset = `protocol-race-${round}`;
          await publishVersion(stores(), { dataset, items, runId: 'base', inputs: [] });
          const variants = Array.from({ length: writers }, (_unused, n) =>
            items.map((item) =>
              item.type === 'country' && item.id === 'JAM'
                ? ({
                    ...item,
                    body: { ...item.body, caveats: [...item.body.caveats, `Writer ${n}.`] },
                  } as BriefingItem)
                : item,
            ),
          );

          const outcomes = await Promise.allSettled(
            variants.map((variant, n) =>
              publishVersion(stores(), { dataset, items: variant, runId: `writer-${n}`, inputs: [] }),
            ),
          );

          const reservations = await stores().briefings.listReservations(dataset);
          const numbers = reservations.map((record) => record.version);
          expect(new Set(numbers).size).toBe(numbers.length);
          expect(new Set(reservations.map((record) => record.runId)).size).toBe(writers + 1);
          for (const outcome of outcomes) {
            if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(PointerMovedError);
          }
          expect(outcomes.some((outcome) => outcome.status === 'fulfilled')).toBe(true);
          await expectCurrentIntact(stores().briefings, dataset);
        }),
        { seed, numRuns: 4 },
      );
    });
  });
}
