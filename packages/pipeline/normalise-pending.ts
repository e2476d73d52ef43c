import type { PipelineContext } from './context.ts';
import type { RefreshState } from './definition.ts';
import { normaliseFile } from './normalise.ts';
import { writeParquetCopies } from './parquet-copy.ts';

/**
 * Normalise every current source that has no snapshot under the current contracts (after a
 * contract change, or when a SourceAccepted event was lost). A snapshot written here gets its
 * Parquet copies at once: no SnapshotWritten event follows a refresh step, and SQL over the
 * curated data (Athena, `hld query`) must not miss the rewritten tables.
 */
export async function normalisePending(state: RefreshState, ctx: PipelineContext): Promise<RefreshState> {
  let normalised = 0;
  for (const source of await ctx.ledger.listSources()) {
    const file = await ctx.ledger.getFile(source.sha256);
    if (file?.status !== 'accepted') continue;
    const outcome = await normaliseFile(file, ctx);
    if (outcome.status === 'written') {
      normalised += 1;
      await writeParquetCopies(outcome.snapshot, ctx);
    }
  }
  return { ...state, normalised };
}
