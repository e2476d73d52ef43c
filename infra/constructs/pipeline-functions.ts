import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import {
  eventStages,
  PIPELINE,
  type PipelineDefinition,
  refreshLeaseSeconds,
  type StageDefinition,
} from '#packages/pipeline/definition.ts';
import { stageQueueName } from '#packages/pipeline/stage-queues.ts';
import {
  HLD_DATASET,
  HLD_EVENT_BUS,
  HLD_KEEP_VERSIONS,
  HLD_LOCK_LEASE_SECONDS,
  HLD_STAGE,
} from '#packages/settings/settings.ts';
import { BUCKETS, TABLES } from '#packages/storage/resources.ts';
import { lambdaNodeOptions } from '../bundling.ts';
import { PipelineWiringError } from '../errors.ts';
import { constructIdOf } from './construct-id.ts';
import { EventStage } from './event-stage.ts';
import { EvidenceFunction } from './evidence-function.ts';
import { parquetLayer, workbookLayer } from './package-layers.ts';
import type { PipelineFunctionsProps } from './pipeline-functions-props.ts';
import { settingEnvironment } from './setting-env.ts';

/**
 * Every stage of a pipeline definition as cloud resources: one function per stage, and for each
 * event stage its EventBridge rule → SQS queue (+ DLQ) → function path. Also owns the pipeline's
 * custom event bus, on which stages emit and `pipeline-event` triggers listen.
 *
 * Guarantees:
 * - a stage exists in the cloud exactly when it exists in the definition the local event router
 *   dispatches from: nothing here is listed by hand;
 * - every function gets the resource names the local backends use (the settings of
 *   `BUCKETS[x]` and `TABLES[x]`), the dataset and the retention (`HLD_KEEP_VERSIONS`); event
 *   stages, which put events, also get `HLD_EVENT_BUS` — set through packages/settings, so a
 *   function receives only variables its code reads, with values in range;
 * - each function's permissions come from its stage's `access` (see {@link EvidenceFunction});
 * - each stage's concurrency is bounded by its `maxConcurrency` (SQS `MaximumConcurrency` for
 *   event stages, reserved concurrency for a refresh step that sets one);
 * - the stages that read uploads (`readsWorkbooks`), and only they, get the workbook layer
 *   (exceljs); the stages that write Parquet (`writesParquet`), and only they, the Parquet layer;
 * - each event stage's delivery path is an {@link EventStage}.
 */
export class PipelineFunctions extends Construct {
  readonly definition: PipelineDefinition;
  readonly eventBus: events.EventBus;
  /** Resource names and runtime options every function of the stack gets (the API's whole environment). */
  readonly resourceEnvironment: Readonly<Record<string, string>>;
  /** Environment every pipeline function gets (event stages add HLD_EVENT_BUS). */
  readonly environment: Readonly<Record<string, string>>;
  /** Roles of the stages whose definition has `putEvents`. */
  readonly eventPublisherRoles: readonly iam.IRole[];
  /** Functions by stage id. */
  readonly functions: ReadonlyMap<string, EvidenceFunction>;
  /** Delivery paths by event stage id. */
  readonly eventStages: ReadonlyMap<string, EventStage>;
  /** exceljs for the stages that read workbooks; undefined when no stage does. */
  readonly workbookLayer: lambda.ILayerVersion | undefined;
  /** parquet-wasm for the stages that write Parquet; undefined when no stage does. */
  readonly parquetLayer: lambda.ILayerVersion | undefined;

  constructor(scope: Construct, id: string, props: PipelineFunctionsProps) {
    super(scope, id);
    this.definition = props.definition ?? PIPELINE;
    assertStageIds(this.definition);

    this.eventBus = new events.EventBus(this, 'EventBus', { eventBusName: `${props.namePrefix}-pipeline` });

    this.resourceEnvironment = {
      ...settingEnvironment(BUCKETS.raw.setting, props.buckets.raw.bucketName),
      ...settingEnvironment(BUCKETS.curated.setting, props.buckets.curated.bucketName),
      ...settingEnvironment(BUCKETS.exports.setting, props.buckets.exports.bucketName),
      ...settingEnvironment(TABLES.ledger.setting, props.tables.ledger.tableName),
      ...settingEnvironment(TABLES.briefings.setting, props.tables.briefings.tableName),
      ...(props.stageName === undefined ? {} : settingEnvironment(HLD_STAGE, props.stageName)),
      POWERTOOLS_SERVICE_NAME: this.definition.name,
      POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
      POWERTOOLS_LOGGER_SAMPLE_RATE: String(debugLogSampleRate(props.debugLogSampleRate ?? 0)),
      POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace ?? 'HldEvidence',
      ...lambdaNodeOptions({ sourceMaps: props.sourceMapStackTraces ?? false }),
    };
    this.environment = {
      ...this.resourceEnvironment,
      ...settingEnvironment(HLD_DATASET, this.definition.dataset),
      // Longer than the state machine's longest path (every step to its timeout).
      ...settingEnvironment(HLD_LOCK_LEASE_SECONDS, refreshLeaseSeconds(this.definition)),
      ...(props.briefingVersionsToKeep === undefined
        ? {}
        : settingEnvironment(HLD_KEEP_VERSIONS, props.briefingVersionsToKeep)),
      ...props.extraEnvironment,
    };
    const eventEnvironment = {
      ...this.environment,
      ...settingEnvironment(HLD_EVENT_BUS, this.eventBus.eventBusName),
    };
    const environmentOf = (stage: StageDefinition) =>
      stage.kind === 'event' ? eventEnvironment : this.environment;

    this.workbookLayer = this.definition.stages.some((stage) => stage.readsWorkbooks)
      ? workbookLayer(this, 'WorkbookLayer').layer
      : undefined;
    this.parquetLayer = this.definition.stages.some((stage) => stage.writesParquet)
      ? parquetLayer(this, 'ParquetLayer').layer
      : undefined;

    const functions = new Map<string, EvidenceFunction>();
    for (const stage of this.definition.stages) {
      functions.set(
        stage.id,
        new EvidenceFunction(this, constructIdOf(stage.id), {
          functionName: `${props.namePrefix}-${stage.id}`,
          description: stage.description,
          entry: stage.entry,
          access: stage.access,
          buckets: props.buckets,
          tables: props.tables,
          encryptionKey: props.encryptionKey,
          eventBus: this.eventBus,
          environment: environmentOf(stage),
          ...(stage.memorySizeMb !== undefined ? { memorySizeMb: stage.memorySizeMb } : {}),
          ...(stage.timeoutSeconds !== undefined ? { timeoutSeconds: stage.timeoutSeconds } : {}),
          // Event stages are bounded at their SQS event source (EventStage); a refresh step only
          // when its definition asks for a reservation.
          ...(stage.kind === 'refresh-step' && stage.maxConcurrency !== undefined
            ? { reservedConcurrency: stage.maxConcurrency }
            : {}),
          ...layersOf(stage, { workbook: this.workbookLayer, parquet: this.parquetLayer }),
          ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
          ...(props.removalPolicy !== undefined ? { logRemovalPolicy: props.removalPolicy } : {}),
        }),
      );
    }
    this.functions = functions;
    this.eventPublisherRoles = this.definition.stages
      .filter((stage) => stage.access.putEvents)
      .map((stage) => this.functionOf(stage.id).role);

    const delivery = new Map<string, EventStage>();
    for (const stage of eventStages(this.definition)) {
      const handler = functions.get(stage.id);
      if (!handler) throw new PipelineWiringError(`No function was built for event stage '${stage.id}'.`);
      delivery.set(
        stage.id,
        new EventStage(this, `${constructIdOf(stage.id)}Delivery`, {
          stage,
          handler: handler.function,
          queueName: stageQueueName(props.namePrefix, stage.id),
          pipelineEventBus: this.eventBus,
          pipelineEventBusName: `${props.namePrefix}-pipeline`,
          buckets: props.buckets,
        }),
      );
    }
    this.eventStages = delivery;
  }

  /**
   * Make the pipeline bus refuse events from every principal but the stages with `putEvents` and
   * `otherPublishers` (the refresh state machine): an IAM grant elsewhere in the account cannot
   * inject `hld.evidence` events. Call once, after every publisher's role exists.
   */
  restrictEventPublishers(otherPublishers: readonly iam.IRole[]): void {
    this.eventBus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyPipelinePublishersPutEvents',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.eventBus.eventBusArn],
        conditions: {
          ArnNotEquals: {
            'aws:PrincipalArn': [...this.eventPublisherRoles, ...otherPublishers].map((role) => role.roleArn),
          },
        },
      }),
    );
  }

  /** The function of stage `stageId`; throws when the definition has no such stage. */
  functionOf(stageId: string): EvidenceFunction {
    const found = this.functions.get(stageId);
    if (!found) throw new PipelineWiringError(`The pipeline definition has no stage '${stageId}'.`);
    return found;
  }
}

/**
 * Stage ids become physical names and construct ids; a duplicate or an odd character would
 * surface as a CloudFormation error far from its cause.
 */
function assertStageIds(definition: PipelineDefinition): void {
  const seen = new Set<string>();
  for (const stage of definition.stages) {
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(stage.id)) {
      throw new PipelineWiringError(
        `Stage id '${stage.id}' must be 1-31 lower-case letters, digits or '-', starting with a letter.`,
      );
    }
    if (seen.has(stage.id)) throw new PipelineWiringError(`Stage id '${stage.id}' appears twice.`);
    seen.add(stage.id);
  }
}

/** POWERTOOLS_LOGGER_SAMPLE_RATE is a share of invocations; Powertools ignores anything else silently. */
function debugLogSampleRate(rate: number): number {
  if (!(rate >= 0 && rate <= 1)) {
    throw new PipelineWiringError(
      `debugLogSampleRate ${rate} must be a share from 0 to 1 (0.01: 1 % of invocations).`,
    );
  }
  return rate;
}

/** The layers a stage's function gets, from its `readsWorkbooks` and `writesParquet`. */
function layersOf(
  stage: { readonly readsWorkbooks?: boolean; readonly writesParquet?: boolean },
  layers: { readonly workbook?: lambda.ILayerVersion; readonly parquet?: lambda.ILayerVersion },
): { layers?: lambda.ILayerVersion[] } {
  const wanted = [
    ...(stage.readsWorkbooks && layers.workbook ? [layers.workbook] : []),
    ...(stage.writesParquet && layers.parquet ? [layers.parquet] : []),
  ];
  return wanted.length > 0 ? { layers: wanted } : {};
}
