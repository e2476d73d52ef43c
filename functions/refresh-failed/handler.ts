import { refreshStepHandler } from '#packages/pipeline/lambda-adapter.ts';

/** Lambda entry of the 'refresh-failed' refresh step (a Step Functions task). */
export const handler = refreshStepHandler('refresh-failed');
