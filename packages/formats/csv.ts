import { CsvError, parse } from 'csv-parse/sync';
import {
  coerceCell,
  columnKey,
  fieldNameHits,
  looksLikeFieldNames,
  matchTable,
  parserProvenance,
  type TableShape,
  tablesForKind,
  unknownColumnsError,
} from './contract-tables.ts';
import { decimalStyleConflict, isCommaNumber, isGroupingLikePoint } from './numbers.ts';
import {
  type ReaderInput,
  type ReadNotice,
  type RowProblem,
  type SourceReadResult,
  SourceRefusedError,
  type SourceRow,
} from './reader.ts';
import { decodeText } from './text.ts';

/**
 * Delimited text (RFC 4180 via csv-parse): delimiter detection, physical line numbers, header
 * and HXL row detection, and the generic contract-table reader for `.csv` uploads.
 */

export type CsvDelimiter = ',' | ';' | '\t';

export interface CsvRecord {
  /** Physical line (1-based) on which the record starts; quoted newlines make records span lines. */
  readonly line: number;
  readonly record: string[];
  /** Workbooks only: columns (0-based) whose cell is a formula without a cached value. */
  readonly formulasWithoutValue?: readonly number[];
  /** Workbooks only: columns (0-based) whose cell is a number (typed, so never ambiguous). */
  readonly numericColumns?: readonly number[];
}

const DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t'];
/** Lines of text inspected to guess the delimiter. */
const DETECTION_LINES = 20;
const DETECTION_CHARS = 64 * 1024;

/**
 * The delimiter among `,` `;` and tab that occurs most often, outside quotes, on the first
 * logical lines (the header usually has the most; a preamble line may have none). Ties go to `,`.
 */
export function detectDelimiter(text: string): CsvDelimiter {
  const best: Record<CsvDelimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  const counts: Record<CsvDelimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  let inQuotes = false;
  let lines = 0;
  const limit = Math.min(text.length, DETECTION_CHARS);
  const endLine = () => {
    for (const delimiter of DELIMITERS) {
      best[delimiter] = Math.max(best[delimiter], counts[delimiter]);
      counts[delimiter] = 0;
    }
    lines += 1;
  };
  for (let index = 0; index < limit && lines < DETECTION_LINES; index += 1) {
    const char = text[index];
    if (char === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (char === '\n' || char === '\r')) {
      if (char === '\r' && text[index + 1] === '\n') index += 1;
      endLine();
    } else if (!inQuotes && (char === ',' || char === ';' || char === '\t')) counts[char] += 1;
  }
  endLine();
  let chosen: CsvDelimiter = ',';
  for (const delimiter of DELIMITERS) if (best[delimiter] > best[chosen]) chosen = delimiter;
  return chosen;
}

export interface CsvParseOptions {
  readonly delimiter?: CsvDelimiter;
  /** File name for error messages. */
  readonly fileName?: string;
}

/**
 * Every non-empty record of the text with the physical line it starts on. Throws
 * SourceRefusedError `malformed` (with the line) when quoting is broken.
 */
export function* iterateCsvRecords(text: string, options: CsvParseOptions = {}): Generator<CsvRecord> {
  const delimiter = options.delimiter ?? detectDelimiter(text);
  const buffer = Buffer.from(text, 'utf8');
  let parsed: { record: string[]; info: { bytes: number } }[];
  try {
    parsed = parse(buffer, {
      delimiter,
      info: true,
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      // Listed explicitly: csv-parse otherwise fixes the line ending from the first line and then
      // mis-reads files whose lines end inconsistently (hand-edited exports).
      record_delimiter: ['\r\n', '\n', '\r'],
    }) as unknown as { record: string[]; info: { bytes: number } }[];
  } catch (cause) {
    throw malformedCsv(cause, options.fileName ?? 'input');
  }
  // csv-parse counts the CR and LF of a quoted CRLF as two lines, so lines are computed here from
  // the byte offset at which each record starts (the end of the previous one, past empty lines).
  const lineStarts = lineStartOffsets(buffer);
  let offset = 0;
  for (const { record, info } of parsed) {
    let start = offset;
    while (start < buffer.length && (buffer[start] === 0x0a || buffer[start] === 0x0d)) start += 1;
    offset = info.bytes;
    yield { line: lineOfOffset(lineStarts, start), record };
  }
}

function malformedCsv(cause: unknown, fileName: string): SourceRefusedError {
  const line = cause instanceof CsvError ? (cause as CsvError & { lines?: number }).lines : undefined;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new SourceRefusedError(
    `File '${fileName}' is not well-formed CSV${line ? ` near line ${line}` : ''}: ${detail}`,
    'malformed',
    'Check the quoting: a field that contains the delimiter, a quote or a line break must be enclosed in double quotes, and a quote inside it doubled ("").',
    line ? `line ${line}` : undefined,
    { cause },
  );
}

function lineStartOffsets(buffer: Uint8Array): number[] {
  const starts = [0];
  for (let index = 0; index < buffer.length; index += 1) {
    const byte = buffer[index];
    if (byte === 0x0d) {
      if (buffer[index + 1] === 0x0a) index += 1;
      starts.push(index + 1);
    } else if (byte === 0x0a) starts.push(index + 1);
  }
  return starts;
}

function lineOfOffset(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((starts[middle] ?? 0) <= offset) low = middle;
    else high = middle - 1;
  }
  return low + 1;
}

const HXL_TAG = /^#[a-z]/;

/** An HXL hashtag row: every non-empty cell is a tag such as `#country+code` (DOMAIN.md A4). */
export function isHxlRow(cells: readonly string[]): boolean {
  const filled = cells.map((cell) => cell.trim()).filter((cell) => cell !== '');
  return filled.length > 0 && filled.every((cell) => HXL_TAG.test(cell));
}

export function isBlankRecord(cells: readonly string[]): boolean {
  return cells.every((cell) => cell.trim() === '');
}

/** Rows of a preamble or header region searched for the header row. */
const HEADER_SEARCH_ROWS = 50;

export interface HeaderLocation {
  /** Index of the header row in the records. */
  readonly index: number;
  /** Index of the HXL row below the header, if any. */
  readonly hxlIndex?: number;
}

/**
 * The header row: the first row whose non-empty cells all name fields of one table; else the row
 * naming the most fields; else the row right above an HXL row; else the first non-blank row.
 */
export function findHeaderRow(
  records: readonly (readonly string[])[],
  tables: readonly TableShape[],
): HeaderLocation {
  const searched = records.slice(0, HEADER_SEARCH_ROWS);
  let index = searched.findIndex((cells) => looksLikeFieldNames(cells, tables));
  if (index < 0) {
    let bestHits = 1;
    searched.forEach((cells, position) => {
      const hits = fieldNameHits(cells, tables);
      if (hits > bestHits) {
        bestHits = hits;
        index = position;
      }
    });
  }
  if (index < 0) {
    const hxl = searched.findIndex((cells) => isHxlRow(cells));
    if (hxl > 0) index = hxl - 1;
  }
  if (index < 0)
    index = Math.max(
      0,
      records.findIndex((cells) => !isBlankRecord(cells)),
    );
  const next = records[index + 1];
  return next && isHxlRow(next) ? { index, hxlIndex: index + 1 } : { index };
}

const CONTRACT_DECLARATION = /^([a-z][a-z0-9_]*)@(\d+\.\d+\.\d+)$/;

/** `table@1.0.0` cells in a preamble declare contract versions. */
function declaredContractsIn(records: readonly (readonly string[])[]): Record<string, string> {
  const declared: Record<string, string> = {};
  for (const cells of records) {
    for (const cell of cells) {
      const match = CONTRACT_DECLARATION.exec(cell.trim());
      if (match?.[1] && match[2]) declared[match[1]] = match[2];
    }
  }
  return declared;
}

/** Read a CSV upload whose header names the fields of one contract table of the input's kind. */
export async function readContractCsv(input: ReaderInput): Promise<SourceReadResult> {
  const decoded = decodeText(input.bytes, input.fileName, input.encoding);
  const delimiter = detectDelimiter(decoded.text);
  const records = [...iterateCsvRecords(decoded.text, { delimiter, fileName: input.fileName })];
  const tables = tablesForKind(input.kind);
  return tableRowsFromRecords(input, records, tables, {
    format: 'csv',
    locator: (record) => `line ${record.line}`,
    metadata: { encoding: decoded.encoding, bom: decoded.bom, delimiter },
    checkDecimalStyle: true,
  });
}

export interface TableRecordsOptions<R extends CsvRecord> {
  readonly format: string;
  readonly locator: (record: R) => string;
  readonly metadata: Record<string, unknown>;
  /**
   * Text files: hold back `1.500` when another number cell shows the file writes decimals with a
   * comma (numbers.ts). Workbook cells are typed, so a workbook does not need it. @default false
   */
  readonly checkDecimalStyle?: boolean;
}

/** SourceRefusedError `duplicate-header` when two header cells name the same column. */
export function refuseDuplicateHeader(
  fileName: string,
  headerCells: readonly string[],
  locator: string,
  key: (cell: string) => string = (cell) => cell.trim(),
): void {
  const seen = new Map<string, number>();
  headerCells.forEach((cell, index) => {
    const name = key(cell);
    if (name === '') return;
    const first = seen.get(name);
    if (first !== undefined) {
      throw new SourceRefusedError(
        `File '${fileName}' names column '${cell.trim()}' twice in its header (${locator}, columns ${first + 1} and ${index + 1}): which one holds the data cannot be told`,
        'duplicate-header',
        'Remove or rename one of the two columns, then upload again.',
        locator,
      );
    }
    seen.set(name, index);
  });
}

/** The first cell of the records that shows the file writes numbers with a comma. */
function commaNumberEvidence<R extends CsvRecord>(
  records: readonly R[],
  numberColumns: readonly number[],
  locator: (record: R) => string,
): { cell: string; locator: string } | undefined {
  for (const record of records) {
    for (const position of numberColumns) {
      const cell = record.record[position] ?? '';
      if (isCommaNumber(cell)) return { cell: cell.trim(), locator: locator(record) };
    }
  }
  return undefined;
}

/**
 * Records with a header row → rows of the best-matching table. Shared by the CSV and XLSX
 * contract-table readers. A header naming a column twice refuses the file; columns that are not
 * fields of the table are listed in a notice.
 */
export function tableRowsFromRecords<R extends CsvRecord>(
  input: ReaderInput,
  records: readonly R[],
  tables: readonly TableShape[],
  options: TableRecordsOptions<R>,
): SourceReadResult {
  if (records.length === 0) {
    throw new SourceRefusedError(
      `File '${input.fileName}' has no rows`,
      'empty',
      'Upload a file with a header row naming the contract fields and at least one data row.',
    );
  }
  const cells = records.map((record) => record.record);
  const header = findHeaderRow(cells, tables);
  const headerRecord = records[header.index] as R;
  const headerLocator = options.locator(headerRecord);
  const headerCells = headerRecord.record.map((cell) => cell.trim());
  refuseDuplicateHeader(input.fileName, headerCells, headerLocator, columnKey);
  const match = matchTable(headerCells, tables);
  if (!match) {
    throw unknownColumnsError(input.fileName, input.kind, headerCells, tables, headerLocator);
  }
  const shape = match.shape;
  const columns = headerCells.map((cell) => {
    const key = columnKey(cell);
    return shape.fields.includes(key) ? key : undefined;
  });
  const hxlRecord = header.hxlIndex === undefined ? undefined : records[header.hxlIndex];
  const metadata: Record<string, unknown> = {
    ...options.metadata,
    table: shape.table,
    headerLocator,
  };
  if (header.index > 0) metadata.preambleRows = header.index;
  if (hxlRecord)
    metadata.hxlTags = Object.fromEntries(headerCells.map((cell, i) => [cell, hxlRecord.record[i] ?? '']));
  const notices: ReadNotice[] = [];
  if (match.unknownColumns.length) {
    metadata.ignoredColumns = match.unknownColumns;
    notices.push(ignoredColumnsNotice(shape.table, headerLocator, match.unknownColumns));
  }

  const firstData = (header.hxlIndex ?? header.index) + 1;
  const dataRecords = records.slice(firstData).filter((record) => !isBlankRecord(record.record));
  const numberColumns = columns.flatMap((field, position) =>
    field && (shape.types[field] === 'number' || shape.types[field] === 'integer') ? [position] : [],
  );
  const commaEvidence = options.checkDecimalStyle
    ? commaNumberEvidence(dataRecords, numberColumns, options.locator)
    : undefined;
  const rows: SourceRow[] = [];
  for (const record of dataRecords) {
    const locator = options.locator(record);
    const problems: RowProblem[] = [];
    if (record.record.length !== headerCells.length) {
      problems.push({
        rule: 'column-count',
        message: `Row has ${record.record.length} cells but the header (${headerLocator}) has ${headerCells.length}`,
        value: record.record.join(' | ').slice(0, 200),
        hint: 'A cell containing the delimiter must be quoted; check for a missing or extra delimiter in this row.',
        rejectsRow: true,
        covers: 'every-field',
      });
    }
    for (const position of record.formulasWithoutValue ?? []) {
      const field = columns[position];
      if (field) problems.push(formulaWithoutValueProblem(field, headerCells[position] ?? field));
    }
    const values: Record<string, unknown> = {};
    columns.forEach((field, position) => {
      if (!field) return;
      const cell = record.record[position] ?? '';
      if (commaEvidence && numberColumns.includes(position) && isGroupingLikePoint(cell)) {
        problems.push({ field, ...decimalStyleConflict(cell, commaEvidence) });
      }
      const value = coerceCell(cell, shape.types[field], shape.nullable.has(field));
      if (value !== undefined) values[field] = value;
    });
    parserProvenance(shape, values, input.docId, locator, input.receivedAt);
    rows.push({ table: shape.table, locator, values, ...(problems.length ? { problems } : {}) });
  }
  return {
    format: options.format,
    declaredContracts: declaredContractsIn(cells.slice(0, header.index)),
    rows,
    notices,
    metadata,
  };
}

/** The notice listing the header columns that are not fields of the table (their cells are not read). */
export function ignoredColumnsNotice(table: string, locator: string, columns: readonly string[]): ReadNotice {
  return {
    table,
    locator,
    rule: 'ignored-columns',
    message: `${columns.length === 1 ? 'column' : 'columns'} ${columns.map((column) => `'${column}'`).join(', ')} ${columns.length === 1 ? 'is not a field' : 'are not fields'} of ${table}: ${columns.length === 1 ? 'its cells were' : 'their cells were'} not read`,
    hint: `Rename a column to the contract field it holds, or leave it out (fields of ${table}: see data-contracts/CONTRACTS.md)`,
  };
}

/** A workbook cell holding a formula whose result was never saved: its value is unknown. */
export function formulaWithoutValueProblem(field: string | undefined, column: string): RowProblem {
  return {
    ...(field ? { field } : {}),
    rule: 'formula-without-value',
    message: `the cell in column '${column}' is a formula with no saved result, so its value is unknown`,
    hint: 'Open the workbook in Excel or LibreOffice, let it recalculate, save it, and upload it again',
    rejectsRow: true,
  };
}
