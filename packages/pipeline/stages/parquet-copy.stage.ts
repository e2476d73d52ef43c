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
  // The curated IPC file is read whole (278 MB for 1M rows of 23 columns); parquet-wasm then
  // holds one row group at a time: 614 MB peak for 1M rows (npm run bench -- --only
  // parquet-write-1m). The headroom is for larger files, which still grow the peak linearly.
  memorySizeMb: 3008,
  timeoutSeconds: 600,
  batchSize: 1,
  writesParquet: true,
};
