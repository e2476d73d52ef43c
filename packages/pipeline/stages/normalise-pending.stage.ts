import { LEDGER_INDEX_KEYS, LEDGER_KEYS } from '#packages/storage/partition-keys.ts';
import type { RefreshStepDefinition, StageDeclaration } from '../definition.ts';

/**
 * The `normalise-pending` refresh step: normalise every current source that has no snapshot for the current contracts.
 *
 * A declaration only (no code): the CDK app and the local router read it through definition.ts,
 * which adds how to load the runner; the stage's handler (its `entry`) is built from it and the
 * runner, so its bundle carries this stage and no other.
 */
export const NORMALISE_PENDING_STEP: StageDeclaration<RefreshStepDefinition> = {
  kind: 'refresh-step',
  id: 'normalise-pending',
  description: 'Normalise every current source that has no snapshot for the current contracts',
  entry: 'functions/normalise-pending/handler.ts',
  emits: [],
  access: {
    // quarantine/*, SOURCE# (write) and the FILE index: the verdict of files still pending
    // (their report, their names pointed at them; docs/ingest-one-pass.md).
    buckets: {
      raw: { read: ['raw/*'], write: ['quarantine/*'] },
      curated: { read: ['tables/*'], write: ['tables/*', 'parquet/*'] },
    },
    tables: {
      ledger: {
        read: true,
        write: true,
        // LOCK#: the lease heartbeat, renewed before each file.
        partitionKeys: [LEDGER_KEYS.file, LEDGER_KEYS.lock, LEDGER_KEYS.source],
        indexQueries: { byType: [LEDGER_INDEX_KEYS.source, LEDGER_INDEX_KEYS.file] },
      },
    },
  },
  memorySizeMb: 1769,
  timeoutSeconds: 900,
  readsWorkbooks: true,
  // The snapshots it rewrites get their Parquet copies here (no SnapshotWritten follows a step).
  writesParquet: true,
};
