import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';

/** The queues of one event stage, as the alarms see them. */
export interface AlarmedQueues {
  readonly stageId: string;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
}

export interface PipelineAlarmsProps {
  /** Prefix of the topic and alarm names. */
  readonly namePrefix: string;
  /** Customer-managed key the alarm topic is encrypted with (CloudWatch is allowed to use it). */
  readonly encryptionKey: kms.IKey;
  /** Event stage queues: DLQ depth and oldest-message age are alarmed on. */
  readonly alarmedQueues: readonly AlarmedQueues[];
  /** Functions, by a readable id: errors and throttles are alarmed on. */
  readonly alarmedFunctions: ReadonlyMap<string, lambda.IFunction>;
  /** The refresh state machine: failed and timed-out runs are alarmed on. */
  readonly stateMachine: sfn.IStateMachine;
  /**
   * Address subscribed to the alarm topic (it must confirm the subscription).
   * @default - no subscription
   */
  readonly alarmEmail?: string;
  /**
   * Age in seconds of the oldest message of a queue above which a stage counts as stuck.
   * @default 3600
   */
  readonly queueAgeThresholdSeconds?: number;
}
