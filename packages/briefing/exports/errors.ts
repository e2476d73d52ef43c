/** Errors of the briefing exports. Branch on `name` or the class, never on message text. */

/** A briefing value that its export column cannot hold (a build bug, or a contract drifting). */
export class ExportDataError extends Error {
  override readonly name = 'ExportDataError';
  constructor(
    readonly table: string,
    readonly rowKey: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${table} row ${rowKey}: ${field} ${problem}; fix the briefing build or the export column type`);
  }
}

/** An export format nobody implemented. */
export class UnknownExportFormatError extends Error {
  override readonly name = 'UnknownExportFormatError';
  constructor(
    readonly format: string,
    readonly formats: readonly string[],
  ) {
    super(`Unknown export format '${format}': use one of ${formats.join(', ')}`);
  }
}
