import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';

/** The delivery path of one event stage, as the alarms see it. */
export interface AlarmedEventStage {
  readonly stageId: string;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  /** The rule that delivers the stage's events to its queue; its name must be a literal. */
  readonly ruleName: string;
  /**
   * Name of the custom bus the rule is on (EventBridge then adds it as a metric dimension).
   * @default - the account's default bus
   */
  readonly eventBusName?: string;
}

/** The schedule that starts refreshes, as the alarms see it. */
export interface AlarmedSchedule {
  /** The stack's own schedule group (Scheduler's metrics are per group). */
  readonly scheduleGroup: scheduler.IScheduleGroup;
  readonly deadLetterQueue: sqs.IQueue;
}

export interface PipelineAlarmsProps {
  /** Prefix of the topic and alarm names; the alarm ARN pattern the topic and key admit. */
  readonly namePrefix: string;
  /** Customer-managed key the alarm topic is encrypted with (CloudWatch is allowed to use it). */
  readonly encryptionKey: kms.IKey;
  /** Event stages: DLQ depth, oldest-message age and undelivered events are alarmed on. */
  readonly alarmedEventStages: readonly AlarmedEventStage[];
  /** Functions, by a readable id: errors and throttles are alarmed on. */
  readonly alarmedFunctions: ReadonlyMap<string, lambda.IFunction>;
  /** The refresh state machine: failed, timed-out and aborted runs are alarmed on. */
  readonly stateMachine: sfn.IStateMachine;
  /** The refresh schedule: target errors, dropped starts and its DLQ are alarmed on. */
  readonly schedule: AlarmedSchedule;
  /**
   * The briefing API: server errors (5xx) are alarmed on.
   * @default - no API alarm
   */
  readonly api?: apigwv2.IHttpApi;
  /**
   * Address subscribed to the alarm topic (it must confirm the subscription).
   * @default - no subscription (the stage configuration must then say why)
   */
  readonly alarmEmail?: string;
  /**
   * Age in seconds of the oldest message of a queue above which a stage counts as stuck.
   * @default 3600
   */
  readonly queueAgeThresholdSeconds?: number;
}
