import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { eventBridgeClient } from '#packages/storage/client-factory.ts';
import {
  type EventStageDefinition,
  PIPELINE,
  type RefreshState,
  type RefreshStepDefinition,
} from './definition.ts';
import { PIPELINE_EVENT_SOURCE, type PipelineEvent, type PipelineEventType } from './events.ts';

/**
 * Adapts pipeline stages to Lambda. The runners are the same functions the local event router
 * calls; only the envelope differs (SQS records carrying EventBridge events here).
 */

const logger = new Logger({ serviceName: 'hld-evidence' });

function stageById<T extends EventStageDefinition | RefreshStepDefinition>(id: string): T {
  const stage = PIPELINE.stages.find((candidate) => candidate.id === id);
  if (!stage) throw new Error(`No stage '${id}' in the pipeline definition`);
  return stage as T;
}

/** An EventBridge event as SQS delivers it in a record body. */
interface EventBridgeEnvelope {
  id: string;
  source: string;
  'detail-type': string;
  detail: unknown;
  time: string;
}

export function toPipelineEvent(body: string): PipelineEvent {
  const envelope = JSON.parse(body) as EventBridgeEnvelope;
  return {
    id: envelope.id,
    source: envelope.source,
    detailType: envelope['detail-type'] as PipelineEventType,
    detail: envelope.detail as PipelineEvent['detail'],
    time: envelope.time,
  };
}

/** Put emitted events on the pipeline bus (10 per call, the PutEvents limit). */
export async function publishEvents(events: readonly PipelineEvent[]): Promise<void> {
  const busName = process.env.HLD_EVENT_BUS;
  if (!busName || events.length === 0) return;
  for (let start = 0; start < events.length; start += 10) {
    const chunk = events.slice(start, start + 10);
    const result = await eventBridgeClient().send(
      new PutEventsCommand({
        Entries: chunk.map((event) => ({
          EventBusName: busName,
          Source: PIPELINE_EVENT_SOURCE,
          DetailType: event.detailType,
          Detail: JSON.stringify(event.detail),
        })),
      }),
    );
    if (result.FailedEntryCount) {
      throw new Error(`EventBridge rejected ${result.FailedEntryCount} of ${chunk.length} events`);
    }
  }
}

/** A Lambda handler for an event stage: SQS batch in, partial batch failures out. */
export function sqsStageHandler(stageId: string) {
  const stage = stageById<EventStageDefinition>(stageId);
  const processor = new BatchProcessor(EventType.SQS);
  let runner: Awaited<ReturnType<EventStageDefinition['load']>> | undefined;

  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    runner ??= await stage.load();
    const run = runner;
    const recordHandler = async (record: SQSRecord) => {
      const pipelineEvent = toPipelineEvent(record.body);
      const emitted = await run(pipelineEvent, {
        remainingTimeMs: () => context.getRemainingTimeInMillis(),
        log: (message, fields) => logger.info(message, { stage: stageId, ...fields }),
      });
      await publishEvents(emitted);
    };
    return processPartialResponse(event, recordHandler, processor, { context });
  };
}

/** A Lambda handler for a refresh step: the Step Functions state in, the next state out. */
export function refreshStepHandler(stageId: string) {
  const stage = stageById<RefreshStepDefinition>(stageId);
  return async (state: RefreshState, context: Context): Promise<RefreshState> => {
    const run = await stage.load();
    const next = await run(state, {
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
      log: (message, fields) => logger.info(message, { stage: stageId, ...fields }),
    });
    return next;
  };
}
