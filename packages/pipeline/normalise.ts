import { createHash } from 'node:crypto';
import { contractId, type TableContract } from '#contracts/contract.ts';
import { LOCATOR_COLUMN } from '#contracts/curated-columns.ts';
import { contractForTable, contractsForKind } from '#contracts/registry.ts';
import { ArrowTableWriter } from '#packages/arrow/table-writer.ts';
import { type ColumnSpec, columnSpecs } from '#packages/contracts/columns.ts';
import { emptySummary, type ValidationSummary, validateRows } from '#packages/contracts/validate.ts';
import {
  type FastNormaliseOptions,
  normaliseContractCsvFast,
  streamContractCsvFast,
} from '#packages/csv-engine/csv-columns.ts';
import { FastPathIneligibleError } from '#packages/csv-engine/errors.ts';
import { createSourceReader } from '#packages/formats/index.ts';
import type { FileRecord, Ledger, SnapshotRecord, SnapshotTable } from '#packages/storage/ledger.ts';
import type { ObjectStore } from '#packages/storage/object-store.ts';
import { csvEngineMayRead } from './check-source.ts';
import { DEFAULT_MAX_UPLOAD_BYTES, type PipelineConfig } from './config.ts';
import type { SourceKind } from './events.ts';
import { curatedTableKey } from './snapshots.ts';
import { quarantineReportKey } from './source-key.ts';
import { type Refusal, unstreamableRefusal, writeQuarantineReport } from './verdict.ts';

export { curatedTableKey, LOCATOR_COLUMN };

const LOCATOR_SPEC: ColumnSpec = { name: LOCATOR_COLUMN, type: { kind: 'utf8' }, required: true };

/**
 * Identifies the contracts a snapshot was written with. A contract version bump gives a new
 * id, and `normalise-pending` rewrites every source under it.
 */
export function snapshotIdFor(kind: SourceKind): string {
  const ids = contractsForKind(kind).map(contractId).sort().join(',');
  return createHash('sha256').update(ids).digest('hex').slice(0, 12);
}

export interface NormaliseDependencies {
  readonly raw: ObjectStore;
  readonly curated: ObjectStore;
  readonly ledger: Ledger;
  /** Rows per Arrow record batch. @default 65_536 */
  readonly batchSize?: number;
  /** Files over `maxUploadBytes` are streamed from raw to curated. @default DEFAULT_MAX_UPLOAD_BYTES */
  readonly config?: Pick<PipelineConfig, 'maxUploadBytes'>;
}

export type NormaliseOutcome =
  | { readonly status: 'already-normalised'; readonly snapshot: SnapshotRecord }
  | { readonly status: 'written'; readonly snapshot: SnapshotRecord }
  | {
      /** A refused file (its verdict given here, for a pending file): no snapshot, no pointer. */
      readonly status: 'refused';
      readonly file: FileRecord;
    };

/**
 * Normalise one accepted file: read it again from raw, keep the rows that pass their
 * contracts, and write one Arrow IPC file per table (dictionary-encoded categoricals; contract
 * id, source SHA-256 and document id in the schema metadata). Rows stream from the reader into
 * column buffers; no array of row objects is built. Idempotent per (file, contracts).
 *
 * A pending file (a large upload ingest left to this stage, docs/ingest-one-pass.md) gets its
 * verdict here, in this order: Arrow written → quarantine report → the verdict in the ledger (a
 * conditional update: one completion wins) → snapshot record → the waiting names pointed at it.
 * A retry after a crash at any of those writes finds the file accepted (or still pending) and
 * completes the rest; a file refused here is never pointed at, so its names keep their versions.
 */
export async function normaliseFile(
  given: FileRecord,
  deps: NormaliseDependencies,
): Promise<NormaliseOutcome> {
  let file = given;
  if (file.status === 'refused') return { status: 'refused', file };
  const snapshotId = snapshotIdFor(file.kind);
  const existing = await deps.ledger.getSnapshot(file.sha256, snapshotId);
  if (existing) {
    await pointWaitingNames(file, deps);
    return { status: 'already-normalised', snapshot: existing };
  }

  const fileName = file.rawKey.split('/').pop() ?? file.rawKey;
  const metadata = (contract: TableContract) => ({
    'hld:contract': contractId(contract),
    'hld:source_sha256': file.sha256,
    'hld:source_doc_id': file.docId,
    'hld:raw_key': file.rawKey,
    'hld:snapshot_id': snapshotId,
  });
  let tables: SnapshotTable[];
  if (file.status === 'pending') {
    const completed = await completePendingFile(file, fileName, snapshotId, metadata, deps);
    file = completed.file;
    if (file.status !== 'accepted') return { status: 'refused', file };
    tables = completed.tables;
  } else {
    tables =
      file.sizeBytes > (deps.config?.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES)
        ? (await writeStreamed(file, fileName, snapshotId, metadata, deps)).tables
        : await writeInMemory(file, fileName, snapshotId, metadata, deps);
  }
  const snapshot: SnapshotRecord = {
    sha256: file.sha256,
    snapshotId,
    tables,
    writtenAt: new Date().toISOString(),
  };
  const recorded = await deps.ledger.recordSnapshot(snapshot);
  await pointWaitingNames(file, deps);
  if (!recorded) {
    const winner = await deps.ledger.getSnapshot(file.sha256, snapshotId);
    return { status: 'already-normalised', snapshot: winner ?? snapshot };
  }
  return { status: 'written', snapshot };
}

/**
 * Give a pending file its row verdict from the streamed pass that writes its Arrow table: the
 * quarantine report (as ingest writes it), then the verdict in the ledger, conditional on the
 * file still being pending. Returns the file as the ledger holds it after (the winning verdict)
 * and the tables written, which stay unreferenced unless the file is accepted.
 */
async function completePendingFile(
  file: FileRecord,
  fileName: string,
  snapshotId: string,
  metadata: SchemaMetadata,
  deps: NormaliseDependencies,
): Promise<{ readonly file: FileRecord; readonly tables: SnapshotTable[] }> {
  let written: Streamed | undefined;
  let refusal: Refusal | undefined;
  try {
    written = await writeStreamed(file, fileName, snapshotId, metadata, deps);
  } catch (error) {
    if (!(error instanceof StreamedFileError)) throw error;
    const maxUploadBytes = deps.config?.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
    refusal = unstreamableRefusal(fileName, file.sizeBytes, maxUploadBytes, error.declined);
  }
  const summary = written?.summary;
  const problems = summary?.problems ?? [];
  const quarantineKey =
    refusal || problems.length > 0 ? quarantineReportKey(file.kind, file.sha256) : undefined;
  // Bytes re-read after a refusal: the old refusal report is overwritten (ingest.ts does the same).
  const reportKey =
    quarantineKey ?? (file.refusedBefore ? quarantineReportKey(file.kind, file.sha256) : undefined);
  const status = refusal ? 'refused' : 'accepted';
  if (reportKey) {
    await writeQuarantineReport(deps.raw, reportKey, {
      file: fileName,
      uploadKey: file.uploadKey,
      sha256: file.sha256,
      rawKey: file.rawKey,
      kind: file.kind,
      status,
      format: 'csv',
      ...(refusal ? { refusal } : {}),
      rowsRead: summary?.rowsRead ?? 0,
      rowsAccepted: summary?.rowsAccepted ?? 0,
      rowsQuarantined: summary?.rowsQuarantined ?? 0,
      problems,
    });
  }
  const completed = await deps.ledger.completePendingFile(file.sha256, {
    status,
    format: 'csv',
    rowsAccepted: summary?.rowsAccepted ?? 0,
    rowsQuarantined: summary?.rowsQuarantined ?? 0,
    ...(quarantineKey ? { quarantineKey } : {}),
    ...(refusal ? { refusal } : {}),
    ...(summary ? { contracts: summary.contracts } : {}),
  });
  if (!completed) throw new Error(`${file.sha256} was pending, but the ledger has no such file now`);
  return { file: completed.record, tables: written?.tables ?? [] };
}

/**
 * Point the names waiting on a file that was pending (ingest.ts) at it, once it is accepted:
 * each as of its own upload, so a later upload of a name keeps the pointer (ledger `pointSource`).
 * Idempotent: a retry points them again.
 */
async function pointWaitingNames(file: FileRecord, deps: NormaliseDependencies): Promise<void> {
  if (file.status !== 'accepted' || !file.waiting) return;
  const latest = new Map<string, string>();
  for (const { sourceName, uploadedAt } of file.waiting) {
    const seen = latest.get(sourceName);
    if (!seen || seen < uploadedAt) latest.set(sourceName, uploadedAt);
  }
  for (const [sourceName, uploadedAt] of latest) {
    await deps.ledger.pointSource({
      sourceName,
      kind: file.kind,
      sha256: file.sha256,
      receivedAt: file.receivedAt,
      uploadedAt,
    });
  }
}

type SchemaMetadata = (contract: TableContract) => Readonly<Record<string, string>>;

/** The fast path's options for one file, in memory or streamed. */
function fastOptions(
  file: FileRecord,
  fileName: string,
  metadata: SchemaMetadata,
  deps: NormaliseDependencies,
): FastNormaliseOptions {
  return {
    fileName,
    kind: file.kind,
    docId: file.docId,
    receivedAt: file.receivedAt,
    locatorColumn: LOCATOR_COLUMN,
    ...(deps.batchSize ? { batchSize: deps.batchSize } : {}),
    metadata,
    // Sizes the primary-key table once for the rows the object likely holds.
    inputBytes: file.sizeBytes,
  };
}

/** A file held in memory: the fast path when it can, else the reader and `validateRows`. */
async function writeInMemory(
  file: FileRecord,
  fileName: string,
  snapshotId: string,
  metadata: SchemaMetadata,
  deps: NormaliseDependencies,
): Promise<SnapshotTable[]> {
  const bytes = await deps.raw.get(file.rawKey);

  // A plain contract CSV (the format the reader would pick; the choice check-source.ts makes
  // for ingest) takes the columnar fast path: the same Arrow table (schema, batches, every value)
  // at a fraction of the cost. It declines (and the reader + validateRows path below runs)
  // whenever it cannot reproduce that path exactly.
  const fast = csvEngineMayRead(
    { fileName, kind: file.kind, ...(file.encoding ? { encoding: file.encoding } : {}) },
    bytes,
  )
    ? await normaliseContractCsvFast(bytes, fastOptions(file, fileName, metadata, deps))
    : undefined;
  const tables: SnapshotTable[] = [];
  if (fast) {
    if (fast.ipc) {
      const key = curatedTableKey(fast.contract.table, file.sha256, snapshotId);
      await deps.curated.put(key, fast.ipc, { contentType: 'application/vnd.apache.arrow.file' });
      tables.push({ table: fast.contract.table, key, rows: fast.rows, contract: contractId(fast.contract) });
    }
  } else {
    const readSource = createSourceReader({
      maxBytes: deps.config?.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
    });
    const read = await readSource({
      bytes,
      fileName,
      kind: file.kind,
      docId: file.docId,
      receivedAt: file.receivedAt,
      ...(file.encoding ? { encoding: file.encoding } : {}),
    });
    const writers = new Map<string, ArrowTableWriter>();
    const summary = emptySummary();
    for await (const accepted of validateRows(read, fileName, summary)) {
      let writer = writers.get(accepted.table);
      if (!writer) {
        const contract = contractForTable(accepted.table);
        writer = new ArrowTableWriter([...columnSpecs(contract), LOCATOR_SPEC], {
          ...(deps.batchSize ? { batchSize: deps.batchSize } : {}),
          metadata: metadata(contract),
        });
        writers.set(accepted.table, writer);
      }
      writer.append({ ...accepted.row, [LOCATOR_COLUMN]: accepted.locator });
    }
    for (const [table, writer] of [...writers].sort(([a], [b]) => a.localeCompare(b))) {
      const key = curatedTableKey(table, file.sha256, snapshotId);
      await deps.curated.put(key, await writer.finish(), {
        contentType: 'application/vnd.apache.arrow.file',
      });
      tables.push({ table, key, rows: writer.rows, contract: contractId(contractForTable(table)) });
    }
  }
  return tables;
}

/**
 * A plain contract CSV over the in-memory limit (accepted, or pending its verdict): raw bytes in
 * chunks → fast path → Arrow IPC chunks → a multipart upload, so memory holds a chunk, a batch
 * and the upload's parts whatever the file's size. A file that mixes rows with and without a
 * parent reference is written in two passes over raw (the reference path's row order); the
 * first attempt's upload is aborted then, so no partial object is left under the key.
 */
async function writeStreamed(
  file: FileRecord,
  fileName: string,
  snapshotId: string,
  metadata: SchemaMetadata,
  deps: NormaliseDependencies,
): Promise<Streamed> {
  const attempt = async (holdWaitingRows: boolean): Promise<Streamed> => {
    const stream = streamContractCsvFast(deps.raw.stream(file.rawKey), {
      ...fastOptions(file, fileName, metadata, deps),
      holdWaitingRows,
      replay: () => deps.raw.stream(file.rawKey),
    });
    const chunks = stream.ipc[Symbol.asyncIterator]();
    // The key names the table, known once the header is read; no chunk at all: no row accepted.
    const first = await chunks.next();
    if (first.done) return { tables: [], summary: stream.summary().summary };
    const table = stream.contract()!.table;
    const key = curatedTableKey(table, file.sha256, snapshotId);
    async function* body(): AsyncGenerator<Uint8Array> {
      yield first.value;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
    }
    await deps.curated.putStream(key, body(), { contentType: 'application/vnd.apache.arrow.file' });
    const result = stream.summary();
    return {
      tables: [{ table, key, rows: result.rows, contract: contractId(result.contract) }],
      summary: result.summary,
    };
  };
  try {
    try {
      return await attempt(false);
    } catch (error) {
      if (error instanceof FastPathIneligibleError && error.reason === 'row-order')
        return await attempt(true);
      throw error;
    }
  } catch (error) {
    if (!(error instanceof FastPathIneligibleError)) throw error;
    throw new StreamedFileError(
      `${file.rawKey} is over the in-memory limit and the streaming path cannot read it: ${error.message}`,
      error,
    );
  }
}

/** What the streamed pass wrote, and the row verdict it found. */
interface Streamed {
  readonly tables: SnapshotTable[];
  readonly summary: ValidationSummary;
}

/**
 * A large file the streaming path cannot read: one left pending (the verdict is then a refusal),
 * or one ingest accepted whose contracts changed since.
 */
export class StreamedFileError extends Error {
  override readonly name = 'StreamedFileError';
  /** Why the streaming engine declined it. */
  readonly declined: FastPathIneligibleError;
  constructor(message: string, declined: FastPathIneligibleError) {
    super(message, { cause: declined });
    this.declined = declined;
  }
}
