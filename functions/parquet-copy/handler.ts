import { sqsStageHandler } from '#packages/pipeline/lambda-adapter.ts';
import { PARQUET_COPY_STAGE } from '#packages/pipeline/stages/parquet-copy.stage.ts';
import { runParquetCopyStage } from '#packages/pipeline/stages/parquet-copy-stage.ts';

/** Lambda entry of the 'parquet-copy' stage: SQS (EventBridge events) in, partial batch failures out. */
export const handler = sqsStageHandler(PARQUET_COPY_STAGE, runParquetCopyStage);
