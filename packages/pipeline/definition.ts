import { BRIEFING_KEYS, LEDGER_INDEX_KEYS, LEDGER_KEYS } from '#packages/storage/partition-keys.ts';
import type { BucketId, TableId } from '#packages/storage/resources.ts';
import { DEFAULT_DATASET } from './config.ts';

export { DEFAULT_DATASET };

import type { PipelineEvent, PipelineEventType } from './events.ts';

/**
 * The one pipeline definition.
 *
 * The CDK stack turns every stage into a function (+ queue, DLQ and EventBridge rule for event
 * stages, or a state-machine task for refresh steps) and the local event router dispatches to
 * the same `load()`ed runners in-process. A stage therefore cannot exist locally and not in the
 * cloud, or the other way round. This module is imported by the CDK app: keep it free of heavy
 * imports (runners are loaded lazily).
 */

/** What a stage may do to one bucket; prefixes end in `*`. */
export interface BucketAccess {
  readonly read?: readonly string[];
  readonly write?: readonly string[];
  readonly delete?: readonly string[];
}

/**
 * What a stage may do to one table. Each flag is a set of IAM actions
 * (infra/constructs/stage-access-policy.ts), every one limited to `partitionKeys`.
 */
export interface TableAccess {
  /** GetItem and Query. */
  readonly read?: boolean;
  /** PutItem and UpdateItem. */
  readonly write?: boolean;
  /**
   * DeleteItem, on these partition-key patterns only (a subset of `partitionKeys`).
   * @default - no DeleteItem
   */
  readonly delete?: readonly string[];
  /** BatchWriteItem (puts and deletes in chunks of 25). */
  readonly batchWrite?: boolean;
  /**
   * The partition keys the stage touches, as `dynamodb:LeadingKeys` patterns from
   * packages/storage/partition-keys.ts (`FILE#*`, or an exact key such as `DATASETS`).
   */
  readonly partitionKeys: readonly string[];
  /**
   * Queries on a global secondary index: index name → the index partition-key values the stage
   * queries (`{ byType: ['SOURCE'] }`).
   * @default - no index is queried
   */
  readonly indexQueries?: Readonly<Record<string, readonly string[]>>;
}

export interface StageAccess {
  readonly buckets: Partial<Record<BucketId, BucketAccess>>;
  readonly tables: Partial<Record<TableId, TableAccess>>;
  /** May put events on the pipeline's event bus. */
  readonly putEvents?: boolean;
}

/** An S3 upload under `prefix` of `bucket` starts the stage (S3 → EventBridge → SQS → Lambda). */
export interface ObjectCreatedTrigger {
  readonly type: 'object-created';
  readonly bucket: BucketId;
  readonly prefix: string;
}

/** A pipeline event starts the stage (EventBridge rule → SQS → Lambda). */
export interface PipelineEventTrigger {
  readonly type: 'pipeline-event';
  readonly detailType: Exclude<PipelineEventType, 'Object Created'>;
}

export type EventStageTrigger = ObjectCreatedTrigger | PipelineEventTrigger;

/** Context the runtime hands a runner; identical locally and in Lambda. */
export interface StageContext {
  /** Milliseconds left before the runtime gives up (Lambda's getRemainingTimeInMillis). */
  readonly remainingTimeMs?: () => number;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

export type EventStageRunner = (event: PipelineEvent, context: StageContext) => Promise<PipelineEvent[]>;

/** The state handed from one refresh step to the next (the Step Functions state). */
export interface RefreshState {
  readonly runId: string;
  readonly dataset: string;
  readonly requestedBy: string;
  readonly lockToken?: string;
  readonly normalised?: number;
  readonly version?: number;
  readonly previousVersion?: number;
  readonly contentHash?: string;
  readonly published?: boolean;
  readonly diff?: { added: number; removed: number; changed: number };
  readonly error?: string;
}

export type RefreshStepRunner = (state: RefreshState, context: StageContext) => Promise<RefreshState>;

interface StageBase {
  /** Lower-case id; becomes the construct id, the function name suffix and the router route. */
  readonly id: string;
  readonly description: string;
  /** Lambda entry, relative to the repository root. */
  readonly entry: string;
  readonly access: StageAccess;
  /** @default 512 */
  readonly memorySizeMb?: number;
  /** @default 60 */
  readonly timeoutSeconds?: number;
  /**
   * The stage reads uploads, XLSX workbooks among them: its function gets the workbook layer
   * (exceljs, which the function bundles leave out; see infra/bundling.ts).
   * @default false
   */
  readonly readsWorkbooks?: boolean;
  /**
   * The stage writes Parquet: its function gets the Parquet layer (parquet-wasm and its .wasm,
   * which a single-file bundle cannot carry; see infra/bundling.ts).
   * @default false
   */
  readonly writesParquet?: boolean;
  /**
   * Most invocations of the stage's function at once, so one busy stage cannot take the account's
   * whole Lambda concurrency: the SQS event source's `MaximumConcurrency` for an event stage
   * (2–1000), reserved concurrency for a refresh step.
   * @default DEFAULT_EVENT_STAGE_CONCURRENCY for event stages; no reservation for refresh steps
   *   (the refresh lock already admits one run at a time, and a reservation fails to deploy in
   *   accounts whose concurrency quota is still the new-account 10)
   */
  readonly maxConcurrency?: number;
}

/** `maxConcurrency` of an event stage that sets none: the SQS event source minimum. */
export const DEFAULT_EVENT_STAGE_CONCURRENCY = 2;

export interface EventStageDefinition extends StageBase {
  readonly kind: 'event';
  readonly trigger: EventStageTrigger;
  readonly emits: readonly PipelineEventType[];
  /** SQS batch size for the event source mapping. @default 10 */
  readonly batchSize?: number;
  readonly load: () => Promise<EventStageRunner>;
}

export interface RefreshStepDefinition extends StageBase {
  readonly kind: 'refresh-step';
  /** Runs when the refresh fails, after any step (releases the lock). */
  readonly onFailure?: boolean;
  readonly emits: readonly PipelineEventType[];
  readonly load: () => Promise<RefreshStepRunner>;
}

export type StageDefinition = EventStageDefinition | RefreshStepDefinition;

export interface PipelineDefinition {
  readonly name: string;
  /** Briefing dataset the refresh assembles. */
  readonly dataset: string;
  readonly stages: readonly StageDefinition[];
}

export function eventStages(definition: PipelineDefinition): EventStageDefinition[] {
  return definition.stages.filter((stage): stage is EventStageDefinition => stage.kind === 'event');
}

/** Refresh steps in execution order (the failure handler last). */
export function refreshSteps(definition: PipelineDefinition): RefreshStepDefinition[] {
  return definition.stages.filter(
    (stage): stage is RefreshStepDefinition => stage.kind === 'refresh-step' && !stage.onFailure,
  );
}

export function refreshFailureStep(definition: PipelineDefinition): RefreshStepDefinition | undefined {
  return definition.stages.find(
    (stage): stage is RefreshStepDefinition => stage.kind === 'refresh-step' && Boolean(stage.onFailure),
  );
}

/**
 * What the steps that end a run need: finish its RUN# record and delete the lease (the lease only,
 * never a run, file or audit record).
 */
const LOCK_RELEASE_ACCESS: StageAccess = {
  buckets: {},
  tables: {
    ledger: { write: true, delete: [LEDGER_KEYS.lock], partitionKeys: [LEDGER_KEYS.lock, LEDGER_KEYS.run] },
  },
};

/** The hld-evidence pipeline. */
export const PIPELINE: PipelineDefinition = {
  name: 'hld-evidence',
  dataset: DEFAULT_DATASET,
  stages: [
    {
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
      // A plain contract CSV over the in-memory limit is hashed and validated as a stream (up to
      // HLD_MAX_STREAM_BYTES): CPU-bound, so a full vCPU (1,769 MB) and time for a large file.
      memorySizeMb: 1769,
      timeoutSeconds: 600,
      batchSize: 5,
      // Uploads arrive in bursts (a folder at a time); five at once keeps a burst moving without
      // five more 1.8 GB functions than the account needs.
      maxConcurrency: 5,
      readsWorkbooks: true,
      load: () => import('./stages/ingest-stage.ts').then((m) => m.runIngestStage),
    },
    {
      kind: 'event',
      id: 'normalise',
      description: 'Stream the valid rows of an accepted source into Arrow IPC tables',
      entry: 'functions/normalise/handler.ts',
      trigger: { type: 'pipeline-event', detailType: 'SourceAccepted' },
      emits: ['SnapshotWritten'],
      access: {
        buckets: { raw: { read: ['raw/*'] }, curated: { read: ['tables/*'], write: ['tables/*'] } },
        tables: { ledger: { read: true, write: true, partitionKeys: [LEDGER_KEYS.file] } },
        putEvents: true,
      },
      memorySizeMb: 1769,
      timeoutSeconds: 600,
      batchSize: 1,
      readsWorkbooks: true,
      load: () => import('./stages/normalise-stage.ts').then((m) => m.runNormaliseStage),
    },
    {
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
      // parquet-wasm holds the table, its IPC stream and the Parquet output in memory: about
      // 1.2 GB for 1M rows (npm run bench -- --only parquet-write-1m).
      memorySizeMb: 3008,
      timeoutSeconds: 600,
      batchSize: 1,
      writesParquet: true,
      load: () => import('./stages/parquet-copy-stage.ts').then((m) => m.runParquetCopyStage),
    },
    {
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
      load: () => import('./stages/lock-steps.ts').then((m) => m.acquireRefreshLockStep),
    },
    {
      kind: 'refresh-step',
      id: 'normalise-pending',
      description: 'Normalise every current source that has no snapshot for the current contracts',
      entry: 'functions/normalise-pending/handler.ts',
      emits: [],
      access: {
        buckets: { raw: { read: ['raw/*'] }, curated: { read: ['tables/*'], write: ['tables/*'] } },
        tables: {
          ledger: {
            read: true,
            write: true,
            partitionKeys: [LEDGER_KEYS.file],
            indexQueries: { byType: [LEDGER_INDEX_KEYS.source] },
          },
        },
      },
      memorySizeMb: 1769,
      timeoutSeconds: 900,
      readsWorkbooks: true,
      load: () => import('./stages/normalise-pending-step.ts').then((m) => m.normalisePendingStep),
    },
    {
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
      load: () => import('./stages/assemble-step.ts').then((m) => m.assembleStep),
    },
    {
      kind: 'refresh-step',
      id: 'unlock',
      description: 'Release the refresh lock and record the run',
      entry: 'functions/refresh-unlock/handler.ts',
      emits: [],
      onFailure: false,
      access: LOCK_RELEASE_ACCESS,
      memorySizeMb: 256,
      timeoutSeconds: 30,
      load: () => import('./stages/lock-steps.ts').then((m) => m.releaseRefreshLockStep),
    },
    {
      kind: 'refresh-step',
      id: 'refresh-failed',
      description: 'Release the lock after a failed refresh and record the failure',
      entry: 'functions/refresh-failed/handler.ts',
      emits: [],
      onFailure: true,
      access: LOCK_RELEASE_ACCESS,
      memorySizeMb: 256,
      timeoutSeconds: 30,
      load: () => import('./stages/lock-steps.ts').then((m) => m.refreshFailedStep),
    },
  ],
};
