import { LEDGER_KEYS } from '#packages/storage/partition-keys.ts';
import type { EventStageDefinition, StageDeclaration } from '../definition.ts';

/**
 * The `ingest` event stage: keep the upload byte-for-byte under raw/<kind>/<sha256>, record it, validate it.
 *
 * A declaration only (no code): the CDK app and the local router read it through definition.ts,
 * which adds how to load the runner; the stage's handler (its `entry`) is built from it and the
 * runner, so its bundle carries this stage and no other.
 */
export const INGEST_STAGE: StageDeclaration<EventStageDefinition> = {
  kind: 'event',
  id: 'ingest',
  description: 'Keep the upload byte-for-byte under raw/<kind>/<sha256>, record it, validate it',
  entry: 'functions/ingest/handler.ts',
  trigger: { type: 'object-created', bucket: 'raw', prefix: 'incoming/' },
  emits: ['SourceAccepted'],
  access: {
    buckets: { raw: { read: ['incoming/*', 'raw/*'], write: ['raw/*', 'quarantine/*'] } },
    tables: {
      ledger: { read: true, write: true, partitionKeys: [LEDGER_KEYS.file, LEDGER_KEYS.source] },
    },
    putEvents: true,
  },
  // A plain contract CSV over the in-memory limit is hashed as a stream and its head checked
  // (normalise checks the rows); when the head fails it is validated whole as a stream (up to
  // HLD_MAX_STREAM_BYTES): CPU-bound, so a full vCPU (1,769 MB) and time for a large file.
  memorySizeMb: 1769,
  timeoutSeconds: 600,
  batchSize: 5,
  // Uploads arrive in bursts (a folder at a time); five at once keeps a burst moving without
  // five more 1.8 GB functions than the account needs.
  maxConcurrency: 5,
  readsWorkbooks: true,
};
