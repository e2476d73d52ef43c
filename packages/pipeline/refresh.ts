import { assembleAndPublish } from './assemble.ts';
import type { PipelineContext } from './context.ts';
import type { RefreshState } from './definition.ts';

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
