import { assembleAndPublish } from '../assemble.ts';
import { type PipelineContext, pipelineContext } from '../context.ts';
import type { RefreshState, RefreshStepRunner } from '../definition.ts';
import type { PublishLease } from '../publish.ts';
import { refreshLease } from '../refresh-lock.ts';

/**
 * The assemble step of a refresh: the refresh state in, version N+1 built and published (or
 * nothing, when the content is unchanged), the state with the outcome out.
 */
export async function assembleBriefing(
  state: RefreshState,
  ctx: PipelineContext,
  hooks: { beforePublish?: (version: number) => Promise<void> } = {},
): Promise<RefreshState> {
  const result = await assembleAndPublish({
    curated: ctx.curated,
    exports: ctx.exports,
    ledger: ctx.ledger,
    briefings: ctx.briefings,
    dataset: state.dataset,
    runId: state.runId,
    keepVersions: ctx.config.keepVersions,
    ...leaseOf(state, ctx),
    ...(state.force ? { force: true } : {}),
    ...(hooks.beforePublish ? { beforePublish: hooks.beforePublish } : {}),
  });
  return {
    ...state,
    version: result.version,
    previousVersion: result.previousVersion,
    contentHash: result.contentHash,
    published: result.published,
    diff: result.diff,
    ...(result.note === undefined ? {} : { note: result.note }),
  };
}

/** The run's lease, renewed from this step (its heartbeat), when the lock step recorded one. */
function leaseOf(state: RefreshState, ctx: PipelineContext): { lease?: PublishLease } {
  const lease = refreshLease(state, ctx.ledger, ctx.config.lockLeaseSeconds);
  return lease ? { lease } : {};
}

/** assemble: build version N+1 from the curated tables and move CURRENT to it. */
export const assembleStep: RefreshStepRunner = (state) => assembleBriefing(state, pipelineContext());
