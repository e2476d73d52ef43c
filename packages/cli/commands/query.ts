import { csvLine } from '#packages/briefing/exports/csv.ts';
import { queryTables } from '#packages/pipeline/query-tables.ts';
import { EXIT, type Output, table, UsageError } from '../output.ts';
import type { Session } from '../session.ts';

/**
 * `hld query "SELECT …"`: SQL over the live curated tables — DuckDB over the Parquet layout the
 * stack's Athena workgroup reads, with the Glue catalog's table and column names
 * (packages/local/sql.ts). Prints a table, `--json` (rows as objects) or `--csv`.
 */
export async function queryCommand(
  session: Session,
  out: Output,
  args: { sql?: string; csv?: boolean },
): Promise<number> {
  if (!args.sql?.trim()) {
    const names = queryTables()
      .map((entry) => entry.name)
      .join(', ');
    throw new UsageError(
      `Give the SQL to run, e.g. hld query "SELECT count(*) FROM observation" (tables: ${names})`,
    );
  }
  if (session.backend.name === 'aws') {
    throw new UsageError(
      "hld query runs DuckDB over the local curated data; in the cloud, run the same SQL in the stack's Athena workgroup (docs/deploy.md)",
    );
  }
  const { queryCurated, SqlQueryError } = await import('#packages/local/sql.ts');
  let result: Awaited<ReturnType<typeof queryCurated>>;
  try {
    result = await queryCurated(session.ctx, args.sql);
  } catch (error) {
    if (error instanceof SqlQueryError) throw new UsageError(`the query failed: ${error.message}`);
    throw error;
  }
  if (args.csv && !out.json) {
    process.stdout.write(csvLine(result.columns));
    for (const row of result.rows) process.stdout.write(csvLine(result.columns.map((column) => row[column])));
    return EXIT.ok;
  }
  out.result(result.rows, () =>
    [
      table(
        result.columns,
        result.rows.map((row) => result.columns.map((column) => row[column])),
      ),
      `(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`,
    ].join('\n'),
  );
  return EXIT.ok;
}
