import type { TableContract } from '#contracts/contract.ts';
import { INGESTED_TABLES } from '#contracts/registry.ts';
import { type ColumnType, columnSpecs } from '#packages/contracts/columns.ts';
import { LOCATOR_COLUMN } from './snapshots.ts';

/**
 * The curated tables as SQL sees them: one table per contract, over the Parquet copies that
 * parquet-copy writes (`parquet/<table>/source_sha256=<sha>/<snapshot>.parquet` in the curated
 * bucket). The stack's Glue catalog and any local SQL engine (DuckDB) read their table and column
 * names and types from here, so the two cannot drift from each other or from the contracts.
 */

/** The Hive-style partition column: the SHA-256 of the source file every row came from. */
export const SOURCE_PARTITION_COLUMN = 'source_sha256';

/** Prefix of the Parquet copies in the curated bucket. */
export const PARQUET_ROOT = 'parquet/';

/** Folder of one table's Parquet copies (its partitions are below it). */
export function parquetTablePrefix(table: string): string {
  return `${PARQUET_ROOT}${table}/`;
}

/** Hive / Glue / Athena column types (DuckDB reads the same Parquet types under its own names). */
export type SqlColumnType = 'string' | 'int' | 'double' | 'boolean' | 'date' | 'timestamp' | 'array<string>';

export interface QueryColumn {
  readonly name: string;
  readonly type: SqlColumnType;
  readonly description?: string;
}

export interface QueryTable {
  /** The contract's table name (`jmdi_project`). */
  readonly name: string;
  readonly description: string;
  /** Contract id the columns follow (`jmdi_project@1.2.0`). */
  readonly contract: string;
  /** The columns of every Parquet file of the table, in file order. */
  readonly columns: readonly QueryColumn[];
}

/**
 * The SQL type of a column as its Parquet copy stores it: parquet-wasm writes Utf8 and dictionary
 * strings as UTF-8 byte arrays, Int32 as INT32, Float64 as DOUBLE, DateDay as DATE, timestamps
 * (ms, UTC) as TIMESTAMP(MILLIS) and List<Utf8> as a LIST of strings (packages/arrow/table-writer.ts).
 */
export function sqlColumnType(type: ColumnType): SqlColumnType {
  switch (type.kind) {
    case 'utf8':
    case 'dictionary':
      return 'string';
    case 'int32':
      return 'int';
    case 'float64':
      return 'double';
    case 'bool':
      return 'boolean';
    case 'date':
      return 'date';
    case 'timestamp':
      return 'timestamp';
    case 'list-utf8':
      return 'array<string>';
  }
}

/** One curated table for SQL: the contract's columns, then the row locator normalise adds. */
export function queryTableOf(contract: TableContract): QueryTable {
  return {
    name: contract.table,
    description: contract.title,
    contract: `${contract.table}@${contract.version}`,
    columns: [
      ...columnSpecs(contract).map((spec) => ({
        name: spec.name,
        type: sqlColumnType(spec.type),
        ...(spec.description ? { description: spec.description } : {}),
      })),
      { name: LOCATOR_COLUMN, type: 'string', description: 'Where the row stood in its source file' },
    ],
  };
}

/** Every table that has Parquet copies: those whose rows arrive in uploaded files. */
export function queryTables(): QueryTable[] {
  return INGESTED_TABLES.map(queryTableOf);
}

/** The stack's Glue database and Athena workgroup for SQL over the curated tables. */
export interface QueryCatalogNames {
  /** The Glue database: the stack's name prefix with `_` for `-` (a hyphen would need quoting in SQL). */
  readonly database: string;
  readonly workGroup: string;
}

/**
 * The names the stack gives its query catalogue, from its name prefix (HLD_NAME_PREFIX): the CDK
 * construct names them so and `hld query --backend aws` finds them so, from one place.
 */
export function queryCatalogNames(namePrefix: string): QueryCatalogNames {
  return { database: namePrefix.replace(/-/g, '_'), workGroup: `${namePrefix}-analysts` };
}
