import { refreshStepHandler } from '#packages/pipeline/refresh-step-adapter.ts';
import { refreshFailedStep } from '#packages/pipeline/stages/lock-steps.ts';

/** Lambda entry of the 'refresh-failed' refresh step (a Step Functions task). */
export const handler = refreshStepHandler('refresh-failed', refreshFailedStep);
