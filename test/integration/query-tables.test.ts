import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBackend, startBackend } from '#packages/local/backends.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import {
  PARQUET_ROOT,
  type QueryTable,
  queryTables,
  SOURCE_PARTITION_COLUMN,
  type SqlColumnType,
} from '#packages/pipeline/query-tables.ts';
import { ingestSamples } from '../support/pipeline.ts';
import { type DuckDb, openDuckDb, sqlString } from '../support/readers.ts';

/**
 * The Glue tables are declared from packages/pipeline/query-tables.ts, never crawled: this reads
 * the Parquet copies the pipeline really writes for the bundled evidence base with an
 * independent engine (DuckDB) and checks each file's columns, in order, against that declaration.
 */

/** How DuckDB names the Parquet type behind each declared SQL type. */
const DUCKDB_TYPE: Readonly<Record<SqlColumnType, readonly string[]>> = {
  string: ['VARCHAR'],
  int: ['INTEGER'],
  double: ['DOUBLE'],
  boolean: ['BOOLEAN'],
  date: ['DATE'],
  // TIMESTAMP(MILLIS, isAdjustedToUTC): an instant, which Athena's `timestamp` reads in UTC.
  timestamp: ['TIMESTAMP WITH TIME ZONE', 'TIMESTAMP'],
  'array<string>': ['VARCHAR[]'],
};

describe('Parquet copies against the declared SQL tables (embedded backend, bundled evidence base)', () => {
  let backend: RunningBackend;
  let duck: DuckDb;
  let scratch: string;
  /** Local copies of every Parquet object, under the same keys. */
  const files: string[] = [];

  beforeAll(async () => {
    backend = await startBackend('embedded');
    await ingestSamples();
    const ctx = pipelineContext();
    scratch = await mkdtemp(join(tmpdir(), 'hld-query-tables-'));
    for (const object of await ctx.curated.list(PARQUET_ROOT)) {
      const path = join(scratch, object.key);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, await ctx.curated.get(object.key));
      files.push(object.key);
    }
    duck = await openDuckDb();
  }, 180_000);

  afterAll(async () => {
    duck?.close();
    await backend?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const declared = (name: string): QueryTable | undefined =>
    queryTables().find((table) => table.name === name);

  it('finds a Parquet copy for tables of every source kind, under parquet/<table>/source_sha256=<sha>/', () => {
    const tables = new Set(files.map((key) => key.split('/')[1]));

    expect(files.length).toBeGreaterThan(5);
    for (const key of files) {
      expect(key).toMatch(/^parquet\/[a-z_]+\/source_sha256=[0-9a-f]{64}\/[^/]+\.parquet$/);
      expect(declared(key.split('/')[1] ?? ''), key).toBeDefined();
    }
    expect(tables).toContain('observation');
    expect(tables).toContain('jmdi_project');
  });

  it('has, in every file, exactly the declared columns in the declared order, with the declared types', async () => {
    for (const key of files) {
      const table = declared(key.split('/')[1] ?? '') as QueryTable;
      const described = await duck.rows(
        `DESCRIBE SELECT * FROM read_parquet(${sqlString(join(scratch, key))}, hive_partitioning = false)`,
      );

      expect(
        described.map((column) => column.column_name),
        key,
      ).toEqual(table.columns.map((column) => column.name));
      for (const column of table.columns) {
        const found = described.find((candidate) => candidate.column_name === column.name);
        expect(DUCKDB_TYPE[column.type], `${key} ${column.name}`).toContain(found?.column_type);
      }
    }
  });

  it('reads source_sha256 from the path, as Athena’s partition projection does, and no file carries it as a column', async () => {
    const [key] = files;
    const sha = /source_sha256=([0-9a-f]{64})/.exec(key ?? '')?.[1];

    const rows = await duck.rows(
      `SELECT DISTINCT ${SOURCE_PARTITION_COLUMN} AS sha FROM read_parquet(${sqlString(
        join(scratch, key ?? ''),
      )}, hive_partitioning = true)`,
    );

    expect(rows).toEqual([{ sha }]);
    for (const table of queryTables()) {
      expect(table.columns.map((column) => column.name)).not.toContain(SOURCE_PARTITION_COLUMN);
    }
  });
});
