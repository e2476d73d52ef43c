import {
  type AthenaClient,
  type ColumnInfo,
  GetQueryExecutionCommand,
  paginateGetQueryResults,
  type QueryExecution,
  type Row,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';

/**
 * `hld query --backend aws`: the SQL goes to the stack's Athena workgroup (its Glue database as
 * the default schema), the execution is polled with backoff until it ends or the timeout passes
 * (then it is cancelled), and the result is paged with the SDK paginator. Values are converted
 * from Athena's text by the column types of its ResultSetMetadata, to the same JSON the DuckDB path
 * prints (packages/local/sql.ts): integers and doubles as numbers, bigint and decimal as text
 * (JSON numbers lose their digits), dates and timestamps as text, booleans as booleans.
 */

export interface AthenaQuery {
  readonly sql: string;
  readonly workGroup: string;
  readonly database: string;
  /** Give up (and cancel the query) after this long. @default 300_000 */
  readonly timeoutMs?: number;
  /** First wait between polls; doubled each time up to `maxPollMs`. @default 250 */
  readonly firstPollMs?: number;
  /** @default 5_000 */
  readonly maxPollMs?: number;
  /** Rows per GetQueryResults page (Athena's limit is 1000). @default 1000 */
  readonly pageSize?: number;
}

export interface AthenaResult {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
  readonly queryExecutionId: string;
  /** What Athena read to answer (what the query is billed for). */
  readonly dataScannedBytes: number;
  readonly workGroup: string;
  /** The pages GetQueryResults returned. */
  readonly pages: number;
}

/** Athena ended the query without an answer: FAILED or CANCELLED, with Athena's reason. */
export class AthenaQueryError extends Error {
  override readonly name = 'AthenaQueryError';
  readonly state: string;
  readonly queryExecutionId: string;
  constructor(message: string, state: string, queryExecutionId: string) {
    super(message);
    this.state = state;
    this.queryExecutionId = queryExecutionId;
  }
}

/** The query did not end within the timeout; it was cancelled. */
export class AthenaTimeoutError extends Error {
  override readonly name = 'AthenaTimeoutError';
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Run one query in a workgroup and read its whole result. */
export async function runAthenaQuery(client: AthenaClient, query: AthenaQuery): Promise<AthenaResult> {
  const started = await client.send(
    new StartQueryExecutionCommand({
      QueryString: query.sql,
      WorkGroup: query.workGroup,
      QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: query.database },
    }),
  );
  const id = started.QueryExecutionId;
  if (!id) throw new Error('Athena started the query but returned no QueryExecutionId');
  const execution = await waitForQuery(client, id, query);
  const { columns, rows, pages } = await readResults(client, id, query.pageSize ?? 1000);
  return {
    columns,
    rows,
    queryExecutionId: id,
    dataScannedBytes: execution.Statistics?.DataScannedInBytes ?? 0,
    workGroup: query.workGroup,
    pages,
  };
}

/** Poll until SUCCEEDED; FAILED or CANCELLED throw with Athena's reason; the timeout cancels. */
async function waitForQuery(client: AthenaClient, id: string, query: AthenaQuery): Promise<QueryExecution> {
  const deadline = Date.now() + (query.timeoutMs ?? 300_000);
  let wait = query.firstPollMs ?? 250;
  for (;;) {
    const { QueryExecution: execution } = await client.send(
      new GetQueryExecutionCommand({ QueryExecutionId: id }),
    );
    const state = execution?.Status?.State ?? 'UNKNOWN';
    if (state === 'SUCCEEDED' && execution) return execution;
    if (state === 'FAILED' || state === 'CANCELLED') {
      const reason =
        execution?.Status?.StateChangeReason ??
        execution?.Status?.AthenaError?.ErrorMessage ??
        'Athena gave no reason';
      throw new AthenaQueryError(`${state}: ${reason} (query ${id})`, state, id);
    }
    if (Date.now() + wait > deadline) {
      await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => {});
      throw new AthenaTimeoutError(
        `Athena did not finish query ${id} within ${(query.timeoutMs ?? 300_000) / 1000} s (still ${state}); it was cancelled`,
      );
    }
    await sleep(wait);
    wait = Math.min(wait * 2, query.maxPollMs ?? 5_000);
  }
}

async function readResults(
  client: AthenaClient,
  id: string,
  pageSize: number,
): Promise<{ columns: string[]; rows: Record<string, unknown>[]; pages: number }> {
  let info: readonly ColumnInfo[] | undefined;
  const rows: Record<string, unknown>[] = [];
  let pages = 0;
  for await (const page of paginateGetQueryResults(
    { client, pageSize },
    { QueryExecutionId: id, MaxResults: pageSize },
  )) {
    pages += 1;
    info ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
    let data: readonly Row[] = page.ResultSet?.Rows ?? [];
    // A SELECT's first page starts with the column labels as a row.
    if (pages === 1 && isHeader(data[0], info)) data = data.slice(1);
    for (const row of data) rows.push(rowObject(row, info));
  }
  return { columns: (info ?? []).map(columnName), rows, pages };
}

const columnName = (column: ColumnInfo) => column.Label ?? column.Name ?? '';

function isHeader(row: Row | undefined, info: readonly ColumnInfo[]): boolean {
  if (!row?.Data || row.Data.length !== info.length || info.length === 0) return false;
  return row.Data.every((cell, index) => cell.VarCharValue === columnName(info[index] as ColumnInfo));
}

function rowObject(row: Row, info: readonly ColumnInfo[]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [index, column] of info.entries()) {
    object[columnName(column)] = athenaValue(column.Type ?? 'varchar', row.Data?.[index]?.VarCharValue);
  }
  return object;
}

/**
 * One value from Athena's text, by its column type. A missing value is SQL NULL. Arrays, maps and
 * rows stay in Athena's text form (`[a, b]`): it cannot be split back into elements without
 * guessing where an element containing `, ` ends.
 */
export function athenaValue(type: string, text: string | undefined): unknown {
  if (text === undefined) return null;
  switch (type.toLowerCase().replace(/\(.*$/, '')) {
    case 'boolean':
      return text === 'true';
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int':
      return Number(text);
    case 'double':
    case 'float':
    case 'real': {
      const value = Number(text);
      // NaN and ±Infinity have no JSON number: kept as Athena wrote them.
      return Number.isFinite(value) ? value : text;
    }
    default:
      // bigint and decimal as text (as DuckDB's JSON gives them), and every text-like type.
      return text;
  }
}

/** `1.2 MB` for a byte count, as Athena's console says it. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}
