import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { SourceKind } from '#contracts/source-kinds.ts';
import type { SourceSidecar } from '#contracts/source-registry.ts';
import { backendLost } from '#packages/local/backend-lost.ts';
import {
  createLocalEventRouter,
  type Delivery,
  objectCreatedEvent,
  runLocalRefresh,
} from '#packages/local/event-router.ts';
import { releaseLockOfDeadHolder } from '#packages/local/stale-lock.ts';
import { type IngestedUpload, PIPELINE, type RefreshState } from '#packages/pipeline/definition.ts';
import { lockContext, REFRESH_LOCK, refreshFailed } from '#packages/pipeline/refresh-lock.ts';
import { HLD_STATE_MACHINE_ARN, readSetting } from '#packages/settings/settings.ts';
import { stepFunctionsClient, stsClient } from '#packages/storage/client-factory.ts';
import { EXIT, type Output, table, UsageError } from '../output.ts';
import { type FileSelection, type SelectedFile, selectIngestFiles } from '../select-files.ts';
import type { Session } from '../session.ts';
import { sidecarBytesFor } from '../source-flags.ts';

export const SAMPLES_DIR = fileURLToPath(new URL('../../../data-contracts/samples/', import.meta.url));

export interface UploadSummary {
  readonly file: string;
  readonly kind: SourceKind;
  readonly key: string;
  readonly status: string;
  readonly sha256?: string;
  readonly rowsAccepted?: number;
  readonly rowsQuarantined?: number;
  readonly quarantineKey?: string;
  /** The source name that first brought these bytes, when they were already known under another. */
  readonly sameAs?: string;
  readonly error?: string;
}

/** Report the files a selection left out (a file named on the command line is an error: exit 2). */
export function reportSkipped(selection: FileSelection, out: Output): boolean {
  for (const skipped of selection.skipped)
    out.info(`skipped ${relative(process.cwd(), skipped.path) || skipped.path}: ${skipped.reason}`);
  return selection.skipped.some((skipped) => skipped.named);
}

/**
 * Upload files to incoming/<kind>/ and (locally) drive the event router until the pipeline is
 * idle. Each file is read once, streamed up; its SHA-256 is the one ingest computes (reported by
 * the ingest stage), never computed a second time here.
 */
export async function uploadAndDispatch(
  session: Session,
  files: readonly SelectedFile[],
  out: Output,
  options: { deliveries?: number; sidecar?: SourceSidecar } = {},
): Promise<UploadSummary[]> {
  const ingested = new Map<string, IngestedUpload>();
  const router = createLocalEventRouter(PIPELINE, {
    ...(options.deliveries ? { deliveries: options.deliveries } : {}),
    onIngested: (upload) => ingested.set(upload.key, upload),
  });
  const summaries: UploadSummary[] = [];
  for (const [index, file] of files.entries()) {
    const key = `incoming/${file.kind}/${basename(file.path)}`;
    // Streamed from disk: a large file is never held in memory on its way up.
    const { size } = await stat(file.path);
    ingested.delete(key);
    const sourceName = `${file.kind}/${basename(file.path)}`;
    // The source document first: ingest reads the sidecar beside the file (source-flags.ts).
    const sidecar = await sidecarBytesFor(file.path, options.sidecar);
    if (sidecar) await session.ctx.raw.put(`${key}.source.json`, sidecar);
    await session.ctx.raw.putStream(key, createReadStream(file.path));
    if (session.backend.name === 'aws') {
      summaries.push({ file: file.path, kind: file.kind, key, status: 'uploaded' });
      out.info(`[${index + 1}/${files.length}] uploaded ${key} (the deployed pipeline takes it from here)`);
      continue;
    }
    const deliveries = await router.dispatch(objectCreatedEvent(session.ctx.config.rawBucket, key, size));
    const failed = deliveries.find((delivery) => delivery.error);
    // A backend that stopped answering fails every file after it: stop here and say what was done.
    const lost =
      failed &&
      backendLost(
        failed.error,
        session.backend.name,
        `while ingesting ${basename(file.path)} (${index} of ${files.length} file(s) ingested before it)`,
      );
    if (lost) throw lost;
    // The ledger is keyed by content: one GetItem per file, not a scan of every file per upload.
    const outcome = ingested.get(key);
    const record = outcome ? await session.ctx.ledger.getFile(outcome.sha256) : undefined;
    const known = outcome?.status === 'unchanged' ? record : undefined;
    const sameAs = outcome?.sameAs && outcome.sameAs !== sourceName ? outcome.sameAs : undefined;
    const wasCurrent = outcome?.status === 'unchanged' && !outcome.madeCurrent;
    const summary: UploadSummary = {
      file: file.path,
      kind: file.kind,
      key,
      status: failed ? 'failed' : known ? 'unchanged' : (record?.status ?? 'unknown'),
      ...(record
        ? {
            sha256: record.sha256,
            rowsAccepted: record.rowsAccepted,
            rowsQuarantined: record.rowsQuarantined,
            ...(record.quarantineKey ? { quarantineKey: record.quarantineKey } : {}),
          }
        : {}),
      ...(sameAs ? { sameAs } : {}),
      ...(failed?.error ? { error: failed.error.message } : {}),
    };
    summaries.push(summary);
    out.info(
      `[${index + 1}/${files.length}] ${file.kind.padEnd(11)} ${basename(file.path)}: ` +
        (known && !failed
          ? sameAs
            ? `unchanged: same bytes as ${sameAs} (${known.status}, ${known.rowsAccepted} rows); nothing read again`
            : wasCurrent || known.status !== 'accepted'
              ? `unchanged: same bytes as its current version; nothing to do`
              : `current again: same bytes as an earlier upload of this name (${known.rowsAccepted} rows); nothing read again`
          : `${summary.status}` +
            (record ? `, ${record.rowsAccepted} rows accepted, ${record.rowsQuarantined} quarantined` : '')) +
        (summary.error ? ` — ${summary.error}` : ''),
    );
  }
  return summaries;
}

/** Refresh: locally the steps run in-process; on AWS the state machine is started. */
export async function refresh(session: Session, out: Output, requestedBy: string): Promise<RefreshState> {
  const initial: RefreshState = { runId: '', dataset: session.ctx.config.dataset, requestedBy };
  if (session.backend.name === 'aws') {
    const arn = readSetting(HLD_STATE_MACHINE_ARN);
    if (!arn) throw new UsageError(`Set ${HLD_STATE_MACHINE_ARN.name} (a stack output) to refresh on AWS`);
    // Who starts it, as AWS knows the caller (the run records it); the state machine makes the run id.
    const caller = (await stsClient().send(new GetCallerIdentityCommand({}))).Arn ?? 'unknown caller';
    const started = await stepFunctionsClient().send(
      new StartExecutionCommand({
        stateMachineArn: arn,
        input: JSON.stringify({ dataset: initial.dataset, requestedBy: caller }),
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
  try {
    return await runLocalRefresh(
      initial,
      PIPELINE,
      {},
      (stepId, state) => {
        current = state;
        step = stepId;
        if (stepId === 'normalise-pending')
          out.info(`refresh: normalised ${state.normalised ?? 0} changed sources`);
        if (stepId === 'assemble') {
          out.info(
            state.published
              ? `refresh: published ${state.dataset} v${state.version} (was v${state.previousVersion}; +${state.diff?.added} −${state.diff?.removed} ~${state.diff?.changed} items)`
              : `refresh: nothing changed; ${state.dataset} stays at v${state.version}`,
          );
        }
      },
      router,
    );
  } catch (error) {
    throw backendLost(error, session.backend.name, `during the refresh (after its '${step}' step)`) ?? error;
  } finally {
    forget();
  }
}

export async function runCommand(session: Session, out: Output, dir: string | undefined): Promise<number> {
  const started = Date.now();
  const root = resolve(dir ?? SAMPLES_DIR);
  if (!(await stat(root).catch(() => undefined))?.isDirectory())
    throw new UsageError(`${root} is not a directory`);
  out.info(
    `hld run: ${relative(process.cwd(), root) || '.'} → backend '${session.backend.name}'${session.stateDir ? ` (state in ${relative(process.cwd(), session.stateDir)})` : ''}`,
  );
  const selection = await selectIngestFiles([root]);
  reportSkipped(selection, out);
  const uploads = await uploadAndDispatch(session, selection.files, out);
  const failed = uploads.filter((upload) => upload.status === 'failed');
  if (failed.length > 0) {
    // A briefing without a file that failed for a reason of its own (not its content) would be
    // published as if that file did not exist: hold it back until the run completes.
    out.info(
      `hld run: ${failed.length} file(s) failed (${failed.map((upload) => basename(upload.file)).join(', ')}); nothing was published. Fix the cause and run again: files already recorded are not read again`,
    );
    return EXIT.failure;
  }
  const state = await refresh(session, out, 'hld run');
  const perKind = new Map<string, { files: number; accepted: number; quarantined: number }>();
  for (const upload of uploads) {
    const entry = perKind.get(upload.kind) ?? { files: 0, accepted: 0, quarantined: 0 };
    entry.files += 1;
    entry.accepted += upload.rowsAccepted ?? 0;
    entry.quarantined += upload.rowsQuarantined ?? 0;
    perKind.set(upload.kind, entry);
  }
  const versionRecord = state.version
    ? await session.ctx.briefings.getVersion(state.dataset, state.version)
    : undefined;
  const result = {
    dataset: state.dataset,
    version: state.version,
    published: state.published,
    contentHash: state.contentHash,
    items: versionRecord?.counts,
    sources: Object.fromEntries(perKind),
    seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
  };
  out.result(result, () =>
    [
      '',
      `Briefing ${state.dataset} v${state.version} is live (content ${state.contentHash?.slice(0, 12)}), built in ${result.seconds} s.`,
      table(
        ['source kind', 'files', 'rows accepted', 'rows quarantined'],
        [...perKind].map(([kind, entry]) => [kind, entry.files, entry.accepted, entry.quarantined]),
      ),
      `Items: ${Object.entries(versionRecord?.counts ?? {})
        .map(([type, n]) => `${n} ${type}`)
        .join(', ')}`,
      '',
      ...nextSteps(session),
    ].join('\n'),
  );
  return uploads.some((upload) => upload.status === 'failed') ? EXIT.failure : EXIT.ok;
}

/** What to try next; for a backend whose state ends with this command, only what can work. */
function nextSteps(session: Session): string[] {
  if (session.backend.name === 'moto' || session.backend.name === 'ddblocal') {
    return [
      `(${session.backend.name} keeps everything in memory: this briefing is gone when hld exits. Run without --backend to keep it in .hld/.)`,
    ];
  }
  return [
    'Next: npx hld briefing show MDA · npx hld briefing show --theme RT3 · npx hld status · npx hld lineage country#MDA',
  ];
}

/** Where this session's state is, for people. */
export function describeState(session: Session): string {
  if (session.stateDir) return session.stateDir;
  if (session.backend.name === 'moto' || session.backend.name === 'ddblocal')
    return `in memory (${session.backend.name}), for this command only`;
  return `the ${session.backend.name} backend (nothing on this machine)`;
}

export async function statusCommand(session: Session, out: Output): Promise<number> {
  const files = (await session.ctx.ledger.listFiles()).sort((a, b) =>
    a.receivedAt.localeCompare(b.receivedAt),
  );
  const sources = await session.ctx.ledger.listSources();
  const current = new Set(sources.map((source) => source.sha256));
  const runs = (await session.ctx.ledger.listRuns())
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
    .slice(-10);
  const pointer = await session.ctx.briefings.current(session.ctx.config.dataset);
  const pointerChanges = (await session.ctx.ledger.listPointerChanges())
    .sort((a, b) => a.at.localeCompare(b.at))
    .slice(-10);
  const lock = await session.ctx.ledger.getLock(REFRESH_LOCK);
  out.result(
    {
      state: describeState(session),
      files,
      sources,
      runs,
      current: pointer,
      pointerChanges,
      lock: lock ?? null,
    },
    () =>
      [
        `State: ${describeState(session)}`,
        '',
        `Files (${files.length}):`,
        table(
          ['received', 'source', 'sha256', 'status', 'accepted', 'quarantined', 'current', 'report'],
          files.map((file) => [
            file.receivedAt.slice(0, 19),
            file.sourceName,
            file.sha256.slice(0, 12),
            file.status,
            file.rowsAccepted,
            file.rowsQuarantined,
            current.has(file.sha256) ? 'yes' : '',
            file.quarantineKey ?? file.refusal?.message ?? '',
          ]),
        ),
        '',
        `Runs (last ${runs.length}):`,
        table(
          ['started', 'run', 'status', 'version', 'error'],
          runs.map((run) => [run.startedAt.slice(0, 19), run.runId, run.status, run.version, run.error]),
        ),
        '',
        pointer
          ? `${session.ctx.config.dataset}: CURRENT = v${pointer.version} (since ${pointer.movedAt})`
          : session.backend.name === 'moto' || session.backend.name === 'ddblocal'
            ? `No briefing: ${session.backend.name} starts empty for every command.`
            : 'No briefing published yet: run `npm start` or `hld refresh`.',
        ...(lock
          ? [`Refresh lock held by run ${lock.holder} until ${new Date(lock.expiresAt * 1000).toISOString()}`]
          : []),
      ].join('\n'),
  );
  return EXIT.ok;
}
