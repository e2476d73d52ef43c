import { open } from 'node:fs/promises';
import type { TableContract } from '#contracts/contract.ts';
import { makeData, RecordBatch, RecordBatchFileWriter, Struct } from '#packages/arrow/arrow-writing.ts';
import type { ColumnSpec } from '#packages/contracts/columns.ts';
import { arrowSchema, columnOutput } from './arrow-output.ts';
import {
  type CommaNumberEvidence,
  ContractCsvNormaliser,
  type ContractCsvNormaliserOptions,
  type FastNormaliseOptions,
  type FastNormaliseResult,
  type FastNormaliseSummary,
  type RowOutput,
} from './contract-csv-normaliser.ts';
import { CommaNumberFoundLateError, FastPathIneligibleError } from './errors.ts';
import { IpcChunks } from './ipc-chunks.ts';

export type {
  CommaNumberEvidence,
  ContractCsvNormaliserOptions,
  FastNormaliseOptions,
  FastNormaliseResult,
  FastNormaliseSummary,
} from './contract-csv-normaliser.ts';

/**
 * Contract CSV → validated Arrow IPC (the ContractCsvNormaliser with Arrow record batches as its
 * output). Validation alone lives in validate-contract-csv.ts, which does not load apache-arrow.
 */

/** Bytes handed over at a time when the whole file is in memory (then tokenized in blocks). */
const DEFAULT_CHUNK_BYTES = 4 << 20;

/**
 * The Arrow output of a table: column buffers flushed with `makeData` into record batches,
 * written by a RecordBatchFileWriter into a sink drained after every batch.
 */
export function arrowRowOutput(
  specs: readonly ColumnSpec[],
  metadata: Readonly<Record<string, string>>,
): RowOutput {
  const { schema, dictionaries } = arrowSchema(specs, metadata);
  const columns = specs.map((spec, index) => columnOutput(spec, schema.fields[index]!, dictionaries));
  const sink = new IpcChunks();
  let writer: RecordBatchFileWriter | undefined;
  return {
    columns,
    writeBatch(length) {
      if (!writer) {
        writer = new RecordBatchFileWriter();
        writer.reset(sink, schema);
      }
      const children = columns.map((column) => column.flush(length));
      const data = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children });
      writer.write(new RecordBatch(schema, data));
    },
    finish() {
      writer?.finish();
    },
    take: () => sink.take(),
  };
}

/**
 * Normalise a contract CSV held in memory: the Arrow IPC file of its one table, its row count and
 * the validation summary, exactly as the reference path gives them; undefined when the file is
 * not eligible for the fast path (read it the reference way then).
 */
export async function normaliseContractCsvFast(
  bytes: Uint8Array,
  options: FastNormaliseOptions & {
    /** Bytes tokenized at a time. @default 4 MiB */
    readonly chunkBytes?: number;
    /** Told why the file is not eligible (for logs and tests). */
    readonly onIneligible?: (error: FastPathIneligibleError) => void;
  },
): Promise<FastNormaliseResult | undefined> {
  const chunkBytes = Math.max(1, options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const chunks = () => {
    const parts: Uint8Array[] = [];
    for (let start = 0; start < bytes.length; start += chunkBytes)
      parts.push(bytes.subarray(start, start + chunkBytes));
    return parts.length > 0 ? parts : [bytes];
  };
  const run = (holdWaitingRows: boolean, commaNumberEvidence?: CommaNumberEvidence): FastNormaliseResult => {
    const normaliser = new ContractCsvNormaliser({
      ...options,
      inputBytes: bytes.length,
      output: arrowRowOutput,
      holdWaitingRows,
      ...(commaNumberEvidence ? { commaNumberEvidence } : {}),
    });
    const output: Uint8Array[] = [];
    const collect = () => {
      for (const chunk of normaliser.take()) output.push(chunk);
    };
    const parts = chunks();
    parts.forEach((part, index) => {
      normaliser.push(part, index === parts.length - 1);
      collect();
    });
    if (normaliser.heldRows > 0) normaliser.replayWaitingRows(parts);
    normaliser.close();
    collect();
    const result = normaliser.result();
    return { ...result, ipc: result.rows > 0 ? Buffer.concat(output) : undefined };
  };
  try {
    let holdWaitingRows = false;
    let evidence: CommaNumberEvidence | undefined;
    for (;;) {
      try {
        return run(holdWaitingRows, evidence);
      } catch (error) {
        // A comma number came late: read again knowing it from the first row.
        if (error instanceof CommaNumberFoundLateError && !evidence) evidence = error.evidence;
        // Rows with and without a parent reference are mixed: write them in two passes.
        else if (error instanceof FastPathIneligibleError && error.reason === 'row-order' && !holdWaitingRows)
          holdWaitingRows = true;
        else throw error;
      }
    }
  } catch (error) {
    if (error instanceof FastPathIneligibleError) {
      options.onIneligible?.(error);
      return undefined;
    }
    throw error;
  }
}

/**
 * Normalise a contract CSV as a stream: chunks in, Arrow IPC chunks out as each record batch is
 * written, so memory holds one chunk and one batch. Throws FastPathIneligibleError while
 * iterating when the file turns out not to be eligible (start again with the reference path).
 * With `holdWaitingRows`, the held rows are written in a second pass over `replay()` (the same
 * bytes again). `contract()` is known once the first IPC chunk is out; `summary()` once the IPC
 * iterable is exhausted.
 */
export function streamContractCsvFast(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ContractCsvNormaliserOptions & {
    readonly replay?: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  },
): {
  readonly ipc: AsyncIterable<Uint8Array>;
  contract(): TableContract | undefined;
  summary(): FastNormaliseSummary;
} {
  const normaliser = new ContractCsvNormaliser({ ...options, output: arrowRowOutput });
  async function* ipc(): AsyncGenerator<Uint8Array> {
    let previous: Uint8Array | undefined;
    for await (const chunk of source) {
      if (previous) {
        normaliser.push(previous, false);
        yield* normaliser.take();
      }
      previous = chunk;
    }
    normaliser.push(previous ?? new Uint8Array(0), true);
    yield* normaliser.take();
    if (normaliser.heldRows > 0) {
      if (!options.replay)
        throw new Error('streamContractCsvFast: rows were held back but no replay source was given');
      normaliser.startReplay();
      previous = undefined;
      for await (const chunk of options.replay()) {
        if (previous) {
          normaliser.replayPush(previous, false);
          yield* normaliser.take();
        }
        previous = chunk;
      }
      normaliser.replayPush(previous ?? new Uint8Array(0), true);
    }
    normaliser.close();
    yield* normaliser.take();
  }
  return { ipc: ipc(), contract: () => normaliser.contract, summary: () => normaliser.result() };
}

/** Bytes read from a file at a time. */
const FILE_CHUNK_BYTES = 8 << 20;

/** Room kept in front of each read for the incomplete last record of the one before. */
const TAIL_HEADROOM_BYTES = 1 << 20;

/**
 * Normalise a contract CSV file from disk, handing the Arrow IPC bytes to `write` as each record
 * batch is produced (memory: two read buffers and one batch). The next read runs while a chunk is
 * processed; the incomplete last record of each chunk is copied into the room kept in front of
 * the next one, so no chunk is ever copied. Throws FastPathIneligibleError when the file turns out
 * not to be eligible (including files that mix rows with and without a parent reference, which
 * need a second pass: use the in-memory API or `streamContractCsvFast` with `replay`).
 */
export async function normaliseContractCsvFile(
  path: string,
  options: FastNormaliseOptions & {
    readonly write: (ipc: Uint8Array) => void | Promise<void>;
    /** Bytes read at a time. @default 8 MiB */
    readonly readBytes?: number;
  },
): Promise<FastNormaliseSummary> {
  const handle = await open(path, 'r');
  const inputBytes = options.inputBytes ?? (await handle.stat()).size;
  const normaliser = new ContractCsvNormaliser({ ...options, inputBytes, output: arrowRowOutput });
  const readBytes = Math.max(1, options.readBytes ?? FILE_CHUNK_BYTES);
  const headroom = Math.min(TAIL_HEADROOM_BYTES, readBytes);
  const buffers = [0, 1].map(() => new Uint8Array(headroom + readBytes));
  const readInto = (buffer: Uint8Array) =>
    handle.read(buffer, headroom, readBytes, null).then((read) => read.bytesRead);
  let reading: Promise<number> | undefined = readInto(buffers[0]!);
  try {
    let which = 0;
    let tail: Uint8Array = new Uint8Array(0);
    for (;;) {
      const buffer = buffers[which]!;
      const bytesRead = await reading!;
      reading = undefined;
      const data = buffer.subarray(headroom, headroom + bytesRead);
      let chunk: Uint8Array;
      if (tail.length <= headroom) {
        buffer.set(tail, headroom - tail.length);
        chunk = buffer.subarray(headroom - tail.length, headroom + bytesRead);
      } else {
        // One record longer than the headroom: join it to the next read (a copy, rarely).
        chunk = Buffer.concat([tail, data]);
      }
      const final = bytesRead === 0;
      // The tail now lives in this buffer: the other one can take the next read.
      if (!final) reading = readInto(buffers[1 - which]!);
      normaliser.push(chunk, final);
      if (final) break;
      tail = normaliser.takeTail();
      which = 1 - which;
      for (const out of normaliser.take()) await options.write(out);
    }
    normaliser.close();
    for (const chunk of normaliser.take()) await options.write(chunk);
    return normaliser.result();
  } finally {
    // A read still in flight (the file turned out ineligible) must end before the handle closes.
    await reading?.catch(() => 0);
    await handle.close();
  }
}
