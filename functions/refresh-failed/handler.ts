import { refreshStepHandler } from '#packages/pipeline/refresh-step-adapter.ts';
import { refreshFailedStep } from '#packages/pipeline/stages/lock-steps.ts';
import { REFRESH_FAILED_STEP } from '#packages/pipeline/stages/refresh-failed.stage.ts';

/** Lambda entry of the 'refresh-failed' refresh step (a Step Functions task). */
export const handler = refreshStepHandler(REFRESH_FAILED_STEP, refreshFailedStep);
