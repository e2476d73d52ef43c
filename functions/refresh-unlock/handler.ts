import { refreshStepHandler } from '#packages/pipeline/lambda-adapter.ts';

/** Lambda entry of the 'unlock' refresh step (a Step Functions task). */
export const handler = refreshStepHandler('unlock');
