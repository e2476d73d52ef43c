import { sqsStageHandler } from '#packages/pipeline/lambda-adapter.ts';

/** Lambda entry of the 'ingest' stage: SQS (EventBridge events) in, partial batch failures out. */
export const handler = sqsStageHandler('ingest');
