import { sqsStageHandler } from '#packages/pipeline/lambda-adapter.ts';
import { INGEST_STAGE } from '#packages/pipeline/stages/ingest.stage.ts';
import { runIngestStage } from '#packages/pipeline/stages/ingest-stage.ts';

/** Lambda entry of the 'ingest' stage: SQS (EventBridge events) in, partial batch failures out. */
export const handler = sqsStageHandler(INGEST_STAGE, runIngestStage);
