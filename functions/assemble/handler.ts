import { refreshStepHandler } from '#packages/pipeline/refresh-step-adapter.ts';
import { ASSEMBLE_STEP } from '#packages/pipeline/stages/assemble.stage.ts';
import { assembleStep } from '#packages/pipeline/stages/assemble-step.ts';

/** Lambda entry of the 'assemble' refresh step (a Step Functions task). */
export const handler = refreshStepHandler(ASSEMBLE_STEP, assembleStep);
