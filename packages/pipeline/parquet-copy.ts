import { createRequire } from 'node:module';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
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

/** Arrow IPC file bytes → zstd Parquet bytes, schema metadata (contract, source SHA-256 …) kept. */
export function arrowFileToParquet(ipcFile: Uint8Array): Uint8Array {
  const parquet = loadParquetWasm();
  const arrow = tableFromIPC(ipcFile);
  // parquet-wasm takes the IPC stream format; the file's batches are re-framed, not re-encoded.
  const table = parquet.Table.fromIPCStream(tableToIPC(arrow, 'stream'));
  const properties = new parquet.WriterPropertiesBuilder()
    .setCompression(parquet.Compression.ZSTD)
    .setKeyValueMetadata(new Map(arrow.schema.metadata))
    .setCreatedBy('hld-evidence curated copy (parquet-wasm)')
    .build();
  return parquet.writeParquet(table, properties);
}

export interface ParquetCopyResult {
  readonly table: string;
  readonly key: string;
  readonly rows: number;
  readonly bytes: number;
}

/**
 * Write a zstd Parquet copy of every curated table of one snapshot (the Athena-friendly copy).
 * Off the hot path on purpose: parquet-wasm takes about 6 s and 1.2 GB for 1M rows
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
    const parquet = arrowFileToParquet(await deps.curated.get(key));
    const target = parquetCopyKey(table, snapshot.sha256, snapshotIdOf(key));
    await deps.curated.put(target, parquet, { contentType: 'application/vnd.apache.parquet' });
    written.push({ table, key: target, rows, bytes: parquet.byteLength });
  }
  return written;
}
