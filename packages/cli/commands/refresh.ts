import { backendLost } from '#packages/local/backend-lost.ts';
import { type Delivery, runLocalRefresh } from '#packages/local/event-router.ts';
import { releaseLockOfDeadHolder } from '#packages/local/stale-lock.ts';
import { PIPELINE, type RefreshState, refreshSteps } from '#packages/pipeline/definition.ts';
import { lockContext, REFRESH_LOCK, refreshFailed } from '#packages/pipeline/refresh-lock.ts';
import { HLD_STATE_MACHINE_ARN, readSetting } from '#packages/settings/settings.ts';
import { stepFunctionsClient, stsClient } from '#packages/storage/client-factory.ts';
import { EXIT, UsageError } from '../output.ts';
import type { ProgressOutput } from '../progress.ts';
import type { Session } from '../session.ts';

/*
 * `hld refresh` apart from the other pipeline commands (pipeline.ts): it loads neither the ingest
 * side (readers, file selection, sidecars) nor the upload path, ≈ 0.2 s of module loading.
 */

/**
 * Load the local refresh steps' modules now (each is otherwise loaded just before it runs): hld
 * calls this while the emulator child starts, so their loading fills that wait instead of
 * following it (≈ 0.3-0.5 s between the lock and normalise-pending steps at load 6).
 */
export async function loadRefreshSteps(): Promise<void> {
  await Promise.all(refreshSteps(PIPELINE).map((step) => step.load()));
}

/** Refresh: locally the steps run in-process; on AWS the state machine is started. */
export async function refresh(
  session: Session,
  out: ProgressOutput,
  requestedBy: string,
  options: { readonly force?: boolean } = {},
): Promise<RefreshState> {
  const initial: RefreshState = {
    runId: '',
    dataset: session.ctx.config.dataset,
    requestedBy,
    ...(options.force ? { force: true } : {}),
  };
  if (session.backend.name === 'aws') {
    const arn = readSetting(HLD_STATE_MACHINE_ARN);
    if (!arn) throw new UsageError(`Set ${HLD_STATE_MACHINE_ARN.name} (a stack output) to refresh on AWS`);
    // Loaded here: no other command needs these SDK packages (client-factory.ts).
    const [{ StartExecutionCommand }, { GetCallerIdentityCommand }] = await Promise.all([
      import('@aws-sdk/client-sfn'),
      import('@aws-sdk/client-sts'),
    ]);
    // Who starts it, as AWS knows the caller (the run records it); the state machine makes the run id.
    const caller = (await (await stsClient()).send(new GetCallerIdentityCommand({}))).Arn ?? 'unknown caller';
    const started = await (await stepFunctionsClient()).send(
      new StartExecutionCommand({
        stateMachineArn: arn,
        input: JSON.stringify({
          dataset: initial.dataset,
          requestedBy: caller,
          ...(options.force ? { force: true } : {}),
        }),
      }),
    );
    out.info(`Started ${started.executionArn}`);
    return initial;
  }
  const released = await releaseLockOfDeadHolder(session.ctx.ledger, REFRESH_LOCK);
  if (released) out.info(`refresh: ${released}`);
  let current = initial;
  let step = 'lock';
  // Interrupted (Ctrl-C, SIGTERM): the run is recorded as failed and its lock released at once.
  const forget = session.onInterrupt(async (signal) => {
    if (current.lockToken)
      await refreshFailed({ ...current, error: `interrupted by ${signal}` }, lockContext());
  });
  // Stages a published version triggers run after the publish; a failure there is reported,
  // not a failed refresh (in AWS they run from their own queue, with its DLQ).
  const router = {
    onDelivery: (delivery: Delivery) => {
      if (delivery.error)
        out.info(
          `refresh: ${delivery.stage} failed on ${delivery.event.detailType}: ${delivery.error.message}`,
        );
    },
  };
  // On a terminal: one bar over the refresh's steps, naming the step running (progress.ts).
  const steps = refreshSteps(PIPELINE).map((entry) => entry.id);
  const bar = out.progress?.bar(steps.length, 'refresh');
  bar?.update(0, steps[0]);
  try {
    return await runLocalRefresh(
      initial,
      PIPELINE,
      {},
      (stepId, state) => {
        current = state;
        step = stepId;
        const done = steps.indexOf(stepId) + 1;
        bar?.update(done, steps[done] ?? 'done');
        if (stepId === 'normalise-pending') {
          for (const source of state.repointed ?? [])
            out.info(
              `refresh: pointed ${source.sourceName} at its accepted upload ${source.sha256.slice(0, 12)} (${source.rowsAccepted} row${source.rowsAccepted === 1 ? '' : 's'}): an ingest was stopped before it made the file current`,
            );
          out.info(
            state.normalised
              ? `refresh: normalised ${state.normalised} source(s) that ingest had left pending`
              : 'refresh: every source was already normalised at ingest; nothing pending',
          );
        }
        if (stepId === 'assemble') {
          out.info(
            state.published
              ? `refresh: published ${state.dataset} v${state.version} (was v${state.previousVersion}; ${
                  state.diff?.previousDamaged
                    ? `not compared: ${state.diff.previousDamaged}`
                    : `+${state.diff?.added} −${state.diff?.removed} ~${state.diff?.changed} items`
                })`
              : `refresh: nothing changed; ${state.dataset} stays at v${state.version}`,
          );
          // Why the live version stayed or was republished (a rollback held, live items that no
          // longer matched their hash): said, not only in --json.
          if (state.note) out.info(`refresh: ${state.note}`);
        }
      },
      router,
    );
  } catch (error) {
    throw backendLost(error, session.backend.name, `during the refresh (after its '${step}' step)`) ?? error;
  } finally {
    bar?.done();
    forget();
  }
}

/** `hld refresh`: publish what changed (locally), or start the state machine (aws). */
export async function refreshCommand(
  session: Session,
  out: ProgressOutput,
  options: { readonly force?: boolean } = {},
): Promise<number> {
  const state = await refresh(session, out, 'hld refresh', options);
  out.result(state, () =>
    session.backend.name === 'aws'
      ? 'Refresh started; follow it in the Step Functions console or with hld status'
      : state.published
        ? `Published v${state.version}`
        : `No change; v${state.version} stays live`,
  );
  return EXIT.ok;
}
