import type { FileHandle } from 'node:fs/promises';
import { createRequire } from 'node:module';
import {
  type AsyncRecordBatchFileReader,
  type AsyncRecordBatchStreamReader,
  RecordBatchReader,
  Table,
  tableToIPC,
} from '#packages/arrow/arrow-reading.ts';
import type { RecordBatch } from '#packages/arrow/arrow-writing.ts';
import type { ByteRanges } from '#packages/arrow/column-ranges.ts';
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
 * Random access to the bytes of an Arrow IPC file too large to hold: a file on disk or an S3
 * object read by ranges (`objectByteRanges`).
 */
export type { ByteRanges };

/**
 * Reads under this size are served from one window of this size fetched at once: the IPC file
 * reader asks for a few bytes at a time (a message's length, then its metadata) before each
 * record batch's body, and each of those would otherwise be a GET of its own.
 */
const RANGE_WINDOW_BYTES = 1 << 20;

/**
 * ByteRanges over `fetch` (e.g. Range GETs): a read of fewer than `windowBytes` fetches a window
 * of that size from its position on and is served from it, as are the reads after it that fall
 * inside; a longer read is fetched as asked. `readInto` fetches straight into the caller's buffer
 * (`fetch` is given it), without a window.
 */
export function windowedByteRanges(
  size: number,
  fetch: (position: number, length: number, into?: Uint8Array) => Promise<Uint8Array>,
  windowBytes = RANGE_WINDOW_BYTES,
): ByteRanges {
  let window: Uint8Array = new Uint8Array();
  let windowStart = 0;
  return {
    size,
    // Straight into the caller's buffer: no window (the caller gathers its own reads).
    async readInto(position, target) {
      const read = await fetch(position, target.byteLength, target);
      if (read.buffer !== target.buffer || read.byteOffset !== target.byteOffset) target.set(read);
    },
    async read(position, length) {
      if (position >= windowStart && position + length <= windowStart + window.byteLength) {
        return window.subarray(position - windowStart, position - windowStart + length);
      }
      if (length >= windowBytes) return fetch(position, length);
      window = await fetch(position, Math.min(windowBytes, size - position));
      windowStart = position;
      return window.subarray(0, length);
    },
  };
}

/** An S3 object as ByteRanges (Range GETs, small reads gathered into one window). */
export async function objectByteRanges(
  store: ObjectStore,
  key: string,
  windowBytes = RANGE_WINDOW_BYTES,
): Promise<ByteRanges> {
  return windowedByteRanges(
    await store.size(key),
    (position, length, into) => store.range(key, position, length, into),
    windowBytes,
  );
}

/**
 * ByteRanges as the `FileHandle` apache-arrow's reader takes (`RecordBatchReader.from(handle)`
 * reads an IPC file through a handle lazily: the footer, the dictionaries, then one record batch
 * at a time). The reader calls only `stat`, `read(buffer, offset, length, position)` and `close`,
 * and tells a handle by its `stat` function and numeric `fd`.
 */
function arrowFileHandle(bytes: ByteRanges): FileHandle {
  const handle = {
    fd: -1,
    stat: async () => ({ size: bytes.size }),
    async read(buffer: Uint8Array, offset: number, length: number, position: number) {
      const read = await bytes.read(position, Math.min(length, bytes.size - position));
      buffer.set(read, offset);
      return { bytesRead: read.byteLength, buffer };
    },
    close: async () => {},
  };
  return handle as unknown as FileHandle;
}

/** A record batch reader over an IPC file: the whole file in memory, a local file, or ranges. */
async function openIpcFile(
  source: Uint8Array | FileHandle | ByteRanges,
): Promise<RecordBatchReader | AsyncRecordBatchFileReader | AsyncRecordBatchStreamReader> {
  if (source instanceof Uint8Array) return RecordBatchReader.from(source).open();
  const handle = 'size' in source ? arrowFileHandle(source) : source;
  return (await RecordBatchReader.from(handle)).open();
}

/**
 * Arrow IPC file → zstd Parquet bytes, schema metadata (contract, source SHA-256 …) kept.
 * Record batch by record batch: the file is read lazily (footer and dictionaries first, then one
 * batch at a time, when it comes as a file handle or as ranges), each batch goes to WebAssembly
 * on its own (as a one-batch IPC stream, the framing parquet-wasm reads), and the writer flushes
 * a row group whenever it holds PARQUET_ROW_GROUP_ROWS rows, so memory grows with the row group
 * and one batch, not with the file. A file handle is closed once read (apache-arrow's reader
 * closes its source; closing it again is harmless).
 */
export async function arrowFileToParquet(source: Uint8Array | FileHandle | ByteRanges): Promise<Uint8Array> {
  const parquet = loadParquetWasm();
  const reader = await openIpcFile(source);
  const { schema } = reader;
  const properties = new parquet.WriterPropertiesBuilder()
    .setCompression(parquet.Compression.ZSTD)
    .setMaxRowGroupSize(PARQUET_ROW_GROUP_ROWS)
    .setKeyValueMetadata(new Map(schema.metadata))
    .setCreatedBy('hld-evidence curated copy (parquet-wasm)')
    .build();
  const nextBatchWithRows = async (): Promise<RecordBatch | undefined> => {
    for (let next = await reader.next(); !next.done; next = await reader.next()) {
      if (next.value.numRows > 0) return next.value;
    }
    return undefined;
  };
  // The stream writer takes its schema from the first batch: a table without rows goes whole.
  const first = await nextBatchWithRows();
  if (!first) {
    await reader.return();
    return parquet.writeParquet(
      parquet.Table.fromIPCStream(tableToIPC(new Table(schema), 'stream')),
      properties,
    );
  }
  let pending: RecordBatch | undefined = first;
  const batches = new ReadableStream({
    async pull(controller) {
      const batch = pending ?? (await nextBatchWithRows());
      pending = undefined;
      if (!batch) return controller.close();
      const table = parquet.Table.fromIPCStream(tableToIPC(new Table(schema, [batch]), 'stream'));
      for (const wasmBatch of table.recordBatches()) controller.enqueue(wasmBatch);
      table.free();
    },
  });
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for await (const chunk of (await parquet.transformParquetStream(
      batches,
      properties,
    )) as AsyncIterable<Uint8Array>) {
      chunks.push(chunk);
      length += chunk.byteLength;
    }
  } finally {
    await reader.return();
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

/** The media type of every Parquet copy. */
export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

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
    // Read by ranges: the IPC file (278 MB for 1M rows of 23 columns) is never held whole.
    const parquet = await arrowFileToParquet(await objectByteRanges(deps.curated, key));
    const target = parquetCopyKey(table, snapshot.sha256, snapshotIdOf(key));
    await deps.curated.put(target, parquet, { contentType: PARQUET_CONTENT_TYPE });
    written.push({ table, key: target, rows, bytes: parquet.byteLength });
  }
  return written;
}
