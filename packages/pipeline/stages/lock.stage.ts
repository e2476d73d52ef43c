import { LEDGER_KEYS } from '#packages/storage/partition-keys.ts';
import type { RefreshStepDefinition, StageDeclaration } from '../definition.ts';

/**
 * The `lock` refresh step: take the refresh lock (a lease in the ledger) so two refreshes cannot overlap.
 *
 * A declaration only (no code): the CDK app and the local router read it through definition.ts,
 * which adds how to load the runner; the stage's handler (its `entry`) is built from it and the
 * runner, so its bundle carries this stage and no other.
 */
export const LOCK_STEP: StageDeclaration<RefreshStepDefinition> = {
  kind: 'refresh-step',
  id: 'lock',
  description: 'Take the refresh lock (a lease in the ledger) so two refreshes cannot overlap',
  entry: 'functions/refresh-lock/handler.ts',
  emits: [],
  access: {
    buckets: {},
    tables: {
      ledger: { read: true, write: true, partitionKeys: [LEDGER_KEYS.lock, LEDGER_KEYS.run] },
    },
  },
  memorySizeMb: 256,
  timeoutSeconds: 30,
};
