import type { z } from 'zod';
import type { TableContract } from '#contracts/contract.ts';
import type { SourceKind } from '#contracts/source-kinds.ts';
import type { ColumnSpec } from '#packages/contracts/columns.ts';
import {
  duplicateKeyProblem,
  issueProblem,
  type Problem,
  type ProblemPlace,
  unknownCountryProblem,
} from '#packages/contracts/problems.ts';
import { emptySummary, type ValidationSummary } from '#packages/contracts/validate.ts';
import {
  coerceCell,
  columnKey,
  matchTable,
  parserProvenance,
  tablesForKind,
} from '#packages/formats/contract-tables.ts';
import { countryReference } from '#packages/formats/countries.ts';
import {
  detectDelimiter,
  findHeaderRow,
  ignoredColumnsNotice,
  isBlankRecord,
} from '#packages/formats/csv.ts';
import { decimalStyleConflict, isGroupingLikePoint } from '#packages/formats/numbers.ts';
import type { ReadNotice } from '#packages/formats/reader.ts';
import { canonicalEncoding } from '#packages/formats/text.ts';
// Types only: the Arrow column buffers come from the RowOutput the caller passes (csv-columns.ts),
// so validating a file (validate-contract-csv.ts) never loads apache-arrow.
import type { ColumnOutput, Utf8ColumnOutput } from './arrow-output.ts';
import {
  type ContractPlan,
  compileContract,
  type FieldPlan,
  type Filler,
  readerFillers,
} from './contract-plan.ts';
import { CsvTokenizer, cellText, type RecordBlock } from './csv-tokenizer.ts';
import { CommaNumberFoundLateError, ineligible } from './errors.ts';
import {
  type BlockView,
  BoolFieldColumn,
  DictionaryFieldColumn,
  FAST_STATE,
  type FailureSink,
  type FieldColumn,
  type FieldFailure,
  ListFieldColumn,
  NULL_STATE,
  NumberFieldColumn,
  TemporalFieldColumn,
  Utf8FieldColumn,
} from './field-columns.ts';
import { expectedRecords, type KeyLog, PrimaryKeySet } from './primary-keys.ts';
import { bufferView, trimStart, viewOf } from './text-bytes.ts';

/**
 * Contract CSV → validated rows in one pass over the bytes (PERFORMANCE.md, "CSV bytes →
 * per-column typed arrays → makeData → RecordBatch").
 *
 * The output is the reference path's, value for value: the same rows accepted, the same Problem
 * objects for the rest, the same Arrow schema, batches and buffers as reader + `validateRows` +
 * `ArrowTableWriter`. Each column is checked on bytes by checks compiled from its zod schema;
 * a cell those checks are not sure about goes through zod itself, so rare and failing cells cost
 * a zod call and common ones cost a few byte comparisons. Whatever the reference reads in a way
 * this path does not reproduce (a preamble, HXL tags, ragged rows, another encoding, a refused
 * file) makes it throw FastPathIneligibleError, and the caller reads the file the reference way.
 */

const BOM = [0xef, 0xbb, 0xbf] as const;
/** Bytes decoded to guess the delimiter: far more than the characters `detectDelimiter` reads. */
const DELIMITER_PREFIX_BYTES = 1 << 20;
const DEFAULT_BATCH_SIZE = 65_536;
/** Records the reader searches for its header (csv.ts HEADER_SEARCH_ROWS), and the one below. */
const HEADER_SEARCH_RECORDS = 51;
/** Rows checked together, column by column. */
const SLICE_ROWS = 2048;
/** Bytes tokenized at a time: small enough for the CPU cache (L2 is 512 KiB per core here). */
const BLOCK_BYTES = 128 << 10;

export interface FastNormaliseOptions {
  /** File name, as the reference writes it into problems. */
  readonly fileName: string;
  readonly kind: SourceKind;
  /** `DOC-…` id of the file (the reader's provenance filler). */
  readonly docId: string;
  /** Receive time (the reader's `extracted_at` filler). */
  readonly receivedAt?: string;
  /** Declared text encoding; anything but UTF-8 is left to the reference path. */
  readonly encoding?: string;
  /** Name of the column holding each row's `line N` locator (normalise.ts `LOCATOR_COLUMN`). */
  readonly locatorColumn: string;
  /** Rows per record batch. @default 65_536 */
  readonly batchSize?: number;
  /**
   * Size of the whole input in bytes, when known (the object's or file's size): the primary-key
   * table is sized once for the rows it likely holds. @default grown as rows come
   */
  readonly inputBytes?: number;
  /** Schema metadata for the table's contract. @default no metadata */
  readonly metadata?: (contract: TableContract) => Readonly<Record<string, string>>;
}

export interface FastNormaliseSummary {
  /** The contract table the header matched. */
  readonly contract: TableContract;
  /** Rows written to the Arrow file. */
  readonly rows: number;
  readonly batches: number;
  readonly summary: ValidationSummary;
}

export interface FastNormaliseResult extends FastNormaliseSummary {
  /** The Arrow IPC file; undefined when no row was accepted (the reference writes no file then). */
  readonly ipc: Uint8Array | undefined;
}

interface RowFailures {
  readonly failures: FieldFailure[];
}

export interface ContractCsvNormaliserOptions extends FastNormaliseOptions {
  /**
   * Hold back the accepted rows that refer to a parent in another table and write them after all
   * other rows, in a second pass over the input (`replayWaitingRows`): the reference path's row
   * order when a file mixes rows with and without such a reference. @default false
   */
  readonly holdWaitingRows?: boolean;
  /**
   * Check and count only: accepted rows are not copied into Arrow buffers and no IPC is written
   * (nor does row order matter then). The summary is the same. @default false
   */
  readonly validateOnly?: boolean;
  /**
   * The file's first number cell written with a comma, when an earlier pass found it (see
   * CommaNumberFoundLateError): `1.500`-like cells are then judged by it from the first row.
   * @default found while reading
   */
  readonly commaNumberEvidence?: CommaNumberEvidence;
  /**
   * Where accepted rows go: the column buffers and the IPC writer (csv-columns.ts
   * `arrowRowOutput`). Required unless `validateOnly`.
   */
  readonly output?: RowOutputFactory;
  /**
   * Read one segment of a file split over worker threads (csv-segments.ts) instead of a whole
   * file. @default the whole file
   */
  readonly segment?: SegmentOptions;
}

/**
 * One segment of a file split at record boundaries. The first segment is pushed from the file's
 * first byte, and read as a file that stops before `stopAt`. A later segment is pushed as the
 * header record's bytes alone (the header already checked by the first segment: no header search,
 * no notices) and then the segment's bytes, which are read as starting at input offset `start`
 * on physical line `line`.
 */
export interface SegmentOptions {
  /** The file's delimiter, as `sniffDelimiter` finds it. */
  readonly delimiter: number;
  /** The first chunk is the header record alone (every segment but the first). */
  readonly afterHeader: boolean;
  /** File offset of the segment's first byte (after the header chunk), for a later segment. */
  readonly start: number;
  /** Physical line on which the segment's first byte lies, for a later segment. */
  readonly line: number;
  /** File offset: the segment ends before the first record that starts there or later. */
  readonly stopAt: number;
  /** Log primary keys by content (PrimaryKeySet `log`), to compare them across segments. */
  readonly logKeys: boolean;
  /**
   * Keys of this segment first accepted in an earlier one, as (hash, hash, line) triples of the
   * log: their rows are duplicates naming that line, as on one thread. Needs `logKeys`.
   * @default none
   */
  readonly priorKeys?: Int32Array;
}

/** What a segment saw that depends on the rest of the file (see csv-segments.ts). */
export interface SegmentFindings {
  /** File offset of the first record at or after the segment's `stopAt`, or -1 (end of input). */
  readonly stoppedAt: number;
  /** A number cell written with a comma, or a `1.500`-like one, was read. */
  readonly numberStyle: boolean;
  /** A row referring to a parent in another table was accepted. */
  readonly waiting: boolean;
  /** A row with no such reference was accepted (contracts with such references only). */
  readonly plain: boolean;
  /** A key part contained U+001F (keys compared as joined text). */
  readonly joinedKeys: boolean;
  /** The reader's notices about the whole file (from the first segment, which reads the header). */
  readonly notices: readonly ReadNotice[];
}

/**
 * The column buffers and batch writer the accepted rows are copied into. Kept behind this
 * interface so that this module does not import apache-arrow: ingest validates CSVs with it and
 * its bundle then leaves Arrow out.
 */
export interface RowOutput {
  /** One output per column: the contract's fields in order, then the locator column. */
  readonly columns: readonly ColumnOutput[];
  /** Write the `length` rows appended since the last batch as one record batch. */
  writeBatch(length: number): void;
  /** Write the file footer; nothing when no batch was written. */
  finish(): void;
  /** IPC bytes produced since the last call, in order. */
  take(): Uint8Array[];
}

/** Makes the RowOutput of a table once its columns are known (from the header). */
export type RowOutputFactory = (
  specs: readonly ColumnSpec[],
  metadata: Readonly<Record<string, string>>,
) => RowOutput;

/** The first number cell of a file written with a comma, as the reader's problems quote it. */
export interface CommaNumberEvidence {
  readonly cell: string;
  readonly locator: string;
}

/** Feed the bytes of one contract CSV chunk by chunk; take the IPC bytes as they are produced. */
export class ContractCsvNormaliser implements FailureSink {
  readonly summary: ValidationSummary = emptySummary();
  rows = 0;
  batches = 0;

  private readonly options: ContractCsvNormaliserOptions;
  private readonly batchSize: number;
  private waitingLines = new Int32Array(256);
  private waitingCount = 0;
  private waitingCursor = 0;
  private replaying = false;
  private closed = false;
  private prefix: Uint8Array[] = [];
  private prefixBytes = 0;
  private tokenizer: CsvTokenizer | undefined;
  private delimiter: number | undefined;
  private recordsSeen = 0;
  private headerWidth = 0;
  private plan: ContractPlan | undefined;
  private columns: FieldColumn[] = [];
  private fileColumnOf: number[] = [];
  private guarded: FieldColumn[] = [];
  /** Columns of ISO3 codes checked against the country reference, in contract order. */
  private countryColumns: FieldColumn[] = [];
  private keys: PrimaryKeySet | undefined;
  private readonly countries = countryReference();
  private waiting = false;
  /** An accepted row with no reference to a parent was read (a segment reports it). */
  private plainSeen = false;
  private finished = false;
  /** The reader's notices about the whole file (columns it does not read). */
  private readonly notices: ReadNotice[] = [];
  /** The file's first number cell with a comma, once known. */
  private commaEvidence: CommaNumberEvidence | undefined;
  /** This slice's first comma cell (row, then file column), before it becomes the evidence. */
  private commaCandidate: { row: number; position: number; text: string } | undefined;
  /** Rows of this slice with a `1.500`-like number cell (1), found while their columns were scanned. */
  private groupingRows = new Uint8Array(4096);
  /** Some row of this slice has one. */
  private groupingSeen = false;
  /** A `1.500`-like cell was read before any comma cell: a comma cell later means reading again. */
  private groupingBeforeEvidence = false;
  /** Some comma or `1.500`-like number cell was read (a segment reports it). */
  private numberStyleSeen = false;

  private rowBase = new Int32Array(4096);
  private rowLine = new Int32Array(4096);
  private accepted = new Int32Array(4096);
  private rowFailures = new Map<number, RowFailures>();
  private rowFailed = new Uint8Array(4096);
  private keyColumns: FieldColumn[] = [];
  private waitingColumns: FieldColumn[] = [];

  private output: RowOutput | undefined;
  private locatorOutput: Utf8ColumnOutput | undefined;
  private pending = 0;

  constructor(options: ContractCsvNormaliserOptions) {
    this.options = options;
    this.commaEvidence = options.commaNumberEvidence;
    this.batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
    if (!options.validateOnly && !options.output)
      throw new Error('ContractCsvNormaliser: an output is needed unless validateOnly');
    if (options.encoding !== undefined && canonicalEncoding(options.encoding) !== 'utf-8') {
      ineligible('encoding', `declared encoding '${options.encoding}' is not UTF-8`);
    }
  }

  /** The contract the header matched (known once the header has been read). */
  get contract(): TableContract | undefined {
    return this.plan?.contract;
  }

  /** Process one chunk of the file; `final` marks the last one. */
  push(input: Uint8Array, final = false): void {
    if (this.finished) throw new Error('ContractCsvNormaliser: push after the final chunk');
    let chunk = plainBytes(input);
    if (final) this.finished = true;
    if (!this.tokenizer) {
      // Kept until the delimiter is known; copied, as the caller may reuse its buffer.
      this.prefix.push(chunk.slice());
      this.prefixBytes += chunk.byteLength;
      if (this.prefixBytes < DELIMITER_PREFIX_BYTES && !final && !this.options.segment) return;
      chunk = this.start();
    }
    // Tokenized in blocks small enough to stay in the CPU cache while their rows are checked;
    // the first chunk (at least 1 MiB) in one block, to search the header as the reader does.
    const blockBytes = this.recordsSeen === 0 ? chunk.length : BLOCK_BYTES;
    for (let start = 0; start < chunk.length || start === 0; start += blockBytes) {
      const end = Math.min(chunk.length, start + blockBytes);
      const last = end >= chunk.length;
      this.processBlock(this.tokenizer!.push(chunk.subarray(start, end), final && last), final && last);
      if (last) break;
    }
    if (final && this.recordsSeen === 0) ineligible('empty', 'the file has no rows');
  }

  /** Rows held back by `holdWaitingRows`, to be written by `replayWaitingRows`. */
  get heldRows(): number {
    return this.waitingCount;
  }

  /**
   * Second pass over the same input: write the rows held back by `holdWaitingRows`, in file
   * order, after every other row (batches continue where the first pass stopped).
   */
  replayWaitingRows(chunks: Iterable<Uint8Array>): void {
    this.startReplay();
    let previous: Uint8Array | undefined;
    for (const chunk of chunks) {
      if (previous) this.replayPush(previous, false);
      previous = chunk;
    }
    this.replayPush(previous ?? new Uint8Array(0), true);
  }

  /** Begin the second pass of `replayWaitingRows` for input that arrives chunk by chunk. */
  startReplay(): void {
    if (!this.finished || this.closed)
      throw new Error('ContractCsvNormaliser: replay after the first pass only');
    this.replaying = true;
    this.tokenizer = undefined;
    this.recordsSeen = 0;
    this.waitingCursor = 0;
  }

  /** One chunk of the second pass (see `startReplay`); `final` marks the last one. */
  replayPush(chunk: Uint8Array, final: boolean): void {
    if (!this.replaying) throw new Error('ContractCsvNormaliser: replayPush before startReplay');
    let data = plainBytes(chunk);
    if (!this.tokenizer) data = this.start(chunk);
    this.processBlock(this.tokenizer!.push(data, final), final);
  }

  /** Write the last batch and the file footer (after the final chunk, and any replay). */
  close(): void {
    if (!this.finished) throw new Error('ContractCsvNormaliser: close before the final chunk');
    if (this.closed) return;
    this.closed = true;
    // The reference reports the reader's notices about the file after its rows.
    for (const notice of this.notices) this.summary.problems.push({ file: this.options.fileName, ...notice });
    this.flush();
    this.output?.finish();
  }

  /**
   * End a segment (csv-segments.ts): write the rows appended since the last batch as one more
   * batch, and report what the segment saw that depends on the rest of the file. The reader's
   * notices about the whole file are not added (the caller adds them once).
   */
  finishSegment(): SegmentFindings {
    if (!this.finished) throw new Error('ContractCsvNormaliser: finishSegment before the final chunk');
    this.closed = true;
    this.flush();
    return {
      stoppedAt: this.tokenizer?.stoppedAt ?? -1,
      numberStyle: this.numberStyleSeen || this.commaEvidence !== undefined,
      waiting: this.waiting,
      plain: this.plainSeen,
      joinedKeys: this.keys?.joinedSeen === true,
      notices: this.notices,
    };
  }

  /** File offset of the first record at or after the segment's `stopAt` (-1 before it is reached). */
  get stoppedAt(): number {
    return this.tokenizer?.stoppedAt ?? -1;
  }

  /** Keys looked up and inserted, by content, when the segment logs them. */
  get keyLog(): KeyLog | undefined {
    return this.keys?.log;
  }

  /** The start of an incomplete last record, for a caller that puts it in front of the next chunk. */
  takeTail(): Uint8Array {
    return this.tokenizer?.takeTail() ?? new Uint8Array(0);
  }

  /** IPC bytes produced since the last call, in order (none when nothing was written). */
  take(): Uint8Array[] {
    return this.output?.take() ?? [];
  }

  /** Rows, batches and problems once the normaliser is closed. */
  result(): FastNormaliseSummary {
    if (!this.closed || !this.plan) throw new Error('ContractCsvNormaliser: the file is not finished');
    return { contract: this.plan.contract, rows: this.rows, batches: this.batches, summary: this.summary };
  }

  noteNumberStyle(row: number, field: FieldPlan, kind: 'comma' | 'grouping', text?: string): void {
    this.numberStyleSeen = true;
    if (kind === 'grouping') {
      this.groupingRows[row] = 1;
      this.groupingSeen = true;
      return;
    }
    if (this.commaEvidence || text === undefined) return;
    const position = this.fileColumnOf[field.index]!;
    const candidate = this.commaCandidate;
    if (!candidate || row < candidate.row || (row === candidate.row && position < candidate.position)) {
      this.commaCandidate = { row, position, text };
    }
  }

  fail(row: number, failure: FieldFailure): void {
    this.rowFailed[row] = 1;
    const known = this.rowFailures.get(row);
    if (known) known.failures.push(failure);
    else this.rowFailures.set(row, { failures: [failure] });
  }

  /** First bytes: byte order mark, delimiter; returns the bytes to tokenize. */
  private start(first?: Uint8Array): Uint8Array {
    let data = plainBytes(
      first ?? (this.prefix.length === 1 ? (this.prefix[0] as Uint8Array) : Buffer.concat(this.prefix)),
    );
    this.prefix = [];
    if ((data[0] === 0xff && data[1] === 0xfe) || (data[0] === 0xfe && data[1] === 0xff)) {
      ineligible('encoding', 'the file is UTF-16');
    }
    let bomBytes = 0;
    if (startsWithBom(data, 0) && !this.options.segment?.afterHeader) {
      data = data.subarray(3);
      bomBytes = 3;
      // The reference decoder would drop a second mark too; leave such files to it.
      if (startsWithBom(data, 0)) ineligible('encoding', 'the file starts with two byte order marks');
    }
    // A second pass reads the same bytes: it keeps the first pass's delimiter whatever its chunks.
    this.delimiter ??= this.options.segment?.delimiter ?? sniffDelimiter(data);
    this.tokenizer = new CsvTokenizer(this.delimiter);
    const segment = this.options.segment;
    // The first segment: file offsets count the byte order mark too.
    if (segment && !segment.afterHeader) this.tokenizer.beginSegment(bomBytes, 1, segment.stopAt);
    return data;
  }

  private processBlock(block: RecordBlock, final: boolean): void {
    let record = 0;
    if (this.recordsSeen === 0) {
      if (block.records === 0) return;
      if (!this.replaying) this.readHeader(block, final);
      record = 1;
      this.recordsSeen = 1;
      const segment = this.options.segment;
      if (segment?.afterHeader) {
        // The header chunk holds the header record only; the segment's bytes come next.
        this.tokenizer!.beginSegment(segment.start, segment.line, segment.stopAt);
        return;
      }
    }
    if (record >= block.records) return;

    const rows = this.collectRows(block, record);
    const buffer = bufferView(block.bytes);
    const view = viewOf(block.bytes);
    // Rows are checked column by column in slices small enough for the CPU cache: the bytes of a
    // slice are read once per column.
    for (let from = 0; from < rows; from += SLICE_ROWS) {
      const to = Math.min(rows, from + SLICE_ROWS);
      this.processRows({
        bytes: block.bytes,
        buffer,
        view,
        cellStart: block.cellStart,
        cellEnd: block.cellEnd,
        rowBase: this.rowBase.subarray(from, to),
        rowLine: this.rowLine.subarray(from, to),
        rows: to - from,
      });
    }
  }

  private processRows(view: BlockView): void {
    const rows = view.rows;
    this.rowFailures.clear();
    this.commaCandidate = undefined;
    this.groupingSeen = false;
    if (this.rowFailed.length < rows) this.rowFailed = new Uint8Array(rows);
    else this.rowFailed.fill(0, 0, rows);
    if (this.groupingRows.length < rows) this.groupingRows = new Uint8Array(rows);
    else this.groupingRows.fill(0, 0, rows);
    for (const [index, column] of this.columns.entries()) column.scan(view, this.fileColumnOf[index]!);
    this.currentView = view;
    const candidate = this.commaCandidate as { row: number; text: string } | undefined;
    if (candidate && !this.commaEvidence && !this.replaying) {
      const evidence = { cell: candidate.text.trim(), locator: `line ${view.rowLine[candidate.row]}` };
      if (this.groupingBeforeEvidence) throw new CommaNumberFoundLateError(evidence);
      this.commaEvidence = evidence;
    }
    const accepted = this.replaying ? this.selectHeldRows(view) : this.decideRows(view);
    if (!this.options.validateOnly) this.appendAccepted(accepted, view);
  }

  /**
   * The reader's header search (`findHeaderRow` over the first rows) must find the first record,
   * with no HXL row under it; the header must name the fields of one table of the kind.
   */
  private readHeader(block: RecordBlock, final: boolean): void {
    // A later segment's header was searched and checked by the first segment.
    const later = this.options.segment?.afterHeader === true;
    const searched = later ? 1 : Math.min(block.records, HEADER_SEARCH_RECORDS);
    if (searched < HEADER_SEARCH_RECORDS && !final && !later) {
      ineligible('header', 'the first chunk is too small to find the header as the reader does');
    }
    const records = Array.from({ length: searched }, (_, index) => recordCells(block, index));
    const cells = records[0]!;
    const tables = tablesForKind(this.options.kind);
    if (!later) {
      const found = findHeaderRow(records, tables);
      if (found.index !== 0 || isBlankRecord(cells)) {
        ineligible('header', 'the header is not the first row (a preamble above it)');
      }
      if (found.hxlIndex !== undefined) ineligible('hxl', 'the header is followed by HXL hashtags');
    }
    const headerCells = cells.map((cell) => cell.trim());
    const keys = headerCells.map((cell) => columnKey(cell));
    // The reader refuses a header that names a column twice.
    if (keys.some((key, index) => key !== '' && keys.indexOf(key) !== index)) {
      ineligible('header', 'a column is named twice');
    }
    const match = matchTable(headerCells, tables);
    if (!match) ineligible('header', 'the header matches no contract table of this kind');
    const plan = compileContract(match.shape.contract);
    const fileColumnOf = plan.fields.map((field) => keys.indexOf(field.name));
    if (match.unknownColumns.length > 0 && !later) {
      this.notices.push(
        ignoredColumnsNotice(plan.contract.table, `line ${block.recordLine[0]}`, match.unknownColumns),
      );
    }
    this.plan = plan;
    this.headerWidth = cells.length;
    this.fileColumnOf = fileColumnOf;
    const fillers = readerFillers(plan, this.options.docId, this.options.receivedAt);
    const specs: ColumnSpec[] = [
      ...plan.fields.map((field) => field.spec),
      { name: this.options.locatorColumn, type: { kind: 'utf8' }, required: true },
    ];
    const output = this.options.validateOnly
      ? undefined
      : this.options.output!(specs, this.options.metadata?.(plan.contract) ?? {});
    this.output = output;
    this.locatorOutput = output?.columns.at(-1) as Utf8ColumnOutput | undefined;
    this.columns = plan.fields.map((field) =>
      fieldColumn(field, output?.columns[field.index], fillers[field.index], this),
    );
    this.guarded = this.columns.filter((column) => column.guarded);
    this.countryColumns = this.columns.filter((column) => column.plan.countryField);
    this.keyColumns = plan.primaryKey.map((index) => this.columns[index]!);
    this.waitingColumns = plan.waitingForeignKeys.map((index) => this.columns[index]!);
    // Records of the first block after the header: their length tells how many rows the input
    // holds (a segment holds a part of the input only: left to grow).
    const dataStarts = Array.from({ length: searched - 1 }, (_, index) => {
      return block.cellStart[block.recordCells[index + 1]!]!;
    });
    this.keys = new PrimaryKeySet(
      plan.primaryKey.length,
      this.options.segment?.logKeys === true,
      this.options.segment ? 0 : expectedRecords(this.options.inputBytes, dataStarts),
    );
    if (this.options.segment?.priorKeys) this.keys.setPrior(this.options.segment.priorKeys);
  }

  /** The data rows of the block: blank records skipped (as the reader does), ragged ones refused. */
  private collectRows(block: RecordBlock, first: number): number {
    const needed = block.records - first;
    if (this.rowBase.length < needed) {
      this.rowBase = new Int32Array(needed);
      this.rowLine = new Int32Array(needed);
      this.accepted = new Int32Array(needed);
    }
    const { bytes, cellStart, cellEnd, recordCells: cellsOf, recordLine } = block;
    let rows = 0;
    for (let record = first; record < block.records; record += 1) {
      const from = cellsOf[record]!;
      const to = cellsOf[record + 1]!;
      let blank = true;
      for (let cell = from; cell < to && blank; cell += 1) {
        const end = cellEnd[cell]!;
        // A cell with doubled quotes (negative end) holds a quote: never blank.
        if (end < 0 || trimStart(bytes, cellStart[cell]!, end) < end) blank = false;
      }
      if (blank) continue;
      if (to - from !== this.headerWidth) {
        // A ragged row is rare and its cells do not sit under the header: the reference reads it
        // (and quarantines it with a column-count problem).
        ineligible(
          'column-count',
          `line ${recordLine[record]} has ${to - from} cells, the header ${this.headerWidth}`,
        );
      }
      this.rowBase[rows] = from;
      this.rowLine[rows] = recordLine[record]!;
      rows += 1;
    }
    return rows;
  }

  /**
   * The reference's per-row decisions, in file order: zod issues, country foreign keys, primary
   * key. Returns how many rows were accepted (their indices are in `this.accepted`).
   */
  private decideRows(view: BlockView): number {
    const plan = this.plan!;
    const contract = plan.contract;
    const summary = this.summary;
    const keys = this.keys!;
    const keyColumns = this.keyColumns;
    const accepted = this.accepted;
    const failed = this.rowFailed;
    const rowLine = view.rowLine;
    // Only columns holding values that did not come from a compiled check can fail these.
    const countryColumns = this.countryColumns.filter((column) => column.unsure);
    const guarded = this.guarded.filter((column) => column.unsure);
    const waitingColumns = this.waitingColumns;
    summary.contracts[contract.table] = `${contract.table}@${contract.version}`;
    summary.rowsRead += view.rows;
    let count = 0;
    let acceptedRows = 0;
    const counts = this.tableCounts();
    for (let row = 0; row < view.rows; row += 1) {
      if (this.groupingSeen && this.groupingRows[row] === 1) {
        if (this.commaEvidence) {
          this.rejectDecimalConflict(row, this.commaEvidence);
          continue;
        }
        this.groupingBeforeEvidence = true;
      }
      if (failed[row] === 1) {
        // zod runs a refinement after issues that do not abort the object (a pattern, a length):
        // with refinements, the whole row goes through zod for the exact list.
        if (plan.refinement) this.rejectWithZod(row);
        else {
          const failures = this.rowFailures.get(row)?.failures ?? [];
          this.reject(
            this.zodProblems(
              failures.flatMap((failure) => prefixed(failure)),
              row,
              undefined,
            ),
          );
        }
        continue;
      }
      if (plan.refinement && !plan.refinement.safeParse(this.rowObject(row)).success) {
        this.rejectWithZod(row);
        continue;
      }
      let problems: Problem[] | undefined;
      for (const column of countryColumns) {
        // FAST cells hold known countries by construction (contract-plan.ts).
        if (column.state[row] === FAST_STATE) continue;
        const value = column.valueOf(row);
        const codes: unknown[] = Array.isArray(value) ? value : value === undefined ? [] : [value];
        const unknown = codes.filter((code) => typeof code === 'string' && !this.countries.byIso3(code));
        if (unknown.length > 0) {
          problems ??= [];
          problems.push(unknownCountryProblem(this.place(row), column.plan.name, unknown));
        }
      }

      for (let part = 0; part < keyColumns.length; part += 1) keyColumns[part]!.setKeyPart(keys, part, row);
      const joined = keys.separatorInKey ? this.joinedKey(row) : undefined;
      const firstSeen = joined === undefined ? keys.find() : keys.findJoined(joined);
      if (firstSeen >= 0) {
        problems ??= [];
        problems.push(
          duplicateKeyProblem(
            this.place(row),
            contract.primaryKey,
            keyColumns.map((column) => column.valueOf(row)),
            `line ${firstSeen}`,
          ),
        );
      }
      if (problems) {
        this.reject(problems);
        continue;
      }
      if (joined === undefined) keys.insert(rowLine[row]!);
      else keys.insertJoined(joined, rowLine[row]!);

      for (const column of guarded) {
        const reason = column.unwritable(row);
        if (reason !== undefined) ineligible('unwritable', `line ${rowLine[row]}: ${reason}`);
      }
      acceptedRows += 1;
      if (waitingColumns.length > 0 && !this.options.validateOnly) {
        // Rows with a reference to another table wait for their parent in the reference path and
        // come out after the rows without one; the file order holds only while they never mix.
        let waits = false;
        for (const column of waitingColumns) if (column.state[row] !== NULL_STATE) waits = true;
        if (waits && this.options.holdWaitingRows) {
          this.holdRow(rowLine[row]!);
          continue;
        }
        if (waits) this.waiting = true;
        else this.plainSeen = true;
        if (!waits && this.waiting)
          ineligible('row-order', `line ${rowLine[row]} would be written before rows above it`);
      }
      accepted[count] = row;
      count += 1;
    }
    summary.rowsAccepted += acceptedRows;
    counts.accepted += acceptedRows;
    return count;
  }

  private holdRow(line: number): void {
    if (this.waitingCount >= this.waitingLines.length) {
      const grown = new Int32Array(this.waitingLines.length * 2);
      grown.set(this.waitingLines);
      this.waitingLines = grown;
    }
    this.waitingLines[this.waitingCount] = line;
    this.waitingCount += 1;
  }

  /** Replay: the rows of this block that the first pass held back. */
  private selectHeldRows(view: BlockView): number {
    let count = 0;
    for (let row = 0; row < view.rows && this.waitingCursor < this.waitingCount; row += 1) {
      if (view.rowLine[row] === this.waitingLines[this.waitingCursor]) {
        this.accepted[count] = row;
        count += 1;
        this.waitingCursor += 1;
      }
    }
    return count;
  }

  private joinedKey(row: number): string {
    return this.keyColumns.map((column) => String(column.valueOf(row) ?? '')).join('\u001f');
  }

  private tableCounts() {
    const table = this.plan!.contract.table;
    this.summary.byTable[table] ??= { accepted: 0, quarantined: 0 };
    return this.summary.byTable[table];
  }

  private reject(problems: readonly Problem[]): void {
    this.summary.rowsQuarantined += 1;
    this.summary.problems.push(...problems);
    this.tableCounts().quarantined += 1;
  }

  /** zod's output for the row, as the contract's refinements see it. */
  private rowObject(row: number): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    for (const column of this.columns) {
      const value = column.valueOf(row);
      if (value !== undefined) object[column.plan.name] = value;
    }
    return object;
  }

  /** The reader's values for the row: cell text converted by type, provenance filled in. */
  private readerValues(row: number, view: BlockView): Record<string, unknown> {
    const plan = this.plan!;
    const values: Record<string, unknown> = {};
    plan.fields.forEach((field, index) => {
      const position = this.fileColumnOf[index]!;
      if (position < 0) return;
      const cell = view.rowBase[row]! + position;
      const text = cellText(view.buffer, view.cellStart[cell]!, view.cellEnd[cell]!);
      const value = coerceCell(text, field.readerType, field.nullable);
      if (value !== undefined) values[field.name] = value;
    });
    parserProvenance(
      plan.shape,
      values,
      this.options.docId,
      `line ${view.rowLine[row]}`,
      this.options.receivedAt,
    );
    return values;
  }

  private currentView: BlockView | undefined;

  /** A row that fails zod (its fields or its refinements): the whole row through zod, as the reference does. */
  private rejectWithZod(row: number): void {
    const view = this.currentView!;
    const values = this.readerValues(row, view);
    const parsed = this.plan!.contract.schema.safeParse(values);
    if (parsed.success)
      ineligible('internal', `line ${view.rowLine[row]}: the compiled checks and the contract disagree`);
    this.reject(this.zodProblems(parsed.error.issues, row, values));
  }

  /**
   * A row with `1.500`-like cells in a file that writes numbers with a comma: the reader's
   * problems (in file column order), then every zod issue of the row, as the reference lists them.
   */
  private rejectDecimalConflict(row: number, evidence: CommaNumberEvidence): void {
    const place = this.place(row);
    const view = this.currentView!;
    const numberFields = this.plan!.fields.filter(
      (field) =>
        (field.readerType === 'number' || field.readerType === 'integer') &&
        this.fileColumnOf[field.index]! >= 0,
    );
    const conflicts = numberFields
      .map((field) => {
        const cell = view.rowBase[row]! + this.fileColumnOf[field.index]!;
        return { field, text: cellText(view.buffer, view.cellStart[cell]!, view.cellEnd[cell]!) };
      })
      .filter(({ text }) => isGroupingLikePoint(text))
      .sort((a, b) => this.fileColumnOf[a.field.index]! - this.fileColumnOf[b.field.index]!)
      .map(({ field, text }): Problem => {
        const { rejectsRow: _rejects, ...problem } = decimalStyleConflict(text, evidence);
        return { ...place, field: field.name, ...problem };
      });
    const values = this.readerValues(row, view);
    const parsed = this.plan!.contract.schema.safeParse(values);
    this.reject(
      parsed.success ? conflicts : [...conflicts, ...this.zodProblems(parsed.error.issues, row, values)],
    );
  }

  /** Where the problems of `row` of the current block are. */
  private place(row: number): ProblemPlace {
    return {
      file: this.options.fileName,
      table: this.plan!.contract.table,
      locator: `line ${this.currentView!.rowLine[row]}`,
    };
  }

  /** Problems of zod issues whose paths start at the row (as validate.ts reports them). */
  private zodProblems(
    issues: readonly (z.core.$ZodIssue & { readerValue?: unknown })[],
    row: number,
    values: Readonly<Record<string, unknown>> | undefined,
  ): Problem[] {
    const place = this.place(row);
    return issues.map((issue) => {
      const top = issue.path[0];
      const value = top === undefined ? undefined : values ? values[String(top)] : issue.readerValue;
      return issueProblem(place, issue, value);
    });
  }

  /** Copy the accepted rows into the batch buffers, writing a record batch every `batchSize` rows. */
  private appendAccepted(count: number, view: BlockView): void {
    if (count === 0) return;
    const accepted = this.accepted;
    const lines = view.rowLine;
    const locator = this.locatorOutput!;
    let from = 0;
    while (from < count) {
      const to = Math.min(count, from + this.batchSize - this.pending);
      for (const column of this.columns) column.appendRows(accepted, from, to);
      for (let index = from; index < to; index += 1)
        locator.appendAsciiNumber('line ', lines[accepted[index]!]!);
      this.pending += to - from;
      this.rows += to - from;
      if (this.pending >= this.batchSize) this.flush();
      from = to;
    }
  }

  private flush(): void {
    if (this.pending === 0) return;
    this.output!.writeBatch(this.pending);
    this.pending = 0;
    this.batches += 1;
  }
}

function fieldColumn(
  field: FieldPlan,
  output: ColumnOutput | undefined,
  filler: Filler | undefined,
  failures: FailureSink,
): FieldColumn {
  switch (field.spec.type.kind) {
    case 'utf8':
      return new Utf8FieldColumn(field, output, filler, failures);
    case 'dictionary':
      return new DictionaryFieldColumn(field, output, filler, failures);
    case 'int32':
    case 'float64':
      return new NumberFieldColumn(field, output, filler, failures);
    case 'bool':
      return new BoolFieldColumn(field, output, filler, failures);
    case 'date':
    case 'timestamp':
      return new TemporalFieldColumn(field, output, filler, failures);
    case 'list-utf8':
      return new ListFieldColumn(field, output, filler, failures);
  }
}

/** Issues of one field, with paths from the row (as zod reports them for the object). */
function prefixed(failure: FieldFailure): (z.core.$ZodIssue & { readerValue?: unknown })[] {
  return failure.issues.map((issue) => ({
    ...issue,
    path: [failure.field, ...issue.path],
    readerValue: failure.readerValue,
  }));
}

/**
 * A plain Uint8Array view of the bytes (not a Buffer): the hot loops then see one kind of array,
 * which keeps V8's element access monomorphic.
 */
function plainBytes(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The delimiter of a file from its first bytes (after any byte order mark), as the reader guesses
 * it: from the text of the first MiB.
 */
export function sniffDelimiter(bytes: Uint8Array): number {
  const head = new TextDecoder('utf-8', { ignoreBOM: true }).decode(
    bytes.subarray(0, DELIMITER_PREFIX_BYTES),
  );
  return detectDelimiter(head).charCodeAt(0);
}

export function startsWithBom(bytes: Uint8Array, at: number): boolean {
  return bytes[at] === BOM[0] && bytes[at + 1] === BOM[1] && bytes[at + 2] === BOM[2];
}

function recordCells(block: RecordBlock, record: number): string[] {
  const buffer = bufferView(block.bytes);
  const cells: string[] = [];
  for (let cell = block.recordCells[record]!; cell < block.recordCells[record + 1]!; cell += 1) {
    cells.push(cellText(buffer, block.cellStart[cell]!, block.cellEnd[cell]!));
  }
  return cells;
}
