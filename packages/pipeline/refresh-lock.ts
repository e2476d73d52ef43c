import { randomUUID } from 'node:crypto';
import { currentProcess } from '#packages/local/process-identity.ts';
import { Ledger, type LockOwner } from '#packages/storage/ledger.ts';
import { type PipelineConfig, pipelineConfig } from './config.ts';
import type { RefreshState } from './definition.ts';

/** The refresh lease and the run record: the only things the lock steps touch (the ledger). */
export const REFRESH_LOCK = 'refresh';

export interface LockContext {
  readonly config: PipelineConfig;
  readonly ledger: Ledger;
}

export function lockContext(config: PipelineConfig = pipelineConfig()): LockContext {
  return { config, ledger: new Ledger(config.ledgerTable) };
}

/**
 * The process that takes the lock, when it is a local one (`hld refresh`): recorded so that the
 * next command can tell a dead holder (killed, crashed) and release its lock. A Lambda records
 * none: its sandbox is not a process anyone can check.
 */
function lockOwner(): LockOwner | undefined {
  return process.env.AWS_LAMBDA_FUNCTION_NAME ? undefined : currentProcess();
}

/** Take the refresh lease; a second refresh fails fast with LockHeldError. */
export async function acquireRefreshLock(state: RefreshState, ctx: LockContext): Promise<RefreshState> {
  const runId =
    state.runId || `run-${new Date().toISOString().replace(/[:.]/g, '')}-${randomUUID().slice(0, 8)}`;
  await ctx.ledger.acquireLock(REFRESH_LOCK, runId, ctx.config.lockLeaseSeconds, undefined, lockOwner());
  await ctx.ledger.startRun({
    runId,
    status: 'running',
    requestedBy: state.requestedBy,
    startedAt: new Date().toISOString(),
  });
  return { ...state, runId, lockToken: runId };
}

export async function releaseRefreshLock(state: RefreshState, ctx: LockContext): Promise<RefreshState> {
  await ctx.ledger.finishRun(state.runId, {
    status: 'succeeded',
    ...(state.version !== undefined ? { version: state.version } : {}),
    ...(state.normalised !== undefined ? { normalised: state.normalised } : {}),
  });
  await ctx.ledger.releaseLock(REFRESH_LOCK, state.lockToken ?? state.runId);
  return state;
}

export async function refreshFailed(state: RefreshState, ctx: LockContext): Promise<RefreshState> {
  if (state.runId) {
    await ctx.ledger.finishRun(state.runId, { status: 'failed', error: state.error ?? 'unknown error' });
    await ctx.ledger.releaseLock(REFRESH_LOCK, state.lockToken ?? state.runId);
  }
  return state;
}
