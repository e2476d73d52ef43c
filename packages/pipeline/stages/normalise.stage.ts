import { LEDGER_KEYS } from '#packages/storage/partition-keys.ts';
import type { EventStageDefinition, StageDeclaration } from '../definition.ts';

/**
 * The `normalise` event stage: stream the valid rows of an accepted source into Arrow IPC tables.
 *
 * A declaration only (no code): the CDK app and the local router read it through definition.ts,
 * which adds how to load the runner; the stage's handler (its `entry`) is built from it and the
 * runner, so its bundle carries this stage and no other.
 */
export const NORMALISE_STAGE: StageDeclaration<EventStageDefinition> = {
  kind: 'event',
  id: 'normalise',
  description: 'Stream the valid rows of an accepted source into Arrow IPC tables',
  entry: 'functions/normalise/handler.ts',
  trigger: { type: 'pipeline-event', detailType: 'SourceAccepted' },
  emits: ['SnapshotWritten'],
  access: {
    // quarantine/* and SOURCE#: the verdict of a large upload ingest left pending (its report,
    // then its names pointed at it; docs/ingest-one-pass.md).
    buckets: {
      raw: { read: ['raw/*'], write: ['quarantine/*'] },
      curated: { read: ['tables/*'], write: ['tables/*'] },
    },
    tables: {
      ledger: { read: true, write: true, partitionKeys: [LEDGER_KEYS.file, LEDGER_KEYS.source] },
    },
    putEvents: true,
  },
  memorySizeMb: 1769,
  timeoutSeconds: 600,
  batchSize: 1,
  readsWorkbooks: true,
};
