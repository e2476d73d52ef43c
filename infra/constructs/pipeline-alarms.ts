import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { constructIdOf } from './construct-id.ts';
import type { PipelineAlarmsProps } from './pipeline-alarms-props.ts';

const PERIOD = Duration.minutes(5);

/**
 * What the data engineer is woken up for, and where the alarms go.
 *
 * Guarantees:
 * - one SNS topic, encrypted with the stack's customer-managed key (CloudWatch alarms cannot
 *   publish to a topic under the AWS-managed `aws/sns` key), SSL-only publishing;
 * - an optional e-mail subscription from the stage configuration;
 * - alarms, each with the topic as action: a message in any DLQ; a queue whose oldest message is
 *   older than the threshold; any function error or throttle; any failed or timed-out refresh;
 * - missing data is "not breaching": an idle pipeline is a healthy one.
 */
export class PipelineAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);

    this.topic = new sns.Topic(this, 'Topic', {
      topicName: `${props.namePrefix}-alarms`,
      displayName: `${props.namePrefix} alarms`,
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    // CloudWatch publishes to the encrypted topic with its own service identity, so the key
    // policy (not an IAM policy) must let it use the key. CloudWatch does not pass a source
    // ARN/account to KMS for alarm actions, so the statement cannot be narrowed by condition;
    // publishing still needs the topic, whose policy only the account controls.
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseTheKeyForTheAlarmTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
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

    const queueAge = props.queueAgeThresholdSeconds ?? 3600;
    for (const { stageId, queue, deadLetterQueue } of props.alarmedQueues) {
      const stage = constructIdOf(stageId);
      alarm(
        `${stage}DeadLetters`,
        `${stageId}-dlq-not-empty`,
        `Events of stage '${stageId}' failed every retry and wait in ${deadLetterQueue.queueName}. ` +
          'Read them, fix the cause, then redrive the DLQ.',
        deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
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
  }
}
