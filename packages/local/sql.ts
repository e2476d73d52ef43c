import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PipelineContext } from '#packages/pipeline/context.ts';
import {
  arrowFileToParquet,
  objectByteRanges,
  PARQUET_CONTENT_TYPE,
  parquetCopyKey,
} from '#packages/pipeline/parquet-copy.ts';
import {
  type QueryTable,
  queryTables,
  SOURCE_PARTITION_COLUMN,
  type SqlColumnType,
} from '#packages/pipeline/query-tables.ts';

/**
 * SQL over the curated data on a laptop: DuckDB (the embedded default) over the same Parquet
 * layout Athena reads in the cloud (`parquet/<table>/source_sha256=<sha>/<snapshot>.parquet`,
 * packages/pipeline/query-tables.ts), with the same table and column names as the stack's Glue
 * catalog. So a query written against the laptop runs unchanged in the Athena workgroup.
 *
 * Only the live evidence is queried: for every source name, the snapshot of the file it points
 * at now — never a superseded upload, so a revised file is not counted twice. A snapshot whose
 * Parquet copy is missing (the copy runs after normalise and nothing waits on it) is converted
 * from its Arrow table on the spot, so a query never silently misses rows.
 */

export interface SqlResult {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
  /** The Parquet files the tables were read from, per table (what the answer rests on). */
  readonly files: Readonly<Record<string, number>>;
}

export class SqlQueryError extends Error {
  override readonly name = 'SqlQueryError';
}

/** DuckDB's name for each Glue / Hive column type of the catalog. */
const DUCKDB_TYPES: Record<SqlColumnType, string> = {
  string: 'VARCHAR',
  int: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMPTZ',
  'array<string>': 'VARCHAR[]',
};

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteString = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The live Parquet copies of every curated table, fetched to `folder` in the Hive layout. */
async function fetchLiveCopies(ctx: PipelineContext, folder: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const source of await ctx.ledger.listSources()) {
    const snapshot = await ctx.ledger.latestSnapshot(source.sha256);
    if (!snapshot) continue; // accepted but not normalised yet: nothing to query
    for (const { table, key } of snapshot.tables) {
      const copyKey = parquetCopyKey(table, snapshot.sha256, snapshot.snapshotId);
      let bytes: Uint8Array;
      if (await ctx.curated.exists(copyKey)) {
        bytes = await ctx.curated.get(copyKey);
      } else {
        // Nothing local waits on the parquet-copy stage (as in AWS, where it is a function of its
        // own): the first query writes the copy it needs, as that stage would (one whole PUT: a
        // stop before it leaves no copy, and the next query converts again).
        bytes = await arrowFileToParquet(await objectByteRanges(ctx.curated, key));
        await ctx.curated.put(copyKey, bytes, { contentType: PARQUET_CONTENT_TYPE });
      }
      const partition = join(folder, table, `${SOURCE_PARTITION_COLUMN}=${snapshot.sha256}`);
      await mkdir(partition, { recursive: true });
      await writeFile(join(partition, `${snapshot.snapshotId}.parquet`), bytes);
      counts.set(table, (counts.get(table) ?? 0) + 1);
    }
  }
  return counts;
}

/** A view per catalog table: over its Parquet files, or empty with the catalog's columns. */
function viewStatement(table: QueryTable, folder: string, files: number): string {
  const name = quoteIdentifier(table.name);
  if (files > 0) {
    const glob = quoteString(join(folder, table.name, '*', '*.parquet'));
    return `CREATE VIEW ${name} AS SELECT * FROM read_parquet(${glob}, hive_partitioning = true, union_by_name = true)`;
  }
  const columns = [...table.columns, { name: SOURCE_PARTITION_COLUMN, type: 'string' as const }]
    .map((column) => `CAST(NULL AS ${DUCKDB_TYPES[column.type]}) AS ${quoteIdentifier(column.name)}`)
    .join(', ');
  return `CREATE VIEW ${name} AS SELECT ${columns} WHERE false`;
}

/**
 * Run `sql` over the live curated tables with DuckDB. DuckDB is loaded on first use (it is a
 * local tool: no Lambda bundle imports this module). Throws SqlQueryError with DuckDB's message
 * when the SQL does not parse or names an unknown table or column.
 */
export async function queryCurated(ctx: PipelineContext, sql: string): Promise<SqlResult> {
  const folder = await mkdtemp(join(tmpdir(), 'hld-query-'));
  try {
    const counts = await fetchLiveCopies(ctx, folder);
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      for (const table of queryTables()) {
        await connection.run(viewStatement(table, folder, counts.get(table.name) ?? 0));
      }
      let reader: Awaited<ReturnType<typeof connection.runAndReadAll>>;
      try {
        reader = await connection.runAndReadAll(sql);
      } catch (error) {
        throw new SqlQueryError(error instanceof Error ? error.message : String(error));
      }
      return {
        columns: reader.columnNames(),
        rows: reader.getRowObjectsJson() as Record<string, unknown>[],
        files: Object.fromEntries(counts),
      };
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
