import { type Table, Type, tableFromIPC } from 'apache-arrow';

const MS_PER_DAY = 86_400_000;

/** One Arrow value as the row objects hold it (see `tableRows`); undefined for null. */
export function plainValue(value: unknown, typeId: Type): unknown {
  if (value === null || value === undefined) return undefined;
  switch (typeId) {
    case Type.Date:
      // DateDay vectors give milliseconds since the epoch.
      return new Date(Number(value)).toISOString().slice(0, 10);
    case Type.Timestamp:
      return new Date(Number(value)).toISOString();
    case Type.List:
      return [...(value as Iterable<unknown>)].map(String);
    case Type.Bool:
      return Boolean(value);
    case Type.Int:
    case Type.Float:
      return Number(value);
    default:
      return value;
  }
}

export function readArrowTable(bytes: Uint8Array): Table {
  return tableFromIPC(bytes);
}

/**
 * Rows of an Arrow table as plain objects (dates as YYYY-MM-DD, lists as arrays). For the
 * small curated tables of the briefing; large aggregations work on the columns instead.
 */
export function tableRows(table: Table): Record<string, unknown>[] {
  const columns = table.schema.fields.map((field, index) => ({
    name: field.name,
    typeId: field.typeId === Type.Dictionary ? Type.Utf8 : field.typeId,
    vector: table.getChildAt(index),
  }));
  const rows: Record<string, unknown>[] = [];
  for (let index = 0; index < table.numRows; index += 1) {
    const row: Record<string, unknown> = {};
    for (const column of columns) {
      const value = plainValue(column.vector?.get(index), column.typeId);
      if (value !== undefined) row[column.name] = value;
    }
    rows.push(row);
  }
  return rows;
}

export { MS_PER_DAY };
