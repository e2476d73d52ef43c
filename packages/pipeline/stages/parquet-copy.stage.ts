import type { EventStageDefinition, StageDeclaration } from '../definition.ts';

/**
 * The `parquet-copy` event stage: write a zstd Parquet copy of each curated table (Athena-friendly), off the hot path.
 *
 * A declaration only (no code): the CDK app and the local router read it through definition.ts,
 * which adds how to load the runner; the stage's handler (its `entry`) is built from it and the
 * runner, so its bundle carries this stage and no other.
 */
export const PARQUET_COPY_STAGE: StageDeclaration<EventStageDefinition> = {
  kind: 'event',
  id: 'parquet-copy',
  description: 'Write a zstd Parquet copy of each curated table (Athena-friendly), off the hot path',
  entry: 'functions/parquet-copy/handler.ts',
  trigger: { type: 'pipeline-event', detailType: 'SnapshotWritten' },
  emits: [],
  access: {
    buckets: { curated: { read: ['tables/*'], write: ['parquet/*'] } },
    tables: {},
  },
  // The curated IPC file is read by ranges, one record batch at a time, and parquet-wasm holds
  // one row group at a time: 329 MB peak for 1M rows of 23 columns (npm run bench -- --only
  // parquet-write-1m; 614 MB when the file was read whole). The memory is for the CPU share
  // Lambda gives with it (parquet-wasm is CPU-bound), and for wider row groups.
  memorySizeMb: 3008,
  timeoutSeconds: 600,
  batchSize: 1,
  writesParquet: true,
};
