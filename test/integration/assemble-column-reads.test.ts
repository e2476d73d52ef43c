import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '#contracts/briefing/hash.ts';
import { readArrowTable } from '#packages/arrow/read.ts';
import { buildBriefing } from '#packages/briefing/build.ts';
import { type CuratedSegment, curatedTablesFromArrow } from '#packages/briefing/curated-tables.ts';
import { type RunningBackend, startBackend } from '#packages/local/backends.ts';
import { loadCuratedTables } from '#packages/pipeline/assemble.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import type { ObjectStore } from '#packages/storage/object-store.ts';
import { integrationBackends } from '../support/backends.ts';
import { ingestSamples } from '../support/pipeline.ts';

/** The curated store, noting which keys were read whole (`get`) and which by range. */
function watched(store: ObjectStore): { store: ObjectStore; whole: Set<string>; ranged: Set<string> } {
  const whole = new Set<string>();
  const ranged = new Set<string>();
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (property === 'get') whole.add(String(args[0]));
        if (property === 'range') ranged.add(String(args[0]));
        return value.apply(target, args);
      };
    },
  });
  return { store: proxy, whole, ranged };
}

for (const backend of integrationBackends().filter((candidate) => candidate.available)) {
  describe(`loadCuratedTables on ${backend.name}`, () => {
    let running: RunningBackend;

    beforeAll(async () => {
      running = await startBackend(backend.name);
      await ingestSamples();
    });

    afterAll(async () => {
      await running?.stop();
    });

    it('reads the large tables by range, only their briefing columns, and builds the same briefing as from the whole files', async () => {
      const ctx = pipelineContext();
      const { store, whole, ranged } = watched(ctx.curated);
      const sources = (await ctx.ledger.listSources()).sort((a, b) =>
        a.sourceName.localeCompare(b.sourceName),
      );
      const segments: CuratedSegment[] = [];
      const keys = new Map<string, string>();
      for (const source of sources) {
        const snapshot = await ctx.ledger.latestSnapshot(source.sha256);
        const file = await ctx.ledger.getFile(source.sha256);
        for (const entry of snapshot?.tables ?? []) {
          keys.set(entry.table, entry.key);
          segments.push({
            table: entry.table,
            arrow: readArrowTable(await ctx.curated.get(entry.key)),
            file_sha256: source.sha256,
            raw_key: file?.rawKey ?? '',
            ...(file?.docId === undefined ? {} : { doc_id: file.docId }),
            ...(file?.document ? { document: file.document } : {}),
          });
        }
      }

      const { tables } = await loadCuratedTables({ curated: store, ledger: ctx.ledger });

      const fromRanges = buildBriefing(tables);
      const fromWholeFiles = buildBriefing(curatedTablesFromArrow(segments));
      expect(fromRanges.map((item) => canonicalJson(item))).toEqual(
        fromWholeFiles.map((item) => canonicalJson(item)),
      );
      for (const table of ['survey_response', 'jmdi_project', 'jmdi_lesson']) {
        const key = keys.get(table)!;
        expect(ranged.has(key), `${table} read by range`).toBe(true);
        expect(whole.has(key), `${table} not read whole`).toBe(false);
      }
    }, 120_000);
  });
}
