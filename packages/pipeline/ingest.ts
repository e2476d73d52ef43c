import { createHash } from 'node:crypto';
import type { SourceKind } from '#contracts/source-kinds.ts';
import {
  documentFromSidecar,
  isSidecarName,
  type RegisteredDocument,
  type SourceSidecar,
  sidecarOf,
  sourceSidecar,
} from '#contracts/source-registry.ts';
import { formatProblem } from '#packages/contracts/problems.ts';
import type { ValidationSummary } from '#packages/contracts/validate.ts';
import { canonicalEncoding } from '#packages/formats/text.ts';
import { HLD_MAX_STREAM_BYTES, HLD_MAX_UPLOAD_BYTES } from '#packages/settings/settings.ts';
import type { FileRecord, Ledger } from '#packages/storage/ledger.ts';
import type { ObjectStore } from '#packages/storage/object-store.ts';
import { checkSource } from './check-source.ts';
import type { PipelineConfig } from './config.ts';
import type { SourceAcceptedDetail } from './events.ts';
import { parseUploadKey, quarantineReportKey, rawObjectKey } from './source-key.ts';
import {
  type QuarantineReport,
  type Refusal,
  tooLargeRefusal,
  unstreamableRefusal,
  writeQuarantineReport,
} from './verdict.ts';

export interface IngestDependencies {
  readonly raw: ObjectStore;
  readonly ledger: Ledger;
  readonly config: PipelineConfig;
  /** Clock for `receivedAt` (tests pin it). */
  readonly now?: () => Date;
}

/**
 * The S3 user metadata (`x-amz-meta-hld-encoding`) naming an upload's text encoding, as
 * `hld ingest --encoding` sets it: ingest reads the file in that encoding, here and in Lambda.
 */
export const UPLOAD_ENCODING_METADATA = 'hld-encoding';

export type IngestOutcome =
  | {
      /** The ledger already knew these bytes: they are not read again; the name points at them. */
      readonly status: 'unchanged';
      readonly sha256: string;
      readonly existing: FileRecord;
      /** The source name that first brought these bytes, when it is another one. */
      readonly sameAs?: string;
      /** This upload made these bytes the name's current version (they were not before). */
      readonly madeCurrent: boolean;
    }
  | {
      /**
       * `pending`: a large upload whose file-level checks passed (hashes, head); normalise checks
       * its rows and gives the verdict, and only then points its name at it.
       */
      readonly status: 'accepted' | 'refused' | 'pending';
      readonly record: FileRecord;
      readonly event?: SourceAcceptedDetail;
    };

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `DOC-{sha1[:12]}` of the bytes (DOMAIN.md §4.1 identifiers). */
export function documentId(bytes: Uint8Array): string {
  return documentIdOf(createHash('sha1').update(bytes).digest('hex'));
}

/** The document id of a file whose SHA-1 (hex) is known, e.g. hashed as a stream. */
export function documentIdOf(sha1Hex: string): string {
  return `DOC-${sha1Hex.slice(0, 12)}`;
}

/** True for a sidecar `<file>.source.json`: it describes a file and is never ingested as one. */
export function isSidecarUpload(uploadKey: string): boolean {
  return isSidecarName(uploadKey.slice(uploadKey.lastIndexOf('/') + 1));
}

/**
 * The sidecar uploaded beside a file (`incoming/<kind>/<file>.source.json`), if any: the source
 * document its rows state (data-contracts/source-registry.ts). A sidecar that is not valid JSON
 * of that shape refuses the file (`source-sidecar`): a document must never be misregistered.
 */
async function readSidecar(
  uploadKey: string,
  raw: ObjectStore,
): Promise<{ sidecar?: SourceSidecar; refusal?: Refusal }> {
  const key = sidecarOf(uploadKey);
  if (!(await raw.exists(key))) return {};
  const fileName = key.slice(key.lastIndexOf('/') + 1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(await raw.get(key)).toString('utf8'));
  } catch (error) {
    return {
      refusal: {
        rule: 'source-sidecar',
        message: `${fileName} is not valid JSON: ${(error as Error).message}`,
        hint: 'Write the sidecar as a JSON object: {"title": …, "publisher": …, "year": …, "url": …, "licence": …}',
      },
    };
  }
  const checked = sourceSidecar.safeParse(parsed);
  if (checked.success) return { sidecar: checked.data };
  const issue = checked.error.issues[0];
  return {
    refusal: {
      rule: 'source-sidecar',
      message: `${fileName}: ${issue?.path.join('.') || 'sidecar'}: ${issue?.message ?? 'invalid'}`,
      hint: 'Fields: title (required), doc_id (DOC-<id>), publisher, year, url, licence, illustrative (true/false)',
    },
  };
}

/** Bytes of a large upload read to tell its format, and checked before it is left pending. */
const FORMAT_SNIFF_BYTES = 1024 * 1024;

interface Checked {
  readonly format?: string;
  readonly summary?: ValidationSummary;
  readonly refusal?: Refusal;
}

/**
 * Ingest one upload: keep its bytes under a content-addressed key, validate it against its
 * contract, write a quarantine report for anything wrong, record it in the ledger exactly once
 * (a conditional write), and point its name at it. Known bytes (the same file again, under this
 * name or another, or a re-delivered event) are not read again, but their raw copy and their
 * name's pointer are always completed, so a redelivery finishes what an earlier one left undone.
 *
 * Uploads up to `maxUploadBytes` are read into memory, in any format. Larger ones are never held:
 * they are hashed as a stream and copied server-side; a plain contract CSV up to `maxStreamBytes`
 * is then validated chunk by chunk (the columnar fast path), anything else is refused.
 */
export async function ingestUpload(uploadKey: string, deps: IngestDependencies): Promise<IngestOutcome> {
  const { kind, fileName, sourceName } = parseUploadKey(uploadKey);
  const { size, lastModified, metadata } = await deps.raw.stat(uploadKey);
  const encoding = metadata?.[UPLOAD_ENCODING_METADATA];
  const bytes = size > deps.config.maxUploadBytes ? undefined : await deps.raw.get(uploadKey);
  // A large upload hashed by the store as it arrived (the embedded store: one HEAD instead of
  // reading 200 MB again); else, and always on S3 (receivedDigests), it is read and hashed here.
  const digests = bytes
    ? { sha256: sha256Hex(bytes), sha1: createHash('sha1').update(bytes).digest('hex') }
    : ((await deps.raw.receivedDigests(uploadKey)) ??
      (await deps.raw.digests(uploadKey, ['sha256', 'sha1'])));
  const sha256 = digests.sha256;
  const receivedAt = (deps.now?.() ?? new Date()).toISOString();
  // The upload's own time orders uploads of one name ("the latest upload of a name wins"); every
  // redelivery of this upload sees the same object and so the same time.
  const upload: Upload = {
    uploadKey,
    sourceName,
    kind,
    sha256,
    bytes,
    uploadedAt: lastModified?.toISOString() ?? receivedAt,
  };
  const existing = await deps.ledger.getFile(sha256);
  // Known bytes are the same upload only when they are read the same way: bytes refused under
  // one reading (no encoding, a broken sidecar) are checked again under another.
  const refusedBefore = existing && readAgain(existing, encoding) ? existing : undefined;
  if (existing && !refusedBefore) return completeKnownUpload(existing, upload, deps);

  const rawKey = rawObjectKey(kind, sha256, fileName);
  // The document the rows state: the sidecar's, else the file's content id (an untitled upload).
  const { sidecar, refusal: sidecarRefusal } = await readSidecar(uploadKey, deps.raw);
  const docId = sidecar?.doc_id ?? documentIdOf(digests.sha1);
  const document: RegisteredDocument | undefined = sidecar ? documentFromSidecar(docId, sidecar) : undefined;
  // Raw first: whatever happens next, the bytes are kept.
  if (bytes) {
    await deps.raw.put(rawKey, bytes, { metadata: { 'upload-key': encodeURIComponent(uploadKey), sha256 } });
  } else {
    await deps.raw.copy(uploadKey, rawKey);
  }

  const checkInput: UploadToCheck = {
    fileName,
    kind,
    docId,
    receivedAt,
    size,
    rawKey,
    ...(bytes ? { bytes } : {}),
    ...(encoding ? { encoding } : {}),
  };
  // A large upload whose head passes is left to normalise, which reads every row anyway
  // (docs/ingest-one-pass.md): one read here (the hashes), not two.
  if (!sidecarRefusal && (await headPasses(checkInput, deps))) {
    return leavePending({ ...upload, rawKey, docId, document, size, receivedAt, refusedBefore }, deps);
  }
  const { format, summary, refusal } = sidecarRefusal
    ? { refusal: sidecarRefusal, format: undefined, summary: undefined }
    : await checkUpload(checkInput, deps);

  const status = refusal ? 'refused' : 'accepted';
  const problems = summary?.problems ?? [];
  const quarantineKey = refusal || problems.length > 0 ? quarantineReportKey(kind, sha256) : undefined;
  // Bytes read again after a refusal: the old refusal report is overwritten with this outcome
  // even when nothing is wrong now (the stage may write reports, not delete them), so the object
  // never says "refused" of a file that is accepted.
  const reportKey = quarantineKey ?? (refusedBefore ? quarantineReportKey(kind, sha256) : undefined);
  if (reportKey) {
    await writeQuarantineReport(deps.raw, reportKey, {
      file: fileName,
      uploadKey,
      sha256,
      rawKey,
      kind,
      status,
      ...(format ? { format } : {}),
      ...(refusal ? { refusal } : {}),
      rowsRead: summary?.rowsRead ?? 0,
      rowsAccepted: summary?.rowsAccepted ?? 0,
      rowsQuarantined: summary?.rowsQuarantined ?? 0,
      problems,
    });
  }

  const record: FileRecord = {
    sha256,
    kind,
    sourceName,
    uploadKey,
    rawKey,
    docId,
    ...(document ? { document } : {}),
    sizeBytes: size,
    receivedAt,
    status,
    rowsAccepted: summary?.rowsAccepted ?? 0,
    rowsQuarantined: summary?.rowsQuarantined ?? 0,
    ...(format ? { format } : {}),
    ...(quarantineKey ? { quarantineKey } : {}),
    ...(refusal ? { refusal } : {}),
    ...(summary ? { contracts: summary.contracts } : {}),
    ...(encoding ? { encoding } : {}),
    ...refusedBeforeOf(refusedBefore),
  };
  const other = await recordOnce(record, upload, refusedBefore, deps);
  if (other) return other;
  if (status === 'refused') return { status, record };

  await deps.ledger.pointSource({ sourceName, kind, sha256, receivedAt, uploadedAt: upload.uploadedAt });
  return {
    status,
    record,
    event: {
      sha256,
      kind,
      sourceName,
      rawKey,
      docId,
      format: format ?? 'unknown',
      rowsAccepted: record.rowsAccepted,
      rowsQuarantined: record.rowsQuarantined,
    },
  };
}

/**
 * Whether known bytes must be read again: they were refused, and this upload reads them another
 * way — another declared encoding, or a sidecar (the refusal was the sidecar's, and it may be
 * fixed now). Accepted bytes are never read again: their rows may already be published.
 */
export function readAgain(file: FileRecord, encoding: string | undefined): boolean {
  if (file.status !== 'refused') return false;
  if (file.refusal?.rule === 'source-sidecar') return true;
  return sameEncoding(file.encoding, encoding) === false;
}

/** Two declared encodings name the same reading (aliases and case folded; none = none). */
export function sameEncoding(a: string | undefined, b: string | undefined): boolean {
  const canonical = (label: string | undefined) =>
    label === undefined ? undefined : (canonicalEncoding(label) ?? label.trim().toLowerCase());
  return canonical(a) === canonical(b);
}

/** What a record says of the refusal of the same bytes it replaces, if any. */
function refusedBeforeOf(refusedBefore: FileRecord | undefined): Pick<FileRecord, 'refusedBefore'> {
  if (!refusedBefore?.refusal) return {};
  return {
    refusedBefore: {
      receivedAt: refusedBefore.receivedAt,
      ...(refusedBefore.encoding ? { encoding: refusedBefore.encoding } : {}),
      rule: refusedBefore.refusal.rule,
      message: refusedBefore.refusal.message,
    },
  };
}

/**
 * Record a file exactly once (or in place of the refused record it re-reads). Returns the outcome
 * to give when another delivery recorded these bytes first; undefined when this one's record
 * stands (its own write, or its own write whose answer was lost and whose retry was refused by
 * its own condition).
 */
async function recordOnce(
  record: FileRecord,
  upload: Upload,
  refusedBefore: FileRecord | undefined,
  deps: IngestDependencies,
): Promise<IngestOutcome | undefined> {
  const recorded = refusedBefore
    ? await deps.ledger.replaceRefusedFile(record, refusedBefore)
    : await deps.ledger.recordFile(record);
  if (recorded) return undefined;
  const stored = await deps.ledger.getFile(record.sha256);
  const ours = stored?.uploadKey === upload.uploadKey && stored.receivedAt === record.receivedAt;
  return ours ? undefined : completeKnownUpload(stored ?? record, upload, deps);
}

/**
 * Leave a large upload whose head passed to normalise: record it `pending` with its name waiting
 * on it, move no pointer, and emit SourceAccepted without counts (`rows: 'pending'`).
 */
async function leavePending(
  pending: Upload & {
    readonly rawKey: string;
    readonly docId: string;
    readonly document: RegisteredDocument | undefined;
    readonly size: number;
    readonly receivedAt: string;
    readonly refusedBefore: FileRecord | undefined;
  },
  deps: IngestDependencies,
): Promise<IngestOutcome> {
  const { sha256, rawKey, docId, sourceName, kind } = pending;
  const record: FileRecord = {
    sha256,
    kind,
    sourceName,
    uploadKey: pending.uploadKey,
    rawKey,
    docId,
    ...(pending.document ? { document: pending.document } : {}),
    sizeBytes: pending.size,
    receivedAt: pending.receivedAt,
    status: 'pending',
    format: 'csv',
    rowsAccepted: 0,
    rowsQuarantined: 0,
    waiting: [{ sourceName, uploadedAt: pending.uploadedAt }],
    ...refusedBeforeOf(pending.refusedBefore),
  };
  const other = await recordOnce(record, pending, pending.refusedBefore, deps);
  if (other) return other;
  return {
    status: 'pending',
    record,
    event: { sha256, kind, sourceName, rawKey, docId, format: 'csv', rows: 'pending' },
  };
}

/**
 * Whether a large upload's file-level checks pass on its head: the first megabyte, cut at its
 * last line end, checked by the streaming engine (validate-only). Anything else (a small file, a
 * declared encoding, not a contract CSV, a header or line the engine declines, a file over the
 * stream limit) goes the whole-file way, which refuses as it always did. Row problems in the head
 * do not count: they refuse nothing, and normalise quarantines them.
 */
async function headPasses(upload: UploadToCheck, deps: IngestDependencies): Promise<boolean> {
  if (upload.bytes || upload.size > deps.config.maxStreamBytes) return false;
  const head = await deps.raw.head(upload.rawKey, FORMAT_SNIFF_BYTES);
  // A cut inside a quoted line break reads as an unclosed quote: the whole-file check then runs.
  const lines = head.byteLength >= upload.size ? head : head.subarray(0, head.lastIndexOf(0x0a) + 1);
  if (lines.byteLength === 0) return false;
  const checked = await checkSource({
    fileName: upload.fileName,
    kind: upload.kind,
    docId: upload.docId,
    receivedAt: upload.receivedAt,
    maxBytes: deps.config.maxUploadBytes,
    ...(upload.encoding ? { encoding: upload.encoding } : {}),
    head: lines,
    chunks: () => [lines],
  });
  return checked.status === 'checked';
}

/** One upload as ingest sees it. */
interface Upload {
  readonly uploadKey: string;
  readonly sourceName: string;
  readonly kind: FileRecord['kind'];
  readonly sha256: string;
  /** The bytes, when they were read into memory. */
  readonly bytes: Uint8Array | undefined;
  readonly uploadedAt: string;
}

/** An upload to check against its contracts. */
interface UploadToCheck {
  readonly fileName: string;
  readonly kind: SourceKind;
  readonly docId: string;
  readonly receivedAt: string;
  readonly size: number;
  readonly rawKey: string;
  readonly bytes?: Uint8Array;
  /** The declared text encoding (UPLOAD_ENCODING_METADATA). */
  readonly encoding?: string;
}

/**
 * An upload of bytes the ledger already knows: finish whatever an earlier delivery (or another
 * name's upload) left undone, so a redelivery always completes. The raw copy is put back if it
 * is missing, and this name points at the file, so the same bytes under a second name are a
 * source of their own and an earlier file uploaded again is current again. Nothing is validated
 * or emitted again: the file's record says what it holds, and a refresh normalises any current
 * file that has no snapshot yet.
 */
async function completeKnownUpload(
  known: FileRecord,
  upload: Upload,
  deps: IngestDependencies,
): Promise<IngestOutcome> {
  let file = known;
  if (!(await deps.raw.exists(file.rawKey))) {
    if (upload.bytes) await deps.raw.put(file.rawKey, upload.bytes, { metadata: { sha256: file.sha256 } });
    else await deps.raw.copy(upload.uploadKey, file.rawKey);
  }
  // Bytes still being checked: the name waits on them, and normalise points it with the verdict.
  // A verdict given meanwhile (the wait is refused) is read, and this name pointed below.
  if (file.status === 'pending' && file.kind === upload.kind) {
    const waits = await deps.ledger.waitForPendingFile(file.sha256, {
      sourceName: upload.sourceName,
      uploadedAt: upload.uploadedAt,
    });
    if (!waits) file = (await deps.ledger.getFile(file.sha256)) ?? file;
  }
  let madeCurrent = false;
  // Same bytes sent as another kind were validated against the first kind's contracts only.
  if (file.status === 'accepted' && file.kind === upload.kind) {
    const before = await deps.ledger.getSource(upload.sourceName);
    const moved = await deps.ledger.pointSource({
      sourceName: upload.sourceName,
      kind: file.kind,
      sha256: file.sha256,
      receivedAt: file.receivedAt,
      uploadedAt: upload.uploadedAt,
    });
    madeCurrent = moved && before?.sha256 !== file.sha256;
  }
  return {
    status: 'unchanged',
    sha256: file.sha256,
    existing: file,
    madeCurrent,
    ...(file.sourceName !== upload.sourceName ? { sameAs: file.sourceName } : {}),
  };
}

/**
 * Check an upload against its contracts (check-source.ts, the policy `hld validate` follows too),
 * from the bytes in memory or, over the in-memory limit, from its raw copy as a stream; only a
 * plain contract CSV up to the stream limit is read that way, anything else is refused as too
 * large.
 */
async function checkUpload(upload: UploadToCheck, deps: IngestDependencies): Promise<Checked> {
  const { maxUploadBytes, maxStreamBytes } = deps.config;
  const { fileName, size, bytes } = upload;
  const tooLarge = (message: string, hint: string): Checked => ({ refusal: tooLargeRefusal(message, hint) });
  if (!bytes && size > maxStreamBytes) {
    return tooLarge(
      `${fileName} is ${size} bytes; the limit is ${maxStreamBytes} bytes`,
      `Split the file, or raise ${HLD_MAX_STREAM_BYTES.name} for this deployment`,
    );
  }
  const checked = await checkSource({
    fileName,
    kind: upload.kind,
    docId: upload.docId,
    receivedAt: upload.receivedAt,
    maxBytes: maxUploadBytes,
    ...(upload.encoding ? { encoding: upload.encoding } : {}),
    ...(bytes
      ? { head: bytes, chunks: () => [bytes], bytes: async () => bytes }
      : {
          head: await deps.raw.head(upload.rawKey, FORMAT_SNIFF_BYTES),
          chunks: () => deps.raw.stream(upload.rawKey),
        }),
  });
  switch (checked.status) {
    case 'checked':
      return { format: checked.format, summary: checked.summary };
    case 'refused': {
      const { rule, message, hint } = checked.error;
      return {
        ...(checked.format ? { format: checked.format } : {}),
        refusal: { rule, message, ...(hint ? { hint } : {}) },
      };
    }
    case 'not-streamable':
      if (!checked.declined) {
        return tooLarge(
          `${fileName} is ${size} bytes of ${checked.format}; over ${maxUploadBytes} bytes only plain contract CSVs are read`,
          `Split the file, save it as CSV (one file per contract table), or raise ${HLD_MAX_UPLOAD_BYTES.name}`,
        );
      }
      return { refusal: unstreamableRefusal(fileName, size, maxUploadBytes, checked.declined) };
  }
}

/** One line per problem of a report, for people. */
export function describeReport(report: QuarantineReport): string[] {
  const lines: string[] = [];
  if (report.refusal)
    lines.push(`${report.file}: refused [${report.refusal.rule}] ${report.refusal.message}`);
  for (const problem of report.problems) lines.push(formatProblem(problem));
  return lines;
}
