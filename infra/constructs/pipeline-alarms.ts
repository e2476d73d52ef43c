import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { constructIdOf } from './construct-id.ts';
import type { PipelineAlarmsProps } from './pipeline-alarms-props.ts';

const PERIOD = Duration.minutes(5);

/**
 * What the data engineer is woken up for, and where the alarms go.
 *
 * Guarantees:
 * - one SNS topic, encrypted with the stack's customer-managed key (CloudWatch alarms cannot
 *   publish to a topic under the AWS-managed `aws/sns` key), TLS-only publishing;
 * - CloudWatch can deliver: the topic policy lets `cloudwatch.amazonaws.com` publish, and the
 *   key policy lets it use the key for this topic only (`kms:EncryptionContext:aws:sns:topicArn`),
 *   both only for this account's alarms named `<namePrefix>-*` (`aws:SourceAccount`,
 *   `aws:SourceArn`); the topic policy is the whole policy, so it must say so itself;
 * - an e-mail subscription when the stage configuration names an address (a stage without one
 *   must say why: infra/config.ts);
 * - alarms, each with the topic as action: a message in any DLQ (event stages and the schedule);
 *   a queue whose oldest message is older than the threshold; an event EventBridge could not
 *   deliver; any function error or throttle; any failed, timed-out or aborted refresh; a schedule
 *   that could not start a refresh; any 5xx answer of the briefing API;
 * - missing data is "not breaching": an idle pipeline is a healthy one.
 */
export class PipelineAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const topicName = `${props.namePrefix}-alarms`;

    this.topic = new sns.Topic(this, 'Topic', {
      topicName,
      displayName: `${props.namePrefix} alarms`,
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });

    // Only this account's alarms of this stack, by name: the confused-deputy guard of both grants.
    const fromThisStacksAlarms = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: `${props.namePrefix}-*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisStackPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromThisStacksAlarms,
      }),
    );
    // CloudWatch publishes with its own service identity, so the key policy (not IAM) must let it
    // use the key. The topic ARN is built from its name: a reference would make the key depend on
    // the topic, which depends on the key.
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisStackUseTheKeyForTheAlarmTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          ...fromThisStacksAlarms,
          StringEquals: {
            ...fromThisStacksAlarms.StringEquals,
            'kms:EncryptionContext:aws:sns:topicArn': stack.formatArn({
              service: 'sns',
              resource: topicName,
              arnFormat: ArnFormat.NO_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const action = new cloudwatchActions.SnsAction(this.topic);

    const alarm = (
      alarmId: string,
      alarmName: string,
      description: string,
      metric: cloudwatch.IMetric,
      threshold: number,
    ) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmName: `${props.namePrefix}-${alarmName}`,
        alarmDescription: description,
        metric,
        threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      this.alarms.push(created);
    };
    const deadLetters = (queue: sqs.IQueue) =>
      queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' });
    // Several counters that are only published when non-zero, as one sum.
    const anyOf = (label: string, metrics: Record<string, cloudwatch.IMetric>) =>
      new cloudwatch.MathExpression({
        expression: Object.keys(metrics)
          .map((name) => `FILL(${name}, 0)`)
          .join(' + '),
        usingMetrics: metrics,
        label,
        period: PERIOD,
      });

    const queueAge = props.queueAgeThresholdSeconds ?? 3600;
    for (const { stageId, queue, deadLetterQueue, ruleName, eventBusName } of props.alarmedEventStages) {
      const stage = constructIdOf(stageId);
      alarm(
        `${stage}DeadLetters`,
        `${stageId}-dlq-not-empty`,
        `Events of stage '${stageId}' failed every retry, or could not be delivered to its queue, and ` +
          `wait in ${deadLetterQueue.queueName}. Read them (delivery failures carry ERROR_CODE), ` +
          'fix the cause, then redrive the DLQ.',
        deadLetters(deadLetterQueue),
        0,
      );
      alarm(
        `${stage}QueueAge`,
        `${stageId}-queue-stuck`,
        `The oldest event waiting for stage '${stageId}' is older than ${queueAge} s: the stage is ` +
          'not keeping up or is failing before it can report.',
        queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' }),
        queueAge,
      );
      const dimensionsMap = { RuleName: ruleName, ...(eventBusName ? { EventBusName: eventBusName } : {}) };
      const events = (metricName: string) =>
        new cloudwatch.Metric({
          namespace: 'AWS/Events',
          metricName,
          dimensionsMap,
          statistic: 'Sum',
          period: PERIOD,
        });
      alarm(
        `${stage}DeliveryFailed`,
        `${stageId}-delivery-failed`,
        `EventBridge could not deliver an event to the queue of stage '${stageId}' and could not ` +
          'keep it in the DLQ either: the event is lost. Check the queue and DLQ policies.',
        anyOf('events lost', {
          failed: events('FailedInvocations'),
          notDeadLettered: events('InvocationsFailedToBeSentToDlq'),
        }),
        0,
      );
    }

    for (const [name, fn] of props.alarmedFunctions) {
      const fnId = constructIdOf(name);
      alarm(
        `${fnId}Errors`,
        `${name}-errors`,
        `Function '${name}' failed an invocation (see its log group).`,
        fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        0,
      );
      alarm(
        `${fnId}Throttles`,
        `${name}-throttles`,
        `Function '${name}' was throttled (account concurrency or a reserved-concurrency limit).`,
        fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        0,
      );
    }

    alarm(
      'RefreshFailed',
      'refresh-failed',
      'A refresh run failed; its execution history and the ledger say which step and why.',
      props.stateMachine.metricFailed({ period: PERIOD, statistic: 'Sum' }),
      0,
    );
    alarm(
      'RefreshTimedOut',
      'refresh-timed-out',
      'A refresh run exceeded the state machine timeout; the lock lease will expire on its own.',
      props.stateMachine.metricTimedOut({ period: PERIOD, statistic: 'Sum' }),
      0,
    );
    alarm(
      'RefreshAborted',
      'refresh-aborted',
      'A refresh run was stopped by hand (StopExecution): it released nothing, so the lock lease ' +
        'expires on its own; CloudTrail says who stopped it.',
      props.stateMachine.metricAborted({ period: PERIOD, statistic: 'Sum' }),
      0,
    );

    const group = props.schedule.scheduleGroup;
    alarm(
      'ScheduleTargetErrors',
      'refresh-schedule-failed',
      'The schedule could not start a refresh (StartExecution failed), or gave up on a start: ' +
        'no scheduled refresh ran. See the schedule DLQ.',
      anyOf('refresh starts failed', {
        targetErrors: group.metricTargetErrors({ period: PERIOD, statistic: 'Sum' }),
        dropped: group.metricDropped({ period: PERIOD, statistic: 'Sum' }),
        notDeadLettered: group.metricFailedToBeSentToDLQ(undefined, { period: PERIOD, statistic: 'Sum' }),
      }),
      0,
    );
    alarm(
      'ScheduleDeadLetters',
      'refresh-schedule-dlq-not-empty',
      `A scheduled refresh start failed every retry and waits in ${props.schedule.deadLetterQueue.queueName}. ` +
        'Start the refresh by hand (hld refresh --backend aws) once the cause is fixed.',
      deadLetters(props.schedule.deadLetterQueue),
      0,
    );

    if (props.api) {
      alarm(
        'ApiServerErrors',
        'api-5xx',
        'The briefing API answered with a server error (5xx); the api-handler log group and the ' +
          'access log say which route.',
        props.api.metricServerError({ period: PERIOD, statistic: 'Sum' }),
        0,
      );
    }
  }
}
