import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { BRIEFING_API_ROUTES } from '#infra/constructs/briefing-api.ts';
import { createLocalEventRouter, runLocalRefresh } from '#packages/local/event-router.ts';
import {
  DEFAULT_EVENT_STAGE_CONCURRENCY,
  type EventStageDefinition,
  eventStages,
  PIPELINE,
  type PipelineDefinition,
  type RefreshState,
  type RefreshStepRunner,
  refreshSteps,
} from '#packages/pipeline/definition.ts';
import { PIPELINE_EVENT_SOURCE, type PipelineEvent } from '#packages/pipeline/events.ts';
import { LEDGER_KEYS } from '#packages/storage/partition-keys.ts';
import { BUCKETS, TABLES } from '#packages/storage/resources.ts';
import {
  type CfnTemplateJson,
  logicalIdOf,
  property,
  referencedLogicalId,
  resourcesOfType,
  type SynthesizedStack,
  synthesizeStack,
} from './evidence-stack.fixture.ts';

const SYNTH_TIMEOUT_MS = 120_000;
let synthesized: SynthesizedStack;

beforeAll(() => {
  synthesized = synthesizeStack({ stage: 'dev' });
}, SYNTH_TIMEOUT_MS);

function functionNamed(json: CfnTemplateJson, name: string) {
  return resourcesOfType(json, 'AWS::Lambda::Function').find(
    ([, fn]) => property(fn, 'FunctionName') === name,
  )?.[1];
}

interface StateJson {
  readonly Type: string;
  readonly Next?: string;
  readonly Default?: string;
  readonly Choices?: { readonly Next: string }[];
  readonly Catch?: { readonly Next: string; readonly ResultPath?: string }[];
  readonly Resource?: string;
  readonly Parameters?: Record<string, unknown>;
}

/** The refresh state machine's definition, with CloudFormation references replaced by their ids. */
function stateMachineDefinition(json: CfnTemplateJson): {
  StartAt: string;
  States: Record<string, StateJson>;
} {
  const [, machine] = resourcesOfType(json, 'AWS::StepFunctions::StateMachine')[0] ?? [];
  const parts = (property(machine, 'DefinitionString') as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  const text = parts
    .map((part) => (typeof part === 'string' ? part : `<${referencedLogicalId(part) ?? 'ref'}>`))
    .join('');
  return JSON.parse(text) as { StartAt: string; States: Record<string, StateJson> };
}

describe('EvidenceStack wiring', () => {
  it('has the three evidence buckets, the query-results and access-log buckets and the two tables from TABLES', () => {
    const { json, template, stack } = synthesized;

    expect(Object.keys(stack.storage.buckets).sort()).toEqual(Object.keys(BUCKETS).sort());
    expect(resourcesOfType(json, 'AWS::S3::Bucket')).toHaveLength(5);
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    for (const table of Object.values(TABLES)) {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: table.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: table.sortKey.name, KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        ...(table.globalSecondaryIndexes.length > 0
          ? {
              GlobalSecondaryIndexes: table.globalSecondaryIndexes.map((index) =>
                Match.objectLike({ IndexName: index.indexName }),
              ),
            }
          : {}),
        ...(table.timeToLiveAttribute
          ? { TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true } }
          : {}),
      });
    }
  });

  it('builds one arm64 Node 24 function per stage, sized and configured from the definition', () => {
    const { json, config, stack } = synthesized;

    for (const stage of PIPELINE.stages) {
      const fn = functionNamed(json, `${config.namePrefix}-${stage.id}`);
      const environment = (property(fn, 'Environment') as { Variables: Record<string, unknown> }).Variables;

      expect(property(fn, 'Runtime')).toBe('nodejs24.x');
      expect(property(fn, 'Architectures')).toEqual(['arm64']);
      expect(property(fn, 'MemorySize')).toBe(stage.memorySizeMb ?? 512);
      expect(property(fn, 'Timeout')).toBe(stage.timeoutSeconds ?? 60);
      expect(referencedLogicalId(environment[BUCKETS.raw.envVar])).toBe(
        logicalIdOf(stack.storage.buckets.raw),
      );
      expect(referencedLogicalId(environment[TABLES.ledger.envVar])).toBe(
        logicalIdOf(stack.tables.tables.ledger),
      );
      // Only stages that put events get the bus (refresh steps leave that to the state machine).
      if (stage.kind === 'event') {
        expect(referencedLogicalId(environment.HLD_EVENT_BUS)).toBe(logicalIdOf(stack.pipeline.eventBus));
      } else {
        expect(environment.HLD_EVENT_BUS, stage.id).toBeUndefined();
      }
      expect(environment).toMatchObject({
        HLD_DATASET: PIPELINE.dataset,
        HLD_KEEP_VERSIONS: String(config.briefingVersionsToKeep),
        POWERTOOLS_SERVICE_NAME: PIPELINE.name,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        HLD_STAGE: 'dev',
        // dev maps stack traces to the sources; prod does not (see the test below).
        NODE_OPTIONS: '--enable-source-maps',
      });
      expect(
        referencedLogicalId((property(fn, 'LoggingConfig') as { LogGroup: unknown }).LogGroup),
      ).toBeDefined();
    }
    expect(functionNamed(json, `${config.namePrefix}-api-handler`)).toBeDefined();
  });

  it(
    'leaves source-mapped stack traces out of prod, whose functions then skip reading the map at every cold start',
    () => {
      const { json, config } = synthesizeStack({ stage: 'prod' });
      const functions = resourcesOfType(json, 'AWS::Lambda::Function');

      expect(functions.length).toBe(PIPELINE.stages.length + 1);
      for (const [, fn] of functions) {
        const environment = (property(fn, 'Environment') as { Variables: Record<string, unknown> }).Variables;
        expect(environment.NODE_OPTIONS, String(property(fn, 'FunctionName'))).toBeUndefined();
        expect(environment.HLD_STAGE).toBe(config.stage);
      }
    },
    SYNTH_TIMEOUT_MS,
  );

  it('sends every refresh step its state and the execution name, the correlation id of its log lines', () => {
    const { json, stack } = synthesized;
    const definition = stateMachineDefinition(json);
    const stepResources = new Set(
      [...refreshSteps(PIPELINE).map((step) => step.id), 'refresh-failed'].map(
        (id) => `<${logicalIdOf(stack.pipeline.functionOf(id).function)}>`,
      ),
    );
    const lambdaTasks = Object.values(definition.States).filter(
      (state) => state.Resource !== undefined && stepResources.has(state.Resource),
    );

    expect(lambdaTasks.length).toBe(stepResources.size);
    for (const task of lambdaTasks) {
      expect(task.Parameters).toEqual({ 'state.$': '$', 'executionName.$': '$$.Execution.Name' });
    }
  });

  it('gives the workbook layer (exceljs) to the stages that read workbooks and the Parquet layer to those that write Parquet, and to no other function', () => {
    const { json, config, stack } = synthesized;
    const layers = resourcesOfType(json, 'AWS::Lambda::LayerVersion');
    const workbookId = stack.pipeline.workbookLayer && logicalIdOf(stack.pipeline.workbookLayer);
    const parquetId = stack.pipeline.parquetLayer && logicalIdOf(stack.pipeline.parquetLayer);
    const layersOf = (name: string) =>
      ((property(functionNamed(json, name), 'Layers') as unknown[] | undefined) ?? []).map(
        referencedLogicalId,
      );

    expect(layers.map(([id]) => id).sort()).toEqual([workbookId, parquetId].sort());
    for (const [, layer] of layers) {
      expect(property(layer, 'CompatibleRuntimes')).toEqual(['nodejs24.x']);
      expect(property(layer, 'CompatibleArchitectures')).toEqual(['arm64']);
    }
    for (const stage of PIPELINE.stages) {
      // In any order: the layers hold different packages, and the recognizeLayerVersion feature
      // flag sorts them (so that a reorder does not publish a new function version).
      expect(layersOf(`${config.namePrefix}-${stage.id}`).sort(), stage.id).toEqual(
        [...(stage.readsWorkbooks ? [workbookId] : []), ...(stage.writesParquet ? [parquetId] : [])].sort(),
      );
    }
    expect(PIPELINE.stages.filter((stage) => stage.readsWorkbooks).map((stage) => stage.id)).toEqual([
      'ingest',
      'normalise',
      'normalise-pending',
    ]);
    // parquet-copy after normalise; normalise-pending for the snapshots a refresh rewrites.
    expect(
      PIPELINE.stages
        .filter((stage) => stage.writesParquet)
        .map((stage) => stage.id)
        .sort(),
    ).toEqual(['normalise-pending', 'parquet-copy']);
    expect(layersOf(`${config.namePrefix}-api-handler`)).toEqual([]);
  });

  it('gives every event stage a queue, a DLQ, a rule targeting the queue and a partial-batch event source bounded by its maxConcurrency', () => {
    const { json, config } = synthesized;

    for (const stage of eventStages(PIPELINE)) {
      const [queueId, queue] =
        resourcesOfType(json, 'AWS::SQS::Queue').find(
          ([, q]) => property(q, 'QueueName') === `${config.namePrefix}-${stage.id}`,
        ) ?? [];
      const [dlqId] =
        resourcesOfType(json, 'AWS::SQS::Queue').find(
          ([, q]) => property(q, 'QueueName') === `${config.namePrefix}-${stage.id}-dlq`,
        ) ?? [];
      const rule = resourcesOfType(json, 'AWS::Events::Rule').find(([, r]) =>
        (property(r, 'Targets') as { Arn: unknown }[]).some(
          (target) => referencedLogicalId(target.Arn) === queueId,
        ),
      );
      const mapping = resourcesOfType(json, 'AWS::Lambda::EventSourceMapping').find(
        ([, m]) => referencedLogicalId(property(m, 'EventSourceArn')) === queueId,
      );
      const redrive = property(queue, 'RedrivePolicy') as {
        deadLetterTargetArn: unknown;
        maxReceiveCount: number;
      };

      expect(dlqId, stage.id).toBeDefined();
      expect(referencedLogicalId(redrive.deadLetterTargetArn)).toBe(dlqId);
      expect(redrive.maxReceiveCount).toBeGreaterThanOrEqual(3);
      expect(redrive.maxReceiveCount).toBeLessThanOrEqual(5);
      expect(property(queue, 'VisibilityTimeout')).toBeGreaterThanOrEqual(6 * (stage.timeoutSeconds ?? 60));
      expect(rule, stage.id).toBeDefined();
      expect(property(mapping?.[1], 'FunctionResponseTypes')).toEqual(['ReportBatchItemFailures']);
      expect(property(mapping?.[1], 'BatchSize')).toBe(stage.batchSize ?? 10);
      expect(property(mapping?.[1], 'ScalingConfig')).toEqual({
        MaximumConcurrency: stage.maxConcurrency ?? DEFAULT_EVENT_STAGE_CONCURRENCY,
      });
    }
  });

  it('starts ingest from S3 Object Created events of the raw bucket under incoming/ on the default bus', () => {
    const { template, stack } = synthesized;

    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: {
          bucket: { name: [{ Ref: logicalIdOf(stack.storage.buckets.raw) }] },
          object: { key: [{ prefix: 'incoming/' }] },
        },
      },
    });
  });

  it('starts pipeline-event stages from hld.evidence events of their detail type on the pipeline bus', () => {
    const { template, stack } = synthesized;

    for (const stage of eventStages(PIPELINE)) {
      if (stage.trigger.type !== 'pipeline-event') continue;
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: logicalIdOf(stack.pipeline.eventBus) },
        EventPattern: { source: [PIPELINE_EVENT_SOURCE], 'detail-type': [stage.trigger.detailType] },
      });
    }
  });

  it('runs the refresh steps in definition order, publishes BriefingPublished after assemble, and catches every step (the lock step without running the failure step)', () => {
    const { json, stack } = synthesized;
    const definition = stateMachineDefinition(json);
    const taskResources = new Map(
      refreshSteps(PIPELINE).map((step) => [
        step.id,
        `<${logicalIdOf(stack.pipeline.functionOf(step.id).function)}>`,
      ]),
    );

    const visited: string[] = [];
    let name: string | undefined = definition.StartAt;
    while (name) {
      const state: StateJson | undefined = definition.States[name];
      if (!state) break;
      visited.push(name);
      // Follow the "published" branch of a choice: that is the path a successful refresh takes.
      name = state.Type === 'Choice' ? state.Choices?.[0]?.Next : state.Next;
    }
    const stepOrder = visited
      .map((stateName) => definition.States[stateName]?.Resource)
      .map((resource) => [...taskResources].find(([, arn]) => arn === resource)?.[0])
      .filter((id): id is string => id !== undefined);
    const publish = Object.values(definition.States).find((state) =>
      state.Resource?.endsWith(':states:::events:putEvents'),
    );
    const tasks = Object.values(definition.States).filter((state) => state.Type === 'Task');

    expect(stepOrder).toEqual(refreshSteps(PIPELINE).map((step) => step.id));
    expect(visited.indexOf('PutBriefingPublished')).toBeGreaterThan(visited.indexOf('Assemble'));
    expect(visited.indexOf('PutBriefingPublished')).toBeLessThan(visited.indexOf('Unlock'));
    expect(publish?.Parameters).toMatchObject({
      Entries: [{ DetailType: 'BriefingPublished', Source: PIPELINE_EVENT_SOURCE }],
    });
    const lockTask = taskResources.get(refreshSteps(PIPELINE)[0]?.id ?? '');
    for (const task of tasks.filter(
      (state) => state.Resource !== `<${logicalIdOf(stack.pipeline.functionOf('refresh-failed').function)}>`,
    )) {
      // A failed lock step holds no lock, and its state is the caller's input: straight to the end.
      expect(task.Catch?.[0]?.Next).toBe(task.Resource === lockTask ? 'RunFailed' : 'DescribeFailure');
    }
  });

  it('gives the refresh steps a lock lease longer than the state machine’s longest path (every Lambda task to its timeout)', () => {
    const { json } = synthesized;
    const definition = stateMachineDefinition(json);
    const functions = new Map(resourcesOfType(json, 'AWS::Lambda::Function'));
    const taskFunctions = Object.values(definition.States)
      .map((state) => /^<(.+)>$/.exec(state.Resource ?? '')?.[1])
      .filter((id): id is string => id !== undefined && functions.has(id));
    const longestPath = taskFunctions.reduce(
      (total, id) => total + Number(property(functions.get(id), 'Timeout')),
      0,
    );

    expect(taskFunctions.length).toBe(
      PIPELINE.stages.filter((stage) => stage.kind === 'refresh-step').length,
    );
    for (const id of taskFunctions) {
      const environment = (
        property(functions.get(id), 'Environment') as { Variables: Record<string, unknown> }
      ).Variables;
      expect(Number(environment.HLD_LOCK_LEASE_SECONDS), id).toBeGreaterThan(longestPath);
    }
    // 30 + 900 + 900 + 30 + 30 s of steps today; the lease the stack sets is that plus 300 s.
    expect(longestPath).toBe(1890);
  });

  it("schedules the refresh in the stack's own schedule group with the stage cron and the dataset, and no run id (the lock step makes it)", () => {
    const { template, config, stack } = synthesized;

    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: config.refreshScheduleCron,
      State: 'ENABLED',
      GroupName: `${config.namePrefix}-refresh`,
      Target: {
        Arn: { Ref: logicalIdOf(stack.refresh.stateMachine) },
        Input: Match.serializedJson({ dataset: PIPELINE.dataset, requestedBy: 'schedule' }),
      },
    });
  });

  it('serves the seven read-only briefing routes (lineage included) from one HTTP API with access logs and throttling', () => {
    const { json, template } = synthesized;

    const routeKeys = resourcesOfType(json, 'AWS::ApiGatewayV2::Route').map(([, route]) =>
      property(route, 'RouteKey'),
    );
    expect(routeKeys.sort()).toEqual(BRIEFING_API_ROUTES.map((path) => `GET ${path}`).sort());
    expect(routeKeys).toContain('GET /datasets/{dataset}/lineage/{item}');
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
    });
  });

  it('outputs the names a deployer and the CLI need', () => {
    const { json } = synthesized;

    expect(Object.keys(json.Outputs ?? {}).sort()).toEqual(
      [
        'AlarmTopicArn',
        'AnalystRoleArn',
        'ApiUrl',
        'BriefingsTableName',
        'CuratedBucketName',
        'EventBusName',
        'ExportsBucketName',
        'LedgerTableName',
        'QueryDatabaseName',
        'QueryWorkGroupName',
        'RawBucketName',
        'RefreshStateMachineArn',
      ].sort(),
    );
  });
});

describe('adding a stage to the pipeline definition', () => {
  const enrich: EventStageDefinition = {
    kind: 'event',
    id: 'enrich',
    description: 'Enrich a written snapshot (wiring test stage)',
    entry: 'functions/ingest/handler.ts',
    trigger: { type: 'pipeline-event', detailType: 'SnapshotWritten' },
    emits: [],
    access: {
      buckets: { curated: { read: ['tables/*'] } },
      tables: { ledger: { read: true, partitionKeys: [LEDGER_KEYS.file] } },
    },
    batchSize: 2,
    maxConcurrency: 3,
    load: () => Promise.resolve(() => Promise.resolve([])),
  };
  // The lock step reserves one concurrent invocation (refresh steps reserve only when asked).
  const extended: PipelineDefinition = {
    ...PIPELINE,
    stages: [
      ...PIPELINE.stages.map((stage) => (stage.id === 'lock' ? { ...stage, maxConcurrency: 1 } : stage)),
      enrich,
    ],
  };

  it(
    'gains its function, queue, DLQ and rule in the stack, and the local router routes SnapshotWritten to it; its concurrency limits follow the definition',
    () => {
      const { json, template, config, stack } = synthesizeStack({ stage: 'dev', definition: extended });
      const queueId = resourcesOfType(json, 'AWS::SQS::Queue').find(
        ([, queue]) => property(queue, 'QueueName') === `${config.namePrefix}-enrich`,
      )?.[0];
      const mapping = resourcesOfType(json, 'AWS::Lambda::EventSourceMapping').find(
        ([, m]) => referencedLogicalId(property(m, 'EventSourceArn')) === queueId,
      );
      const reserved = (stageId: string) =>
        property(functionNamed(json, `${config.namePrefix}-${stageId}`), 'ReservedConcurrentExecutions');

      expect(property(mapping?.[1], 'ScalingConfig')).toEqual({ MaximumConcurrency: 3 });
      expect(reserved('lock')).toBe(1);
      expect(reserved('assemble')).toBeUndefined();

      const queueNames = resourcesOfType(json, 'AWS::SQS::Queue').map(([, queue]) =>
        property(queue, 'QueueName'),
      );
      const routes = createLocalEventRouter(extended).routesFor('SnapshotWritten');

      expect(functionNamed(json, `${config.namePrefix}-enrich`)).toBeDefined();
      expect(resourcesOfType(json, 'AWS::Lambda::Function')).toHaveLength(extended.stages.length + 1);
      expect(queueNames).toEqual(
        expect.arrayContaining([`${config.namePrefix}-enrich`, `${config.namePrefix}-enrich-dlq`]),
      );
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: logicalIdOf(stack.pipeline.eventBus) },
        EventPattern: { source: [PIPELINE_EVENT_SOURCE], 'detail-type': ['SnapshotWritten'] },
      });
      expect(routes).toContain('enrich');
      expect(createLocalEventRouter(PIPELINE).routesFor('SnapshotWritten')).not.toContain('enrich');
    },
    SYNTH_TIMEOUT_MS,
  );
});

describe('adding a stage triggered by BriefingPublished', () => {
  const received: PipelineEvent[] = [];
  const announce: EventStageDefinition = {
    kind: 'event',
    id: 'announce',
    description: 'Announce a published briefing (wiring test stage)',
    entry: 'functions/ingest/handler.ts',
    trigger: { type: 'pipeline-event', detailType: 'BriefingPublished' },
    emits: [],
    access: { buckets: {}, tables: { briefings: { read: true, partitionKeys: ['D#*'] } } },
    load: () =>
      Promise.resolve(async (event: PipelineEvent) => {
        received.push(event);
        return [];
      }),
  };
  const extended: PipelineDefinition = { ...PIPELINE, stages: [...PIPELINE.stages, announce] };
  // Every refresh step replaced: assemble "publishes" v3, the others pass the state on.
  const steps = (published: boolean): Record<string, RefreshStepRunner> =>
    Object.fromEntries(
      refreshSteps(extended).map((step) => [
        step.id,
        async (state: RefreshState) =>
          step.id === 'assemble'
            ? {
                ...state,
                published,
                version: published ? 3 : 2,
                previousVersion: 2,
                contentHash: 'c'.repeat(64),
                diff: { added: 1, removed: 0, changed: 2 },
              }
            : { ...state, lockToken: 'run-1' },
      ]),
    );

  it(
    'gains its function, queue and rule on the pipeline bus, and a local refresh that publishes delivers the event to it',
    async () => {
      const { json, template, config, stack } = synthesizeStack({ stage: 'dev', definition: extended });
      received.length = 0;

      await runLocalRefresh(
        { runId: 'run-1', dataset: 'hld2013', requestedBy: 'test' },
        extended,
        steps(true),
      );
      await runLocalRefresh(
        { runId: 'run-2', dataset: 'hld2013', requestedBy: 'test' },
        extended,
        steps(false),
      );

      expect(functionNamed(json, `${config.namePrefix}-announce`)).toBeDefined();
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: logicalIdOf(stack.pipeline.eventBus) },
        EventPattern: { source: [PIPELINE_EVENT_SOURCE], 'detail-type': ['BriefingPublished'] },
      });
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({
        source: PIPELINE_EVENT_SOURCE,
        detailType: 'BriefingPublished',
        detail: {
          dataset: 'hld2013',
          version: 3,
          previousVersion: 2,
          contentHash: 'c'.repeat(64),
          diff: { added: 1, removed: 0, changed: 2 },
        },
      });
    },
    SYNTH_TIMEOUT_MS,
  );
});
