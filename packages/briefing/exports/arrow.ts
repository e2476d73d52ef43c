import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { ArrowTableWriter } from '#packages/arrow/table-writer.ts';
import type { ExportMeta, ExportTableData } from './tables.ts';

function schemaMetadata({ table }: ExportTableData, meta: ExportMeta): Record<string, string> {
  return {
    'hld.dataset': meta.dataset,
    'hld.version': String(meta.version),
    'hld.as_of': meta.asOf,
    'hld.table': table.name,
    'hld.primary_key': table.primaryKey.join(','),
  };
}

/**
 * One table as an **uncompressed** Arrow IPC file, through the project's column-buffer writer.
 * Uncompressed on purpose: apache-arrow 21.2.0 writes zstd IPC that pyarrow cannot read
 * (PERFORMANCE.md lesson 4), and these files are for other readers.
 */
export async function renderArrow(data: ExportTableData, meta: ExportMeta): Promise<Uint8Array> {
  const writer = new ArrowTableWriter(data.table.columns, { metadata: schemaMetadata(data, meta) });
  for (const row of data.rows) writer.append(row);
  return writer.finish();
}

/**
 * One table as Parquet (zstd) for outside consumers (Athena, DuckDB, pandas). parquet-wasm is
 * loaded on first use only, so nothing else pays for its import (PERFORMANCE.md lessons 5–6).
 */
export async function renderParquet(
  data: ExportTableData,
  meta: ExportMeta,
  arrowFile?: Uint8Array,
): Promise<Uint8Array> {
  const parquet = await import('parquet-wasm');
  const ipcFile = arrowFile ?? (await renderArrow(data, meta));
  // parquet-wasm takes the IPC *stream* format; re-framing the file costs nothing at this size.
  const wasmTable = parquet.Table.fromIPCStream(tableToIPC(tableFromIPC(ipcFile), 'stream'));
  const properties = new parquet.WriterPropertiesBuilder()
    .setCompression(parquet.Compression.ZSTD)
    .setKeyValueMetadata(new Map(Object.entries(schemaMetadata(data, meta))))
    .setCreatedBy('hld-evidence briefing export (parquet-wasm)')
    .build();
  return parquet.writeParquet(wasmTable, properties);
}
