import type { FileRecord } from '#packages/storage/ledger.ts';
import type { PipelineContext } from './context.ts';
import type { RefreshState } from './definition.ts';
import { normaliseFile } from './normalise.ts';
import { writeParquetCopies } from './parquet-copy.ts';
import { refreshLease } from './refresh-lock.ts';
import { pointUnpointedSources } from './source-pointers.ts';

/**
 * Normalise every current source that has no snapshot under the current contracts (after a
 * contract change, or when a SourceAccepted event was lost), and give every file still pending
 * its verdict (a large upload whose normalise never ran or crashed; found through the ledger's
 * file index, since no name points at it yet), renewing the run's lease before each file. A snapshot written here gets its Parquet copies at once: no SnapshotWritten event
 * follows a refresh step, and SQL over the curated data (Athena, `hld query`) must not miss the
 * rewritten tables.
 */
export async function normalisePending(state: RefreshState, ctx: PipelineContext): Promise<RefreshState> {
  const lease = refreshLease(state, ctx.ledger, ctx.config.lockLeaseSeconds);
  let normalised = 0;
  await lease?.renew();
  const files = await ctx.ledger.listFiles();
  // A name an ingest stopped before pointing (its upload accepted) is pointed first, so this
  // refresh publishes it: the same repair as hld doctor's, from the two lists read anyway.
  const { repointed, pointers } = await pointUnpointedSources(
    ctx.ledger,
    await ctx.ledger.listSources(),
    files,
  );
  for (const source of pointers) {
    // The heartbeat: a run whose lease was taken over stops before its next file.
    await lease?.renew();
    const file = await ctx.ledger.getFile(source.sha256);
    if (file?.status !== 'accepted') continue;
    if (await normaliseAndCopy(file, ctx)) normalised += 1;
  }
  for (const file of files) {
    if (file.status !== 'pending') continue;
    await lease?.renew();
    if (await normaliseAndCopy(file, ctx)) normalised += 1;
  }
  return { ...state, normalised, ...(repointed.length > 0 ? { repointed } : {}) };
}

/** Normalise one file; a snapshot written gets its Parquet copies. True when one was written. */
async function normaliseAndCopy(file: FileRecord, ctx: PipelineContext): Promise<boolean> {
  const outcome = await normaliseFile(file, ctx);
  if (outcome.status !== 'written') return false;
  await writeParquetCopies(outcome.snapshot, ctx);
  return true;
}
