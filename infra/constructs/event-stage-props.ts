import type { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { EventStageDefinition } from '#packages/pipeline/definition.ts';
import type { BucketId } from '#packages/storage/resources.ts';

export interface EventStageProps {
  /** The stage, as the pipeline definition declares it. */
  readonly stage: EventStageDefinition;
  /** The stage's function (from `PipelineFunctions`). */
  readonly handler: lambda.IFunction;
  /** Physical name of the queue; the DLQ adds `-dlq`. */
  readonly queueName: string;
  /** Bus the `pipeline-event` triggers listen on. */
  readonly pipelineEventBus: events.IEventBus;
  /** Literal name of that bus (a metric dimension of the rule). */
  readonly pipelineEventBusName: string;
  /** Buckets `object-created` triggers refer to. */
  readonly buckets: Readonly<Record<BucketId, s3.IBucket>>;
  /**
   * Deliveries of a message before it moves to the DLQ.
   * @default 5
   */
  readonly queueMaxReceiveCount?: number;
  /**
   * How long the DLQ keeps a failed message (the SQS maximum is 14 days).
   * @default Duration.days(14)
   */
  readonly deadLetterRetention?: Duration;
  /**
   * Attempts EventBridge makes to deliver an event to the queue before it goes to the DLQ.
   * @default 24
   */
  readonly deliveryRetryAttempts?: number;
  /**
   * How long EventBridge keeps retrying an undelivered event before it goes to the DLQ.
   * @default Duration.hours(6)
   */
  readonly deliveryMaxEventAge?: Duration;
  /**
   * Queue visibility timeout as a multiple of the function timeout. AWS recommends at least 6 so
   * a message is not redelivered while a throttled or retried invocation still holds it.
   * @default 6
   */
  readonly queueVisibilityTimeoutFactor?: number;
}
