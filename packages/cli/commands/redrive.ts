import { LocalDeadLetters } from '#packages/local/dead-letters.ts';
import { redriveLocal } from '#packages/local/redrive-local.ts';
import { PIPELINE } from '#packages/pipeline/definition.ts';
import { RedriveError, redriveStages, stageQueuePairs } from '#packages/pipeline/redrive.ts';
import { HLD_NAME_PREFIX, isSet, readSetting } from '#packages/settings/settings.ts';
import { sqsClient, sqsEndpointOverridden } from '#packages/storage/client-factory.ts';
import { EXIT, type Output, UsageError } from '../output.ts';
import type { Session } from '../session.ts';

export interface RedriveCommandOptions {
  /** One event stage; every event stage when undefined. */
  readonly stage: string | undefined;
}

/**
 * `hld redrive [--stage S]`: put the deliveries a stage gave up on back in front of it. On AWS,
 * an SQS message move task from each stage's DLQ to its queue (HLD_NAME_PREFIX names the stack's
 * queues); locally, the failed deliveries the router kept are delivered again. Exit 0 when every
 * redelivery succeeded (or was started), 1 when some failed again (they stay kept).
 */
export async function redriveCommand(
  session: Session,
  out: Output,
  options: RedriveCommandOptions,
): Promise<number> {
  try {
    if (session.backend.name === 'aws') return await redriveCloud(out, options);
    const stages = await redriveLocal(new LocalDeadLetters(session.ctx.config.ledgerTable), {
      ...(options.stage === undefined ? {} : { stage: options.stage }),
    });
    const failing = stages.flatMap((stage) =>
      stage.stillFailing.map((letter) => ({ stage: stage.stage, ...letter })),
    );
    out.result({ backend: session.backend.name, stages }, () =>
      [
        ...stages.map(
          (stage) =>
            `${stage.stage}: ${stage.waiting} kept, ${stage.redelivered} delivered again` +
            (stage.stillFailing.length > 0 ? `, ${stage.stillFailing.length} failed again (still kept)` : ''),
        ),
        ...failing.map((letter) => `  ${letter.stage} ${letter.eventId}: ${letter.error}`),
      ].join('\n'),
    );
    return failing.length > 0 ? EXIT.problems : EXIT.ok;
  } catch (error) {
    if (error instanceof RedriveError) throw new UsageError(error.message);
    throw error;
  }
}

async function redriveCloud(out: Output, options: RedriveCommandOptions): Promise<number> {
  if (!isSet(HLD_NAME_PREFIX)) {
    throw new UsageError(
      "hld redrive --backend aws needs HLD_NAME_PREFIX: the deployed stack's name (hld-evidence-prod)",
    );
  }
  const pairs = stageQueuePairs(PIPELINE, String(readSetting(HLD_NAME_PREFIX)), options.stage);
  // Emulators implement no message move tasks: there hld moves the messages itself.
  const stages = await redriveStages(await sqsClient(), pairs, {
    messageMoveTasks: !sqsEndpointOverridden(),
  });
  out.result({ backend: 'aws', stages }, () =>
    stages
      .map((stage) =>
        stage.how === 'message-move-task'
          ? `${stage.stage}: moving ${stage.waiting} message(s) from ${stage.deadLetterQueue} back to its queue (task ${stage.taskHandle ?? '?'}; aws sqs list-message-move-tasks shows progress)`
          : stage.how === 'moved'
            ? `${stage.stage}: moved ${stage.moved ?? 0} message(s) from ${stage.deadLetterQueue} back to its queue`
            : stage.how === 'already-running'
              ? `${stage.stage}: a move from ${stage.deadLetterQueue} is already running; none started`
              : `${stage.stage}: ${stage.deadLetterQueue} is empty`,
      )
      .join('\n'),
  );
  return EXIT.ok;
}
