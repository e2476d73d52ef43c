import { refreshStepHandler } from '#packages/pipeline/lambda-adapter.ts';

/** Lambda entry of the 'normalise-pending' refresh step (a Step Functions task). */
export const handler = refreshStepHandler('normalise-pending');
