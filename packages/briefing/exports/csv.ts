import { type ExportTableData, LIST_SEPARATOR } from './tables.ts';

/**
 * Neutralise spreadsheet formula injection: a cell that starts with = + - @ tab or CR is
 * prefixed with an apostrophe (OWASP "CSV injection"), so Excel shows it as text.
 */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** A list element inside a joined cell: the separator and the escape character are escaped. */
function listElement(value: unknown): string {
  return String(value).replace(/\\/g, '\\\\').replaceAll(LIST_SEPARATOR, `\\${LIST_SEPARATOR}`);
}

/**
 * One RFC 4180 field: quoted when it holds a quote, comma, CR or LF. Text (and joined lists) is
 * neutralised; numbers and booleans cannot carry a formula and stay as they are, so a negative
 * number is still a number.
 */
export function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  let cell: string;
  if (typeof value === 'number' || typeof value === 'boolean') cell = String(value);
  else if (Array.isArray(value)) cell = neutraliseCell(value.map(listElement).join(LIST_SEPARATOR));
  else if (typeof value === 'object') cell = neutraliseCell(JSON.stringify(value));
  else cell = neutraliseCell(String(value));
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

const BOM = '\uFEFF';

export interface CsvOptions {
  /** Start with a UTF-8 byte-order mark, so Excel reads the file as UTF-8. @default false */
  readonly bom?: boolean;
  /** Put the columns' HXL hashtags in a row under the header (HXL convention). @default false */
  readonly hxl?: boolean;
}

/** One table as RFC 4180 CSV: UTF-8, CRLF, a header row (and an HXL hashtag row when asked). */
export function renderCsv({ table, rows }: ExportTableData, options: CsvOptions = {}): string {
  const names = table.columns.map((column) => column.name);
  const lines = [csvLine(names)];
  if (options.hxl) lines.push(csvLine(table.columns.map((column) => column.hxl ?? '')));
  for (const row of rows) lines.push(csvLine(names.map((name) => row[name])));
  return (options.bom ? BOM : '') + lines.join('');
}
