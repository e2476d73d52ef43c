import { eventStages, PIPELINE, type PipelineDefinition } from '#packages/pipeline/definition.ts';
import { RedriveError } from '#packages/pipeline/redrive.ts';
import type { LocalDeadLetters } from './dead-letters.ts';
import { createLocalEventRouter, type RouterOptions } from './event-router.ts';

/** What a local redrive did for one stage. */
export interface LocalStageRedrive {
  readonly stage: string;
  /** Failed deliveries kept for the stage before the redrive. */
  readonly waiting: number;
  /** Delivered again, and succeeded this time (no longer kept). */
  readonly redelivered: number;
  /** Failed again: still kept, with the new error and one more attempt. */
  readonly stillFailing: readonly { readonly eventId: string; readonly error: string }[];
}

/**
 * The local counterpart of `redriveStages`: deliver each failed delivery kept for a stage to that
 * stage again (and what it emits to every stage it routes to). A delivery that succeeds is
 * forgotten; one that fails again stays kept, as does any failed delivery it causes downstream.
 */
export async function redriveLocal(
  letters: Pick<LocalDeadLetters, 'list' | 'keep' | 'remove'>,
  options: {
    readonly stage?: string;
    readonly definition?: PipelineDefinition;
    readonly router?: RouterOptions;
  } = {},
): Promise<LocalStageRedrive[]> {
  const definition = options.definition ?? PIPELINE;
  const stages = eventStages(definition).map((stage) => stage.id);
  if (options.stage !== undefined && !stages.includes(options.stage)) {
    throw new RedriveError(
      `No event stage '${options.stage}'. Stages with failed deliveries kept: ${stages.join(', ')}.`,
    );
  }
  const router = createLocalEventRouter(definition, { ...options.router, deadLetters: false });
  const outcomes: LocalStageRedrive[] = [];
  for (const stage of stages.filter((id) => options.stage === undefined || id === options.stage)) {
    const kept = await letters.list(stage);
    let redelivered = 0;
    const stillFailing: { eventId: string; error: string }[] = [];
    for (const letter of kept) {
      const deliveries = await router.deliver(stage, letter.event);
      for (const delivery of deliveries) {
        const own = delivery.stage === stage && delivery.event.id === letter.event.id;
        if (own && !delivery.error) {
          await letters.remove(stage, letter.event.id);
          redelivered += 1;
        } else if (delivery.error) {
          await letters.keep(delivery.stage, delivery.event, delivery.error, own ? letter.attempts + 1 : 1);
          if (own) stillFailing.push({ eventId: letter.event.id, error: delivery.error.message });
        }
      }
    }
    outcomes.push({ stage, waiting: kept.length, redelivered, stillFailing });
  }
  return outcomes;
}
