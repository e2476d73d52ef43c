import { BRIEFING_KEYS, LEDGER_INDEX_KEYS, LEDGER_KEYS } from '#packages/storage/partition-keys.ts';
import type { RefreshStepDefinition, StageDeclaration } from '../definition.ts';

/**
 * The `assemble` refresh step: build briefing version N+1 from the curated tables and publish it atomically.
 *
 * A declaration only (no code): the CDK app and the local router read it through definition.ts,
 * which adds how to load the runner; the stage's handler (its `entry`) is built from it and the
 * runner, so its bundle carries this stage and no other.
 */
export const ASSEMBLE_STEP: StageDeclaration<RefreshStepDefinition> = {
  kind: 'refresh-step',
  id: 'assemble',
  description: 'Build briefing version N+1 from the curated tables and publish it atomically',
  entry: 'functions/assemble/handler.ts',
  emits: ['BriefingPublished'],
  access: {
    buckets: {
      curated: { read: ['tables/*'] },
      // Retention deletes a pruned version's exports with it.
      exports: { read: ['briefings/*'], write: ['briefings/*'], delete: ['briefings/*'] },
    },
    tables: {
      ledger: {
        read: true,
        write: true,
        // LOCK#: the lease heartbeat (renewed before each write; read back when it was lost).
        partitionKeys: [LEDGER_KEYS.file, LEDGER_KEYS.audit, LEDGER_KEYS.lock],
        readOnlyKeys: [LEDGER_KEYS.source],
        indexQueries: { byType: [LEDGER_INDEX_KEYS.source] },
      },
      briefings: {
        read: true,
        write: true,
        batchWrite: true,
        // Dropping an empty tombstone of an abandoned version number (a conditional DeleteItem).
        delete: [BRIEFING_KEYS.dataset],
        partitionKeys: [BRIEFING_KEYS.versionItems, BRIEFING_KEYS.dataset, BRIEFING_KEYS.datasets],
      },
    },
    putEvents: true,
  },
  memorySizeMb: 1769,
  timeoutSeconds: 900,
};
