import { csvLine } from '#packages/briefing/exports/csv.ts';
import { BackendUnavailableError } from '#packages/local/errors.ts';
import { queryCatalogNames, queryTables } from '#packages/pipeline/query-tables.ts';
import { HLD_NAME_PREFIX, isSet, readSetting } from '#packages/settings/settings.ts';
import { athenaClient } from '#packages/storage/client-factory.ts';
import { EXIT, type Output, table, UsageError } from '../output.ts';
import type { Session } from '../session.ts';

/**
 * `hld query "SELECT …"`: SQL over the curated tables, printed as a table, `--json` (rows as
 * objects) or `--csv`, the same on both engines:
 * - locally, DuckDB over the live curated tables (for each source name, the file it points at
 *   now), in the Parquet layout and under the names of the stack's Glue catalog (packages/local/sql.ts);
 * - `--backend aws`, the stack's Athena workgroup over the Parquet copies in the curated bucket
 *   (athena-query.ts), with what the query scanned said on stderr.
 */

export interface QueryArgs {
  readonly sql?: string;
  readonly csv?: boolean;
  /** `--timeout <seconds>` (aws): how long to wait for Athena before cancelling. */
  readonly timeout?: string;
}

function requireSql(args: QueryArgs): string {
  if (args.sql?.trim()) return args.sql;
  const names = queryTables()
    .map((entry) => entry.name)
    .join(', ');
  throw new UsageError(
    `Give the SQL to run, e.g. hld query "SELECT count(*) FROM observation" (tables: ${names})`,
  );
}

export async function queryCommand(session: Session, out: Output, args: QueryArgs): Promise<number> {
  const sql = requireSql(args);
  const { queryCurated, SqlQueryError } = await import('#packages/local/sql.ts');
  let result: Awaited<ReturnType<typeof queryCurated>>;
  try {
    result = await queryCurated(session.ctx, sql);
  } catch (error) {
    if (error instanceof SqlQueryError) throw new UsageError(`the query failed: ${error.message}`);
    throw error;
  }
  printRows(out, result.columns, result.rows, { csv: Boolean(args.csv) });
  return EXIT.ok;
}

/**
 * `hld query --backend aws`: the SQL runs in the workgroup the stack named from HLD_NAME_PREFIX
 * (`<prefix>-analysts`, database `<prefix with _>`). A query Athena fails or cancels exits 2 with
 * Athena's reason; one that does not end within --timeout is cancelled and exits 3.
 */
export async function queryInAthena(out: Output, args: QueryArgs): Promise<number> {
  const sql = requireSql(args);
  if (!isSet(HLD_NAME_PREFIX))
    throw new UsageError(
      "hld query --backend aws needs HLD_NAME_PREFIX: the deployed stack's name (e.g. hld-evidence-prod), whose Athena workgroup runs the query",
    );
  const timeoutMs = timeoutOf(args.timeout);
  const names = queryCatalogNames(String(readSetting(HLD_NAME_PREFIX)));
  const { runAthenaQuery, formatBytes } = await import('../athena-query.ts');
  let result: Awaited<ReturnType<typeof runAthenaQuery>>;
  try {
    result = await runAthenaQuery(await athenaClient(), {
      sql,
      workGroup: names.workGroup,
      database: names.database,
      ...(timeoutMs ? { timeoutMs } : {}),
    });
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    const message = error instanceof Error ? error.message : String(error);
    if (name === 'AthenaQueryError')
      throw new UsageError(`the query failed in Athena (workgroup ${names.workGroup}): ${message}`);
    if (name === 'InvalidRequestException')
      throw new UsageError(`Athena refused the query (workgroup ${names.workGroup}): ${message}`);
    if (name === 'AthenaTimeoutError')
      throw new BackendUnavailableError('aws', `${message}. Raise --timeout, or narrow the query`, {
        cause: error,
      });
    throw error;
  }
  const scanned = `Athena scanned ${formatBytes(result.dataScannedBytes)} in workgroup ${result.workGroup} (query ${result.queryExecutionId})`;
  printRows(out, result.columns, result.rows, { csv: Boolean(args.csv), footer: scanned });
  return EXIT.ok;
}

function timeoutOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new UsageError(`--timeout takes a number of seconds above 0, not '${text}'`);
  return seconds * 1000;
}

/**
 * The rows as a table (with a count line), `--json` or `--csv`, the same for both engines. A
 * footer (what Athena scanned) goes with the count line on a table, and to stderr otherwise, so
 * stdout stays machine-readable; --quiet drops it there.
 */
function printRows(
  out: Output,
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
  options: { readonly csv: boolean; readonly footer?: string },
): void {
  const count = `${rows.length} row${rows.length === 1 ? '' : 's'}`;
  if (options.csv || out.json) {
    if (options.footer && !out.quiet) process.stderr.write(`(${count}; ${options.footer})\n`);
  }
  if (options.csv && !out.json) {
    process.stdout.write(csvLine(columns));
    for (const row of rows) process.stdout.write(csvLine(columns.map((column) => row[column])));
    return;
  }
  out.result(rows, () =>
    [
      table(
        columns,
        rows.map((row) => columns.map((column) => row[column])),
      ),
      `(${count}${options.footer ? `; ${options.footer}` : ''})`,
    ].join('\n'),
  );
}
