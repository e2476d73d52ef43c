import type { PipelineContext } from './context.ts';
import type { RefreshState } from './definition.ts';
import { normaliseFile } from './normalise.ts';
import { refreshLease } from './refresh-lock.ts';

/**
 * Normalise every current source that has no snapshot under the current contracts, renewing the
 * run's lease before each file.
 */
export async function normalisePending(state: RefreshState, ctx: PipelineContext): Promise<RefreshState> {
  const lease = refreshLease(state, ctx.ledger, ctx.config.lockLeaseSeconds);
  let normalised = 0;
  await lease?.renew();
  for (const source of await ctx.ledger.listSources()) {
    // The heartbeat: a run whose lease was taken over stops before its next file.
    await lease?.renew();
    const file = await ctx.ledger.getFile(source.sha256);
    if (file?.status !== 'accepted') continue;
    const outcome = await normaliseFile(file, ctx);
    if (outcome.status === 'written') normalised += 1;
  }
  return { ...state, normalised };
}
