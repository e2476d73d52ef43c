import { assembleAndPublish } from '../assemble.ts';
import { type PipelineContext, pipelineContext } from '../context.ts';
import type { RefreshState, RefreshStepRunner } from '../definition.ts';

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
    ...(hooks.beforePublish ? { beforePublish: hooks.beforePublish } : {}),
  });
  return {
    ...state,
    version: result.version,
    previousVersion: result.previousVersion,
    contentHash: result.contentHash,
    published: result.published,
    diff: result.diff,
  };
}

/** assemble: build version N+1 from the curated tables and move CURRENT to it. */
export const assembleStep: RefreshStepRunner = (state) => assembleBriefing(state, pipelineContext());
