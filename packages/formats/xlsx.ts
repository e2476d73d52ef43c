import { createRequire } from 'node:module';
import type ExcelJS from 'exceljs';
import { tablesForKind, unknownColumnsError } from './contract-tables.ts';
import { findHeaderRow, tableRowsFromRecords } from './csv.ts';
import {
  codebookFromXlsFormSheets,
  isKoboHeader,
  type KoboReadOptions,
  type SurveyCodebook,
  type SurveyRecord,
  surveyRowsFromRecords,
} from './kobo.ts';
import {
  type ReaderInput,
  type ReadNotice,
  type SourceReadResult,
  SourceRefusedError,
  type SourceRow,
} from './reader.ts';
import { DEFAULT_ZIP_LIMITS, inspectZip, verifyZipEntries, type ZipLimits } from './zip.ts';

/**
 * XLSX workbooks via exceljs, after the zip-bomb guard: every sheet becomes records of text cells
 * (formulas as their cached values, dates as ISO dates, numbers as written by JavaScript), with
 * the locator `sheet "Data" row 5`. Used for contract tables, Kobo XLSX exports and XLSForms.
 */

let excelJs: typeof ExcelJS | undefined;

/**
 * exceljs, loaded on the first workbook rather than at import: with jszip, unzipper, bluebird and
 * their streams it is ≈ 1 MB of code, and bluebird reads a stack trace as it loads (which makes
 * Node parse the whole source map); CSV, JSON and XML uploads never need it. In Lambda it is not in
 * the function bundle (`externalModules` in infra/bundling.ts) but in the workbook layer
 * (/opt/nodejs/node_modules, on NODE_PATH), which `require` searches and ESM `import()` does not;
 * exceljs is CommonJS either way.
 */
function loadExcelJs(): typeof ExcelJS {
  excelJs ??= createRequire(import.meta.url)('exceljs') as typeof ExcelJS;
  return excelJs;
}

/** Most rows read from one sheet. */
export const MAX_SHEET_ROWS = 200_000;
/** Most columns read from one sheet. */
export const MAX_SHEET_COLUMNS = 2_000;

export interface SheetRecords {
  readonly name: string;
  /** Rows with content; `line` is the worksheet row number. */
  readonly records: readonly SurveyRecord[];
}

/** The visible sheets of a workbook, and the names of the hidden ones (which are not read). */
export interface WorkbookSheets {
  readonly sheets: readonly SheetRecords[];
  readonly hiddenSheets: readonly string[];
}

export interface XlsxReadOptions {
  readonly zipLimits?: ZipLimits;
  /** @default MAX_SHEET_ROWS */
  readonly maxRows?: number;
}

/** True when the bytes start like a zip archive (`PK\x03\x04`). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * The visible sheets of a workbook as text records, refusing zip bombs and oversized sheets. A
 * hidden sheet is not read (what a person cannot see in the workbook is not published from it);
 * its name is returned so the reader can say so.
 */
export async function readWorkbook(
  bytes: Uint8Array,
  fileName: string,
  options: XlsxReadOptions = {},
): Promise<WorkbookSheets> {
  const limits = options.zipLimits ?? DEFAULT_ZIP_LIMITS;
  const maxRows = options.maxRows ?? MAX_SHEET_ROWS;
  if (!looksLikeZip(bytes)) {
    throw new SourceRefusedError(
      `File '${fileName}' is not an XLSX workbook (it does not start with a zip header)`,
      'malformed',
      'Save the workbook as Excel Workbook (.xlsx); legacy .xls files are not read.',
    );
  }
  const summary = inspectZip(bytes, fileName, limits);
  await verifyZipEntries(bytes, summary, fileName, limits);
  const workbook = new (loadExcelJs().Workbook)();
  try {
    await workbook.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as never);
  } catch (cause) {
    throw new SourceRefusedError(
      `File '${fileName}' is not a readable XLSX workbook: ${cause instanceof Error ? cause.message : String(cause)}`,
      'malformed',
      'Open the file in Excel or LibreOffice and save it again as .xlsx.',
      undefined,
      { cause },
    );
  }
  const sheets: SheetRecords[] = [];
  const hiddenSheets: string[] = [];
  for (const worksheet of workbook.worksheets) {
    if (worksheet.state === 'hidden' || worksheet.state === 'veryHidden') {
      hiddenSheets.push(worksheet.name);
      continue;
    }
    if (worksheet.rowCount > maxRows) {
      throw new SourceRefusedError(
        `Sheet "${worksheet.name}" of '${fileName}' has ${worksheet.rowCount} rows; the limit is ${maxRows}`,
        'too-many-rows',
        'Split the data over several files.',
        `sheet "${worksheet.name}"`,
      );
    }
    const width = Math.min(worksheet.columnCount, MAX_SHEET_COLUMNS);
    const records: SurveyRecord[] = [];
    worksheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
      const cells: string[] = [];
      const formulasWithoutValue: number[] = [];
      const numericColumns: number[] = [];
      for (let column = 1; column <= width; column += 1) {
        const value = row.getCell(column).value;
        if (isFormulaWithoutValue(value)) formulasWithoutValue.push(column - 1);
        if (isNumberCell(value)) numericColumns.push(column - 1);
        cells.push(cellText(value));
      }
      while (
        cells.length &&
        cells[cells.length - 1] === '' &&
        !formulasWithoutValue.includes(cells.length - 1)
      )
        cells.pop();
      records.push({
        line: rowNumber,
        record: cells,
        where: `sheet "${worksheet.name}" row ${rowNumber}`,
        ...(formulasWithoutValue.length ? { formulasWithoutValue } : {}),
        ...(numericColumns.length ? { numericColumns } : {}),
      });
    });
    // Trailing empty cells were dropped per row; pad to the widest row so column counts compare.
    const widest = Math.max(0, ...records.map((record) => record.record.length));
    for (const record of records) while (record.record.length < widest) record.record.push('');
    sheets.push({ name: worksheet.name, records });
  }
  return { sheets, hiddenSheets };
}

/** The visible sheets of a workbook (see `readWorkbook`), for readers that need no notices. */
export async function readWorkbookSheets(
  bytes: Uint8Array,
  fileName: string,
  options: XlsxReadOptions = {},
): Promise<SheetRecords[]> {
  return [...(await readWorkbook(bytes, fileName, options)).sheets];
}

/** The notices of the hidden sheets a reader left out. */
export function hiddenSheetNotices(hiddenSheets: readonly string[]): ReadNotice[] {
  return hiddenSheets.map((name) => ({
    locator: `sheet "${name}"`,
    rule: 'hidden-sheet',
    message: `sheet "${name}" is hidden in the workbook and was not read`,
    hint: 'Unhide the sheet and upload again if its rows are meant to be part of the evidence',
  }));
}

/** A number cell, or a formula whose cached result is a number. */
function isNumberCell(value: ExcelJS.CellValue): boolean {
  if (typeof value === 'number') return true;
  if (value === null || typeof value !== 'object' || value instanceof Date) return false;
  return typeof (value as { result?: unknown }).result === 'number';
}

/** A formula cell whose result the workbook does not hold (never calculated, or saved without it). */
function isFormulaWithoutValue(value: ExcelJS.CellValue): boolean {
  if (value === null || typeof value !== 'object' || value instanceof Date) return false;
  if (!('formula' in value) && !('sharedFormula' in value)) return false;
  const result = (value as { result?: unknown }).result;
  return result === undefined || result === null;
}

/** One cell as text: formulas by cached result, dates as `YYYY-MM-DD` (or full ISO when timed). */
export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return isoDateText(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'object') {
    if ('result' in value || 'formula' in value || 'sharedFormula' in value) {
      const result = (value as { result?: unknown }).result;
      return result === undefined ? '' : cellText(result as ExcelJS.CellValue);
    }
    if ('richText' in value && Array.isArray(value.richText))
      return value.richText.map((part) => part.text).join('');
    if ('hyperlink' in value) return String((value as { text?: unknown }).text ?? value.hyperlink ?? '');
    if ('error' in value) return String(value.error);
    if ('text' in value) return String((value as { text: unknown }).text);
  }
  return String(value);
}

function isoDateText(date: Date): string {
  if (Number.isNaN(date.getTime())) return '';
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.replace('.000Z', 'Z');
}

/**
 * A workbook of contract tables: every sheet whose header names the fields of a table of the
 * input's kind (a sheet named after a table is read as that table). Sheets that match no table
 * are listed in `metadata.skippedSheets`; a workbook where none matches is refused.
 */
export async function readContractXlsx(input: ReaderInput): Promise<SourceReadResult> {
  const { sheets, hiddenSheets } = await readWorkbook(input.bytes, input.fileName);
  const tables = tablesForKind(input.kind);
  const rows: SourceRow[] = [];
  const notices: ReadNotice[] = hiddenSheetNotices(hiddenSheets);
  const declaredContracts: Record<string, string> = {};
  const sheetTables: Record<string, string> = {};
  const skippedSheets: string[] = [];
  let firstRefusal: SourceRefusedError | undefined;
  for (const sheet of sheets) {
    if (sheet.records.length === 0) continue;
    const named = tables.filter((shape) => shape.table === sheet.name.trim().toLowerCase());
    try {
      const result = tableRowsFromRecords(input, sheet.records, named.length ? named : tables, {
        format: 'xlsx',
        locator: (record: SurveyRecord) => record.where,
        metadata: {},
      });
      for (const row of result.rows as SourceRow[]) rows.push(row);
      notices.push(...result.notices);
      Object.assign(declaredContracts, result.declaredContracts);
      sheetTables[sheet.name] = String(result.metadata.table);
    } catch (error) {
      if (!(error instanceof SourceRefusedError) || error.rule !== 'unknown-columns') throw error;
      firstRefusal ??= error;
      skippedSheets.push(sheet.name);
    }
  }
  if (rows.length === 0 && Object.keys(sheetTables).length === 0) {
    const first = sheets.find((sheet) => sheet.records.length > 0);
    if (!first) {
      throw new SourceRefusedError(
        `Workbook '${input.fileName}' has no rows`,
        'empty',
        'Add a header row and data rows.',
      );
    }
    if (firstRefusal) throw firstRefusal;
    const header =
      first.records[
        findHeaderRow(
          first.records.map((record) => record.record),
          tables,
        ).index
      ];
    throw unknownColumnsError(input.fileName, input.kind, header?.record ?? [], tables, header?.where);
  }
  return {
    format: 'xlsx',
    declaredContracts,
    rows,
    notices,
    metadata: {
      sheets: sheets.map((sheet) => sheet.name),
      sheetTables,
      ...(skippedSheets.length ? { skippedSheets } : {}),
      ...(hiddenSheets.length ? { hiddenSheets } : {}),
    },
  };
}

/** True when the first sheet's first row is a Kobo/ODK export header. */
export function isKoboWorkbook(sheets: readonly SheetRecords[]): boolean {
  const first = sheets[0]?.records[0];
  return first ? isKoboHeader(first.record) : false;
}

/**
 * A KoboToolbox XLSX export: the first sheet holds the submissions; further sheets are repeat
 * groups linked by `_parent_index` and are listed in metadata, not read as submissions.
 */
export async function readKoboXlsx(
  input: ReaderInput,
  options: KoboReadOptions = {},
): Promise<SourceReadResult> {
  return koboRowsFromSheets(input, await readWorkbook(input.bytes, input.fileName), options);
}

export function koboRowsFromSheets(
  input: ReaderInput,
  workbook: WorkbookSheets,
  options: KoboReadOptions = {},
): SourceReadResult {
  const [main, ...repeats] = workbook.sheets;
  if (!main) throw new SourceRefusedError(`Workbook '${input.fileName}' has no sheets`, 'empty');
  const result = surveyRowsFromRecords(input, main.records, options, {
    format: 'kobo-xlsx',
    metadata: {
      sheet: main.name,
      ...(repeats.length ? { repeatSheets: repeats.map((sheet) => sheet.name) } : {}),
    },
    sourceRef: (record) => `${input.fileName} sheet "${main.name}" row ${record.line}`,
  });
  result.notices.push(...hiddenSheetNotices(workbook.hiddenSheets));
  return result;
}

/** The codebook of an XLSForm workbook (`survey` and `choices` sheets, optional `settings`). */
export async function codebookFromXlsForm(
  bytes: Uint8Array,
  fileName: string,
  surveyId?: string,
): Promise<SurveyCodebook> {
  const sheets = await readWorkbookSheets(bytes, fileName);
  const sheet = (name: string) => sheets.find((candidate) => candidate.name.trim().toLowerCase() === name);
  const survey = sheet('survey');
  const choices = sheet('choices');
  if (!survey || !choices) {
    throw new SourceRefusedError(
      `XLSForm '${fileName}' needs sheets named 'survey' and 'choices' (found: ${sheets.map((item) => item.name).join(', ')})`,
      'codebook',
      'Use the XLSForm layout: a survey sheet (type, name, label) and a choices sheet (list_name, name, label).',
    );
  }
  const settings = sheet('settings');
  const settingsHeader = settings?.records[0]?.record.map((cell) => cell.trim().toLowerCase()) ?? [];
  const settingsRow = settings?.records[1]?.record ?? [];
  const setting = (name: string) => {
    const index = settingsHeader.indexOf(name);
    return index >= 0 ? settingsRow[index]?.trim() || undefined : undefined;
  };
  const id = surveyId ?? setting('form_id') ?? fileName.replace(/\.[^.]+$/, '');
  return codebookFromXlsFormSheets(
    id,
    survey.records.map((record) => record.record),
    choices.records.map((record) => record.record),
    setting('version'),
  );
}
