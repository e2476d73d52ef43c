import { ArnFormat, Duration, RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  type RefreshStepDefinition,
  refreshFailureStep,
  refreshSteps,
} from '#packages/pipeline/definition.ts';
import { PIPELINE_EVENT_SOURCE } from '#packages/pipeline/events.ts';
import { PipelineWiringError } from '../errors.ts';
import { acknowledgeFinding, iam5ResourceFindingId } from '../nag.ts';
import { constructIdOf } from './construct-id.ts';
import type { RefreshWorkflowProps } from './refresh-workflow-props.ts';
import { stateMachineLogDeliveryPolicyOf, tracingPolicyOf } from './shared-policies.ts';

/**
 * The scheduled refresh: a Step Functions state machine running the refresh steps of the pipeline
 * definition in order (lock → normalise-pending → assemble → unlock), started by EventBridge
 * Scheduler and by `hld refresh`.
 *
 * Guarantees:
 * - each step is a Lambda task whose output is the next step's input (`RefreshState`), retried
 *   on Lambda service errors and throttling;
 * - after a step that emits `BriefingPublished` (assemble), and only when it actually published
 *   a version, the state machine itself puts `BriefingPublished` (dataset, version,
 *   previousVersion, contentHash, diff) on the pipeline bus — a native integration, no Lambda;
 * - a failure of any step after the first runs the definition's failure step (it releases the
 *   lock and records the failure, with the error in `state.error`) and then ends the run as
 *   failed, so alarms see it; a failure of the first step (the lock) ends the run at once: it
 *   holds no lock, and its state is the caller's input, whose run id must never reach the
 *   failure step (it would release a running run's lock);
 * - Standard workflow (exactly-once steps, full history), a run timeout, X-Ray tracing, and an
 *   execution log at the stage's level (ERROR without execution data in prod) in a log group
 *   encrypted with the stack's key;
 * - the state machine's role can be assumed only by Step Functions for this state machine
 *   (`aws:SourceArn`, `aws:SourceAccount`), the scheduler's role only for this stack's own
 *   schedule group; `Resource: "*"` permissions (log delivery, X-Ray) come from the stack's shared
 *   policies, not from the role;
 * - the schedule passes `{ dataset, requestedBy: 'schedule' }`; the lock step makes the run id
 *   and is what makes two overlapping runs safe; a start the scheduler cannot make is retried,
 *   then kept in the schedule's DLQ.
 */
export class RefreshWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly schedule: scheduler.Schedule;
  /** The stack's own schedule group: its metrics and the scheduler role's trust are this stack's alone. */
  readonly scheduleGroup: scheduler.ScheduleGroup;
  /** Where a scheduled start goes when every retry failed. */
  readonly scheduleDeadLetterQueue: sqs.Queue;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: RefreshWorkflowProps) {
    super(scope, id);
    const steps = refreshSteps(props.definition);
    if (steps.length === 0) {
      throw new PipelineWiringError(`Pipeline '${props.definition.name}' has no refresh steps to run.`);
    }

    const failed = sfn.Fail.jsonPath(this, 'RunFailed', {
      comment: 'The refresh failed; the failure step has released the lock and recorded the error.',
      errorPath: '$.failure.Error',
      causePath: '$.failure.Cause',
    });
    const onFailure = this.failureChain(props, failed);

    // Built back to front: each step's next state must exist before the step is chained to it.
    let next: sfn.IChainable = sfn.Succeed.jsonPath(this, 'RunSucceeded');
    for (const step of [...steps].reverse()) {
      const task = this.invokeStep(step, props);
      task.addCatch(step === steps[0] ? failed : onFailure, { resultPath: '$.failure' });
      const unsupported = step.emits.filter((type) => type !== 'BriefingPublished');
      if (unsupported.length > 0) {
        throw new PipelineWiringError(
          `Refresh step '${step.id}' emits ${unsupported.join(', ')}; the refresh workflow can only ` +
            `publish BriefingPublished. Emit other events from an event stage.`,
        );
      }
      if (step.emits.includes('BriefingPublished')) {
        task.next(this.publishWhenPublished(props, next, onFailure));
      } else {
        task.next(next);
      }
      next = task;
    }

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      // The /aws/vendedlogs/ prefix keeps CloudWatch Logs' account-wide resource policy small.
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}`,
      encryptionKey: props.encryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    const stack = Stack.of(this);
    const role = new iam.Role(this, 'StateMachineRole', {
      description: `Execution role of the ${props.stateMachineName} state machine`,
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'states',
              resource: 'stateMachine',
              resourceName: props.stateMachineName,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    });
    role.addManagedPolicy(tracingPolicyOf(this));
    role.addManagedPolicy(stateMachineLogDeliveryPolicyOf(this));

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(next),
      timeout: props.stateMachineTimeout ?? Duration.hours(2),
      role,
      comment: `Refresh of the '${props.definition.dataset}' briefing dataset`,
    });
    // Logging and tracing on the L1: the L2 props would add their `Resource: "*"` statements to
    // the role, where they are instead in the shared policies attached above.
    const cfnStateMachine = this.stateMachine.node.defaultChild as sfn.CfnStateMachine;
    cfnStateMachine.loggingConfiguration = {
      destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: this.logGroup.logGroupArn } }],
      level: props.logLevel ?? 'ERROR',
      includeExecutionData: props.logExecutionData ?? false,
    };
    cfnStateMachine.tracingConfiguration = { enabled: true };
    if ((props.logLevel ?? 'ERROR') !== 'ALL') {
      acknowledgeFinding(
        this.stateMachine,
        'AwsSolutions-SF1',
        'The stage logs failed executions only (ERROR, no execution data) on purpose: every event of ' +
          'every run stays in the Standard workflow execution history for 90 days, and the ledger ' +
          'records each run; the log does not need to copy requesters and run state.',
      );
    }
    for (const step of [...steps, refreshFailureStep(props.definition)]) {
      if (!step) continue;
      const fn = this.functionOf(step, props);
      acknowledgeFinding(
        role,
        iam5ResourceFindingId(this, `${fn.functionArn}:*`),
        'CDK grants lambda:InvokeFunction on the function ARN and on its versions/aliases (ARN:*); ' +
          'the wildcard never reaches another function.',
      );
    }

    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'ScheduleGroup', {
      scheduleGroupName: props.stateMachineName,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.scheduleDeadLetterQueue = new sqs.Queue(this, 'ScheduleDeadLetterQueue', {
      queueName: `${props.stateMachineName}-schedule-dlq`,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeFinding(
      this.scheduleDeadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself a dead-letter queue: the one of the EventBridge Scheduler target ' +
        '(DeadLetterConfig), which cdk-nag does not recognise because no SQS redrive policy names it.',
    );

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `Scheduled refresh of the '${props.definition.dataset}' briefing dataset`,
      schedule: scheduler.ScheduleExpression.expression(
        props.refreshScheduleCron,
        TimeZone.of(props.refreshScheduleTimeZone ?? 'Etc/UTC'),
      ),
      enabled: props.refreshScheduleEnabled ?? true,
      scheduleGroup: this.scheduleGroup,
      target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({
          dataset: props.definition.dataset,
          requestedBy: 'schedule',
        }),
        // Retries stop an hour after the scheduled time: a refresh that late waits for the next one.
        maxEventAge: Duration.hours(1),
        retryAttempts: 3,
        deadLetterQueue: this.scheduleDeadLetterQueue,
      }),
    });
  }

  private functionOf(step: RefreshStepDefinition, props: RefreshWorkflowProps): lambda.IFunction {
    const fn = props.stepFunctions.get(step.id);
    if (!fn) throw new PipelineWiringError(`No function was built for refresh step '${step.id}'.`);
    return fn;
  }

  private invokeStep(step: RefreshStepDefinition, props: RefreshWorkflowProps): tasks.LambdaInvoke {
    const task = tasks.LambdaInvoke.jsonPath(this, constructIdOf(step.id), {
      comment: step.description,
      lambdaFunction: this.functionOf(step, props),
      payload: stepInput(),
      // The step returns the next RefreshState; the Lambda envelope (StatusCode, …) is dropped.
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });
    return retryThrottling(task);
  }

  /**
   * Puts `BriefingPublished` on the pipeline bus when the state says a version was published
   * (a refresh with nothing new publishes nothing), then continues with `next`.
   */
  private publishWhenPublished(
    props: RefreshWorkflowProps,
    next: sfn.IChainable,
    onFailure: sfn.IChainable,
  ): sfn.Choice {
    const publish = tasks.EventBridgePutEvents.jsonPath(this, 'PutBriefingPublished', {
      comment: 'Announce the new briefing version and its diff',
      entries: [
        {
          eventBus: props.pipelineEventBus,
          source: PIPELINE_EVENT_SOURCE,
          detailType: 'BriefingPublished',
          detail: sfn.TaskInput.fromObject({
            dataset: sfn.JsonPath.stringAt('$.dataset'),
            version: sfn.JsonPath.numberAt('$.version'),
            previousVersion: sfn.JsonPath.numberAt('$.previousVersion'),
            contentHash: sfn.JsonPath.stringAt('$.contentHash'),
            diff: sfn.JsonPath.objectAt('$.diff'),
          }),
        },
      ],
      // Keep the RefreshState: the unlock step needs it, not the PutEvents response.
      resultPath: sfn.JsonPath.DISCARD,
    });
    publish.addRetry({ interval: Duration.seconds(2), maxAttempts: 3, backoffRate: 2 });
    publish.addCatch(onFailure, { resultPath: '$.failure' });
    publish.next(next);

    // Every field the event needs must be present: a missing one would fail the run after the
    // version went live.
    const published = sfn.Condition.and(
      sfn.Condition.isPresent('$.published'),
      sfn.Condition.booleanEquals('$.published', true),
      sfn.Condition.isPresent('$.version'),
      sfn.Condition.isPresent('$.previousVersion'),
      sfn.Condition.isPresent('$.contentHash'),
      sfn.Condition.isPresent('$.diff'),
    );
    return sfn.Choice.jsonPath(this, 'WasBriefingPublished').when(published, publish).otherwise(next);
  }

  /**
   * Catch target of every step: add `error` ("<Error>: <Cause>") to the RefreshState, run the
   * failure step (if the definition has one) with it, then fail the run with the original error.
   */
  private failureChain(props: RefreshWorkflowProps, failed: sfn.Fail): sfn.IChainable {
    const failureStep = refreshFailureStep(props.definition);
    const describe = sfn.Pass.jsonPath(this, 'DescribeFailure', {
      parameters: {
        error: sfn.JsonPath.format(
          '{}: {}',
          sfn.JsonPath.stringAt('$.failure.Error'),
          sfn.JsonPath.stringAt('$.failure.Cause'),
        ),
      },
      resultPath: '$.failureSummary',
    });
    const addError = sfn.Pass.jsonPath(this, 'AddErrorToState', {
      parameters: {
        state: sfn.JsonPath.jsonMerge(sfn.JsonPath.objectAt('$'), sfn.JsonPath.objectAt('$.failureSummary')),
      },
      outputPath: '$.state',
    });
    if (!failureStep) return describe.next(addError).next(failed);

    const release = tasks.LambdaInvoke.jsonPath(this, constructIdOf(failureStep.id), {
      comment: failureStep.description,
      lambdaFunction: this.functionOf(failureStep, props),
      payload: stepInput(),
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
      // Keep `failure` so the Fail state can report the original error.
      resultPath: sfn.JsonPath.DISCARD,
    });
    retryThrottling(release).addCatch(failed, { resultPath: '$.failureStepError' });
    return describe.next(addError).next(release).next(failed);
  }
}

/**
 * What every step receives (`RefreshStepInput` in packages/pipeline/refresh-step-adapter.ts): the
 * RefreshState and the execution's name, the correlation id of the run's log lines in every step.
 */
function stepInput(): sfn.TaskInput {
  return sfn.TaskInput.fromObject({
    state: sfn.JsonPath.entirePayload,
    executionName: sfn.JsonPath.executionName,
  });
}

/** Throttled invocations are retried with backoff (CDK's default retry covers service errors only). */
function retryThrottling(task: tasks.LambdaInvoke): tasks.LambdaInvoke {
  task.addRetry({
    errors: ['Lambda.TooManyRequestsException'],
    interval: Duration.seconds(5),
    maxAttempts: 5,
    backoffRate: 2,
  });
  return task;
}
