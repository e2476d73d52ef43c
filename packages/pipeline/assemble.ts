import { readArrowTable } from '#packages/arrow/read.ts';
import { buildBriefing } from '#packages/briefing/build.ts';
import {
  type CuratedSegment,
  type CuratedTableSet,
  curatedTablesFromArrow,
} from '#packages/briefing/curated-tables.ts';
import { diffVersions } from '#packages/briefing/diff.ts';
import { writeExportsToBucket } from '#packages/briefing/exports/bucket.ts';
import type { ExportFormat } from '#packages/briefing/exports/formats.ts';
import { exportPrefix } from '#packages/briefing/exports/layout.ts';
import type { BriefingItem, BriefingStore, VersionRecord } from '#packages/storage/briefing-store.ts';
import type { Ledger } from '#packages/storage/ledger.ts';
import type { ObjectStore } from '#packages/storage/object-store.ts';

export interface AssembleDependencies {
  readonly curated: ObjectStore;
  /** Where the version's exports go (briefings/<dataset>/v<N>/<format>/…). */
  readonly exports?: ObjectStore;
  /** Formats written to the exports bucket. @default BUCKET_EXPORT_FORMATS */
  readonly exportFormats?: readonly ExportFormat[];
  readonly ledger: Ledger;
  readonly briefings: BriefingStore;
  readonly dataset: string;
  readonly runId: string;
  readonly keepVersions: number;
  /** Test hook: runs after version N+1 is written and before the pointer moves. */
  readonly beforePublish?: (version: number) => Promise<void>;
}

export interface AssembleResult {
  readonly published: boolean;
  readonly version: number;
  readonly previousVersion: number;
  readonly contentHash: string;
  readonly diff: { added: number; removed: number; changed: number };
  readonly counts: Readonly<Record<string, number>>;
}

/**
 * Formats assemble writes with every version. Parquet is left to `hld briefing export` and the
 * API: parquet-wasm loads a .wasm file from disk, which the single-file Lambda bundle does not
 * carry (PERFORMANCE.md lesson 5: Parquet off the hot path).
 */
export const BUCKET_EXPORT_FORMATS: readonly ExportFormat[] = [
  'csv',
  'json',
  'arrow',
  'markdown',
  'datapackage',
  'hxl',
];

export class MissingSnapshotError extends Error {
  override readonly name = 'MissingSnapshotError';
}

/**
 * Read the current snapshot of every source: its Arrow tables (zero-copy) with the file's lineage,
 * as the columnar view the briefing builder reads. No row objects are made here.
 */
export async function loadCuratedTables(
  deps: Pick<AssembleDependencies, 'curated' | 'ledger'>,
): Promise<{ tables: CuratedTableSet; inputs: { sourceName: string; sha256: string }[] }> {
  const sources = (await deps.ledger.listSources()).sort((a, b) => a.sourceName.localeCompare(b.sourceName));
  const segments: CuratedSegment[] = [];
  const inputs: { sourceName: string; sha256: string }[] = [];
  const loaded = new Set<string>();
  for (const source of sources) {
    // Two names may hold the same bytes (each is a source of its own): every name is an input,
    // but the file's rows are read once, so they are never published twice.
    if (loaded.has(source.sha256)) {
      inputs.push({ sourceName: source.sourceName, sha256: source.sha256 });
      continue;
    }
    loaded.add(source.sha256);
    // normalise-pending ran just before (same refresh, under the lock), so the newest snapshot
    // of each current file is the one written with the current contracts.
    const snapshot = await deps.ledger.latestSnapshot(source.sha256);
    if (!snapshot) {
      throw new MissingSnapshotError(
        `${source.sourceName} (${source.sha256.slice(0, 12)}) has not been normalised yet`,
      );
    }
    const file = await deps.ledger.getFile(source.sha256);
    inputs.push({ sourceName: source.sourceName, sha256: source.sha256 });
    for (const entry of snapshot.tables) {
      segments.push({
        table: entry.table,
        arrow: readArrowTable(await deps.curated.get(entry.key)),
        file_sha256: source.sha256,
        raw_key: file?.rawKey ?? '',
        ...(file?.docId === undefined ? {} : { doc_id: file.docId }),
      });
    }
  }
  return { tables: curatedTablesFromArrow(segments), inputs };
}

function countItems(items: readonly BriefingItem[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item.type] = (counts[item.type] ?? 0) + 1;
  return counts;
}

/**
 * Assemble the briefing from the curated tables and publish it: write every item of version
 * N+1, then move CURRENT from N to N+1 with a conditional update. When the content is identical
 * to the live version nothing is written. Old versions beyond `keepVersions` are deleted.
 */
export async function assembleAndPublish(deps: AssembleDependencies): Promise<AssembleResult> {
  const { tables, inputs } = await loadCuratedTables(deps);
  const items = buildBriefing(tables);
  const counts = countItems(items);
  const current = await deps.briefings.current(deps.dataset);
  const previousVersion = current?.version ?? 0;
  const versions = await deps.briefings.listVersions(deps.dataset);
  const version = Math.max(previousVersion, ...versions.map((record) => record.version), 0) + 1;

  const record: VersionRecord = await deps.briefings.writeVersion(
    {
      dataset: deps.dataset,
      version,
      createdAt: new Date().toISOString(),
      runId: deps.runId,
      inputs,
      counts,
    },
    items,
  );
  if (current?.contentHash === record.contentHash) {
    // Same inputs, same content: keep the live version, drop the duplicate.
    await deps.briefings.deleteVersion(deps.dataset, version);
    return {
      published: false,
      version: previousVersion,
      previousVersion,
      contentHash: record.contentHash,
      diff: { added: 0, removed: 0, changed: 0 },
      counts,
    };
  }
  // Exports first: a version is published only with its exports in place (and a failure here
  // leaves N live, like any other failure before the pointer moves).
  if (deps.exports) {
    await writeExportsToBucket(
      items,
      deps.exports,
      exportPrefix(deps.dataset, version),
      deps.exportFormats ?? BUCKET_EXPORT_FORMATS,
      {
        dataset: deps.dataset,
        version,
        asOf: record.createdAt.slice(0, 10),
      },
    );
  }
  await deps.beforePublish?.(version);
  await deps.briefings.registerDataset(deps.dataset);
  await deps.briefings.movePointer(deps.dataset, version, previousVersion, record.contentHash);
  const audit = {
    action: 'publish' as const,
    from: previousVersion,
    to: version,
    who: deps.runId,
    why: 'refresh',
    at: new Date().toISOString(),
  };
  await deps.briefings.recordAudit(deps.dataset, audit);
  await deps.ledger.recordPointerChange({ dataset: deps.dataset, ...audit });

  let diff = { added: items.length, removed: 0, changed: 0 };
  if (previousVersion > 0) {
    const full = diffVersions(
      { version: previousVersion, items: await deps.briefings.listItems(deps.dataset, previousVersion) },
      { version, items: await deps.briefings.listItems(deps.dataset, version) },
    );
    diff = { added: full.added.length, removed: full.removed.length, changed: full.changed.length };
  }

  const keep = new Set(
    [...versions.map((entry) => entry.version), version]
      .sort((a, b) => b - a)
      .slice(0, Math.max(1, deps.keepVersions) + 1),
  );
  for (const old of versions) {
    if (!keep.has(old.version) && old.version !== version)
      await deps.briefings.deleteVersion(deps.dataset, old.version);
  }
  return { published: true, version, previousVersion, contentHash: record.contentHash, diff, counts };
}
