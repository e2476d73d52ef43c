import { randomUUID } from 'node:crypto';
import { Ledger, type LockOwner } from '#packages/storage/ledger.ts';
import { type PipelineConfig, pipelineConfig } from './config.ts';
import type { RefreshState } from './definition.ts';
import { RefreshInputError } from './errors.ts';

/** The refresh lease and the run record: the only things the lock steps touch (the ledger). */
export const REFRESH_LOCK = 'refresh';

export interface LockContext {
  readonly config: PipelineConfig;
  readonly ledger: Ledger;
}

export function lockContext(config: PipelineConfig = pipelineConfig()): LockContext {
  return { config, ledger: new Ledger(config.ledgerTable) };
}

/** Longest `requestedBy` kept: an IAM role session ARN fits with room to spare. */
const MAX_REQUESTED_BY = 256;

/** A run id nobody can choose: a timestamp for reading order, a random UUID for uniqueness. */
function newRunId(now: Date): string {
  return `run-${now.toISOString().replace(/[:.]/g, '')}-${randomUUID()}`;
}

/**
 * The dataset a refresh may build: the configured one (HLD_DATASET). An execution started for any
 * other name is refused before it takes the lock; an input without one refreshes the configured one.
 */
function checkedDataset(dataset: unknown, config: PipelineConfig): string {
  if (dataset === undefined || dataset === '') return config.dataset;
  if (dataset !== config.dataset) {
    throw new RefreshInputError(
      `Refresh input names dataset '${String(dataset)}'; this pipeline builds '${config.dataset}' only ` +
        '(HLD_DATASET). Start the refresh without a dataset, or with that one.',
    );
  }
  return dataset;
}

/** Who asked, as the starter said (the CLI sends its caller identity); printable, bounded. */
function checkedRequestedBy(requestedBy: unknown): string {
  if (requestedBy === undefined || requestedBy === '') return 'unknown';
  if (
    typeof requestedBy !== 'string' ||
    requestedBy.length > MAX_REQUESTED_BY ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
    /[\u0000-\u001f\u007f]/.test(requestedBy)
  ) {
    throw new RefreshInputError(
      `Refresh input field requestedBy must be printable text of at most ${MAX_REQUESTED_BY} characters.`,
    );
  }
  return requestedBy;
}

/** Whether to publish over a rollback, as the starter said (`hld refresh --force`). */
function checkedForce(force: unknown): boolean {
  if (force === undefined) return false;
  if (typeof force !== 'boolean')
    throw new RefreshInputError('Refresh input field force must be true or false.');
  return force;
}

/**
 * Take the refresh lease for a new run; a refresh while another holds it fails fast with
 * LockHeldError.
 *
 * The run id is generated here and never taken from the input, and a run id names one run only:
 * the ledger refuses to start a second run with an id on record (DuplicateRunError, see
 * takeRefreshLease), and the lease admits no holder twice. Only `dataset`, `requestedBy` and
 * `force` are read from the input, and each is checked; whatever else the input carries (a lock
 * token, a version) is dropped. `owner` is the local process that runs the refresh (`hld
 * refresh`), recorded so that the next command can tell a dead holder and release its lock; a
 * Lambda gives none (its sandbox is not a process anyone can check).
 */
export async function acquireRefreshLock(
  state: RefreshState,
  ctx: LockContext,
  owner?: LockOwner,
): Promise<RefreshState> {
  const input = state as Partial<Record<keyof RefreshState, unknown>>;
  const dataset = checkedDataset(input.dataset, ctx.config);
  const requestedBy = checkedRequestedBy(input.requestedBy);
  const force = checkedForce(input.force);
  const now = new Date();
  const runId = newRunId(now);
  const lockGeneration = await takeRefreshLease(
    ctx,
    { runId, requestedBy, startedAt: now.toISOString() },
    owner,
  );
  return { runId, dataset, requestedBy, lockToken: runId, lockGeneration, ...(force ? { force } : {}) };
}

/**
 * Take the lease for one run and record the run: returns the lease's generation (the fencing
 * token every write of the run carries). A run id already on record is refused
 * (DuplicateRunError) and the lease given back.
 */
export async function takeRefreshLease(
  ctx: LockContext,
  run: { readonly runId: string; readonly requestedBy: string; readonly startedAt: string },
  owner?: LockOwner,
): Promise<number> {
  const generation = await ctx.ledger.acquireLock(
    REFRESH_LOCK,
    run.runId,
    ctx.config.lockLeaseSeconds,
    undefined,
    owner,
  );
  try {
    await ctx.ledger.startRun({ ...run, status: 'running' });
  } catch (error) {
    await ctx.ledger.releaseLock(REFRESH_LOCK, run.runId);
    throw error;
  }
  return generation;
}

/**
 * The lease of a run as its steps carry it: renewing it is the heartbeat each step beats before
 * its work and between chunks of it (LeaseLostError once another run has taken the lock).
 * States from before generations were recorded carry none: nothing is fenced then.
 */
export function refreshLease(
  state: RefreshState,
  ledger: Pick<Ledger, 'renewLock'>,
  leaseSeconds: number,
): { readonly runId: string; readonly generation: number; readonly renew: () => Promise<void> } | undefined {
  const generation = state.lockGeneration;
  if (generation === undefined) return undefined;
  const holder = state.lockToken ?? state.runId;
  return {
    runId: state.runId,
    generation,
    renew: () => ledger.renewLock(REFRESH_LOCK, holder, generation, leaseSeconds),
  };
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
