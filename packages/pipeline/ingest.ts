import { createHash } from 'node:crypto';
import type { SourceKind } from '#contracts/source-kinds.ts';
import { formatProblem, type Problem } from '#packages/contracts/problems.ts';
import type { ValidationSummary } from '#packages/contracts/validate.ts';
import { HLD_MAX_STREAM_BYTES, HLD_MAX_UPLOAD_BYTES } from '#packages/settings/settings.ts';
import type { FileRecord, Ledger } from '#packages/storage/ledger.ts';
import type { ObjectStore } from '#packages/storage/object-store.ts';
import { checkSource } from './check-source.ts';
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
  return documentIdOf(createHash('sha1').update(bytes).digest('hex'));
}

/** The document id of a file whose SHA-1 (hex) is known, e.g. hashed as a stream. */
export function documentIdOf(sha1Hex: string): string {
  return `DOC-${sha1Hex.slice(0, 12)}`;
}

/** Bytes of a large upload read to tell its format. */
const FORMAT_SNIFF_BYTES = 1024 * 1024;

type Refusal = NonNullable<QuarantineReport['refusal']>;

interface Checked {
  readonly format?: string;
  readonly summary?: ValidationSummary;
  readonly refusal?: Refusal;
}

/**
 * Ingest one upload: keep its bytes under a content-addressed key, validate it against its
 * contract, write a quarantine report for anything wrong, and record it in the ledger exactly
 * once (a conditional write: the same bytes twice, or a re-delivered event, is a no-op).
 *
 * Uploads up to `maxUploadBytes` are read into memory, in any format. Larger ones are never held:
 * they are hashed as a stream and copied server-side; a plain contract CSV up to `maxStreamBytes`
 * is then validated chunk by chunk (the columnar fast path), anything else is refused.
 */
export async function ingestUpload(uploadKey: string, deps: IngestDependencies): Promise<IngestOutcome> {
  const { kind, fileName, sourceName } = parseUploadKey(uploadKey);
  const size = await deps.raw.size(uploadKey);
  const bytes = size > deps.config.maxUploadBytes ? undefined : await deps.raw.get(uploadKey);
  const digests = bytes
    ? { sha256: sha256Hex(bytes), sha1: createHash('sha1').update(bytes).digest('hex') }
    : await deps.raw.digests(uploadKey, ['sha256', 'sha1']);
  const sha256 = digests.sha256;
  const existing = await deps.ledger.getFile(sha256);
  if (existing) return { status: 'duplicate', sha256, existing };

  const rawKey = rawObjectKey(kind, sha256, fileName);
  const docId = documentIdOf(digests.sha1);
  const receivedAt = (deps.now?.() ?? new Date()).toISOString();
  // Raw first: whatever happens next, the bytes are kept.
  if (bytes) {
    await deps.raw.put(rawKey, bytes, { metadata: { 'upload-key': encodeURIComponent(uploadKey), sha256 } });
  } else {
    await deps.raw.copy(uploadKey, rawKey);
  }

  const { format, summary, refusal } = await checkUpload(
    { fileName, kind, docId, receivedAt, size, rawKey, ...(bytes ? { bytes } : {}) },
    deps,
  );

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
    sizeBytes: size,
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
 * Check an upload against its contracts (check-source.ts, the policy `hld validate` follows too),
 * from the bytes in memory or, over the in-memory limit, from its raw copy as a stream; only a
 * plain contract CSV up to the stream limit is read that way, anything else is refused as too
 * large.
 */
async function checkUpload(
  upload: {
    readonly fileName: string;
    readonly kind: SourceKind;
    readonly docId: string;
    readonly receivedAt: string;
    readonly size: number;
    readonly rawKey: string;
    readonly bytes?: Uint8Array;
  },
  deps: IngestDependencies,
): Promise<Checked> {
  const { maxUploadBytes, maxStreamBytes } = deps.config;
  const { fileName, size, bytes } = upload;
  const tooLarge = (message: string, hint: string): Checked => ({
    refusal: { rule: 'too-large', message, hint },
  });
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
      return tooLarge(
        `${fileName} is ${size} bytes, over the ${maxUploadBytes}-byte limit for files read into memory, ` +
          `and cannot be read as a stream: ${checked.declined.message}`,
        'A file this large must be a plain CSV of one contract table: header on the first line, UTF-8, ' +
          `the same number of cells on every line. Or split it under ${HLD_MAX_UPLOAD_BYTES.name}`,
      );
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
