import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { HLD_STAGE, readSetting } from '#packages/settings/settings.ts';

/**
 * The one Powertools logger of every Lambda handler (the pipeline stages, the refresh steps and
 * the briefing API). Every line is JSON with `service`, `stage` (the deployment stage, HLD_STAGE),
 * the Lambda context (`function_request_id`, `function_name`, `cold_start`, …), `xray_trace_id`
 * when X-Ray traces the invocation, and `correlation_id`: the id of what the invocation works on
 * (API Gateway request id, EventBridge event id, Step Functions execution name).
 *
 * Configured from the environment, as Powertools reads it: `POWERTOOLS_SERVICE_NAME` (the stack
 * sets it), `POWERTOOLS_LOG_LEVEL` (or Lambda's own log-level control, which wins),
 * `POWERTOOLS_LOGGER_SAMPLE_RATE` (the share of invocations logged at DEBUG),
 * `POWERTOOLS_LOGGER_LOG_EVENT`.
 */
export const lambdaLogger = new Logger({
  // Powertools prefers a constructor serviceName over the variable; keep the variable first.
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'hld-evidence',
  persistentKeys: { stage: readSetting(HLD_STAGE) },
});

/** A handler's own logger: the shared one, plus `pipeline_stage` (the stage id, or `api`) on every line. */
export function handlerLogger(pipelineStage: string): Logger {
  return lambdaLogger.createChild({ persistentKeys: { pipeline_stage: pipelineStage } });
}

/**
 * Wraps a handler the way Powertools' `injectLambdaContext` does (sampling refreshed, Lambda
 * context added, the event logged when POWERTOOLS_LOGGER_LOG_EVENT is on, temporary keys reset
 * afterwards), and sets the correlation id `correlationIdOf` finds in the event. An invocation
 * without one keeps no correlation id rather than inventing one.
 */
export function withLambdaContext<E, R>(
  logger: Logger,
  correlationIdOf: (event: E) => string | undefined,
  handler: (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  return async (event, context) => {
    logger.refreshSampleRateCalculation();
    logger.addContext(context);
    logger.logEventIfEnabled(event);
    const correlationId = correlationIdOf(event);
    if (correlationId !== undefined) logger.setCorrelationId(correlationId);
    try {
      return await handler(event, context);
    } finally {
      logger.resetKeys();
    }
  };
}
