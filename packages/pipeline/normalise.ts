import { createHash } from 'node:crypto';
import { contractId, type TableContract } from '#contracts/contract.ts';
import { contractForTable, contractsForKind } from '#contracts/registry.ts';
import { ArrowTableWriter } from '#packages/arrow/table-writer.ts';
import { type ColumnSpec, columnSpecs } from '#packages/contracts/columns.ts';
import { emptySummary, validateRows } from '#packages/contracts/validate.ts';
import { normaliseContractCsvFast } from '#packages/fastpath/csv-columns.ts';
import { detectFormat, MAX_SOURCE_BYTES, readSource } from '#packages/formats/index.ts';
import type { FileRecord, Ledger, SnapshotRecord, SnapshotTable } from '#packages/storage/ledger.ts';
import type { ObjectStore } from '#packages/storage/object-store.ts';
import type { SourceKind } from './events.ts';
import { curatedTableKey, LOCATOR_COLUMN } from './snapshots.ts';

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
}

export type NormaliseOutcome =
  | { readonly status: 'already-normalised'; readonly snapshot: SnapshotRecord }
  | { readonly status: 'written'; readonly snapshot: SnapshotRecord };

/**
 * Normalise one accepted file: read it again from raw, keep the rows that pass their
 * contracts, and write one Arrow IPC file per table (dictionary-encoded categoricals; contract
 * id, source SHA-256 and document id in the schema metadata). Rows stream from the reader into
 * column buffers; no array of row objects is built. Idempotent per (file, contracts).
 */
export async function normaliseFile(
  file: FileRecord,
  deps: NormaliseDependencies,
): Promise<NormaliseOutcome> {
  const snapshotId = snapshotIdFor(file.kind);
  const existing = await deps.ledger.getSnapshot(file.sha256, snapshotId);
  if (existing) return { status: 'already-normalised', snapshot: existing };

  const bytes = await deps.raw.get(file.rawKey);
  const fileName = file.rawKey.split('/').pop() ?? file.rawKey;
  const metadata = (contract: TableContract) => ({
    'hld:contract': contractId(contract),
    'hld:source_sha256': file.sha256,
    'hld:source_doc_id': file.docId,
    'hld:raw_key': file.rawKey,
    'hld:snapshot_id': snapshotId,
  });

  // A plain contract CSV (the format readSource would pick) takes the columnar fast path: the
  // same Arrow table (schema, batches, every value) at a fraction of the cost. It declines (and the
  // reader + validateRows path below runs) whenever it cannot reproduce that path exactly.
  const fast =
    bytes.byteLength <= MAX_SOURCE_BYTES && detectFormat({ bytes, fileName, kind: file.kind }) === 'csv'
      ? await normaliseContractCsvFast(bytes, {
          fileName,
          kind: file.kind,
          docId: file.docId,
          receivedAt: file.receivedAt,
          locatorColumn: LOCATOR_COLUMN,
          ...(deps.batchSize ? { batchSize: deps.batchSize } : {}),
          metadata,
        })
      : undefined;
  const tables: SnapshotTable[] = [];
  if (fast) {
    if (fast.ipc) {
      const key = curatedTableKey(fast.contract.table, file.sha256, snapshotId);
      await deps.curated.put(key, fast.ipc, { contentType: 'application/vnd.apache.arrow.file' });
      tables.push({ table: fast.contract.table, key, rows: fast.rows, contract: contractId(fast.contract) });
    }
  } else {
    const read = await readSource({
      bytes,
      fileName,
      kind: file.kind,
      docId: file.docId,
      receivedAt: file.receivedAt,
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
  const snapshot: SnapshotRecord = {
    sha256: file.sha256,
    snapshotId,
    tables,
    writtenAt: new Date().toISOString(),
  };
  const recorded = await deps.ledger.recordSnapshot(snapshot);
  if (!recorded) {
    const winner = await deps.ledger.getSnapshot(file.sha256, snapshotId);
    return { status: 'already-normalised', snapshot: winner ?? snapshot };
  }
  return { status: 'written', snapshot };
}
