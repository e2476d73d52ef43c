import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BriefingContractError } from '#contracts/briefing/check.ts';
import type { BriefingItem } from '#contracts/briefing/item.ts';
import { buildBriefing } from '#packages/briefing/build.ts';
import { type RunningBackend, startBackend } from '#packages/local/backends.ts';
import { diffAgainstPrevious, publishVersion, rollbackTo } from '#packages/pipeline/publish.ts';
import type { BriefingStore } from '#packages/storage/briefing-store.ts';
import { integrationBackends } from '../support/backends.ts';
import { publishStores, withMoldovaCaveat } from '../support/publish.ts';
import { TABLES } from '../unit/briefing/export-fixture.ts';

/** The briefing store, with every call it receives recorded (method and arguments). */
function recorded(store: BriefingStore): {
  store: BriefingStore;
  calls: { method: string; args: unknown[] }[];
} {
  const calls: { method: string; args: unknown[] }[] = [];
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push({ method: String(property), args });
        return value.apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

const changedMoldova = (items: readonly BriefingItem[]): BriefingItem[] =>
  withMoldovaCaveat(items, 'Checked again.');

for (const backend of integrationBackends().filter((candidate) => candidate.available)) {
  describe(`publishing a briefing version on ${backend.name}`, () => {
    let running: RunningBackend;
    const dataset = 'publish-test';
    const items = buildBriefing(TABLES);

    beforeAll(async () => {
      running = await startBackend(backend.name);
    });

    afterAll(async () => {
      await running?.stop();
    });

    const stores = publishStores;

    it('publishes v1 with its content hash, and then writes nothing at all for the same content (only reads the live version to verify its items)', async () => {
      const first = await publishVersion(stores(), { dataset, items, runId: 'run-1', inputs: [] });
      const { store, calls } = recorded(stores().briefings);

      const again = await publishVersion(
        { ...stores(), briefings: store },
        { dataset, items: [...items].reverse(), runId: 'run-2', inputs: [] },
      );

      expect(first).toMatchObject({ published: true, version: 1, previousVersion: 0 });
      expect(again).toMatchObject({ published: false, version: 1, contentHash: first.contentHash });
      expect(calls.map((call) => call.method)).toEqual(['current', 'getVersion', 'listItems']);
      expect(await stores().briefings.listVersions(dataset)).toHaveLength(1);
    });

    it('publishes changed content as v2 and counts the diff from the items in memory, reading only v1', async () => {
      const { store, calls } = recorded(stores().briefings);

      const outcome = await publishVersion(
        { ...stores(), briefings: store },
        { dataset, items: changedMoldova(items), runId: 'run-3', inputs: [] },
      );
      const diff = await diffAgainstPrevious(store, dataset, outcome);

      expect(outcome).toMatchObject({ published: true, version: 2, previousVersion: 1 });
      expect(diff).toEqual({ added: 0, removed: 0, changed: 1 });
      expect(calls.filter((call) => call.method === 'listItems').map((call) => call.args[1])).toEqual([1]);
      expect(calls.filter((call) => call.method === 'getItem')).toEqual([]);
      expect((await stores().briefings.current(dataset))?.version).toBe(2);
    });

    it('refuses an item that breaks the briefing contract before writing anything, and leaves CURRENT', async () => {
      const { store, calls } = recorded(stores().briefings);
      const broken = items.map((item) =>
        item.type === 'theme' ? ({ ...item, body: { ...item.body, n_projects: -1 } } as BriefingItem) : item,
      );

      await expect(
        publishVersion(
          { ...stores(), briefings: store },
          { dataset, items: broken, runId: 'run-4', inputs: [] },
        ),
      ).rejects.toThrowError(BriefingContractError);
      expect(calls).toEqual([]);
      expect((await stores().briefings.current(dataset))?.version).toBe(2);
    });

    it('rolls CURRENT back through the same move and audit, recorded in the briefing store and the ledger', async () => {
      const audit = await rollbackTo(stores(), { dataset, version: 1, who: 'analyst', why: 'wrong caveat' });

      expect(audit).toMatchObject({
        action: 'rollback',
        from: 2,
        to: 1,
        who: 'analyst',
        why: 'wrong caveat',
      });
      expect((await stores().briefings.current(dataset))?.version).toBe(1);
      expect(await stores().briefings.listAudit(dataset)).toContainEqual(audit);
      expect(await stores().ledger.listPointerChanges()).toContainEqual(
        expect.objectContaining({ dataset, ...audit }),
      );
      await expect(rollbackTo(stores(), { dataset, version: 9, who: 'a', why: 'b' })).rejects.toThrow(
        /has no version 9/,
      );
    });

    it('writes the exports while the items are written, and moves CURRENT only when both succeeded: a failed export abandons the number (failure injected in the exports hook)', async () => {
      const live = (await stores().briefings.current(dataset))?.version;
      let exportedVersion = 0;

      await expect(
        publishVersion(stores(), {
          dataset,
          items: withMoldovaCaveat(items, 'Exports failed.'),
          runId: 'run-5',
          inputs: [],
          alongsideWrite: async (record) => {
            exportedVersion = record.version;
            throw new Error('exports bucket refused the put');
          },
        }),
      ).rejects.toThrow('exports bucket refused the put');

      expect((await stores().briefings.current(dataset))?.version).toBe(live);
      const reservation = (await stores().briefings.listReservations(dataset)).find(
        (record) => record.version === exportedVersion,
      );
      expect(reservation?.state).toBe('abandoned');
    });

    it('does not report a failed item write before the exports written alongside have finished (failure injected: no emulator refuses a batch write)', async () => {
      const live = (await stores().briefings.current(dataset))?.version;
      const briefings = new Proxy(stores().briefings, {
        get(target, property, receiver) {
          if (property === 'writeItems') return async () => Promise.reject(new Error('table unavailable'));
          const value = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      let exportsFinished = false;

      await expect(
        publishVersion(
          { ...stores(), briefings },
          {
            dataset,
            items: withMoldovaCaveat(items, 'Items failed.'),
            runId: 'run-6',
            inputs: [],
            alongsideWrite: async () => {
              await new Promise((resolve) => setTimeout(resolve, 50));
              exportsFinished = true;
            },
          },
        ),
      ).rejects.toThrow('table unavailable');

      expect(exportsFinished).toBe(true);
      expect((await stores().briefings.current(dataset))?.version).toBe(live);
    });
  });
}
