/**
 * The partition keys the pipeline's code writes and reads, as IAM `dynamodb:LeadingKeys` patterns
 * (`*` = any rest of the key). The pipeline definition grants each stage a subset of these, and
 * the CDK stack turns them into per-role conditions.
 *
 * The repositories (ledger.ts, briefing-store.ts) build their keys themselves; a test runs every
 * stage against an emulator and checks that each key it touched matches the patterns its stage
 * declares (test/integration/stage-access.test.ts), so a new key prefix cannot go unnoticed.
 * No imports: the CDK app reads this module.
 */

/** Partition keys of the ledger table. */
export const LEDGER_KEYS = {
  /** `FILE#<sha256>`: the file record (sk META) and its snapshots (sk SNAPSHOT#…). */
  file: 'FILE#*',
  /** `SOURCE#<kind>/<name>`: which file a logical source currently points at. */
  source: 'SOURCE#*',
  /** `LOCK#<name>`: the refresh lease. */
  lock: 'LOCK#*',
  /** `RUN#<runId>`: one refresh run. */
  run: 'RUN#*',
  /** `AUDIT#<dataset>`: who moved a dataset's CURRENT pointer, when and why. */
  audit: 'AUDIT#*',
} as const;

/** Values of the ledger's `byType` index partition key (`gsi1pk`) that the code queries. */
export const LEDGER_INDEX_KEYS = {
  file: 'FILE',
  source: 'SOURCE',
  run: 'RUN',
  audit: 'AUDIT',
} as const;

/** Partition keys of the briefings table. */
export const BRIEFING_KEYS = {
  /** `B#<dataset>#v<N>#<shard>`: the items of one version. */
  versionItems: 'B#*',
  /** `D#<dataset>`: version records, the CURRENT pointer and the audit trail. */
  dataset: 'D#*',
  /** `DATASETS`: the registry of dataset names (so listing needs no Scan). */
  datasets: 'DATASETS',
} as const;
