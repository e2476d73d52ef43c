import { refreshStepHandler } from '#packages/pipeline/refresh-step-adapter.ts';
import { NORMALISE_PENDING_STEP } from '#packages/pipeline/stages/normalise-pending.stage.ts';
import { normalisePendingStep } from '#packages/pipeline/stages/normalise-pending-step.ts';

/** Lambda entry of the 'normalise-pending' refresh step (a Step Functions task). */
export const handler = refreshStepHandler(NORMALISE_PENDING_STEP, normalisePendingStep);
