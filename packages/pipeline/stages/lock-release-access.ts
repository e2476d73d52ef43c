import { LEDGER_KEYS } from '#packages/storage/partition-keys.ts';
import type { StageAccess } from '../definition.ts';

/**
 * What the steps that end a run need: finish its RUN# record and delete the lease (the lease only,
 * never a run, file or audit record).
 */
export const LOCK_RELEASE_ACCESS: StageAccess = {
  buckets: {},
  tables: {
    ledger: { write: true, delete: [LEDGER_KEYS.lock], partitionKeys: [LEDGER_KEYS.lock, LEDGER_KEYS.run] },
  },
};
