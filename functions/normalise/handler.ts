import { sqsStageHandler } from '#packages/pipeline/lambda-adapter.ts';
import { NORMALISE_STAGE } from '#packages/pipeline/stages/normalise.stage.ts';
import { runNormaliseStage } from '#packages/pipeline/stages/normalise-stage.ts';

/** Lambda entry of the 'normalise' stage: SQS (EventBridge events) in, partial batch failures out. */
export const handler = sqsStageHandler(NORMALISE_STAGE, runNormaliseStage);
