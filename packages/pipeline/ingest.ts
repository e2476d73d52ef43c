import { createHash } from 'node:crypto';
import { formatProblem, type Problem } from '#packages/contracts/problems.ts';
import { type ValidationSummary, validateSource } from '#packages/contracts/validate.ts';
import { readSource } from '#packages/formats/index.ts';
import { SourceRefusedError } from '#packages/formats/reader.ts';
import type { FileRecord, Ledger } from '#packages/storage/ledger.ts';
import type { ObjectStore } from '#packages/storage/object-store.ts';
import type { PipelineConfig } from './config.ts';
import type { SourceAcceptedDetail } from './events.ts';
import { parseUploadKey, quarantineReportKey, rawObjectKey } from './source-key.ts';

export interface IngestDependencies {
  readonly raw: ObjectStore;
  readonly ledger: Ledger;
  readonly config: PipelineConfig;
  /** Clock for `receivedAt` (tests pin it). */
  readonly now?: () => Date;
}

/** The report kept beside every file that had problems (quarantine/<kind>/<sha256>.json). */
export interface QuarantineReport {
  readonly file: string;
  readonly uploadKey: string;
  readonly sha256: string;
  readonly rawKey: string;
  readonly kind: string;
  readonly status: 'accepted' | 'refused';
  readonly format?: string;
  readonly refusal?: { readonly rule: string; readonly message: string; readonly hint?: string };
  readonly rowsRead: number;
  readonly rowsAccepted: number;
  readonly rowsQuarantined: number;
  readonly problems: readonly Problem[];
}

export type IngestOutcome =
  | { readonly status: 'duplicate'; readonly sha256: string; readonly existing: FileRecord }
  | {
      readonly status: 'accepted' | 'refused';
      readonly record: FileRecord;
      readonly event?: SourceAcceptedDetail;
    };

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `DOC-{sha1[:12]}` of the bytes (DOMAIN.md §4.1 identifiers). */
export function documentId(bytes: Uint8Array): string {
  return `DOC-${createHash('sha1').update(bytes).digest('hex').slice(0, 12)}`;
}

/**
 * Ingest one upload: keep its bytes under a content-addressed key, validate it against its
 * contract, write a quarantine report for anything wrong, and record it in the ledger exactly
 * once (a conditional write: the same bytes twice, or a re-delivered event, is a no-op).
 */
export async function ingestUpload(uploadKey: string, deps: IngestDependencies): Promise<IngestOutcome> {
  const { kind, fileName, sourceName } = parseUploadKey(uploadKey);
  const size = await deps.raw.size(uploadKey);
  if (size > deps.config.maxUploadBytes) return ingestOversize(uploadKey, size, deps);
  const bytes = await deps.raw.get(uploadKey);
  const sha256 = sha256Hex(bytes);
  const existing = await deps.ledger.getFile(sha256);
  if (existing) return { status: 'duplicate', sha256, existing };

  const rawKey = rawObjectKey(kind, sha256, fileName);
  const docId = documentId(bytes);
  const receivedAt = (deps.now?.() ?? new Date()).toISOString();
  // Raw first: whatever happens next, the bytes are kept.
  await deps.raw.put(rawKey, bytes, { metadata: { 'upload-key': encodeURIComponent(uploadKey), sha256 } });

  let summary: ValidationSummary | undefined;
  let format: string | undefined;
  let refusal: QuarantineReport['refusal'];
  try {
    const read = await readSource({ bytes, fileName, kind, docId, receivedAt });
    format = read.format;
    summary = await validateSource(read, fileName);
  } catch (error) {
    if (!(error instanceof SourceRefusedError)) throw error;
    refusal = { rule: error.rule, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  }

  const status = refusal ? 'refused' : 'accepted';
  const problems = summary?.problems ?? [];
  const quarantineKey = refusal || problems.length > 0 ? quarantineReportKey(kind, sha256) : undefined;
  if (quarantineKey) {
    const report: QuarantineReport = {
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
    };
    await deps.raw.put(quarantineKey, JSON.stringify(report, null, 2), { contentType: 'application/json' });
  }

  const record: FileRecord = {
    sha256,
    kind,
    sourceName,
    uploadKey,
    rawKey,
    docId,
    sizeBytes: bytes.byteLength,
    receivedAt,
    status,
    rowsAccepted: summary?.rowsAccepted ?? 0,
    rowsQuarantined: summary?.rowsQuarantined ?? 0,
    ...(format ? { format } : {}),
    ...(quarantineKey ? { quarantineKey } : {}),
    ...(refusal ? { refusal } : {}),
    ...(summary ? { contracts: summary.contracts } : {}),
  };
  const recorded = await deps.ledger.recordFile(record);
  if (!recorded) {
    const winner = await deps.ledger.getFile(sha256);
    return { status: 'duplicate', sha256, existing: winner ?? record };
  }
  if (status === 'refused') return { status, record };

  await deps.ledger.pointSource({ sourceName, kind, sha256, receivedAt });
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
 * An upload over the size limit is never read into memory: it is hashed as a stream, copied
 * server-side to its content-addressed key, and recorded as refused with a report.
 */
async function ingestOversize(
  uploadKey: string,
  size: number,
  deps: IngestDependencies,
): Promise<IngestOutcome> {
  const { kind, fileName, sourceName } = parseUploadKey(uploadKey);
  const sha256 = await deps.raw.sha256(uploadKey);
  const existing = await deps.ledger.getFile(sha256);
  if (existing) return { status: 'duplicate', sha256, existing };
  const rawKey = rawObjectKey(kind, sha256, fileName);
  await deps.raw.copy(uploadKey, rawKey);
  const refusal = {
    rule: 'too-large',
    message: `${fileName} is ${size} bytes; the limit is ${deps.config.maxUploadBytes}`,
    hint: 'Split the file, or raise HLD_MAX_UPLOAD_BYTES for this deployment',
  };
  const quarantineKey = quarantineReportKey(kind, sha256);
  const report: QuarantineReport = {
    file: fileName,
    uploadKey,
    sha256,
    rawKey,
    kind,
    status: 'refused',
    refusal,
    rowsRead: 0,
    rowsAccepted: 0,
    rowsQuarantined: 0,
    problems: [],
  };
  await deps.raw.put(quarantineKey, JSON.stringify(report, null, 2), { contentType: 'application/json' });
  const record: FileRecord = {
    sha256,
    kind,
    sourceName,
    uploadKey,
    rawKey,
    docId: `DOC-${sha256.slice(0, 12)}`,
    sizeBytes: size,
    receivedAt: (deps.now?.() ?? new Date()).toISOString(),
    status: 'refused',
    rowsAccepted: 0,
    rowsQuarantined: 0,
    quarantineKey,
    refusal,
  };
  if (!(await deps.ledger.recordFile(record))) {
    return { status: 'duplicate', sha256, existing: (await deps.ledger.getFile(sha256)) ?? record };
  }
  return { status: 'refused', record };
}

/** One line per problem of a report, for people. */
export function describeReport(report: QuarantineReport): string[] {
  const lines: string[] = [];
  if (report.refusal)
    lines.push(`${report.file}: refused [${report.refusal.rule}] ${report.refusal.message}`);
  for (const problem of report.problems) lines.push(formatProblem(problem));
  return lines;
}
