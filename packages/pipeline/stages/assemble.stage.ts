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
      exports: { read: ['briefings/*'], write: ['briefings/*'] },
    },
    tables: {
      ledger: {
        read: true,
        write: true,
        partitionKeys: [LEDGER_KEYS.file, LEDGER_KEYS.audit],
        readOnlyKeys: [LEDGER_KEYS.source],
        indexQueries: { byType: [LEDGER_INDEX_KEYS.source] },
      },
      briefings: {
        read: true,
        write: true,
        batchWrite: true,
        partitionKeys: [BRIEFING_KEYS.versionItems, BRIEFING_KEYS.dataset, BRIEFING_KEYS.datasets],
      },
    },
    putEvents: true,
  },
  memorySizeMb: 1769,
  timeoutSeconds: 900,
};
