import type { PipelineContext } from './context.ts';
import type { RefreshState } from './definition.ts';
import { normaliseFile } from './normalise.ts';

/** Normalise every current source that has no snapshot under the current contracts. */
export async function normalisePending(state: RefreshState, ctx: PipelineContext): Promise<RefreshState> {
  let normalised = 0;
  for (const source of await ctx.ledger.listSources()) {
    const file = await ctx.ledger.getFile(source.sha256);
    if (file?.status !== 'accepted') continue;
    const outcome = await normaliseFile(file, ctx);
    if (outcome.status === 'written') normalised += 1;
  }
  return { ...state, normalised };
}
