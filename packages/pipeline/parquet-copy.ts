import { createRequire } from 'node:module';
import { Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import type { ObjectStore } from '#packages/storage/object-store.ts';
import type { SnapshotWrittenDetail } from './events.ts';

type ParquetWasm = typeof import('parquet-wasm');

let parquetWasm: ParquetWasm | undefined;

/**
 * parquet-wasm, loaded on first use: its 5 MB of WebAssembly are paid only by the function that
 * writes Parquet. `require`, not `import()`: in Lambda the module sits in the Parquet layer
 * (/opt/nodejs/node_modules, on NODE_PATH), which `require` searches and ESM resolution does not;
 * locally it resolves to node_modules either way.
 */
export function loadParquetWasm(): ParquetWasm {
  parquetWasm ??= createRequire(import.meta.url)('parquet-wasm') as ParquetWasm;
  return parquetWasm;
}

/**
 * Where the Parquet copy of one curated table goes, Hive-style so Athena (or DuckDB's
 * `hive_partitioning`) reads `source_sha256` as a column: every row stays traceable to its file.
 */
export function parquetCopyKey(table: string, sha256: string, snapshotId: string): string {
  return `parquet/${table}/source_sha256=${sha256}/${snapshotId}.parquet`;
}

/** The snapshot id of a curated table key (`tables/<table>/<sha256>/<snapshotId>.arrow`). */
function snapshotIdOf(curatedKey: string): string {
  return (curatedKey.split('/').pop() ?? '').replace(/\.arrow$/, '');
}

/**
 * Rows per Parquet row group. arrow-rs buffers a whole row group (1M rows by default) before it
 * encodes it, so the group size bounds the writer's memory: 128k rows of the widest curated table
 * (23 columns) is about 35 MB of Arrow data.
 */
export const PARQUET_ROW_GROUP_ROWS = 131_072;

/**
 * Arrow IPC file bytes → zstd Parquet bytes, schema metadata (contract, source SHA-256 …) kept.
 * Record batch by record batch: each batch goes to WebAssembly on its own (as a one-batch IPC
 * stream, the framing parquet-wasm reads) and the writer flushes a row group whenever it holds
 * PARQUET_ROW_GROUP_ROWS rows, so memory grows with the row group, not with the file.
 */
export async function arrowFileToParquet(ipcFile: Uint8Array): Promise<Uint8Array> {
  const parquet = loadParquetWasm();
  const arrow = tableFromIPC(ipcFile);
  const properties = new parquet.WriterPropertiesBuilder()
    .setCompression(parquet.Compression.ZSTD)
    .setMaxRowGroupSize(PARQUET_ROW_GROUP_ROWS)
    .setKeyValueMetadata(new Map(arrow.schema.metadata))
    .setCreatedBy('hld-evidence curated copy (parquet-wasm)')
    .build();
  // The stream writer takes its schema from the first batch: a table without rows goes whole.
  const batchesWithRows = arrow.batches.filter((batch) => batch.numRows > 0);
  if (batchesWithRows.length === 0) {
    return parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(arrow, 'stream')), properties);
  }
  let next = 0;
  const batches = new ReadableStream({
    pull(controller) {
      const batch = batchesWithRows[next++];
      if (!batch) return controller.close();
      const framed = tableToIPC(new Table(arrow.schema, [batch]), 'stream');
      const table = parquet.Table.fromIPCStream(framed);
      for (const wasmBatch of table.recordBatches()) controller.enqueue(wasmBatch);
      table.free();
    },
  });
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of (await parquet.transformParquetStream(
    batches,
    properties,
  )) as AsyncIterable<Uint8Array>) {
    chunks.push(chunk);
    length += chunk.byteLength;
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

export interface ParquetCopyResult {
  readonly table: string;
  readonly key: string;
  readonly rows: number;
  readonly bytes: number;
}

/**
 * Write a zstd Parquet copy of every curated table of one snapshot (the Athena-friendly copy).
 * Off the hot path on purpose: parquet-wasm is slower than normalising the file
 * (`npm run bench -- --only parquet-write-1m`), so it runs in its own function after normalise,
 * and nothing waits on it. Idempotent: the same snapshot gives the same key and bytes.
 */
export async function writeParquetCopies(
  snapshot: {
    readonly sha256: string;
    readonly tables: readonly Pick<SnapshotWrittenDetail['tables'][number], 'table' | 'key' | 'rows'>[];
  },
  deps: { readonly curated: ObjectStore },
): Promise<ParquetCopyResult[]> {
  const written: ParquetCopyResult[] = [];
  for (const { table, key, rows } of snapshot.tables) {
    const parquet = await arrowFileToParquet(await deps.curated.get(key));
    const target = parquetCopyKey(table, snapshot.sha256, snapshotIdOf(key));
    await deps.curated.put(target, parquet, { contentType: 'application/vnd.apache.parquet' });
    written.push({ table, key: target, rows, bytes: parquet.byteLength });
  }
  return written;
}
