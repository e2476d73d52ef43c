import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { eventStages, PIPELINE } from '#packages/pipeline/definition.ts';
import {
  buildTestApp,
  type CfnResourceJson,
  type CfnTemplateJson,
  property,
  referencedLogicalId,
  resourcesOfType,
  type SynthesizedStack,
  synthesizedStages,
  TEST_ALARM_EMAIL,
} from './evidence-stack.fixture.ts';
import { evaluate, resourcePolicyStatements } from './iam-policy.ts';

const SYNTH_TIMEOUT_MS = 120_000;

const stackOf = synthesizedStages();

const ACCOUNT = '<AWS::AccountId>';
/** An alarm's ARN in the flattened form the template's policies use. */
const alarmArn = (name: string) => `arn:<AWS::Partition>:cloudwatch:<AWS::Region>:${ACCOUNT}:alarm:${name}`;
/** An SNS topic's ARN from its name, flattened (what SNS passes as the KMS encryption context). */
const topicArn = (name: string) => `arn:<AWS::Partition>:sns:<AWS::Region>:${ACCOUNT}:${name}`;

/** Whether CloudWatch, acting for `alarmName`, may publish to `topicId` and use its key. */
function cloudWatchCanDeliver(stack: SynthesizedStack, alarmName: string, topicId: string): boolean {
  const { json } = stack;
  const topic = json.Resources[topicId] as CfnResourceJson;
  const keyId = referencedLogicalId(property(topic, 'KmsMasterKeyId'));
  const key = keyId ? json.Resources[keyId] : undefined;
  const keyStatements = (property(key, 'KeyPolicy') as { Statement: never[] } | undefined)?.Statement ?? [];
  const context = {
    'aws:SourceAccount': ACCOUNT,
    'aws:SourceArn': alarmArn(alarmName),
    'aws:SecureTransport': 'true',
  };
  const publish = evaluate(resourcePolicyStatements(json, 'AWS::SNS::TopicPolicy', 'Topics', topicId), {
    principal: { service: 'cloudwatch.amazonaws.com' },
    action: 'sns:Publish',
    resource: `<${topicId}>`,
    context,
  });
  const keyUse = ['kms:GenerateDataKey', 'kms:Decrypt'].map((action) =>
    evaluate(keyStatements, {
      principal: { service: 'cloudwatch.amazonaws.com' },
      action,
      resource: `<${keyId}.Arn>`,
      context: {
        ...context,
        'kms:EncryptionContext:aws:sns:topicArn': topicArn(String(property(topic, 'TopicName'))),
      },
    }),
  );
  return publish === 'allow' && keyUse.every((decision) => decision === 'allow');
}

function alarmsOf(stack: SynthesizedStack): [string, CfnResourceJson][] {
  return resourcesOfType(stack.json, 'AWS::CloudWatch::Alarm');
}

/** The metric names an alarm watches (directly, or inside its metric math). */
function metricNamesOf(alarm: CfnResourceJson): string[] {
  const direct = property(alarm, 'MetricName');
  if (typeof direct === 'string') return [direct];
  const metrics = (property(alarm, 'Metrics') as { MetricStat?: { Metric: { MetricName: string } } }[]) ?? [];
  return metrics.flatMap((query) => (query.MetricStat ? [query.MetricStat.Metric.MetricName] : []));
}

describe.each(['dev', 'prod'] as const)('EvidenceStack alarms (%s)', (stage) => {
  it('lets CloudWatch publish every alarm of the stack to the topic and use the key for it', () => {
    const stack = stackOf(stage);
    const alarms = alarmsOf(stack);

    expect(alarms.length).toBeGreaterThan(0);
    for (const [logicalId, alarm] of alarms) {
      const actions = property(alarm, 'AlarmActions') as unknown[];
      expect(actions.length, logicalId).toBeGreaterThan(0);
      for (const action of actions) {
        const topicId = referencedLogicalId(action);
        expect(topicId, `${logicalId} publishes to a topic of the stack`).toBeDefined();
        expect(
          cloudWatchCanDeliver(stack, String(property(alarm, 'AlarmName')), topicId ?? ''),
          logicalId,
        ).toBe(true);
      }
    }
  });

  it("refuses CloudWatch for another stack's alarm or another account (the grants are not open to any alarm)", () => {
    const stack = stackOf(stage);
    const [topicId] = resourcesOfType(stack.json, 'AWS::SNS::Topic')[0] ?? [];
    const statements = resourcePolicyStatements(stack.json, 'AWS::SNS::TopicPolicy', 'Topics', topicId ?? '');
    const publish = (alarmName: string, account: string) =>
      evaluate(statements, {
        principal: { service: 'cloudwatch.amazonaws.com' },
        action: 'sns:Publish',
        resource: `<${topicId}>`,
        context: {
          'aws:SourceAccount': account,
          'aws:SourceArn': alarmArn(alarmName),
          'aws:SecureTransport': 'true',
        },
      });

    expect(cloudWatchCanDeliver(stack, 'another-app-errors', topicId ?? '')).toBe(false);
    expect(publish(`${stack.config.namePrefix}-ingest-errors`, ACCOUNT)).toBe('allow');
    expect(publish(`${stack.config.namePrefix}-ingest-errors`, '999999999999')).toBe('implicit-deny');
    expect(
      evaluate(statements, {
        principal: { service: 'cloudwatch.amazonaws.com' },
        action: 'sns:Publish',
        resource: `<${topicId}>`,
        context: {
          'aws:SourceAccount': ACCOUNT,
          'aws:SourceArn': alarmArn(`${stack.config.namePrefix}-ingest-errors`),
          'aws:SecureTransport': 'false',
        },
      }),
    ).toBe('deny');
  });

  it('alarms on every failure path AWS reports: DLQs, stuck queues, undelivered events, function errors and throttles, failed, timed-out and aborted refreshes, the schedule, API 5xx', () => {
    const stack = stackOf(stage);
    const names = alarmsOf(stack).map(([, alarm]) => String(property(alarm, 'AlarmName')));
    const prefix = stack.config.namePrefix;
    const functions = [...PIPELINE.stages.map((s) => s.id), 'api'];

    const expected = [
      ...eventStages(PIPELINE).flatMap((s) => [
        `${prefix}-${s.id}-dlq-not-empty`,
        `${prefix}-${s.id}-queue-stuck`,
        `${prefix}-${s.id}-delivery-failed`,
      ]),
      ...functions.flatMap((id) => [`${prefix}-${id}-errors`, `${prefix}-${id}-throttles`]),
      `${prefix}-refresh-failed`,
      `${prefix}-refresh-timed-out`,
      `${prefix}-refresh-aborted`,
      `${prefix}-refresh-schedule-failed`,
      `${prefix}-refresh-schedule-dlq-not-empty`,
      `${prefix}-api-5xx`,
    ];
    expect(names.sort()).toEqual(expected.sort());
    const metrics = new Set(alarmsOf(stack).flatMap(([, alarm]) => metricNamesOf(alarm)));
    for (const metric of [
      'ApproximateNumberOfMessagesVisible',
      'ApproximateAgeOfOldestMessage',
      'FailedInvocations',
      'InvocationsFailedToBeSentToDlq',
      'Errors',
      'Throttles',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
      'ExecutionsAborted',
      'TargetErrorCount',
      'InvocationDroppedCount',
      'InvocationsFailedToBeSentToDeadLetterCount',
      '5xx',
    ]) {
      expect(metrics, metric).toContain(metric);
    }
  });

  it('watches each event stage rule by its literal name (on the pipeline bus, with the bus name too)', () => {
    const { json, config } = stackOf(stage);
    const rules = resourcesOfType(json, 'AWS::Events::Rule');

    for (const s of eventStages(PIPELINE)) {
      const [, alarm] =
        alarmsOf(stackOf(stage)).find(
          ([, candidate]) =>
            property(candidate, 'AlarmName') === `${config.namePrefix}-${s.id}-delivery-failed`,
        ) ?? [];
      const dimensions = (
        property(alarm, 'Metrics') as { MetricStat?: { Metric: { Dimensions: unknown[] } } }[]
      )
        .flatMap((query) => query.MetricStat?.Metric.Dimensions ?? [])
        .map((dimension) => dimension as { Name: string; Value: unknown });
      const ruleName = `${config.namePrefix}-${s.id}`;

      expect(rules.map(([, rule]) => property(rule, 'Name'))).toContain(ruleName);
      expect(dimensions).toContainEqual({ Name: 'RuleName', Value: ruleName });
      expect(dimensions.some((dimension) => dimension.Name === 'EventBusName')).toBe(
        s.trigger.type === 'pipeline-event',
      );
    }
  });

  it('retries every EventBridge target and the schedule target, then keeps what it could not deliver in a dead-letter queue that admits it', () => {
    const { json } = stackOf(stage);
    const targets = resourcesOfType(json, 'AWS::Events::Rule').flatMap(([ruleId, rule]) =>
      (property(rule, 'Targets') as { DeadLetterConfig?: { Arn: unknown }; RetryPolicy?: object }[]).map(
        (target) => ({ ruleId, target }),
      ),
    );
    const [, schedule] = resourcesOfType(json, 'AWS::Scheduler::Schedule')[0] ?? [];
    const scheduleTarget = property(schedule, 'Target') as {
      DeadLetterConfig?: { Arn: unknown };
      RetryPolicy?: { MaximumRetryAttempts: number };
      RoleArn: unknown;
    };

    expect(targets.length).toBe(eventStages(PIPELINE).length);
    for (const { ruleId, target } of targets) {
      const dlqId = referencedLogicalId(target.DeadLetterConfig?.Arn);
      expect(dlqId, ruleId).toBeDefined();
      expect(target.RetryPolicy).toMatchObject({
        MaximumRetryAttempts: expect.any(Number),
        MaximumEventAgeInSeconds: expect.any(Number),
      });
      const dlqPolicy = resourcePolicyStatements(json, 'AWS::SQS::QueuePolicy', 'Queues', dlqId ?? '');
      expect(
        evaluate(dlqPolicy, {
          principal: { service: 'events.amazonaws.com' },
          action: 'sqs:SendMessage',
          resource: `<${dlqId}.Arn>`,
          context: { 'aws:SourceArn': `<${ruleId}.Arn>`, 'aws:SecureTransport': 'true' },
        }),
        `${ruleId} may dead-letter`,
      ).toBe('allow');
    }
    expect(referencedLogicalId(scheduleTarget.DeadLetterConfig?.Arn)).toBeDefined();
    expect(scheduleTarget.RetryPolicy?.MaximumRetryAttempts).toBeGreaterThan(0);
  });

  it('treats missing data as not breaching, so an idle pipeline raises nothing', () => {
    for (const [, alarm] of alarmsOf(stackOf(stage))) {
      expect(property(alarm, 'TreatMissingData')).toBe('notBreaching');
    }
  });
});

describe('alarm e-mail', () => {
  it('mails prod alarms to the address given at deploy time', () => {
    Template.fromStack(stackOf('prod').stack).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: TEST_ALARM_EMAIL,
    });
  });

  it(
    'refuses to synthesize prod without an address unless -c alarmEmail=none opts out on purpose',
    () => {
      expect(() => buildTestApp({ stage: 'prod', context: { alarmEmail: undefined } })).toThrow(
        /no alarm e-mail/,
      );

      const optedOut = buildTestApp({ stage: 'prod', context: { alarmEmail: 'none' } });

      expect(optedOut.config.alarmEmailOptOut).toMatch(/alarmEmail=none/);
      const json = Template.fromStack(optedOut.stack).toJSON() as CfnTemplateJson;
      expect(resourcesOfType(json, 'AWS::SNS::Subscription')).toEqual([]);
    },
    SYNTH_TIMEOUT_MS,
  );

  it('has dev say why it mails nobody, and mail whoever deploys it with -c alarmEmail', () => {
    expect(stackOf('dev').config.alarmEmail).toBeUndefined();
    expect(stackOf('dev').config.alarmEmailOptOut).toMatch(/CloudWatch console/);
    expect(resourcesOfType(stackOf('dev').json, 'AWS::SNS::Subscription')).toEqual([]);
  });
});
