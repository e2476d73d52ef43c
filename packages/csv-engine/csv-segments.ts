import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { emptySummary, type ValidationSummary } from '#packages/contracts/validate.ts';
import type { ReadNotice } from '#packages/formats/reader.ts';
import { arrowSchema, type ColumnPiece, columnOutput, pieceBuffers } from './arrow-output.ts';
import {
  ContractCsvNormaliser,
  type RowOutput,
  type RowOutputFactory,
  type SegmentFindings,
  sniffDelimiter,
  startsWithBom,
} from './contract-csv-normaliser.ts';
import {
  arrowRowOutput,
  type FastNormaliseOptions,
  type FastNormaliseResult,
  type FastNormaliseSummary,
  normaliseContractCsvFast,
  normaliseContractCsvFile,
} from './csv-columns.ts';
import { CsvTokenizer, type RecordBlock } from './csv-tokenizer.ts';
import { FastPathIneligibleError } from './errors.ts';

/**
 * Contract CSV → validated Arrow IPC on several cores: the file is cut into segments at record
 * boundaries, worker threads tokenize, check and build the column buffers of each segment, and
 * the main thread puts the segments back together in file order. The result is byte for byte the
 * one `normaliseContractCsvFast` gives (the IPC file, the rows, the batches, every Problem in
 * order), or that function's own result when the split cannot be proven right.
 *
 * Record boundaries are proven, not guessed. Segment k > 0 starts speculatively after the first
 * line break at or after its nominal offset, as if that were outside quotes; the worker of
 * segment k − 1 reads on past its own end to the first record that starts at or after that
 * offset, and reports where it starts. The speculative start is kept when it is that record's
 * start (after the empty lines both skip); otherwise segment k is read again from the proven
 * start (`reruns`). Line numbers do not depend on quotes (every CR, LF or CRLF counts, inside
 * quoted fields too), so each segment's first line is counted before it is read.
 *
 * What depends on the whole file is decided in file order on the main thread, or makes the file
 * go through the single-threaded path (`fallback`):
 * - primary keys: each segment logs its keys by content (two 32-bit hashes) and the line of each
 *   key it accepted; the main thread keeps the keys of the segments merged so far. A key looked
 *   up in a segment and accepted in an earlier one is a duplicate across segments, whose
 *   `line N` of first appearance the segment could not know: the segment is read again, told
 *   those keys and their lines, and its rows with them are then quarantined naming that line, as
 *   on one thread (`keyReruns`). Keys are compared by their 64 bits of hash: two different keys
 *   with the same two hashes (odds about n² / 2^65 for n keys) would be taken for one;
 * - a comma or `1.500`-like number cell (the comma evidence is file-wide), a row without a
 *   parent reference after one with it (the reference's row order needs two passes), a key part holding U+001F, a record longer than the overlap, any
 *   ineligibility: fallback;
 * - record batches are cut every `batchSize` accepted rows of the whole file by the main thread,
 *   which copies the segments' column buffers into the one writer; dictionaries are the
 *   contract's fixed vocabularies, so indices need no remapping.
 */

const WORKER_TAG = 'hld-csv-segment-worker';
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

/** Files smaller than this are normalised on one thread (worker start-up would not pay). */
export const PARALLEL_MIN_BYTES = 16 << 20;
/**
 * Nominal bytes per segment. 2 MiB (~10,000 survey rows) took 20 % less worker CPU than 8 MiB on
 * the 1M-row file (the segment's columns stay in cache) and less memory; a key repeated across
 * segments costs one segment read again, not the whole split.
 */
const DEFAULT_SEGMENT_BYTES = 2 << 20;
/** Segment bytes handed out ahead of the merge (their results wait in memory until merged). */
const WINDOW_BYTES = 32 << 20;
/** Bytes past its end a segment's worker may read to finish its last record. */
const DEFAULT_OVERLAP_BYTES = 1 << 20;
/** Bytes the single-threaded in-memory path hands over at a time (csv-columns.ts). */
const SERIAL_CHUNK_BYTES = 4 << 20;
/** Records the header search reads (contract-csv-normaliser.ts HEADER_SEARCH_RECORDS). */
const HEADER_SEARCH_RECORDS = 51;
/** Rows per piece a worker hands over (the main thread re-cuts them into batches). */
const PIECE_ROWS = 16_384;
/** Bytes read at a time when looking for a line feed or a record start. */
const PROBE_BYTES = 64 << 10;

export interface ParallelNormaliseOptions extends FastNormaliseOptions {
  /** Worker threads. @default os.availableParallelism(), at most 4 */
  readonly workers?: number;
  /** Nominal bytes per segment (tests use tiny ones so that splits land everywhere). @default 2 MiB */
  readonly segmentBytes?: number;
  /** Bytes past its end a segment may read to finish its last record. @default 1 MiB */
  readonly overlapBytes?: number;
  /** Told why the file is not eligible for the fast path (as `normaliseContractCsvFast`). */
  readonly onIneligible?: (error: FastPathIneligibleError) => void;
  /** Told how the file was split (for logs, tests and the benchmark). */
  readonly onSplit?: (report: SplitReport) => void;
}

export interface SplitReport {
  readonly workers: number;
  /** Segments cut (0 when the file was not split). */
  readonly segments: number;
  /** Segments read again from a proven record start because the speculative start was not one. */
  readonly reruns: number;
  /** Segments read again told the keys an earlier segment accepted first (duplicates across segments). */
  readonly keyReruns?: number;
  /** Why the single-threaded path produced the result instead, if it did. */
  readonly fallback?: string;
  /** CPU seconds the workers spent on segments (their start-up not included). */
  readonly workerCpuSeconds?: number;
  /** CPU seconds of the calling thread in this call (planning, merging, writing the IPC). */
  readonly mainCpuSeconds?: number;
}

/** The file is worth splitting on this machine (size threshold and more than one core). */
export function shouldSplit(byteLength: number): boolean {
  return byteLength >= PARALLEL_MIN_BYTES && availableParallelism() > 1;
}

/** `normaliseContractCsvParallel` when `shouldSplit`, else `normaliseContractCsvFast`. */
export function normaliseContractCsvAuto(
  bytes: Uint8Array,
  options: ParallelNormaliseOptions,
): Promise<FastNormaliseResult | undefined> {
  return shouldSplit(bytes.length)
    ? normaliseContractCsvParallel(bytes, options)
    : normaliseContractCsvFast(bytes, options);
}

const DONE: Promise<SegmentResult> = Promise.resolve({ kind: 'error', index: -1, reason: 'merged' });

/** Options a worker receives: the cloneable part of FastNormaliseOptions. */
interface WorkerOptions {
  readonly fileName: string;
  readonly kind: FastNormaliseOptions['kind'];
  readonly docId: string;
  readonly receivedAt?: string;
  readonly encoding?: string;
  readonly locatorColumn: string;
}

interface SegmentJob {
  readonly index: number;
  readonly options: WorkerOptions;
  readonly delimiter: number;
  /** The header record's bytes (every segment but the first). */
  readonly header?: Uint8Array;
  /** File offset of `bytes[0]`. */
  readonly start: number;
  /** Physical line of `bytes[0]`. */
  readonly line: number;
  /** File offset before which the segment's records start (Infinity for the last). */
  readonly stopAt: number;
  /** The segment's bytes, `[start, end)` of the file, or undefined when the worker reads them from `fd`. */
  readonly bytes?: Uint8Array;
  /** A descriptor of the file for the worker to read `[start, end)` from (worker threads share the process's descriptors). */
  readonly fd?: number;
  /** File offset after the last byte the worker may read. */
  readonly end: number;
  /** The bytes reach the end of the file. */
  readonly final: boolean;
  /**
   * Tell the main thread the line breaks in `[start, stopAt)` before reading the records (message
   * `lines`): the next segment's first line, which it needs before it can be handed out.
   */
  readonly countLines: boolean;
  /** Keys of the segment first accepted in an earlier one (SegmentOptions `priorKeys`). */
  readonly priorKeys?: Int32Array;
}

/** Sent by a worker ahead of its result when the job asks for `countLines`. */
interface LinesMessage {
  readonly kind: 'lines';
  readonly breaks: number;
}

interface Piece {
  readonly length: number;
  readonly columns: ColumnPiece[];
}

type SegmentResult =
  | {
      readonly kind: 'done';
      readonly index: number;
      /** File offset of the first record of the next segment, or the file length. */
      readonly next: number;
      readonly findings: SegmentFindings;
      readonly summary: ValidationSummary;
      readonly probes: Int32Array;
      readonly inserts: Int32Array;
      readonly pieces: Piece[];
      /** CPU microseconds of the worker thread for this segment. */
      readonly cpuMicros: number;
    }
  | { readonly kind: 'ineligible' | 'exhausted' | 'error'; readonly index: number; readonly reason: string };

/**
 * Normalise a contract CSV held in memory on worker threads; same result as
 * `normaliseContractCsvFast` (see the module comment).
 */
export async function normaliseContractCsvParallel(
  bytes: Uint8Array,
  options: ParallelNormaliseOptions,
): Promise<FastNormaliseResult | undefined> {
  const ipc: Uint8Array[] = [];
  const split = await splitAndNormalise(memorySource(bytes), options, (chunk) => {
    ipc.push(chunk);
  });
  if (split === undefined) return normaliseContractCsvFast(bytes, options);
  return { ...split, ipc: split.rows > 0 ? Buffer.concat(ipc) : undefined };
}

/**
 * Normalise a contract CSV file on worker threads, handing the Arrow IPC bytes to `write` as the
 * record batches are written: the same bytes and summary as `normaliseContractCsvFile`. Memory
 * holds the segments in flight, not the file. When the split turns out not to give the
 * single-threaded result after some bytes were written (a primary key repeated across segments,
 * a late comma number…), `rewind` is called: the caller drops what it was given (truncates the
 * file, aborts the upload), and the file is normalised again on one thread through `write`.
 */
export async function normaliseContractCsvFileParallel(
  path: string,
  options: ParallelNormaliseOptions & {
    readonly write: (ipc: Uint8Array) => void | Promise<void>;
    readonly rewind: () => void | Promise<void>;
  },
): Promise<FastNormaliseSummary> {
  const handle = await open(path, 'r');
  let written = false;
  let split: FastNormaliseSummary | undefined;
  try {
    const { size } = await handle.stat();
    split = await splitAndNormalise(fileSource(handle.fd, size), options, async (chunk) => {
      written = true;
      await options.write(chunk);
    });
  } finally {
    await handle.close();
  }
  if (split) return split;
  if (written) await options.rewind();
  return normaliseContractCsvFile(path, options);
}

/** The bytes of the file, read a range at a time (each range a fresh copy, to transfer). */
interface ByteSource {
  readonly length: number;
  read(start: number, end: number): Uint8Array;
  /** The file's descriptor, when workers can read their segments themselves. */
  readonly fd?: number;
}

function memorySource(bytes: Uint8Array): ByteSource {
  return { length: bytes.length, read: (start, end) => copyOf(bytes, start, Math.min(end, bytes.length)) };
}

function fileSource(fd: number, size: number): ByteSource {
  return { length: size, fd, read: (start, end) => readRange(fd, start, Math.min(end, size)) };
}

/**
 * Bytes `[start, end)` of an open file, in an ArrayBuffer of their own, or in `into` when it is
 * large enough.
 */
function readRange(fd: number, start: number, end: number, into?: Uint8Array): Uint8Array {
  const length = Math.max(0, end - start);
  const bytes = into && into.length >= length ? into.subarray(0, length) : new Uint8Array(length);
  let done = 0;
  while (done < bytes.length) {
    const read = readSync(fd, bytes, done, bytes.length - done, start + done);
    if (read === 0) throw new Error('csv-segments: the file shrank while it was read');
    done += read;
  }
  return bytes;
}

/**
 * The split itself: the result without the IPC (which goes to `emit`), or undefined when the
 * single-threaded path must give the result (`onSplit` is told why).
 */
async function splitAndNormalise(
  source: ByteSource,
  options: ParallelNormaliseOptions,
  emit: (chunk: Uint8Array) => void | Promise<void>,
): Promise<FastNormaliseSummary | undefined> {
  const workerCount = Math.max(1, options.workers ?? Math.min(4, availableParallelism()));
  const mainCpuStart = threadCpuMicros();
  let workerCpuMicros = 0;
  const serial = (fallback: string, segments = 0, reruns = 0): undefined => {
    options.onSplit?.({ workers: workerCount, segments, reruns, fallback });
    return undefined;
  };
  const plan = planSegments(source, options.segmentBytes ?? DEFAULT_SEGMENT_BYTES);
  if (typeof plan === 'string') return serial(plan);
  const { starts, delimiter, header, bom } = plan;
  if (starts.length < 2) return serial('one segment');
  const overlap = Math.max(1, options.overlapBytes ?? DEFAULT_OVERLAP_BYTES);
  const workerOptions: WorkerOptions = {
    fileName: options.fileName,
    kind: options.kind,
    docId: options.docId,
    locatorColumn: options.locatorColumn,
    ...(options.receivedAt !== undefined ? { receivedAt: options.receivedAt } : {}),
    ...(options.encoding !== undefined ? { encoding: options.encoding } : {}),
  };
  const job = (
    index: number,
    start: number,
    line: number,
    countLines: boolean,
    priorKeys?: Int32Array,
  ): SegmentJob => {
    const stopAt = index + 1 < starts.length ? starts[index + 1]! : Number.POSITIVE_INFINITY;
    const end = Math.min(source.length, stopAt + overlap);
    return {
      index,
      options: workerOptions,
      delimiter,
      ...(index > 0 ? { header } : {}),
      start,
      line,
      stopAt,
      // From a file, the worker reads its own bytes; from memory, a copy of its own is
      // transferred: memory holds the segments in flight only.
      ...(source.fd !== undefined ? { fd: source.fd } : { bytes: source.read(start, end) }),
      end,
      final: end >= source.length,
      countLines,
      ...(priorKeys ? { priorKeys } : {}),
    };
  };

  const pool = new SegmentPool(Math.min(workerCount, starts.length));
  let reruns = 0;
  let keyReruns = 0;
  try {
    // Segments are handed out a few ahead of the merge only: each job holds a copy of its bytes
    // and its result holds the segment's column buffers until merged.
    // A segment is handed out once the worker of the one before has counted its line breaks
    // (the first thing it does), so the line of each segment's start is known in file order.
    // As many segments ahead as make ~32 MiB in flight (at least two per worker): the merge
    // stalls the workers when they run out of segments.
    const segmentBytes = Math.max(1, options.segmentBytes ?? DEFAULT_SEGMENT_BYTES);
    const window = Math.max(2 * pool.size, Math.ceil(WINDOW_BYTES / segmentBytes));
    const pending: Promise<SegmentResult>[] = [];
    /** Physical line of each segment's start, as the workers report them (in order). */
    const lines: Promise<number>[] = [Promise.resolve(1)];
    const lineOf: number[] = [1];
    const dispatch = (upTo: number) => {
      while (pending.length < Math.min(starts.length, upTo)) {
        const index = pending.length;
        const last = index + 1 >= starts.length;
        let counted: (line: number) => void = () => undefined;
        if (!last)
          lines.push(
            new Promise((resolve) => {
              counted = resolve;
            }),
          );
        const result = lines[index]!.then((line) =>
          pool.run(job(index, starts[index]!, line, !last), (breaks) => {
            lineOf[index + 1] = line + breaks;
            counted(line + breaks);
          }),
        );
        // Quiet unhandled rejections of results never awaited after a fallback.
        result.catch(() => undefined);
        pending.push(result);
      }
    };
    dispatch(window);

    // The main thread's own normaliser reads the header only: it gives the contract and the
    // Arrow output with the schema and metadata of the single-threaded path.
    let output: RowOutput | undefined;
    const capture: RowOutputFactory = (specs, metadata) => {
      output = arrowRowOutput(specs, metadata);
      return output;
    };
    const head = new ContractCsvNormaliser({
      ...options,
      output: capture,
      segment: { delimiter, afterHeader: true, start: 0, line: 1, stopAt: 0, logKeys: false },
    });
    head.push(header, false);
    const contract = head.contract!;
    const columns = output!.columns;
    const batchSize = Math.max(1, options.batchSize ?? 65_536);
    const summary = emptySummary();
    const keys = new KeyHashSet(plan.expectedRecords);
    let notices: readonly ReadNotice[] = [];
    let pendingRows = 0;
    let rows = 0;
    let batches = 0;
    let expected = bom;
    let waiting = false;
    const writeBatch = async () => {
      output!.writeBatch(pendingRows);
      batches += 1;
      pendingRows = 0;
      for (const chunk of output!.take()) await emit(chunk);
    };

    for (let index = 0; index < starts.length; index += 1) {
      const nextStart = index + 1 < starts.length ? starts[index + 1]! : Number.POSITIVE_INFINITY;
      // The previous segment's last record reaches past this one: it holds no record.
      if (expected >= nextStart || expected >= source.length) continue;
      dispatch(index + 1 + window);
      let result = await pending[index]!;
      // Merged below: the promise need not keep the result alive.
      pending[index] = DONE;
      let start = starts[index]!;
      let line = lineOf[index]!;
      if (index > 0 && firstRecordAfter(source, start) !== expected) {
        // The speculative start was not a record start: read the segment again from the proven one.
        reruns += 1;
        line += countLineBreaks(source.read(start, expected), 0, expected - start);
        start = expected;
        result = await pool.run(job(index, start, line, false));
      }
      if (result.kind !== 'done')
        return serial(`segment ${index}: ${result.kind} (${result.reason})`, starts.length, reruns);
      workerCpuMicros += result.cpuMicros;
      if (result.findings.joinedKeys) return serial('a key part holds U+001F', starts.length, reruns);
      // Keys this segment looked up that an earlier one accepted: their rows are duplicates naming
      // the earlier line, which the segment could not know. It is read again, told those keys.
      // The common case in one probe per key: the segment's accepted keys are added as they are
      // checked, and taken out again if the segment has to be read again.
      const prior = keys.addNew(result.probes, result.inserts);
      if (prior.length > 0) {
        keyReruns += 1;
        result = await pool.run(job(index, start, line, false, prior));
        if (result.kind !== 'done')
          return serial(`segment ${index}: ${result.kind} (${result.reason})`, starts.length, reruns);
        workerCpuMicros += result.cpuMicros;
        // Told them, it looks up those keys and no other seen before, and accepts none of them.
        if (
          !sameKeys(keys.known(result.probes), prior) ||
          keys.addNew(new Int32Array(0), result.inserts).length > 0
        )
          return serial('a primary key repeated across segments', starts.length, reruns);
      }
      const { findings } = result;
      if (findings.numberStyle) return serial('a comma or 1.500-like number cell', starts.length, reruns);
      // Rows that refer to a parent come after all others in the output: the file order holds
      // while no row without one follows a row with one (else two passes, on one thread).
      if (waiting && findings.plain)
        return serial('rows with and without a parent mixed', starts.length, reruns);
      waiting ||= findings.waiting;
      if (index === 0) notices = findings.notices;
      mergeSummary(summary, result.summary);
      for (const piece of result.pieces) {
        let from = 0;
        while (from < piece.length) {
          const to = Math.min(piece.length, from + batchSize - pendingRows);
          for (let column = 0; column < columns.length; column += 1)
            columns[column]!.appendPiece(piece.columns[column]!, from, to);
          pendingRows += to - from;
          rows += to - from;
          if (pendingRows >= batchSize) await writeBatch();
          from = to;
        }
      }
      expected = result.next;
    }
    for (const notice of notices) summary.problems.push({ file: options.fileName, ...notice });
    if (pendingRows > 0) await writeBatch();
    output!.finish();
    for (const chunk of output!.take()) await emit(chunk);
    options.onSplit?.({
      workers: pool.size,
      segments: starts.length,
      reruns,
      keyReruns,
      workerCpuSeconds: workerCpuMicros / 1e6,
      mainCpuSeconds: (threadCpuMicros() - mainCpuStart) / 1e6,
    });
    return { contract, rows, batches, summary };
  } catch (error) {
    if (error instanceof FastPathIneligibleError)
      return serial(`main thread: ${error.reason}`, starts.length, reruns);
    throw error;
  } finally {
    await pool.close();
  }
}

/**
 * Segment starts (file offsets; the first is 0), the delimiter and the header record, or why the
 * file is read on one thread. Segment 1 starts after the records the header search reads, which
 * must lie in the single-threaded path's first chunk, as that path requires.
 */
function planSegments(
  source: ByteSource,
  segmentBytes: number,
):
  | { starts: number[]; delimiter: number; header: Uint8Array; bom: number; expectedRecords: number }
  | string {
  const bytes = source.read(0, SERIAL_CHUNK_BYTES);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return 'UTF-16';
  const bom = startsWithBom(bytes, 0) ? 3 : 0;
  if (bom > 0 && startsWithBom(bytes, 3)) return 'two byte order marks';
  const data = bytes.subarray(bom);
  const delimiter = sniffDelimiter(data);
  let block: RecordBlock;
  try {
    block = new CsvTokenizer(delimiter).push(data, bytes.length === source.length);
  } catch (error) {
    if (error instanceof FastPathIneligibleError) return `first chunk: ${error.reason}`;
    throw error;
  }
  if (block.records <= HEADER_SEARCH_RECORDS) return 'fewer records than the header search reads';
  const headerEnd = recordStart(block, 1);
  const searchEnd = bom + recordStart(block, HEADER_SEARCH_RECORDS);
  const starts = [0];
  for (;;) {
    const last = starts.at(-1)!;
    const nominal = Math.max(searchEnd, last + Math.max(1, segmentBytes));
    if (nominal >= source.length) break;
    const lf = nextLineFeed(source, nominal - 1);
    if (lf < 0 || lf + 1 >= source.length) break;
    starts.push(lf + 1);
  }
  // Records the file likely holds, by the first chunk's: the key set is sized for them at once.
  const expectedRecords = Math.ceil((source.length / Math.max(1, data.length)) * block.records);
  return { starts, delimiter, header: copyOf(data, 0, headerEnd), bom, expectedRecords };
}

/** Offset of the first LF at or after `from`, or -1. */
function nextLineFeed(source: ByteSource, from: number): number {
  for (let at = from; at < source.length; at += PROBE_BYTES) {
    const found = Buffer.from(source.read(at, at + PROBE_BYTES).buffer).indexOf(LF);
    if (found >= 0) return at + found;
  }
  return -1;
}

/** A copy of bytes `[start, end)` in an ArrayBuffer of its own (one memcpy), to transfer. */
function copyOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const copy = new Uint8Array(end - start);
  copy.set(bytes.subarray(start, end));
  return copy;
}

/** CPU time of the calling thread in microseconds (Node ≥ 23.9), or of the process before that. */
function threadCpuMicros(): number {
  const usage =
    (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage?.() ?? process.cpuUsage();
  return usage.user + usage.system;
}

/**
 * Where the tokenizer, started at `start` outside quotes, starts its first record: after the
 * empty lines (CR and LF bytes) there.
 */
function firstRecordAfter(source: ByteSource, start: number): number {
  for (let at = start; at < source.length; at += PROBE_BYTES) {
    const bytes = source.read(at, at + PROBE_BYTES);
    for (let index = 0; index < bytes.length; index += 1)
      if (bytes[index] !== LF && bytes[index] !== CR) return at + index;
  }
  return source.length;
}

/** Offset in the block's bytes where record `record` starts (its first cell, or that cell's quote). */
function recordStart(block: RecordBlock, record: number): number {
  const start = block.cellStart[block.recordCells[record]!]!;
  return start > 0 && block.bytes[start - 1] === QUOTE ? start - 1 : start;
}

/**
 * Line breaks in `[from, to)` as the tokenizer counts them, quoted or not: every LF, every CR,
 * a CRLF once. (Neither bound splits a CRLF: segments start after an LF.) Without a CR, four
 * bytes at a time: an `indexOf` per line costs a call per line (1.3 s of the main thread on
 * 1M lines), a loop per byte 0.7 s per worker.
 */
export function countLineBreaks(bytes: Uint8Array, from: number, to: number): number {
  const end = Math.min(to, bytes.length);
  if (from >= end) return 0;
  const cr = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(CR, from);
  if (cr < 0 || cr >= end) return countLineFeeds(bytes, from, end);
  let count = 0;
  for (let at = from; at < end; at += 1) {
    const byte = bytes[at]!;
    if (byte === LF) count += 1;
    else if (byte === CR && (at + 1 >= end || bytes[at + 1] !== LF)) count += 1;
  }
  return count;
}

/** LF bytes in `[from, end)`, counted a 32-bit word at a time (exact zero-byte test, no carries). */
function countLineFeeds(bytes: Uint8Array, from: number, end: number): number {
  let count = 0;
  let at = from;
  for (; at < end && ((bytes.byteOffset + at) & 3) !== 0; at += 1) if (bytes[at] === LF) count += 1;
  if (at >= end) return count;
  const words = new Int32Array(bytes.buffer, bytes.byteOffset + at, (end - at) >>> 2);
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index]! ^ 0x0a0a0a0a;
    // 0x80 in each byte of `word` that is zero, i.e. each LF byte of the input.
    const zero = ~(((word & 0x7f7f7f7f) + 0x7f7f7f7f) | word | 0x7f7f7f7f);
    if (zero !== 0) count += Math.imul(zero >>> 7, 0x01010101) >>> 24;
  }
  for (at += 4 * words.length; at < end; at += 1) if (bytes[at] === LF) count += 1;
  return count;
}

function mergeSummary(summary: ValidationSummary, part: ValidationSummary): void {
  summary.rowsRead += part.rowsRead;
  summary.rowsAccepted += part.rowsAccepted;
  summary.rowsQuarantined += part.rowsQuarantined;
  for (const problem of part.problems) summary.problems.push(problem);
  for (const [table, name] of Object.entries(part.contracts)) summary.contracts[table] = name;
  for (const [table, counts] of Object.entries(part.byTable)) {
    summary.byTable[table] ??= { accepted: 0, quarantined: 0 };
    const total = summary.byTable[table];
    total.accepted += counts.accepted;
    total.quarantined += counts.quarantined;
  }
}

/**
 * Keys by content (pairs of 32-bit hashes) with the line each was first accepted on: open
 * addressing, the two hashes and the line side by side (one cache miss per key; line 0 = empty).
 */
class KeyHashSet {
  private slots: Int32Array;
  private mask: number;
  private size = 0;
  /** Slots filled by the last `addNew`, to take its keys out again. */
  private added = new Int32Array(1024);

  /** @param expectedKeys sized for them at once (at most 4M), else doubled as keys come */
  constructor(expectedKeys: number) {
    let slots = 1 << 15;
    while (slots < 2 * Math.min(expectedKeys, 1 << 22) + 2) slots *= 2;
    this.slots = new Int32Array(3 * slots);
    this.mask = slots - 1;
  }

  /**
   * Add the keys of `inserts` (triples: pair, line) not in the set yet. Returns the keys of
   * `probes` (pairs) and `inserts` that were in it already, as (hash, hash, line first accepted)
   * triples, each key once; when there are any, the set is left as it was (nothing added).
   */
  addNew(probes: Int32Array, inserts: Int32Array): Int32Array {
    const found = this.knownKeys(probes);
    const seen = (first: number, second: number, line: number) => {
      found.set(`${first},${second}`, [first, second, line]);
    };
    if ((this.size + inserts.length / 3 + 1) * 2 > this.mask) this.grow(this.size + inserts.length / 3);
    if (this.added.length < inserts.length / 3) this.added = new Int32Array(inserts.length / 3);
    let added = 0;
    const slots = this.slots;
    const mask = this.mask;
    for (let index = 0; index < inserts.length; index += 3) {
      const first = inserts[index]!;
      const second = inserts[index + 1]!;
      let slot = first & mask;
      for (; slots[3 * slot + 2] !== 0; slot = (slot + 1) & mask) {
        if (slots[3 * slot] === first && slots[3 * slot + 1] === second) break;
      }
      const line = slots[3 * slot + 2]!;
      if (line !== 0) {
        seen(first, second, line);
        continue;
      }
      slots[3 * slot] = first;
      slots[3 * slot + 1] = second;
      slots[3 * slot + 2] = inserts[index + 2]!;
      this.added[added] = slot;
      added += 1;
    }
    this.size += added;
    if (found.size === 0) return new Int32Array(0);
    // Taken out in reverse order of insertion, each slot was the empty end of its probe chain
    // when it was filled: the table is exactly as before.
    for (let index = added - 1; index >= 0; index -= 1) {
      const slot = this.added[index]!;
      slots[3 * slot] = 0;
      slots[3 * slot + 1] = 0;
      slots[3 * slot + 2] = 0;
    }
    this.size -= added;
    return Int32Array.from([...found.values()].flat());
  }

  /** The keys of `probes` (pairs) in the set, as (hash, hash, line first accepted) triples, each once. */
  known(probes: Int32Array): Int32Array {
    return Int32Array.from([...this.knownKeys(probes).values()].flat());
  }

  private knownKeys(probes: Int32Array): Map<string, [number, number, number]> {
    const found = new Map<string, [number, number, number]>();
    for (let index = 0; index < probes.length; index += 2) {
      const line = this.lineOf(probes[index]!, probes[index + 1]!);
      if (line > 0)
        found.set(`${probes[index]},${probes[index + 1]}`, [probes[index]!, probes[index + 1]!, line]);
    }
    return found;
  }

  /** The line the key was first accepted on, or 0. */
  private lineOf(first: number, second: number): number {
    const slots = this.slots;
    for (let slot = first & this.mask; slots[3 * slot + 2] !== 0; slot = (slot + 1) & this.mask) {
      if (slots[3 * slot] === first && slots[3 * slot + 1] === second) return slots[3 * slot + 2]!;
    }
    return 0;
  }

  /** Room for `keys` keys at most half the slots. */
  private grow(keys: number): void {
    const old = this.slots;
    let count = this.mask + 1;
    while ((keys + 1) * 2 > count - 1) count *= 2;
    this.slots = new Int32Array(3 * count);
    this.mask = count - 1;
    const slots = this.slots;
    for (let from = 0; from < old.length; from += 3) {
      if (old[from + 2] === 0) continue;
      let slot = old[from]! & this.mask;
      while (slots[3 * slot + 2] !== 0) slot = (slot + 1) & this.mask;
      slots[3 * slot] = old[from]!;
      slots[3 * slot + 1] = old[from + 1]!;
      slots[3 * slot + 2] = old[from + 2]!;
    }
  }
}

/** The same (hash, hash, line) triples, in any order. */
function sameKeys(found: Int32Array, told: Int32Array): boolean {
  if (found.length !== told.length) return false;
  const key = (triples: Int32Array) => {
    const keys: string[] = [];
    for (let index = 0; index < triples.length; index += 3)
      keys.push(`${triples[index]},${triples[index + 1]},${triples[index + 2]}`);
    return keys.sort().join(';');
  };
  return key(found) === key(told);
}

/** Worker threads running this module in worker mode, one job at a time each. */
class SegmentPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: {
    job: SegmentJob;
    onLines: (breaks: number) => void;
    resolve: (result: SegmentResult) => void;
    reject: (error: unknown) => void;
  }[] = [];
  readonly size: number;

  constructor(size: number) {
    this.size = size;
    for (let index = 0; index < size; index += 1) {
      const worker = startWorker();
      // Errors outside a job (none expected) must not crash the process; a job's error rejects it.
      worker.on('error', () => undefined);
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  /** Run `job` on the next idle worker; `onLines` hears its `lines` message, if it asks for one. */
  run(job: SegmentJob, onLines: (breaks: number) => void = () => undefined): Promise<SegmentResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, onLines, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.shift()!;
      const { job, onLines, resolve, reject } = this.queue.shift()!;
      const done = (message: SegmentResult | LinesMessage) => {
        if (message.kind === 'lines') {
          onLines(message.breaks);
          return;
        }
        worker.off('message', done);
        worker.off('error', failed);
        this.idle.push(worker);
        this.next();
        resolve(message);
      };
      const failed = (error: unknown) => {
        worker.off('message', done);
        reject(error);
      };
      worker.on('message', done);
      worker.once('error', failed);
      worker.postMessage(job, job.bytes ? [job.bytes.buffer as ArrayBuffer] : []);
    }
  }

  async close(): Promise<void> {
    for (const { reject } of this.queue.splice(0)) reject(new Error('SegmentPool closed'));
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/**
 * A worker running this very module: the file that defines it (a `.ts` file under tsx in tests
 * and the benchmark, the function's bundle in Lambda, where it is the bundle itself).
 */
function startWorker(): Worker {
  const url = new URL(import.meta.url);
  const typescript = url.pathname.endsWith('.ts');
  return new Worker(url, {
    workerData: { [WORKER_TAG]: true },
    // A `.ts` module needs tsx's loader in the worker too (under vitest the process has none). A
    // bundle needs none, even when the process loaded one (the benchmark's child): tsx would cost
    // each worker ~0.2 s of CPU, so such a worker gets no flags; otherwise it inherits the
    // process's (an explicit list may not hold V8 flags; the inherited one may).
    ...(typescript ? { execArgv: ['--import', 'tsx'] } : loadsTsx(process.execArgv) ? { execArgv: [] } : {}),
  });
}

/** The flags load tsx (`--import tsx`, `--import=tsx`). */
function loadsTsx(execArgv: readonly string[]): boolean {
  return execArgv.some(
    (arg, index) => arg === '--import=tsx' || (arg === '--import' && execArgv[index + 1] === 'tsx'),
  );
}

/**
 * The buffer a worker reads its segments into, reused from one segment to the next (nothing of a
 * segment's bytes outlives its job: the columns copy what they keep): no fresh 9 MiB to zero and
 * fault in per segment.
 */
let segmentBuffer = new Uint8Array(0);

/** The work of one segment, in a worker thread (`tell` posts the `lines` message). */
function readSegment(
  job: SegmentJob,
  tell: (message: LinesMessage) => void,
): { result: SegmentResult; transfer: ArrayBuffer[] } {
  const cpuStart = threadCpuMicros();
  if (job.bytes === undefined && segmentBuffer.length < job.end - job.start)
    segmentBuffer = new Uint8Array(job.end - job.start);
  const bytes = job.bytes ?? readRange(job.fd!, job.start, job.end, segmentBuffer);
  if (job.countLines) tell({ kind: 'lines', breaks: countLineBreaks(bytes, 0, job.stopAt - job.start) });
  const pieces: Piece[] = [];
  const pieceOutput: RowOutputFactory = (specs) => {
    const { schema, dictionaries } = arrowSchema(specs, {});
    const columns = specs.map((spec, index) => columnOutput(spec, schema.fields[index]!, dictionaries));
    return {
      columns,
      writeBatch(length) {
        pieces.push({ length, columns: columns.map((column) => column.takePiece(length)) });
      },
      finish() {},
      take: () => [],
    };
  };
  const later = job.index > 0;
  const normaliser = new ContractCsvNormaliser({
    ...job.options,
    output: pieceOutput,
    batchSize: PIECE_ROWS,
    segment: {
      delimiter: job.delimiter,
      afterHeader: later,
      start: job.start,
      line: job.line,
      stopAt: job.stopAt,
      logKeys: true,
      ...(job.priorKeys ? { priorKeys: job.priorKeys } : {}),
    },
  });
  try {
    if (later) normaliser.push(job.header!, false);
    normaliser.push(bytes, job.final);
    if (!job.final) {
      if (normaliser.stoppedAt < 0)
        return {
          result: { kind: 'exhausted', index: job.index, reason: 'a record runs past the overlap' },
          transfer: [],
        };
      normaliser.push(new Uint8Array(0), true);
    }
    const findings = normaliser.finishSegment();
    const log = normaliser.keyLog;
    const probes = log ? log.probes.slice(0, 2 * log.probeCount) : new Int32Array(0);
    const inserts = log ? log.inserts.slice(0, 3 * log.insertCount) : new Int32Array(0);
    const result: SegmentResult = {
      kind: 'done',
      index: job.index,
      next: findings.stoppedAt >= 0 ? findings.stoppedAt : Number.POSITIVE_INFINITY,
      findings,
      summary: normaliser.summary,
      probes,
      inserts,
      pieces,
      cpuMicros: threadCpuMicros() - cpuStart,
    };
    const transfer = [
      probes.buffer,
      inserts.buffer,
      ...pieces.flatMap((piece) => piece.columns.flatMap(pieceBuffers)),
    ];
    return { result, transfer: [...new Set(transfer)] as ArrayBuffer[] };
  } catch (error) {
    const kind = error instanceof FastPathIneligibleError ? 'ineligible' : 'error';
    const reason = error instanceof FastPathIneligibleError ? error.reason : String(error);
    return { result: { kind, index: job.index, reason }, transfer: [] };
  }
}

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[WORKER_TAG] === true) {
  parentPort!.on('message', (job: SegmentJob) => {
    const { result, transfer } = readSegment(job, (message) => parentPort!.postMessage(message));
    parentPort!.postMessage(result, transfer);
  });
}
