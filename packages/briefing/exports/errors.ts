/** Errors of the briefing exports. Branch on `name` or the class, never on message text. */

/** A briefing value that its export column cannot hold (a build bug, or a contract drifting). */
export class ExportDataError extends Error {
  override readonly name = 'ExportDataError';
  readonly table: string;
  readonly rowKey: string;
  readonly field: string;
  constructor(table: string, rowKey: string, field: string, problem: string) {
    super(`${table} row ${rowKey}: ${field} ${problem}; fix the briefing build or the export column type`);
    this.table = table;
    this.rowKey = rowKey;
    this.field = field;
  }
}

/** An export format nobody implemented. */
export class UnknownExportFormatError extends Error {
  override readonly name = 'UnknownExportFormatError';
  readonly format: string;
  readonly formats: readonly string[];
  constructor(format: string, formats: readonly string[]) {
    super(`Unknown export format '${format}': use one of ${formats.join(', ')}`);
    this.format = format;
    this.formats = formats;
  }
}
