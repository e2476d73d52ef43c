import { randomUUID } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import {
  type EventStageDefinition,
  eventStages,
  PIPELINE,
  type PipelineDefinition,
  type RefreshState,
  type RefreshStepRunner,
  refreshFailureStep,
  refreshSteps,
  type StageContext,
} from '#packages/pipeline/definition.ts';
import {
  PIPELINE_EVENT_SOURCE,
  type PipelineEvent,
  type PipelineEventType,
  parseEventDetail,
} from '#packages/pipeline/events.ts';
import { HLD_STAGE_STATS, readSetting } from '#packages/settings/settings.ts';
import { BUCKETS } from '#packages/storage/resources.ts';
import { LocalDeadLetters } from './dead-letters.ts';
import { currentProcess } from './process-identity.ts';

/** One delivery of an event to a stage, as the router saw it. */
export interface Delivery {
  readonly stage: string;
  readonly event: PipelineEvent;
  readonly emitted: number;
  readonly error?: Error;
  /** A failed delivery was kept for `hld redrive` (false: keeping it failed too; see error). */
  readonly kept?: boolean;
  /** Wall time of the stage's run. */
  readonly seconds: number;
  /**
   * Peak resident memory of this process while the stage ran, in MB (Linux: the high-water mark
   * is reset before each stage through /proc/self/clear_refs); undefined where it cannot be read.
   */
  readonly peakRssMB?: number;
}

export interface RouterOptions {
  /** Deliver every event this many times (at-least-once; tests use 2). @default 1 */
  readonly deliveries?: number;
  readonly log?: StageContext['log'];
  /** Told what ingest did with each upload (see StageContext.onIngested). */
  readonly onIngested?: StageContext['onIngested'];
  /** Called after each delivery (progress output). */
  readonly onDelivery?: (delivery: Delivery) => void;
  /**
   * Where failed deliveries are kept for `hld redrive` (the local DLQs), or false to keep none.
   * @default LocalDeadLetters on the backend's ledger table
   */
  readonly deadLetters?: Pick<LocalDeadLetters, 'keep'> | false;
  /**
   * Stages this router does not run: their events are left for a later command, which finds the
   * work from the stored state (e.g. `hld ingest` leaves parquet-copy to the first `hld query`
   * that needs the copy: packages/local/sql.ts). Only for stages whose missing output is found
   * that way.
   * @default none
   */
  readonly leaveForLater?: readonly string[];
}

function matches(stage: EventStageDefinition, event: PipelineEvent): boolean {
  const trigger = stage.trigger;
  if (trigger.type === 'pipeline-event') return trigger.detailType === event.detailType;
  if (event.detailType !== 'Object Created') return false;
  const detail = event.detail as { bucket: { name: string }; object: { key: string } };
  const bucketName = readSetting(BUCKETS[trigger.bucket].setting);
  return detail.bucket.name === bucketName && detail.object.key.startsWith(trigger.prefix);
}

/**
 * The local stand-in for EventBridge rules + SQS + Lambda: dispatches each event, in-process, to
 * the runners of the stages whose trigger matches, then dispatches what they emit, until no
 * event is left. Built from the same pipeline definition as the CDK stack.
 */
export function createLocalEventRouter(
  definition: PipelineDefinition = PIPELINE,
  options: RouterOptions = {},
) {
  const stages = eventStages(definition);
  const runners = new Map<string, Promise<Awaited<ReturnType<EventStageDefinition['load']>>>>();
  const runnerFor = (stage: EventStageDefinition) => {
    let runner = runners.get(stage.id);
    if (!runner) {
      runner = stage.load();
      runners.set(stage.id, runner);
    }
    return runner;
  };

  let deadLetters: Pick<LocalDeadLetters, 'keep'> | undefined;

  return {
    /** Ids of the stages an event of this type goes to. */
    routesFor(detailType: PipelineEventType): string[] {
      return stages
        .filter((stage) =>
          stage.trigger.type === 'pipeline-event'
            ? stage.trigger.detailType === detailType
            : detailType === 'Object Created',
        )
        .map((stage) => stage.id);
    },

    /** Deliver an event and everything it causes. Failed deliveries are returned, not thrown. */
    async dispatch(first: PipelineEvent): Promise<Delivery[]> {
      return deliverAll([first], undefined);
    },

    /**
     * Deliver an event to one stage only (a redrive of its failed delivery), then everything it
     * causes to every stage it routes to.
     */
    async deliver(stageId: string, event: PipelineEvent): Promise<Delivery[]> {
      return deliverAll([event], stageId);
    },
  };

  async function deliverAll(first: PipelineEvent[], onlyStage: string | undefined): Promise<Delivery[]> {
    const queue: PipelineEvent[] = [...first];
    const deliveries: Delivery[] = [];
    let restricted = onlyStage !== undefined;
    while (queue.length > 0) {
      const event = queue.shift() as PipelineEvent;
      const targets = restricted
        ? stages.filter((candidate) => candidate.id === onlyStage)
        : stages.filter(
            (candidate) => matches(candidate, event) && !options.leaveForLater?.includes(candidate.id),
          );
      restricted = false;
      for (const stage of targets) {
        const run = await runnerFor(stage);
        for (let attempt = 0; attempt < (options.deliveries ?? 1); attempt += 1) {
          let delivery: Delivery;
          const measure = measureStage();
          try {
            const emitted = await run(event, {
              ...(options.log ? { log: options.log } : {}),
              ...(options.onIngested ? { onIngested: options.onIngested } : {}),
            });
            queue.push(...emitted);
            delivery = { stage: stage.id, event, emitted: emitted.length, ...measure() };
          } catch (error) {
            delivery = { stage: stage.id, event, emitted: 0, error: error as Error, ...measure() };
            delivery = { ...delivery, kept: await keepFailed(delivery) };
          }
          deliveries.push(delivery);
          recordStageStats({
            startedAt: measure.startedAt,
            stage: delivery.stage,
            event: delivery.event.detailType,
            seconds: delivery.seconds,
            peakRssMB: delivery.peakRssMB,
            ...(delivery.error ? { failed: true } : {}),
          });
          options.onDelivery?.(delivery);
        }
      }
    }
    return deliveries;
  }

  /** Keep a failed delivery in the local DLQ; false when there is none or keeping failed too. */
  async function keepFailed(delivery: Delivery): Promise<boolean> {
    if (options.deadLetters === false || !delivery.error) return false;
    deadLetters ??= options.deadLetters ?? new LocalDeadLetters();
    try {
      await deadLetters.keep(delivery.stage, delivery.event, delivery.error);
      return true;
    } catch {
      // The backend is gone too: the delivery's own error is the one reported.
      return false;
    }
  }
}

export type LocalEventRouter = ReturnType<typeof createLocalEventRouter>;

/** Peak RSS of this process in MB since start or the last reset (Linux VmHWM). */
function peakRssMB(): number | undefined {
  try {
    const kilobytes = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
    return Number.isFinite(kilobytes) ? Math.round(kilobytes / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Start measuring one stage's run: its time, and its peak memory where the high-water mark can
 * be reset (Linux `clear_refs` 5), so each stage of one command gets a peak of its own, as each
 * Lambda function has. Returns what to add to the delivery.
 */
function measureStage(): (() => Pick<Delivery, 'seconds' | 'peakRssMB'>) & { readonly startedAt: number } {
  let resettable = false;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    resettable = true;
  } catch {
    // not Linux, or not allowed: time only
  }
  const startedAt = Date.now();
  const started = performance.now();
  const measured = () => {
    const peak = resettable ? peakRssMB() : undefined;
    return {
      seconds: (performance.now() - started) / 1000,
      ...(peak === undefined ? {} : { peakRssMB: peak }),
    };
  };
  return Object.assign(measured, { startedAt });
}

/**
 * One JSON line per stage run to the file HLD_STAGE_STATS names (the bench reads it), if set;
 * `startedAt` (epoch ms) places the stage within the command (start and upload come before it).
 */
function recordStageStats(stats: {
  readonly startedAt: number;
  readonly stage: string;
  readonly event: string;
  readonly seconds: number;
  readonly peakRssMB?: number | undefined;
  readonly failed?: boolean;
}): void {
  const path = readSetting(HLD_STAGE_STATS);
  if (path) appendFileSync(path, `${JSON.stringify(stats)}\n`);
}

/** An S3 `Object Created` event as EventBridge would deliver it. */
export function objectCreatedEvent(
  bucket: string,
  key: string,
  size: number,
): PipelineEvent<'Object Created'> {
  return {
    id: randomUUID(),
    source: 'aws.s3',
    detailType: 'Object Created',
    detail: { bucket: { name: bucket }, object: { key, size } },
    time: new Date().toISOString(),
  };
}

/**
 * The `BriefingPublished` event of a refresh state, as the state machine puts it on the bus after
 * a step that emits it: only when a version was published and every field of the event is there
 * (infra/constructs/refresh-workflow.ts, `WasBriefingPublished`); else undefined.
 */
export function briefingPublishedEvent(state: RefreshState): PipelineEvent<'BriefingPublished'> | undefined {
  const { published, version, previousVersion, contentHash, diff } = state;
  if (published !== true || version === undefined || previousVersion === undefined) return undefined;
  if (contentHash === undefined || diff === undefined) return undefined;
  const detail = parseEventDetail('BriefingPublished', {
    dataset: state.dataset,
    version,
    previousVersion,
    contentHash,
    diff,
  });
  return {
    id: `published-${state.dataset}-v${state.version}-${state.runId}`,
    source: PIPELINE_EVENT_SOURCE,
    detailType: 'BriefingPublished',
    detail,
    time: new Date().toISOString(),
  };
}

/**
 * Run the refresh steps of the definition in order, as the state machine does: after a step that
 * emits `BriefingPublished` and published a version, the event goes to the stages it triggers
 * (their failed deliveries are reported through `router.onDelivery`, never fail the refresh —
 * in AWS they run after it, from their own queue); on failure run the failure step (which
 * releases the lock) and rethrow. `overrides` replaces a step's runner (tests inject faults this
 * way).
 */
export async function runLocalRefresh(
  initial: RefreshState,
  definition: PipelineDefinition = PIPELINE,
  overrides: Readonly<Record<string, RefreshStepRunner>> = {},
  onStep?: (stepId: string, state: RefreshState) => void,
  router: RouterOptions = {},
): Promise<RefreshState> {
  let state = initial;
  try {
    for (const step of refreshSteps(definition)) {
      const run = overrides[step.id] ?? (await step.load());
      const measure = measureStage();
      state = await run(state, { lockOwner: currentProcess() });
      recordStageStats({
        startedAt: measure.startedAt,
        stage: step.id,
        event: 'refresh step',
        ...measure(),
      });
      onStep?.(step.id, state);
      const published = step.emits.includes('BriefingPublished') ? briefingPublishedEvent(state) : undefined;
      if (published) await createLocalEventRouter(definition, router).dispatch(published);
    }
    return state;
  } catch (error) {
    const failure = refreshFailureStep(definition);
    // A refresh that never took the lock must not release someone else's.
    if (failure && state.lockToken) {
      try {
        await (await failure.load())(
          { ...state, error: (error as Error).message },
          { lockOwner: currentProcess() },
        );
      } catch {
        // The failure step fails too when the backend is gone: the first error is the one to
        // report, and the next command releases a lock whose holder is dead.
      }
    }
    throw error;
  }
}
