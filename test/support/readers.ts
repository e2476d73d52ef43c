import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from '@uwdata/flechette';

/**
 * Independent readers for exports: nothing here shares code with the writers.
 *
 * - DuckDB (C++) reads CSV, JSON and Parquet.
 * - Arrow IPC files: DuckDB's `arrow`/`nanoarrow` extensions are downloaded at run time (not
 *   possible offline) and pyarrow is not installed, so the check uses Flechette
 *   (`@uwdata/flechette`), a separate JavaScript implementation of the Arrow format (not derived
 *   from apache-arrow), which reads the IPC *file* through its footer as pyarrow does, and
 *   refuses compressed buffers unless a codec is registered. parquet-wasm's arrow-rs reader was
 *   the alternative, but it only takes the IPC stream format, so it would not check the footer.
 */

export interface DuckDb {
  /** Rows as JSON-friendly objects (BIGINT as numbers where safe, dates as strings). */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

export async function openDuckDb(): Promise<DuckDb> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  return {
    rows: async (sql) =>
      (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[],
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** A SQL string literal (paths of temporary files). */
export const sqlString = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** Rows of an Arrow IPC file as plain objects, read by Flechette (dates as `YYYY-MM-DD`). */
export function readArrowIndependently(bytes: Uint8Array): {
  rows: Record<string, unknown>[];
  fields: { name: string; typeId: number }[];
  metadata: Map<string, string> | null;
} {
  const table = tableFromIPC(bytes, { useDate: true });
  const rows = table
    .toArray()
    .map((row) =>
      Object.fromEntries(
        Object.entries(row as Record<string, unknown>).map(([name, value]) => [
          name,
          value instanceof Date
            ? value.toISOString().slice(0, 10)
            : Array.isArray(value)
              ? [...value]
              : value,
        ]),
      ),
    );
  return {
    rows,
    fields: table.schema.fields.map((field) => ({ name: field.name, typeId: field.type.typeId })),
    metadata: table.schema.metadata ?? null,
  };
}
