import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { pipelineConfig } from './config.ts';
import type {
  RefreshState,
  RefreshStepDefinition,
  RefreshStepRunner,
  StageDeclaration,
} from './definition.ts';
import { handlerLogger, withLambdaContext } from './lambda-logger.ts';
import type { StageHandler } from './stage-handler.ts';

const metrics = new Metrics({ serviceName: 'hld-evidence' });

/**
 * What the refresh state machine sends a step: the RefreshState and the execution's name, which
 * names the run in every step's log lines before and after the lock step makes the run id
 * (infra/constructs/refresh-workflow.ts builds it; the step returns the next RefreshState).
 */
export interface RefreshStepInput {
  readonly state: RefreshState;
  readonly executionName: string;
}

/** The state of a step's input: the state machine's envelope, or a bare state (a step invoked by hand). */
export function refreshStateOf(input: RefreshStepInput | RefreshState): RefreshState {
  return 'executionName' in input && 'state' in input ? input.state : (input as RefreshState);
}

/** The execution name when the state machine sent the input, else the run id once the lock step made one. */
export function refreshCorrelationId(input: RefreshStepInput | RefreshState): string | undefined {
  if ('executionName' in input && 'state' in input) return input.executionName;
  const { runId } = input as Partial<RefreshState>;
  return typeof runId === 'string' && runId.length > 0 ? runId : undefined;
}

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
  (input: RefreshStepInput | RefreshState, context: Context) => Promise<RefreshState>
> {
  pipelineConfig();
  const logger = handlerLogger(step.id);
  const handler = withLambdaContext(
    logger,
    refreshCorrelationId,
    async (input: RefreshStepInput | RefreshState, context: Context): Promise<RefreshState> => {
      const started = Date.now();
      const state = refreshStateOf(input);
      try {
        const next = await run(state, {
          remainingTimeMs: () => context.getRemainingTimeInMillis(),
          log: (message, fields) => logger.info(message, { ...fields }),
        });
        logger.info('step done', { runId: next.runId, ms: Date.now() - started });
        return next;
      } catch (error) {
        // The state machine records the error too; this line ties it to the run's other lines.
        logger.error('step failed', { error: error as Error, runId: state.runId });
        throw error;
      } finally {
        metrics.addDimension('step', step.id);
        metrics.addMetric('StepDuration', MetricUnit.Milliseconds, Date.now() - started);
        metrics.publishStoredMetrics();
      }
    },
  );
  return Object.assign(handler, { stage: step, run });
}
