import { refreshStepHandler } from '#packages/pipeline/refresh-step-adapter.ts';
import { LOCK_STEP } from '#packages/pipeline/stages/lock.stage.ts';
import { acquireRefreshLockStep } from '#packages/pipeline/stages/lock-steps.ts';

/** Lambda entry of the 'lock' refresh step (a Step Functions task). */
export const handler = refreshStepHandler(LOCK_STEP, acquireRefreshLockStep);
