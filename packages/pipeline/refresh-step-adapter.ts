import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { RefreshState, RefreshStepRunner } from './definition.ts';

const logger = new Logger({ serviceName: 'hld-evidence' });
const metrics = new Metrics({ serviceName: 'hld-evidence' });

/** A Lambda handler for a refresh step: the Step Functions state in, the next state out. */
export function refreshStepHandler(stageId: string, run: RefreshStepRunner) {
  return async (state: RefreshState, context: Context): Promise<RefreshState> => {
    const started = Date.now();
    try {
      return await run(state, {
        remainingTimeMs: () => context.getRemainingTimeInMillis(),
        log: (message, fields) => logger.info(message, { stage: stageId, ...fields }),
      });
    } finally {
      metrics.addDimension('step', stageId);
      metrics.addMetric('StepDuration', MetricUnit.Milliseconds, Date.now() - started);
      metrics.publishStoredMetrics();
    }
  };
}
