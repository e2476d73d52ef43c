import type { PipelineContext } from '#packages/pipeline/context.ts';
import { parquetCopyKey, writeParquetCopies } from '#packages/pipeline/parquet-copy.ts';
import type { SnapshotRecord } from '#packages/storage/ledger.ts';

/**
 * The Parquet copies `hld ingest` leaves for later. In AWS, parquet-copy is a function of its
 * own that runs after normalise and nothing waits on it; locally it used to run inline at the
 * end of `hld ingest` (3.2 s of the 1M-row survey's 11 s, BENCHMARKS.md). `hld ingest` now
 * answers without it, and `hld refresh` writes what is missing. The work is found from the
 * stored state, not from a queue: every recorded file's latest snapshot, each table without its
 * copy. So a kill at any instant (before the copy, during it: a copy is one all-or-nothing PUT)
 * loses nothing, and `hld query` converts a missing copy on the spot meanwhile (sql.ts).
 */

/** Of every recorded file's latest snapshot, the tables without their Parquet copy (none: not listed). */
export async function snapshotsMissingParquet(
  ctx: Pick<PipelineContext, 'ledger' | 'curated'>,
): Promise<Pick<SnapshotRecord, 'sha256' | 'snapshotId' | 'tables'>[]> {
  const missing: Pick<SnapshotRecord, 'sha256' | 'snapshotId' | 'tables'>[] = [];
  for (const file of await ctx.ledger.listFiles()) {
    const snapshot = await ctx.ledger.latestSnapshot(file.sha256);
    if (!snapshot) continue; // refused, pending or not normalised: no table to copy
    const tables: SnapshotRecord['tables'][number][] = [];
    for (const table of snapshot.tables) {
      const copy = parquetCopyKey(table.table, snapshot.sha256, snapshot.snapshotId);
      if (!(await ctx.curated.exists(copy))) tables.push(table);
    }
    if (tables.length > 0) missing.push({ sha256: snapshot.sha256, snapshotId: snapshot.snapshotId, tables });
  }
  return missing;
}

/** Write every missing Parquet copy (snapshotsMissingParquet); the number of snapshots completed. */
export async function writeMissingParquetCopies(
  ctx: Pick<PipelineContext, 'ledger' | 'curated'>,
): Promise<number> {
  const missing = await snapshotsMissingParquet(ctx);
  for (const snapshot of missing) await writeParquetCopies(snapshot, ctx);
  return missing.length;
}
