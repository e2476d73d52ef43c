import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { eventStages, type PipelineDefinition } from './definition.ts';
import { deadLetterQueueNameOf, stageQueueName } from './stage-queues.ts';

/**
 * Redrive: move the messages an event stage gave up on (its DLQ holds both the events its function
 * failed `maxReceiveCount` times and those EventBridge could not deliver) back into the stage's
 * queue, so the stage runs them again. Every stage is idempotent under redelivery (ingest
 * completes on redelivery, normalise and parquet-copy write content-addressed objects), so a
 * message moved twice does no harm; a message is deleted from the DLQ only after it is in the queue.
 */

export class RedriveError extends Error {
  override readonly name = 'RedriveError';
}

/** One event stage's queue and dead-letter queue, named from the pipeline definition. */
export interface StageQueuePair {
  readonly stage: string;
  readonly queueName: string;
  readonly deadLetterQueueName: string;
}

/** The queue pairs of the definition's event stages (one, when `stage` is given). */
export function stageQueuePairs(
  definition: PipelineDefinition,
  namePrefix: string,
  stage?: string,
): StageQueuePair[] {
  const stages = eventStages(definition);
  if (stage !== undefined && !stages.some((candidate) => candidate.id === stage)) {
    throw new RedriveError(
      `No event stage '${stage}'. Stages with a dead-letter queue: ${stages.map((s) => s.id).join(', ')}.`,
    );
  }
  return stages
    .filter((candidate) => stage === undefined || candidate.id === stage)
    .map((candidate) => {
      const queueName = stageQueueName(namePrefix, candidate.id);
      return { stage: candidate.id, queueName, deadLetterQueueName: deadLetterQueueNameOf(queueName) };
    });
}

/** What a redrive did for one stage. */
export interface StageRedrive {
  readonly stage: string;
  readonly deadLetterQueue: string;
  /** Messages in the DLQ before the redrive (SQS's approximate count). */
  readonly waiting: number;
  /**
   * `message-move-task`: SQS moves them (follow with redriveProgress); `moved`: hld moved them
   * itself (an endpoint without message move tasks, such as moto); `already-running`: a move task
   * of this DLQ was running, none was started; `empty`: nothing to move.
   */
  readonly how: 'message-move-task' | 'moved' | 'already-running' | 'empty';
  readonly taskHandle?: string;
  /** Messages hld moved itself (`how: 'moved'`). */
  readonly moved?: number;
}

export interface RedriveOptions {
  /**
   * Use SQS message move tasks (StartMessageMoveTask). Emulators implement none (moto 5.2.1 and
   * fauxqs 1.9.2 answer 500 / not supported): there hld moves the messages itself.
   * @default true
   */
  readonly messageMoveTasks?: boolean;
}

interface QueueRef {
  readonly url: string;
  readonly arn: string;
  readonly waiting: number;
}

async function queueRef(sqs: SQSClient, queueName: string): Promise<QueueRef> {
  let url: string | undefined;
  try {
    url = (await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }))).QueueUrl;
  } catch (error) {
    throw new RedriveError(
      `Queue ${queueName} was not found: is HLD_NAME_PREFIX the deployed stack's name, and the region right?`,
      { cause: error },
    );
  }
  if (!url) throw new RedriveError(`Queue ${queueName} has no URL`);
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'],
    }),
  );
  return {
    url,
    arn: String(attributes.Attributes?.QueueArn),
    waiting: Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0),
  };
}

/**
 * Redrive each stage's DLQ into the stage's own queue (DestinationArn is set: the DLQ also holds
 * events EventBridge never delivered, which have no source queue to return to). A DLQ with a move
 * task already running is left alone.
 */
export async function redriveStages(
  sqs: SQSClient,
  pairs: readonly StageQueuePair[],
  options: RedriveOptions = {},
): Promise<StageRedrive[]> {
  const outcomes: StageRedrive[] = [];
  for (const pair of pairs) {
    const dlq = await queueRef(sqs, pair.deadLetterQueueName);
    const queue = await queueRef(sqs, pair.queueName);
    const base = { stage: pair.stage, deadLetterQueue: pair.deadLetterQueueName, waiting: dlq.waiting };
    if (options.messageMoveTasks === false) {
      const moved = await moveMessages(sqs, dlq.url, queue.url);
      outcomes.push({ ...base, how: moved === 0 ? 'empty' : 'moved', moved });
      continue;
    }
    const tasks = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlq.arn, MaxResults: 1 }));
    if (tasks.Results?.[0]?.Status === 'RUNNING') {
      outcomes.push({ ...base, how: 'already-running' });
      continue;
    }
    if (dlq.waiting === 0) {
      outcomes.push({ ...base, how: 'empty' });
      continue;
    }
    const started = await sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: dlq.arn, DestinationArn: queue.arn }),
    );
    outcomes.push({
      ...base,
      how: 'message-move-task',
      ...(started.TaskHandle ? { taskHandle: started.TaskHandle } : {}),
    });
  }
  return outcomes;
}

/** The latest message move task of one stage's DLQ, as SQS reports it. */
export interface RedriveProgress {
  readonly stage: string;
  readonly status: string;
  readonly moved: number;
  readonly toMove?: number;
  readonly failureReason?: string;
  readonly startedAt?: string;
}

/** Progress of the latest message move task of each stage's DLQ (ListMessageMoveTasks). */
export async function redriveProgress(
  sqs: SQSClient,
  pairs: readonly StageQueuePair[],
): Promise<RedriveProgress[]> {
  const progress: RedriveProgress[] = [];
  for (const pair of pairs) {
    const dlq = await queueRef(sqs, pair.deadLetterQueueName);
    const latest = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlq.arn, MaxResults: 1 })))
      .Results?.[0];
    if (!latest) continue;
    progress.push({
      stage: pair.stage,
      status: latest.Status ?? 'UNKNOWN',
      moved: latest.ApproximateNumberOfMessagesMoved ?? 0,
      ...(latest.ApproximateNumberOfMessagesToMove === undefined
        ? {}
        : { toMove: latest.ApproximateNumberOfMessagesToMove }),
      ...(latest.FailureReason ? { failureReason: latest.FailureReason } : {}),
      ...(latest.StartedTimestamp === undefined
        ? {}
        : { startedAt: new Date(latest.StartedTimestamp).toISOString() }),
    });
  }
  return progress;
}

/** Receives that may come back empty before the DLQ counts as drained (short polls sample). */
const EMPTY_RECEIVES = 3;

/**
 * Move every message of `from` into `to`, ten at a time: sent first, deleted from `from` only once
 * sent (a failed send leaves the message where it was, visible again after its timeout).
 */
async function moveMessages(sqs: SQSClient, from: string, to: string): Promise<number> {
  let moved = 0;
  for (let empty = 0; empty < EMPTY_RECEIVES; ) {
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: from,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 60,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) {
      empty += 1;
      continue;
    }
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: to,
        Entries: messages.map((message, index) => ({
          Id: String(index),
          MessageBody: message.Body ?? '',
          ...(message.MessageAttributes ? { MessageAttributes: message.MessageAttributes } : {}),
        })),
      }),
    );
    const delivered = new Set((sent.Successful ?? []).map((entry) => entry.Id));
    const toDelete = messages
      .map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle ?? '' }))
      .filter((entry) => delivered.has(entry.Id));
    if (toDelete.length > 0) {
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: from, Entries: toDelete }));
    }
    moved += toDelete.length;
  }
  return moved;
}
