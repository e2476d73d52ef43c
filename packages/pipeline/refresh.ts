import { randomUUID } from 'node:crypto';
import { assembleAndPublish } from './assemble.ts';
import type { PipelineContext } from './context.ts';
import type { RefreshState } from './definition.ts';
import { normaliseFile } from './normalise.ts';

export const REFRESH_LOCK = 'refresh';

/** Take the refresh lease; a second refresh fails fast with LockHeldError. */
export async function acquireRefreshLock(state: RefreshState, ctx: PipelineContext): Promise<RefreshState> {
  const runId =
    state.runId || `run-${new Date().toISOString().replace(/[:.]/g, '')}-${randomUUID().slice(0, 8)}`;
  await ctx.ledger.acquireLock(REFRESH_LOCK, runId, ctx.config.lockLeaseSeconds);
  await ctx.ledger.startRun({
    runId,
    status: 'running',
    requestedBy: state.requestedBy,
    startedAt: new Date().toISOString(),
  });
  return { ...state, runId, lockToken: runId };
}

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

export async function assembleBriefing(
  state: RefreshState,
  ctx: PipelineContext,
  hooks: { beforePublish?: (version: number) => Promise<void> } = {},
): Promise<RefreshState> {
  const result = await assembleAndPublish({
    curated: ctx.curated,
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

export async function releaseRefreshLock(state: RefreshState, ctx: PipelineContext): Promise<RefreshState> {
  await ctx.ledger.finishRun(state.runId, {
    status: 'succeeded',
    ...(state.version !== undefined ? { version: state.version } : {}),
    ...(state.normalised !== undefined ? { normalised: state.normalised } : {}),
  });
  await ctx.ledger.releaseLock(REFRESH_LOCK, state.lockToken ?? state.runId);
  return state;
}

export async function refreshFailed(state: RefreshState, ctx: PipelineContext): Promise<RefreshState> {
  if (state.runId) {
    await ctx.ledger.finishRun(state.runId, { status: 'failed', error: state.error ?? 'unknown error' });
    await ctx.ledger.releaseLock(REFRESH_LOCK, state.lockToken ?? state.runId);
  }
  return state;
}
