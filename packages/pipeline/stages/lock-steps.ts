import type { RefreshStepRunner } from '../definition.ts';
import { acquireRefreshLock, lockContext, refreshFailed, releaseRefreshLock } from '../refresh-lock.ts';

/** lock, unlock, refresh-failed: ledger only, so their bundles carry no readers or Arrow. */
export const acquireRefreshLockStep: RefreshStepRunner = (state, context) =>
  acquireRefreshLock(state, lockContext(), context.lockOwner);
export const releaseRefreshLockStep: RefreshStepRunner = (state) => releaseRefreshLock(state, lockContext());
export const refreshFailedStep: RefreshStepRunner = (state) => refreshFailed(state, lockContext());
