import { pipelineContext } from '../context.ts';
import type { RefreshStepRunner } from '../definition.ts';
import {
  acquireRefreshLock,
  assembleBriefing,
  normalisePending,
  refreshFailed,
  releaseRefreshLock,
} from '../refresh.ts';

/** The refresh steps as the state machine (and the local refresh) runs them. */
export const acquireRefreshLockStep: RefreshStepRunner = (state) =>
  acquireRefreshLock(state, pipelineContext());
export const normalisePendingStep: RefreshStepRunner = (state) => normalisePending(state, pipelineContext());
export const assembleStep: RefreshStepRunner = (state) => assembleBriefing(state, pipelineContext());
export const releaseRefreshLockStep: RefreshStepRunner = (state) =>
  releaseRefreshLock(state, pipelineContext());
export const refreshFailedStep: RefreshStepRunner = (state) => refreshFailed(state, pipelineContext());
