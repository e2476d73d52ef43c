import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { backendLost } from '#packages/local/backend-lost.ts';
import { createLocalEventRouter, objectCreatedEvent, runLocalRefresh } from '#packages/local/event-router.ts';
import { releaseLockOfDeadHolder } from '#packages/local/stale-lock.ts';
import { PIPELINE, type RefreshState } from '#packages/pipeline/definition.ts';
import { SOURCE_KINDS, type SourceKind } from '#packages/pipeline/events.ts';
import { lockContext, REFRESH_LOCK, refreshFailed } from '#packages/pipeline/refresh-lock.ts';
import { stepFunctionsClient } from '#packages/storage/client-factory.ts';
import { fileDigest } from '../files.ts';
import { EXIT, type Output, table, UsageError } from '../output.ts';
import type { Session } from '../session.ts';

export const SAMPLES_DIR = fileURLToPath(new URL('../../../data-contracts/samples/', import.meta.url));

const INGESTIBLE = /\.(csv|tsv|txt|json|jsonl|ndjson|xlsx|xml)$/i;

/** Files under a directory, each with its source kind (the sub-folder it sits in, e.g. survey/). */
export async function collectFiles(
  root: string,
  kindFlag?: string,
): Promise<{ path: string; kind: SourceKind }[]> {
  const files: { path: string; kind: SourceKind }[] = [];
  const walk = async (dir: string) => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (INGESTIBLE.test(entry.name)) files.push({ path, kind: kindOf(path, root, kindFlag) });
    }
  };
  await walk(root);
  return files;
}

function kindOf(path: string, root: string, kindFlag?: string): SourceKind {
  const candidate = kindFlag ?? relative(root, path).split(/[\\/]/)[0] ?? '';
  const fromParent = basename(dirname(path));
  for (const kind of [candidate, fromParent]) {
    if ((SOURCE_KINDS as readonly string[]).includes(kind)) return kind as SourceKind;
  }
  throw new UsageError(
    `Cannot tell the source kind of ${path}: put it in a folder named after its kind (${SOURCE_KINDS.join(', ')}) or pass --kind`,
  );
}

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

/** Upload files to incoming/<kind>/ and (locally) drive the event router until the pipeline is idle. */
export async function uploadAndDispatch(
  session: Session,
  files: readonly { path: string; kind: SourceKind }[],
  out: Output,
  options: { deliveries?: number } = {},
): Promise<UploadSummary[]> {
  const router = createLocalEventRouter(PIPELINE, {
    ...(options.deliveries ? { deliveries: options.deliveries } : {}),
  });
  const summaries: UploadSummary[] = [];
  for (const [index, file] of files.entries()) {
    const key = `incoming/${file.kind}/${basename(file.path)}`;
    // Streamed from disk: a large file is never held in memory on its way up.
    const { size } = await stat(file.path);
    const sha256 = await fileDigest(file.path, 'sha256');
    const known = session.backend.name === 'aws' ? undefined : await session.ctx.ledger.getFile(sha256);
    const sourceName = `${file.kind}/${basename(file.path)}`;
    const wasCurrent = known && (await session.ctx.ledger.getSource(sourceName))?.sha256 === sha256;
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
    const record = known ?? (await session.ctx.ledger.getFile(sha256));
    const sameAs = known && known.sourceName !== sourceName ? known.sourceName : undefined;
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
    const arn = process.env.HLD_STATE_MACHINE_ARN;
    if (!arn) throw new UsageError('Set HLD_STATE_MACHINE_ARN (a stack output) to refresh on AWS');
    const started = await stepFunctionsClient().send(
      new StartExecutionCommand({
        stateMachineArn: arn,
        input: JSON.stringify({ dataset: initial.dataset, requestedBy }),
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
  try {
    return await runLocalRefresh(initial, PIPELINE, {}, (stepId, state) => {
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
    });
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
  const files = await collectFiles(root);
  const uploads = await uploadAndDispatch(session, files, out);
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
