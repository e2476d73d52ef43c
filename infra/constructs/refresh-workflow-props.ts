import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { PipelineDefinition } from '#packages/pipeline/definition.ts';

export interface RefreshWorkflowProps {
  /** The pipeline whose refresh steps (in order) and failure step make up the workflow. */
  readonly definition: PipelineDefinition;
  /** Function of each refresh step, by stage id. */
  readonly stepFunctions: ReadonlyMap<string, lambda.IFunction>;
  /** Bus the `BriefingPublished` event is put on. */
  readonly pipelineEventBus: events.IEventBus;
  /** Physical state machine name. */
  readonly stateMachineName: string;
  /** EventBridge Scheduler `cron(...)` expression of the scheduled refresh. */
  readonly refreshScheduleCron: string;
  /**
   * IANA time zone the cron is evaluated in.
   * @default 'Etc/UTC'
   */
  readonly refreshScheduleTimeZone?: string;
  /**
   * Whether the schedule starts refreshes (disable to keep the workflow on-demand only).
   * @default true
   */
  readonly refreshScheduleEnabled?: boolean;
  /**
   * Upper bound of one refresh run; a run past it fails and is alarmed on.
   * @default Duration.hours(2)
   */
  readonly stateMachineTimeout?: Duration;
  /** Key the execution log group is encrypted with. */
  readonly encryptionKey: kms.IKey;
  /**
   * What the execution log records: `ERROR` (failed executions) or `ALL` (every state).
   * @default 'ERROR'
   */
  readonly logLevel?: 'ALL' | 'ERROR';
  /**
   * Whether the execution log holds each state's input and output.
   * @default false
   */
  readonly logExecutionData?: boolean;
  /**
   * Retention of the state machine's execution log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}
