import type { ExportColumn, ExportMeta, ExportTable, ExportTableData } from './tables.ts';

/**
 * The Frictionless Data Package (v1, the widest tool support: DOMAIN.md A3) that describes the
 * briefing CSVs: `hld2013-briefing`, one tabular resource per table with its Table Schema,
 * primary and foreign keys, licences and sources.
 */

export const DATA_PACKAGE_NAME = 'hld2013-briefing';

/** Table Schema field type of an export column (lists are pipe-joined strings in CSV). */
function fieldType(column: ExportColumn): string {
  switch (column.type.kind) {
    case 'int32':
      return 'integer';
    case 'float64':
      return 'number';
    case 'bool':
      return 'boolean';
    case 'date':
      return 'date';
    default:
      return 'string';
  }
}

function field(column: ExportColumn, table: ExportTable): Record<string, unknown> {
  const constraints: Record<string, unknown> = {};
  if (column.required) constraints.required = true;
  if (table.primaryKey.length === 1 && table.primaryKey[0] === column.name) constraints.unique = true;
  if (column.pattern) constraints.pattern = column.pattern;
  if (column.enum) constraints.enum = [...column.enum];
  return {
    name: column.name,
    type: fieldType(column),
    ...(column.type.kind === 'date' ? { format: 'default' } : {}),
    description: column.description,
    ...(Object.keys(constraints).length ? { constraints } : {}),
  };
}

const oneOrMany = (names: readonly string[]) => (names.length === 1 ? names[0] : [...names]);

export interface DataPackageOptions {
  /** True for a one-country export: foreign keys that cannot hold there are left out. */
  readonly oneCountry: boolean;
}

function foreignKeys(table: ExportTable, options: DataPackageOptions): Record<string, unknown> {
  const keys = table.foreignKeys.filter((key) => !options.oneCountry || key.holdsForOneCountry);
  if (keys.length === 0) return {};
  return {
    foreignKeys: keys.map((key) => ({
      fields: oneOrMany(key.fields),
      reference: { resource: key.reference.resource, fields: oneOrMany(key.reference.fields) },
    })),
  };
}

/** The `datapackage.json` descriptor for the CSVs written from `tables`. */
export function dataPackageDescriptor(
  tables: readonly ExportTableData[],
  meta: ExportMeta,
  options: DataPackageOptions,
): Record<string, unknown> {
  const sourceRows = tables.find((data) => data.table.name === 'briefing_sources')?.rows ?? [];
  return {
    profile: 'tabular-data-package',
    name: DATA_PACKAGE_NAME,
    title: `HLD 2013 briefing dataset (${meta.dataset} v${meta.version})`,
    description:
      'Briefing dataset for the UN High-level Dialogue on International Migration and Development (2013): ' +
      'countries, themes (HLD round tables, JMDI themes), JMDI projects, events and the sources they rest on. ' +
      'Rows of confidence "low" are illustrative or unverified.',
    version: `${meta.version}.0.0`,
    created: `${meta.asOf}T00:00:00Z`,
    keywords: ['migration', 'development', 'HLD 2013', 'JMDI', 'mainstreaming'],
    // The briefing compiles documents under their own terms; most state none. Say so rather than
    // claim an open licence for content we do not own.
    licenses: [
      {
        path: 'briefing_sources.csv',
        title:
          'Per source: see the licence column of briefing_sources.csv; a source without a stated licence may not be redistributed',
      },
    ],
    sources: sourceRows.map((row) => ({
      title: String(row.title ?? row.source_doc_id),
      ...(row.url ? { path: String(row.url) } : {}),
    })),
    resources: tables.map(({ table }) => ({
      profile: 'tabular-data-resource',
      name: table.name,
      path: `${table.name}.csv`,
      title: table.title,
      description: table.description,
      format: 'csv',
      mediatype: 'text/csv',
      encoding: 'utf-8',
      dialect: { delimiter: ',', lineTerminator: '\r\n', quoteChar: '"', doubleQuote: true, header: true },
      schema: {
        fields: table.columns.map((column) => field(column, table)),
        missingValues: [''],
        primaryKey: oneOrMany(table.primaryKey),
        ...foreignKeys(table, options),
      },
    })),
  };
}
