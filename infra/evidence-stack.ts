import { CfnOutput, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { PIPELINE, refreshFailureStep, refreshSteps } from '#packages/pipeline/definition.ts';
import { BriefingApi } from './constructs/briefing-api.ts';
import { evidenceKeyPolicy } from './constructs/evidence-key-policy.ts';
import { EvidenceStorage } from './constructs/evidence-storage.ts';
import { EvidenceTables } from './constructs/evidence-tables.ts';
import { PipelineAlarms } from './constructs/pipeline-alarms.ts';
import { PipelineFunctions } from './constructs/pipeline-functions.ts';
import { QueryCatalog } from './constructs/query-catalog.ts';
import { RefreshWorkflow } from './constructs/refresh-workflow.ts';
import type { EvidenceStackProps } from './evidence-stack-props.ts';

/**
 * The hld-evidence pipeline of one stage (dev or prod): storage, tables, the stage functions and
 * their event delivery, the scheduled refresh, the briefing API and the alarms.
 *
 * Guarantees (each proven by a test in test/infra, listed in docs/security.md):
 * - all data at rest is encrypted: buckets, tables, the alarm topic and every log group with one
 *   customer-managed KMS key (yearly rotation) that decrypts only through S3 and DynamoDB, queues
 *   with SSE-SQS;
 * - nothing is public and everything is TLS-only;
 * - raw evidence is write-once (Object Lock), and every bucket refuses another encryption;
 * - every function has a role of its own, granting exactly its stage's access, down to the
 *   partition keys of the tables;
 * - every failure path that AWS reports has an alarm, and the alarms can reach the topic;
 * - stateful resources are RETAINed unless the stage opts in to DESTROY;
 * - it synthesizes with zero unacknowledged cdk-nag AwsSolutions findings.
 */
export class EvidenceStack extends Stack {
  readonly encryptionKey: kms.Key;
  readonly storage: EvidenceStorage;
  readonly tables: EvidenceTables;
  readonly pipeline: PipelineFunctions;
  readonly refresh: RefreshWorkflow;
  /** Undefined when the stack is built with `briefingApi: false`. */
  readonly api?: BriefingApi;
  readonly alarms: PipelineAlarms;
  readonly query: QueryCatalog;

  constructor(scope: Construct, id: string, props: EvidenceStackProps) {
    super(scope, id, props);
    const { config } = props;
    const definition = props.definition ?? PIPELINE;
    const removalPolicy = config.destroyOnRemoval ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    Tags.of(this).add('project', definition.name);
    Tags.of(this).add('stage', config.stage);

    this.encryptionKey = new kms.Key(this, 'EvidenceKey', {
      alias: `alias/${config.namePrefix}`,
      description: `Encrypts the ${config.namePrefix} evidence buckets, tables, alarm topic and log groups`,
      enableKeyRotation: true,
      policy: evidenceKeyPolicy(this, {
        // Every log group of the stack is named under one of these (functions, state machine, API).
        logGroupNamePatterns: [
          `/aws/lambda/${config.namePrefix}-*`,
          `/aws/vendedlogs/states/${config.namePrefix}-*`,
          `/aws/apigateway/${config.namePrefix}-*`,
        ],
        ...(config.keyAdministratorArns ? { keyAdministratorArns: config.keyAdministratorArns } : {}),
      }),
      removalPolicy,
      // A deleted key is recoverable for this long; everything it encrypted is not after that.
      pendingWindow: Duration.days(config.destroyOnRemoval ? 7 : 30),
    });

    this.storage = new EvidenceStorage(this, 'Storage', {
      encryptionKey: this.encryptionKey,
      removalPolicy,
      rawObjectLock: config.rawObjectLock,
      denyEvidenceVersionDeletion: !config.destroyOnRemoval,
      rawIncomingExpiryDays: config.incomingObjectExpiryDays,
      rawIncomingNoncurrentVersionExpiryDays: config.incomingNoncurrentVersionRetentionDays,
      derivedNoncurrentVersionExpiryDays: config.derivedNoncurrentVersionRetentionDays,
      queryResultExpiryDays: config.queryResultRetentionDays,
      accessLogExpiryDays: config.accessLogRetentionDays,
    });

    this.tables = new EvidenceTables(this, 'Tables', {
      encryptionKey: this.encryptionKey,
      tableDeletionProtection: config.tableDeletionProtection,
      removalPolicy,
    });

    this.pipeline = new PipelineFunctions(this, 'Pipeline', {
      definition,
      namePrefix: config.namePrefix,
      stageName: config.stage,
      sourceMapStackTraces: config.sourceMapStackTraces,
      buckets: this.storage.buckets,
      tables: this.tables.tables,
      encryptionKey: this.encryptionKey,
      briefingVersionsToKeep: config.briefingVersionsToKeep,
      logRetention: config.logRetention,
      removalPolicy,
    });

    const stepFunctions = new Map<string, lambda.IFunction>();
    for (const step of [...refreshSteps(definition), refreshFailureStep(definition)]) {
      if (step) stepFunctions.set(step.id, this.pipeline.functionOf(step.id).function);
    }
    this.refresh = new RefreshWorkflow(this, 'Refresh', {
      definition,
      stepFunctions,
      pipelineEventBus: this.pipeline.eventBus,
      stateMachineName: `${config.namePrefix}-refresh`,
      refreshScheduleCron: config.refreshScheduleCron,
      refreshScheduleTimeZone: config.refreshScheduleTimeZone,
      encryptionKey: this.encryptionKey,
      logLevel: config.refreshLogging.level,
      logExecutionData: config.refreshLogging.includeExecutionData,
      logRetention: config.logRetention,
      logRemovalPolicy: removalPolicy,
    });
    this.pipeline.restrictEventPublishers([this.refresh.stateMachine.role]);

    if (props.briefingApi ?? true) {
      this.api = new BriefingApi(this, 'Api', {
        apiName: `${config.namePrefix}-api`,
        buckets: this.storage.buckets,
        tables: this.tables.tables,
        encryptionKey: this.encryptionKey,
        environment: this.pipeline.resourceEnvironment,
        ...(props.apiEntry ? { apiEntry: props.apiEntry } : {}),
        apiThrottleRateLimit: config.apiThrottleRateLimit,
        apiThrottleBurstLimit: config.apiThrottleBurstLimit,
        logRetention: config.logRetention,
        logRemovalPolicy: removalPolicy,
      });
    }

    const alarmedFunctions = new Map<string, lambda.IFunction>();
    for (const [stageId, fn] of this.pipeline.functions) alarmedFunctions.set(stageId, fn.function);
    if (this.api) alarmedFunctions.set('api', this.api.handler.function);
    this.alarms = new PipelineAlarms(this, 'Alarms', {
      namePrefix: config.namePrefix,
      encryptionKey: this.encryptionKey,
      alarmedEventStages: [...this.pipeline.eventStages].map(([stageId, delivery]) => ({
        stageId,
        queue: delivery.queue,
        deadLetterQueue: delivery.deadLetterQueue,
        ruleName: delivery.ruleName,
        ...(delivery.eventBusName ? { eventBusName: delivery.eventBusName } : {}),
      })),
      alarmedFunctions,
      stateMachine: this.refresh.stateMachine,
      schedule: {
        scheduleGroup: this.refresh.scheduleGroup,
        deadLetterQueue: this.refresh.scheduleDeadLetterQueue,
      },
      ...(this.api ? { api: this.api.api } : {}),
      ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
    });

    this.query = new QueryCatalog(this, 'Query', {
      namePrefix: config.namePrefix,
      curatedBucket: this.storage.buckets.curated,
      queryResultsBucket: this.storage.queryResultsBucket,
      encryptionKey: this.encryptionKey,
      bytesScannedCutoffPerQuery: config.athenaBytesScannedCutoffPerQuery,
    });

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('RawBucketName', this.storage.buckets.raw.bucketName, 'Upload evidence under incoming/<kind>/');
    output('CuratedBucketName', this.storage.buckets.curated.bucketName, 'Arrow IPC tables');
    output('ExportsBucketName', this.storage.buckets.exports.bucketName, 'Briefing exports');
    output('LedgerTableName', this.tables.tables.ledger.tableName, 'Files, runs, locks and lineage');
    output('BriefingsTableName', this.tables.tables.briefings.tableName, 'Versioned briefings');
    output('EventBusName', this.pipeline.eventBus.eventBusName, 'Pipeline event bus');
    output(
      'RefreshStateMachineArn',
      this.refresh.stateMachine.stateMachineArn,
      'Start a refresh (hld refresh)',
    );
    if (this.api) output('ApiUrl', this.api.url, 'Briefing API (IAM/SigV4-signed requests only)');
    output('AlarmTopicArn', this.alarms.topic.topicArn, 'Subscribe to pipeline alarms');
    output(
      'QueryWorkGroupName',
      this.query.workGroupName,
      'Athena workgroup for SQL over the curated tables',
    );
    output('QueryDatabaseName', this.query.databaseName, 'Glue database of the curated tables');
    output(
      'AnalystRoleArn',
      this.query.analystRole.roleArn,
      'Assume to query the curated tables with Athena',
    );
  }
}
