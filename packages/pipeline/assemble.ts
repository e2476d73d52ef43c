import { readArrowColumns } from '#packages/arrow/column-ranges.ts';
import { readArrowTable } from '#packages/arrow/read.ts';
import { briefingTableLoader, buildBriefing } from '#packages/briefing/build.ts';
import type { CuratedTableSet } from '#packages/briefing/curated-tables.ts';
import { writeExportsToBucket } from '#packages/briefing/exports/bucket.ts';
import type { ExportFormat } from '#packages/briefing/exports/formats.ts';
import { exportPrefix } from '#packages/briefing/exports/layout.ts';
import type { BriefingStore } from '#packages/storage/briefing-store.ts';
import type { Ledger } from '#packages/storage/ledger.ts';
import type { ObjectStore } from '#packages/storage/object-store.ts';
import { objectByteRanges } from './parquet-copy.ts';
import {
  collectAbandonedVersions,
  diffAgainstPrevious,
  type PublishLease,
  pruneVersions,
  publishVersion,
} from './publish.ts';

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
  /** The refresh's lease: every write is fenced by it (publish.ts). @default - nothing fenced */
  readonly lease?: PublishLease;
  /** Publish over a rollback. @default false */
  readonly force?: boolean;
  /** Test hook: runs after version N+1 is written and before the pointer moves. */
  readonly beforePublish?: (version: number) => Promise<void>;
}

export interface AssembleResult {
  readonly published: boolean;
  readonly version: number;
  readonly previousVersion: number;
  readonly contentHash: string;
  readonly diff: { added: number; removed: number; changed: number; previousDamaged?: string };
  readonly counts: Readonly<Record<string, number>>;
  /** Why the live version stayed live, or why equal content was published again. */
  readonly note?: string;
  /** Abandoned version numbers whose items this refresh deleted. */
  readonly collected: readonly number[];
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
 * Small reads (a record batch's metadata, a short column) are served from windows of this size:
 * large enough for a batch's metadata, small enough not to fetch much of the columns skipped.
 */
const COLUMN_WINDOW_BYTES = 64 * 1024;

/**
 * Read the current snapshot of every source: its Arrow tables (zero-copy) with the file's lineage,
 * as the columnar view the briefing builder reads. No row objects are made here. The files are
 * read one at a time (briefingTableLoader): of a large table, only what the builder reads is
 * kept, and each file's bytes are let go before the next file is fetched.
 */
export async function loadCuratedTables(
  deps: Pick<AssembleDependencies, 'curated' | 'ledger'>,
): Promise<{ tables: CuratedTableSet; inputs: { sourceName: string; sha256: string }[] }> {
  const sources = (await deps.ledger.listSources()).sort((a, b) => a.sourceName.localeCompare(b.sourceName));
  const loader = briefingTableLoader();
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
      // Of a large table, only the columns the loader reads are fetched, by range (at 1M survey
      // rows, 145 of the file's 215 MB); a small table, or a file read by ranges cannot serve,
      // is read whole.
      const columns = loader.columnsOf(entry.table);
      const projected = columns
        ? await readArrowColumns(
            await objectByteRanges(deps.curated, entry.key, COLUMN_WINDOW_BYTES),
            columns,
          )
        : undefined;
      loader.add({
        table: entry.table,
        arrow: projected ?? readArrowTable(await deps.curated.get(entry.key)),
        file_sha256: source.sha256,
        raw_key: file?.rawKey ?? '',
        ...(file?.docId === undefined ? {} : { doc_id: file.docId }),
        ...(file?.document ? { document: file.document } : {}),
      });
    }
  }
  return { tables: loader.finish(), inputs };
}

/**
 * Assemble the briefing from the curated tables and publish it (publish.ts): version N+1 with its
 * exports, or nothing when its content is the live version's. The diff against N is counted from
 * the items in memory and N's stored items (N+1 is never read back). Under a lease, abandoned
 * version numbers' items are collected; old versions beyond `keepVersions` are deleted with
 * their exports.
 */
export async function assembleAndPublish(deps: AssembleDependencies): Promise<AssembleResult> {
  const { tables, inputs } = await loadCuratedTables(deps);
  const outcome = await publishVersion(deps, {
    dataset: deps.dataset,
    // The tables are read for this briefing only: the large ones let go of their bytes once indexed.
    items: buildBriefing(tables, { releaseTables: true }),
    runId: deps.runId,
    inputs,
    ...(deps.lease ? { lease: deps.lease } : {}),
    ...(deps.force ? { force: deps.force } : {}),
    // A version is published only with its exports in place: they are written while its items
    // are, and a failure of either leaves N live, like any other failure before the pointer moves.
    alongsideWrite: async (record, items) => {
      if (deps.exports) {
        await writeExportsToBucket(
          items,
          deps.exports,
          exportPrefix(deps.dataset, record.version),
          deps.exportFormats ?? BUCKET_EXPORT_FORMATS,
          { dataset: deps.dataset, version: record.version, asOf: record.createdAt.slice(0, 10) },
          // publishVersion's items, each hashed just now (hashVersion): not hashed again.
          { storedHashes: true },
        );
      }
    },
    beforeMove: async (record) => {
      await deps.beforePublish?.(record.version);
    },
  });
  const { version, previousVersion, contentHash, counts } = outcome;
  const diff = await diffAgainstPrevious(deps.briefings, deps.dataset, outcome);
  const collected = deps.lease
    ? await collectAbandonedVersions(
        deps.briefings,
        deps.dataset,
        { ...deps.lease, runId: deps.runId },
        deps.exports,
      )
    : [];
  if (outcome.published) {
    await pruneVersions(deps.briefings, deps.dataset, version, deps.keepVersions, {
      ...(deps.exports ? { exports: deps.exports } : {}),
      ...(deps.lease ? { lease: deps.lease } : {}),
    });
  }
  return {
    published: outcome.published,
    version,
    previousVersion,
    contentHash,
    diff,
    counts,
    ...(outcome.note === undefined ? {} : { note: outcome.note }),
    collected,
  };
}
