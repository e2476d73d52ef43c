import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { pipelineConfig } from './config.ts';
import type {
  RefreshState,
  RefreshStepDefinition,
  RefreshStepRunner,
  StageDeclaration,
} from './definition.ts';
import type { StageHandler } from './stage-handler.ts';

const logger = new Logger({ serviceName: 'hld-evidence' });
const metrics = new Metrics({ serviceName: 'hld-evidence' });

/**
 * The Lambda handler of a refresh step (a Step Functions task): the state in, the next state
 * out. Built from the step's declaration and its runner (see stage-handler.ts); at init it
 * checks the pipeline's settings.
 */
export function refreshStepHandler(
  step: StageDeclaration<RefreshStepDefinition>,
  run: RefreshStepRunner,
): StageHandler<
  StageDeclaration<RefreshStepDefinition>,
  RefreshStepRunner,
  (state: RefreshState, context: Context) => Promise<RefreshState>
> {
  pipelineConfig();
  const handler = async (state: RefreshState, context: Context): Promise<RefreshState> => {
    const started = Date.now();
    try {
      return await run(state, {
        remainingTimeMs: () => context.getRemainingTimeInMillis(),
        log: (message, fields) => logger.info(message, { stage: step.id, ...fields }),
      });
    } finally {
      metrics.addDimension('step', step.id);
      metrics.addMetric('StepDuration', MetricUnit.Milliseconds, Date.now() - started);
      metrics.publishStoredMetrics();
    }
  };
  return Object.assign(handler, { stage: step, run });
}
