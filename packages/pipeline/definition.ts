import type { LockOwner } from '#packages/storage/ledger.ts';
import type { BucketId, TableId } from '#packages/storage/resources.ts';
import { DEFAULT_DATASET } from './config.ts';
import type { PipelineEvent, PipelineEventType } from './events.ts';
import type { RepointedSource } from './source-pointers.ts';
import { ASSEMBLE_STEP } from './stages/assemble.stage.ts';
import { INGEST_STAGE } from './stages/ingest.stage.ts';
import { LOCK_STEP } from './stages/lock.stage.ts';
import { NORMALISE_STAGE } from './stages/normalise.stage.ts';
import { NORMALISE_PENDING_STEP } from './stages/normalise-pending.stage.ts';
import { PARQUET_COPY_STAGE } from './stages/parquet-copy.stage.ts';
import { REFRESH_FAILED_STEP } from './stages/refresh-failed.stage.ts';
import { UNLOCK_STEP } from './stages/unlock.stage.ts';

export { DEFAULT_DATASET };

/**
 * The one pipeline definition.
 *
 * The CDK stack turns every stage into a function (+ queue, DLQ and EventBridge rule for event
 * stages, or a state-machine task for refresh steps) and the local event router dispatches to
 * the same `load()`ed runners in-process. A stage therefore cannot exist locally and not in the
 * cloud, or the other way round. Each stage is declared in `stages/<id>.stage.ts`; its Lambda
 * handler (`entry`) is built from that declaration (lambda-adapter.ts, refresh-step-adapter.ts),
 * so the handler cannot name another runner, and its bundle carries no other stage. This module
 * is imported by the CDK app: keep it free of heavy imports (runners are loaded lazily).
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
  /** GetItem, BatchGetItem and Query. */
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
   * Partition keys the stage only reads (GetItem, BatchGetItem, Query), besides `partitionKeys`:
   * typically the items behind the index entries it queries (`SOURCE#*` behind `byType` SOURCE).
   * @default - none
   */
  readonly readOnlyKeys?: readonly string[];
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
  /**
   * Called by ingest with each upload it handled: the key, the SHA-256 it computed and what it
   * decided (the local CLI reports from it instead of hashing the file again).
   */
  readonly onIngested?: (upload: IngestedUpload) => void;
  /**
   * The local process running a refresh (`hld refresh`), recorded in the lock so that the next
   * command can tell a dead holder and release its lock. Lambda gives none.
   */
  readonly lockOwner?: LockOwner;
}

/** What ingest did with one upload. */
export interface IngestedUpload {
  readonly key: string;
  readonly sha256: string;
  /**
   * `unchanged`: the ledger already knew these bytes; they were not read again. `pending`: a
   * large upload left to normalise, which checks its rows and gives the verdict.
   */
  readonly status: 'accepted' | 'refused' | 'pending' | 'unchanged';
  /** The upload made these bytes its name's current version (they were not before). */
  readonly madeCurrent: boolean;
  /** The source name that first brought these bytes, when it is another one. */
  readonly sameAs?: string;
}

export type EventStageRunner = (event: PipelineEvent, context: StageContext) => Promise<PipelineEvent[]>;

/** The state handed from one refresh step to the next (the Step Functions state). */
export interface RefreshState {
  readonly runId: string;
  readonly dataset: string;
  readonly requestedBy: string;
  readonly lockToken?: string;
  /** The generation of the run's lease: its fencing token (written by the lock step). */
  readonly lockGeneration?: number;
  /** Publish over a rollback (`hld refresh --force`). */
  readonly force?: boolean;
  readonly normalised?: number;
  /** Names pointed at their accepted upload by the refresh (an ingest stopped before pointing them). */
  readonly repointed?: readonly RepointedSource[];
  readonly version?: number;
  readonly previousVersion?: number;
  readonly contentHash?: string;
  readonly published?: boolean;
  readonly diff?: { added: number; removed: number; changed: number; previousDamaged?: string };
  /** Why the live version stayed live (a rollback), or why equal content was published again. */
  readonly note?: string;
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

/** What a stage's handler needs of its declaration (everything but how to load the runner). */
export type StageDeclaration<S extends StageDefinition> = Omit<S, 'load'>;

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
 * The longest a refresh can run: every refresh step, and the failure step, each to its timeout
 * (Step Functions runs them one after another).
 */
export function longestRefreshSeconds(definition: PipelineDefinition): number {
  return definition.stages
    .filter((stage): stage is RefreshStepDefinition => stage.kind === 'refresh-step')
    .reduce((total, stage) => total + (stage.timeoutSeconds ?? 60), 0);
}

/** What the refresh lease outlasts the longest refresh by: Step Functions' own delays between steps. */
export const REFRESH_LEASE_MARGIN_SECONDS = 300;

/**
 * The refresh lease the stack sets (HLD_LOCK_LEASE_SECONDS): longer than the longest refresh, so
 * a live run's lease never expires even if a heartbeat is missed; each step renews it as well.
 */
export function refreshLeaseSeconds(definition: PipelineDefinition): number {
  return longestRefreshSeconds(definition) + REFRESH_LEASE_MARGIN_SECONDS;
}

/** An event stage: its declaration (stages/<id>.stage.ts) and how to load its runner, lazily. */
function eventStage(
  declaration: StageDeclaration<EventStageDefinition>,
  load: EventStageDefinition['load'],
): EventStageDefinition {
  return { ...declaration, load };
}

/** A refresh step: its declaration and how to load its runner, lazily. */
function refreshStep(
  declaration: StageDeclaration<RefreshStepDefinition>,
  load: RefreshStepDefinition['load'],
): RefreshStepDefinition {
  return { ...declaration, load };
}

/**
 * The hld-evidence pipeline. Each runner is named here (for the CDK app and the local router,
 * which load it lazily) and in its stage's handler (which imports it statically, see
 * stage-handler.ts); test/unit/pipeline/handlers.test.ts proves the two are the same function.
 */
export const PIPELINE: PipelineDefinition = {
  name: 'hld-evidence',
  dataset: DEFAULT_DATASET,
  stages: [
    eventStage(INGEST_STAGE, () => import('./stages/ingest-stage.ts').then((m) => m.runIngestStage)),
    eventStage(NORMALISE_STAGE, () => import('./stages/normalise-stage.ts').then((m) => m.runNormaliseStage)),
    eventStage(PARQUET_COPY_STAGE, () =>
      import('./stages/parquet-copy-stage.ts').then((m) => m.runParquetCopyStage),
    ),
    refreshStep(LOCK_STEP, () => import('./stages/lock-steps.ts').then((m) => m.acquireRefreshLockStep)),
    refreshStep(NORMALISE_PENDING_STEP, () =>
      import('./stages/normalise-pending-step.ts').then((m) => m.normalisePendingStep),
    ),
    refreshStep(ASSEMBLE_STEP, () => import('./stages/assemble-step.ts').then((m) => m.assembleStep)),
    refreshStep(UNLOCK_STEP, () => import('./stages/lock-steps.ts').then((m) => m.releaseRefreshLockStep)),
    refreshStep(REFRESH_FAILED_STEP, () => import('./stages/lock-steps.ts').then((m) => m.refreshFailedStep)),
  ],
};
