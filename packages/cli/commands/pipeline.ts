import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceKind } from '#contracts/source-kinds.ts';
import type { SourceSidecar } from '#contracts/source-registry.ts';
import type { Problem } from '#packages/contracts/problems.ts';
import { backendLost } from '#packages/local/backend-lost.ts';
import { createLocalEventRouter, type Delivery, objectCreatedEvent } from '#packages/local/event-router.ts';
import { type IngestedUpload, PIPELINE } from '#packages/pipeline/definition.ts';
import { sameEncoding, UPLOAD_ENCODING_METADATA } from '#packages/pipeline/ingest.ts';
import { REFRESH_LOCK } from '#packages/pipeline/refresh-lock.ts';
import { parseUploadKey, SAFE_NAME_RULE } from '#packages/pipeline/source-key.ts';
import type { QuarantineReport } from '#packages/pipeline/verdict.ts';
import type { FileRecord } from '#packages/storage/ledger.ts';
import type { UploadOptions } from '../actions.ts';
import { EXIT, type Output, table, UsageError } from '../output.ts';
import type { ProgressOutput } from '../progress.ts';
import { type FileSelection, type SelectedFile, selectIngestFiles } from '../select-files.ts';
import type { Session } from '../session.ts';
import { sidecarBytesFor } from '../source-flags.ts';
import {
  describeOutcome,
  type Outcome,
  outcomeOf,
  summariseOutcomes,
  topProblems,
} from '../upload-outcome.ts';
import { refresh } from './refresh.ts';

/**
 * Reads of a file on its way up: lib-storage gathers them into 5 MiB parts, and 1 MiB reads
 * (not fs's 64 KiB) cost hld about 7 % less CPU on a 200 MB upload (BENCHMARKS.md).
 */
const UPLOAD_READ_BYTES = 1024 * 1024;

export const SAMPLES_DIR = fileURLToPath(new URL('../../../data-contracts/samples/', import.meta.url));

export interface UploadSummary {
  readonly file: string;
  readonly kind: SourceKind;
  readonly key: string;
  readonly status: string;
  /** What happened, in one word (upload-outcome.ts): accepted, quarantined, refused, unchanged … */
  readonly outcome: Outcome;
  readonly sha256?: string;
  readonly rowsAccepted?: number;
  readonly rowsQuarantined?: number;
  readonly quarantineKey?: string;
  /** The quarantine report, as `s3://bucket/key`. */
  readonly report?: string;
  /** The most frequent problems of the quarantine report. */
  readonly topProblems?: string;
  readonly refusal?: { readonly rule: string; readonly message: string; readonly hint?: string };
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
  out: ProgressOutput,
  options: { deliveries?: number; upload?: UploadOptions; sidecar?: SourceSidecar } = {},
): Promise<UploadSummary[]> {
  const ingested = new Map<string, IngestedUpload>();
  const router = createLocalEventRouter(PIPELINE, {
    ...(options.deliveries ? { deliveries: options.deliveries } : {}),
    onIngested: (upload) => ingested.set(upload.key, upload),
    // As in AWS, nothing the command answers waits on the Parquet copy: the first `hld query` that
    // needs a snapshot's copy writes it (packages/local/sql.ts).
    leaveForLater: ['parquet-copy'],
  });
  const summaries: UploadSummary[] = [];
  for (const [index, file] of files.entries()) {
    const key = `incoming/${file.kind}/${basename(file.path)}`;
    const label = `[${index + 1}/${files.length}] ${file.kind.padEnd(11)} ${basename(file.path)}`;
    // A name ingest would refuse is refused here, before anything goes up: the file stays on disk.
    const refusal = fileNameRefusal(key);
    if (refusal) {
      summaries.push({
        file: file.path,
        kind: file.kind,
        key,
        status: 'refused',
        outcome: 'refused',
        refusal,
      });
      out.info(`${label}: ${describeOutcome({ status: 'refused', refusal })}`);
      continue;
    }
    // Streamed from disk: a large file is never held in memory on its way up.
    const { size } = await stat(file.path);
    ingested.delete(key);
    const sourceName = `${file.kind}/${basename(file.path)}`;
    // The source document first: ingest reads the sidecar beside the file (source-flags.ts).
    const sidecar = await sidecarBytesFor(file.path, options.sidecar);
    if (sidecar) await session.ctx.raw.put(`${key}.source.json`, sidecar);
    // On a terminal: the bytes going up, then the stage reading them (progress.ts).
    const bar = out.progress?.bar(size, label, { bytes: true });
    let deliveries: Delivery[] | undefined;
    try {
      let sent = 0;
      await session.ctx.raw.putStream(
        key,
        counted(createReadStream(file.path, { highWaterMark: UPLOAD_READ_BYTES }), (bytes) => {
          sent += bytes;
          bar?.update(sent, 'uploading');
        }),
        { ...uploadMetadata(options.upload) },
      );
      if (session.backend.name !== 'aws') {
        bar?.update(size, 'ingest + normalise');
        deliveries = await router.dispatch(objectCreatedEvent(session.ctx.config.rawBucket, key, size));
      }
    } finally {
      bar?.done();
    }
    if (!deliveries) {
      summaries.push({ file: file.path, kind: file.kind, key, status: 'uploaded', outcome: 'uploaded' });
      out.info(`${label}: ${describeOutcome({ status: 'uploaded' })} (${key})`);
      continue;
    }
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
    const madeCurrent = Boolean(known && outcome?.madeCurrent && !sameAs);
    const status = failed ? 'failed' : known ? 'unchanged' : (record?.status ?? 'unknown');
    const report =
      record?.quarantineKey && !known
        ? `s3://${session.ctx.config.rawBucket}/${record.quarantineKey}`
        : undefined;
    const problems =
      report && record?.quarantineKey ? await reportProblems(session, record.quarantineKey) : [];
    const facts = {
      status,
      ...(record ? { rowsAccepted: record.rowsAccepted, rowsQuarantined: record.rowsQuarantined } : {}),
      ...(report ? { report } : {}),
      ...(record?.refusal && !known ? { refusal: record.refusal } : {}),
      ...(sameAs ? { sameAs } : {}),
      ...(madeCurrent ? { madeCurrent } : {}),
      ...(known?.status === 'accepted' && !sameEncoding(known.encoding, options.upload?.encoding)
        ? { acceptedReadAs: [readAs(known.encoding), readAs(options.upload?.encoding)] as const }
        : {}),
      ...(!known && record?.refusedBefore ? { refusedBefore: record.refusedBefore } : {}),
      ...(!known && record?.encoding ? { encoding: record.encoding } : {}),
      ...(failed?.error ? { error: failed.error.message } : {}),
      ...(failed && record?.status === 'pending' ? { stillPending: true } : {}),
      problems,
    };
    const summary: UploadSummary = {
      file: file.path,
      kind: file.kind,
      key,
      status,
      outcome: outcomeOf(facts),
      ...(record
        ? {
            sha256: record.sha256,
            rowsAccepted: record.rowsAccepted,
            rowsQuarantined: record.rowsQuarantined,
            ...(record.quarantineKey ? { quarantineKey: record.quarantineKey } : {}),
          }
        : {}),
      ...(report ? { report } : {}),
      ...(problems.length ? { topProblems: topProblems(problems) } : {}),
      ...(facts.refusal ? { refusal: facts.refusal } : {}),
      ...(sameAs ? { sameAs } : {}),
      ...(failed?.error ? { error: failed.error.message } : {}),
    };
    summaries.push(summary);
    out.info(`${label}: ${describeOutcome(facts)}`);
  }
  return summaries;
}

/** Why ingest would refuse this upload key's file name, or nothing when it would take it. */
function fileNameRefusal(key: string): { rule: string; message: string; hint: string } | undefined {
  try {
    parseUploadKey(key);
    return undefined;
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'UploadKeyError') throw error;
    return {
      rule: 'file-name',
      message: SAFE_NAME_RULE,
      hint: 'Rename the file and ingest it again; nothing was uploaded',
    };
  }
}

/** The chunks of a stream, passed on as they come, each counted first. */
async function* counted(
  chunks: AsyncIterable<Uint8Array>,
  onChunk: (bytes: number) => void,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    onChunk(chunk.byteLength);
    yield chunk;
  }
}

/** The problems of a quarantine report; none when it cannot be read (the line still names it). */
async function reportProblems(session: Session, key: string): Promise<readonly Problem[]> {
  try {
    return (JSON.parse(await session.ctx.raw.getText(key)) as QuarantineReport).problems ?? [];
  } catch {
    return [];
  }
}

/** How bytes were (or are to be) read, for people: the declared encoding, else UTF-8. */
function readAs(encoding: string | undefined): string {
  return encoding ?? 'UTF-8';
}

/** The S3 object metadata an upload carries to ingest (its declared encoding). */
function uploadMetadata(upload: UploadOptions | undefined): { metadata?: Record<string, string> } {
  return upload?.encoding ? { metadata: { [UPLOAD_ENCODING_METADATA]: upload.encoding } } : {};
}

/** `hld ingest`: upload the selected files, say what happened to each, and count the outcomes. */
export async function ingestCommand(
  session: Session,
  out: ProgressOutput,
  selection: FileSelection,
  upload: UploadOptions,
  sidecar?: SourceSidecar,
): Promise<number> {
  const namedWithoutReader = reportSkipped(selection, out);
  const uploads = await uploadAndDispatch(session, selection.files, out, {
    upload,
    ...(sidecar ? { sidecar } : {}),
  });
  const outcomes = new Set(uploads.map((entry) => entry.outcome));
  const summary = summariseOutcomes(uploads);
  const published = outcomes.has('accepted') || outcomes.has('quarantined');
  out.result(
    { files: uploads, skipped: selection.skipped, summary },
    () =>
      `${summary}${published && session.backend.name !== 'aws' ? "; run 'hld refresh' to publish a new briefing" : ''}`,
  );
  if (namedWithoutReader || outcomes.has('refused')) return EXIT.usage;
  if (outcomes.has('failed')) return EXIT.failure;
  return outcomes.has('quarantined') || outcomes.has('all-quarantined') ? EXIT.problems : EXIT.ok;
}

export async function runCommand(
  session: Session,
  out: ProgressOutput,
  dir: string | undefined,
  upload: UploadOptions = { all: {} },
): Promise<number> {
  const started = Date.now();
  const root = resolve(dir ?? SAMPLES_DIR);
  if (!(await stat(root).catch(() => undefined))?.isDirectory())
    throw new UsageError(`${root} is not a directory`);
  out.info(
    `hld run: ${relative(process.cwd(), root) || '.'} → backend '${session.backend.name}'${session.stateDir ? ` (state in ${relative(process.cwd(), session.stateDir)})` : ''}`,
  );
  const selection = await selectIngestFiles([root]);
  reportSkipped(selection, out);
  const uploads = await uploadAndDispatch(session, selection.files, out, { upload });
  out.info(`hld run: ${summariseOutcomes(uploads)}`);
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
  const pointers = new Map(sources.map((source) => [source.sourceName, source]));
  // Why an accepted file is not current: a later upload of its name is, or no name points at it
  // (an ingest stopped between recording the file and pointing its name: hld refresh or hld doctor repairs it).
  const notCurrent = (file: FileRecord) => {
    const pointer = pointers.get(file.sourceName);
    return pointer
      ? `not current: ${file.sourceName} is ${pointer.sha256.slice(0, 12)}`
      : 'no name points at it (an ingest was stopped): `hld refresh` (or `hld doctor`) points it';
  };
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
      files: files.map((file) => ({ ...file, outcome: outcomeOf(file) })),
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
          ['received', 'source', 'sha256', 'outcome', 'accepted', 'quarantined', 'current', 'why'],
          files.map((file) => [
            file.receivedAt.slice(0, 19),
            file.sourceName,
            file.sha256.slice(0, 12),
            outcomeOf(file).replace('-', ' '),
            // A pending file's rows are not counted yet (normalise counts them).
            file.status === 'pending' ? '' : file.rowsAccepted,
            file.status === 'pending' ? '' : file.rowsQuarantined,
            current.has(file.sha256) ? 'yes' : '',
            file.refusal
              ? `${file.refusal.rule}: ${file.refusal.message}`
              : file.status === 'pending'
                ? 'accepted for checking; rows counted by normalise'
                : file.status === 'accepted' && !current.has(file.sha256)
                  ? notCurrent(file)
                  : '',
          ]),
        ),
        ...(files.some((file) => file.quarantineKey)
          ? ['(quarantine reports: `hld status --json`, key `quarantineKey` of each file)']
          : []),
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
