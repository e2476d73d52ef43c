import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { HLD_EVENT_BUS, readSetting } from '#packages/settings/settings.ts';
import { eventBridgeClient } from '#packages/storage/client-factory.ts';
import { pipelineConfig } from './config.ts';
import type { EventStageDefinition, EventStageRunner, StageDeclaration } from './definition.ts';
import { PIPELINE_EVENT_SOURCE, type PipelineEvent, type PipelineEventType } from './events.ts';
import { handlerLogger, withLambdaContext } from './lambda-logger.ts';
import type { StageHandler } from './stage-handler.ts';

/**
 * Adapts an event stage to Lambda: SQS records carrying EventBridge events in, partial batch
 * failures out. The runner is the one the local event router calls for the stage; a handler names
 * only its own stage's declaration and runner (not the whole definition), so each bundle holds
 * only its own stage's code.
 */

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
 * The correlation id of one record: the id of the EventBridge event it carries (the same id in
 * EventBridge, the queue, the DLQ and a redrive), or the SQS message id when the body is not one.
 */
export function recordCorrelationId(record: SQSRecord): string {
  try {
    const id: unknown = (JSON.parse(record.body) as { id?: unknown }).id;
    if (typeof id === 'string' && id.length > 0) return id;
  } catch {
    // Not JSON: the message id still names the delivery.
  }
  return record.messageId;
}

/** A batch of one record has that record's correlation id; a larger batch lists them in its summary line. */
function batchCorrelationId(event: SQSEvent): string | undefined {
  const [only, ...others] = event.Records;
  return only && others.length === 0 ? recordCorrelationId(only) : undefined;
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
  const logger = handlerLogger(stageId);
  const processor = new BatchProcessor(EventType.SQS);
  const handler = withLambdaContext(logger, batchCorrelationId, async (event: SQSEvent, context: Context) => {
    // Records run in parallel: each gets a logger of its own carrying its own correlation id.
    const recordHandler = async (record: SQSRecord) => {
      const recordLogger = logger.createChild();
      recordLogger.setCorrelationId(recordCorrelationId(record));
      try {
        const emitted = await run(toPipelineEvent(record.body), {
          remainingTimeMs: () => context.getRemainingTimeInMillis(),
          log: (message, fields) => recordLogger.info(message, { ...fields }),
        });
        await publishEvents(emitted);
        metrics.addMetric('EventsEmitted', MetricUnit.Count, emitted.length);
      } catch (error) {
        // SQS redelivers the record; without this line nobody would see why it failed.
        recordLogger.error('record failed', { error: error as Error, messageId: record.messageId });
        throw error;
      }
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
      logger.info('batch processed', {
        records: event.Records.length,
        failed: response.batchItemFailures.length,
        correlationIds: event.Records.map(recordCorrelationId),
      });
      return response;
    } finally {
      metrics.publishStoredMetrics();
    }
  });
  return Object.assign(handler, { stage, run });
}
