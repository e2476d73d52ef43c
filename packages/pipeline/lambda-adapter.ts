import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { HLD_EVENT_BUS, readSetting } from '#packages/settings/settings.ts';
import { eventBridgeClient } from '#packages/storage/client-factory.ts';
import { pipelineConfig } from './config.ts';
import type { EventStageDefinition, EventStageRunner, StageDeclaration } from './definition.ts';
import { PIPELINE_EVENT_SOURCE, type PipelineEvent, type PipelineEventType } from './events.ts';
import type { StageHandler } from './stage-handler.ts';

/**
 * Adapts an event stage to Lambda: SQS records carrying EventBridge events in, partial batch
 * failures out. The runner is the one the local event router calls for the stage; a handler names
 * only its own stage's declaration and runner (not the whole definition), so each bundle holds
 * only its own stage's code.
 */

const logger = new Logger({ serviceName: 'hld-evidence' });
// Namespace from POWERTOOLS_METRICS_NAMESPACE (set by the stack); EMF lines, no API calls.
const metrics = new Metrics({ serviceName: 'hld-evidence' });

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
  const busName = readSetting(HLD_EVENT_BUS);
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

/**
 * The Lambda handler of an event stage, from its declaration and its runner (see
 * stage-handler.ts). At init it checks the pipeline's settings: a bad value fails the init,
 * naming the variable.
 */
export function sqsStageHandler(
  stage: StageDeclaration<EventStageDefinition>,
  run: EventStageRunner,
): StageHandler<
  StageDeclaration<EventStageDefinition>,
  EventStageRunner,
  (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>
> {
  pipelineConfig();
  const stageId = stage.id;
  const processor = new BatchProcessor(EventType.SQS);
  const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const recordHandler = async (record: SQSRecord) => {
      const emitted = await run(toPipelineEvent(record.body), {
        remainingTimeMs: () => context.getRemainingTimeInMillis(),
        log: (message, fields) => logger.info(message, { stage: stageId, ...fields }),
      });
      await publishEvents(emitted);
      metrics.addMetric('EventsEmitted', MetricUnit.Count, emitted.length);
    };
    try {
      const response = await processPartialResponse(event, recordHandler, processor, { context });
      metrics.addDimension('stage', stageId);
      metrics.addMetric('RecordsFailed', MetricUnit.Count, response.batchItemFailures.length);
      metrics.addMetric(
        'RecordsProcessed',
        MetricUnit.Count,
        event.Records.length - response.batchItemFailures.length,
      );
      return response;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
  return Object.assign(handler, { stage, run });
}
