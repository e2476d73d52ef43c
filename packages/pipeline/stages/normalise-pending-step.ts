import { pipelineContext } from '../context.ts';
import type { RefreshStepRunner } from '../definition.ts';
import { normalisePending } from '../normalise-pending.ts';

/** normalise-pending: every current source without a snapshot under the current contracts. */
export const normalisePendingStep: RefreshStepRunner = (state) => normalisePending(state, pipelineContext());
