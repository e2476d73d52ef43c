import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_EVENT_STAGE_CONCURRENCY, type EventStageTrigger } from '#packages/pipeline/definition.ts';
import { PIPELINE_EVENT_SOURCE } from '#packages/pipeline/events.ts';
import { deadLetterQueueNameOf } from '#packages/pipeline/stage-queues.ts';
import type { EventStageProps } from './event-stage-props.ts';

/**
 * The delivery path of one event stage: EventBridge rule → SQS queue (+ DLQ) → Lambda.
 *
 * Guarantees:
 * - `object-created` triggers match `aws.s3` / `Object Created` events of exactly that bucket and
 *   key prefix on the default bus; `pipeline-event` triggers match `hld.evidence` events of that
 *   detail type on the pipeline bus;
 * - the queue accepts messages only from that rule (`aws:SourceArn`) and only over TLS;
 * - queue and DLQ are encrypted (SSE-SQS) and SSL-only;
 * - an event EventBridge cannot deliver to the queue is retried (`deliveryRetryAttempts`, up to
 *   `deliveryMaxEventAge`), then kept in the stage's DLQ with the reason, never dropped; the DLQ
 *   accepts it only from that rule;
 * - a message is retried `queueMaxReceiveCount` times, then kept 14 days in the same DLQ, so one
 *   redrive puts both kinds of failure back in front of the stage;
 * - visibility timeout ≥ 6× the function timeout, so a slow batch is never delivered twice at once;
 * - at most `maxConcurrency` invocations at once (SQS event source `MaximumConcurrency`);
 * - the function reports partial batch failures: one bad record does not redeliver the batch.
 *
 * SSE-SQS rather than the stack's KMS key: with a customer key, CDK can only restrict the
 * EventBridge grant to the account, not to the rule, and every message would cost KMS calls. The
 * messages carry event envelopes (keys and hashes), not evidence content.
 */
export class EventStage extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly rule: events.Rule;
  /** The rule's name (a literal, for metric dimensions). */
  readonly ruleName: string;
  /** Name of the custom bus the rule is on; undefined on the default bus. */
  readonly eventBusName?: string;

  constructor(scope: Construct, id: string, props: EventStageProps) {
    super(scope, id);
    const { stage } = props;
    const timeoutSeconds = stage.timeoutSeconds ?? 60;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: deadLetterQueueNameOf(props.queueName),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.deadLetterRetention ?? Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: props.queueName,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(timeoutSeconds * (props.queueVisibilityTimeoutFactor ?? 6)),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.queueMaxReceiveCount ?? 5 },
    });

    this.ruleName = props.queueName;
    if (stage.trigger.type === 'pipeline-event') this.eventBusName = props.pipelineEventBusName;
    this.rule = new events.Rule(this, 'Rule', {
      // A literal name: the alarms' metric dimension (a generated one is a token, and on a custom
      // bus the rule's Ref is `bus|name`).
      ruleName: this.ruleName,
      description: `Starts the '${stage.id}' stage: ${stage.description}`,
      ...ruleSource(stage.trigger, props),
      // The message body of an event EventBridge gives up on is the event itself, the same as a
      // delivered one: redriving the DLQ into the queue replays it.
      targets: [
        new targets.SqsQueue(this.queue, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: props.deliveryRetryAttempts ?? 24,
          maxEventAge: props.deliveryMaxEventAge ?? Duration.hours(6),
        }),
      ],
    });

    props.handler.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: stage.batchSize ?? 10,
        reportBatchItemFailures: true,
        maxConcurrency: stage.maxConcurrency ?? DEFAULT_EVENT_STAGE_CONCURRENCY,
      }),
    );
  }
}

function ruleSource(
  trigger: EventStageTrigger,
  props: EventStageProps,
): Pick<events.RuleProps, 'eventBus' | 'eventPattern'> {
  if (trigger.type === 'object-created') {
    // S3 → EventBridge events always arrive on the account's default bus.
    return {
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.buckets[trigger.bucket].bucketName] },
          object: { key: events.Match.prefix(trigger.prefix) },
        },
      },
    };
  }
  return {
    eventBus: props.pipelineEventBus,
    eventPattern: { source: [PIPELINE_EVENT_SOURCE], detailType: [trigger.detailType] },
  };
}
