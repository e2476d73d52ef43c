import { refreshStepHandler } from '#packages/pipeline/refresh-step-adapter.ts';
import { releaseRefreshLockStep } from '#packages/pipeline/stages/lock-steps.ts';
import { UNLOCK_STEP } from '#packages/pipeline/stages/unlock.stage.ts';

/** Lambda entry of the 'unlock' refresh step (a Step Functions task). */
export const handler = refreshStepHandler(UNLOCK_STEP, releaseRefreshLockStep);
