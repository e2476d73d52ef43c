/** CSV text for tests: cells quoted when they must be (or always, with `quoteAll`). */
export function csvText(
  rows: readonly (readonly string[])[],
  options: { readonly newline?: string; readonly quoteAll?: boolean; readonly delimiter?: string } = {},
): string {
  const newline = options.newline ?? '\n';
  const delimiter = options.delimiter ?? ',';
  const quote = (cell: string) =>
    options.quoteAll ||
    /["\r\n]/.test(cell) ||
    cell.includes(delimiter) ||
    cell.startsWith(' ') ||
    cell.endsWith(' ')
      ? `"${cell.replaceAll('"', '""')}"`
      : cell;
  return rows.map((row) => row.map(quote).join(delimiter)).join(newline) + newline;
}
