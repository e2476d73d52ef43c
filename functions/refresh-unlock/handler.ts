import { refreshStepHandler } from '#packages/pipeline/refresh-step-adapter.ts';
import { releaseRefreshLockStep } from '#packages/pipeline/stages/lock-steps.ts';

/** Lambda entry of the 'unlock' refresh step (a Step Functions task). */
export const handler = refreshStepHandler('unlock', releaseRefreshLockStep);
