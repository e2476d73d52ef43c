import { PROVENANCE_FIELDS, type TableContract } from '#contracts/contract.ts';
import { contractsForKind, INGESTED_TABLES } from '#contracts/registry.ts';
import type { SourceKind } from '#contracts/source-kinds.ts';
import * as z from '#contracts/zod.ts';
import { SourceRefusedError } from './reader.ts';

/**
 * What the table readers (CSV, JSON, XLSX) need to know about the contract tables: which tables a
 * file of a kind may carry, how to recognise a table from its column names, and how to turn a
 * text cell into the JSON type the contract expects. Validity stays with the contracts runtime:
 * a cell that does not convert cleanly is passed on as text so zod names the problem.
 */

export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'array';

interface JsonSchemaProperty {
  type?: string | string[];
  anyOf?: { type?: string | string[] }[];
}

export interface TableShape {
  readonly contract: TableContract;
  readonly table: string;
  readonly fields: readonly string[];
  /** Fields a file must carry (provenance excluded when the parser fills it). */
  readonly required: readonly string[];
  readonly types: Readonly<Record<string, FieldType>>;
  /** Fields that take `null` (a missing cell is null there, not absent). */
  readonly nullable: ReadonlySet<string>;
}

const shapes = new Map<string, TableShape>();

/** Field names, required fields and JSON types of one contract, read from its JSON Schema. */
export function tableShape(contract: TableContract): TableShape {
  const cached = shapes.get(contract.table);
  if (cached) return cached;
  const schema = z.toJSONSchema(contract.schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchemaProperty>;
    required?: string[];
  };
  const properties = schema.properties ?? {};
  const types: Record<string, FieldType> = {};
  const nullable = new Set<string>();
  for (const [field, property] of Object.entries(properties)) {
    // `z.number().nullable()` is `anyOf: [{type: number}, {type: null}]`.
    const declared = [property.type, ...(property.anyOf ?? []).map((option) => option.type)]
      .flat()
      .filter((type): type is string => typeof type === 'string');
    if (declared.includes('null')) nullable.add(field);
    const type = declared.find((candidate) => candidate !== 'null');
    types[field] =
      type === 'array' || type === 'boolean' || type === 'number' || type === 'integer' ? type : 'string';
  }
  const provenance = new Set<string>(PROVENANCE_FIELDS);
  const required = (schema.required ?? []).filter(
    (field) => !(contract.provenanceFromParser && provenance.has(field)),
  );
  const shape: TableShape = {
    contract,
    table: contract.table,
    fields: Object.keys(properties),
    required,
    types,
    nullable,
  };
  shapes.set(contract.table, shape);
  return shape;
}

/** The tables a file of this kind may carry. */
export function tablesForKind(kind: SourceKind): TableShape[] {
  return contractsForKind(kind).map(tableShape);
}

/** Every ingested table of every kind, for "closest table" hints. */
export function allIngestedTables(): TableShape[] {
  return INGESTED_TABLES.map(tableShape);
}

export interface TableMatch {
  readonly shape: TableShape;
  /** Header cells that are not fields of the table. */
  readonly unknownColumns: readonly string[];
}

/** Normalised column name: trimmed, lower case (contract field names are snake_case). */
export function columnKey(name: string): string {
  return name.trim().toLowerCase();
}

/** True when every non-empty cell names a field of one of the tables (and there are at least two). */
export function looksLikeFieldNames(cells: readonly string[], tables: readonly TableShape[]): boolean {
  const names = cells.map(columnKey).filter((cell) => cell !== '');
  if (names.length < 2) return false;
  return tables.some((shape) => names.every((name) => shape.fields.includes(name)));
}

/** How many non-empty cells name a field of the best-matching table. */
export function fieldNameHits(cells: readonly string[], tables: readonly TableShape[]): number {
  const names = cells.map(columnKey).filter((cell) => cell !== '');
  return Math.max(0, ...tables.map((shape) => names.filter((name) => shape.fields.includes(name)).length));
}

/**
 * The table whose required fields are all in `columns`, preferring the one that explains the
 * most columns; undefined when none qualifies.
 */
export function matchTable(
  columns: readonly string[],
  tables: readonly TableShape[],
): TableMatch | undefined {
  const keys = columns.map(columnKey).filter((column) => column !== '');
  let best: { shape: TableShape; hits: number } | undefined;
  for (const shape of tables) {
    if (!shape.required.every((field) => keys.includes(field))) continue;
    const hits = keys.filter((key) => shape.fields.includes(key)).length;
    if (!best || hits > best.hits) best = { shape, hits };
  }
  if (!best) return undefined;
  const fields = best.shape.fields;
  return { shape: best.shape, unknownColumns: keys.filter((key) => !fields.includes(key)) };
}

/** SourceRefusedError `unknown-columns` naming the missing required columns of the closest table. */
export function unknownColumnsError(
  fileName: string,
  kind: SourceKind,
  columns: readonly string[],
  tables: readonly TableShape[],
  locator?: string,
): SourceRefusedError {
  const keys = columns.map(columnKey).filter((column) => column !== '');
  const ranked = [...tables].sort((a, b) => closeness(b, keys) - closeness(a, keys));
  const closest = ranked[0];
  const allowed = tables.map((shape) => shape.table).join(', ');
  if (!closest) {
    return new SourceRefusedError(
      `File '${fileName}': source kind '${kind}' has no contract tables`,
      'unknown-columns',
      undefined,
      locator,
    );
  }
  const missing = closest.required.filter((field) => !keys.includes(field));
  const unknown = keys.filter((key) => !closest.fields.includes(key));
  return new SourceRefusedError(
    `File '${fileName}' does not match any ${kind} table (${allowed}): closest is '${closest.table}', missing required column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`,
    'unknown-columns',
    `Add the missing column${missing.length === 1 ? '' : 's'} (${missing.join(', ')})${unknown.length ? `; these columns are not fields of '${closest.table}': ${unknown.join(', ')}` : ''}. Fields of '${closest.table}': ${closest.fields.join(', ')}.`,
    locator,
  );
}

function closeness(shape: TableShape, keys: readonly string[]): number {
  const hits = keys.filter((key) => shape.fields.includes(key)).length;
  const missing = shape.required.filter((field) => !keys.includes(field)).length;
  return hits * 10 - missing;
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
const TRUE_WORDS = new Set(['true', 'yes', '1']);
const FALSE_WORDS = new Set(['false', 'no', '0']);

/** Missing-value markers of the canonical CSV form (DOMAIN.md §4.1: `missingValues: ["", "NA"]`). */
export function isMissingCell(cell: string): boolean {
  const trimmed = cell.trim();
  return trimmed === '' || trimmed === 'NA';
}

/** Statistical missing-value markers, read as null in nullable number fields (DOMAIN.md §4.9). */
const STATISTICAL_MISSING = new Set(['..', '-']);

/**
 * A text cell as the contract type wants it; undefined means "absent", null "known to be
 * missing" (nullable fields only). Cells that do not convert cleanly stay text so the contract
 * reports them.
 */
export function coerceCell(cell: string, type: FieldType | undefined, nullable = false): unknown {
  if (isMissingCell(cell)) return nullable ? null : undefined;
  if (nullable && (type === 'number' || type === 'integer') && STATISTICAL_MISSING.has(cell.trim()))
    return null;
  const trimmed = cell.trim();
  switch (type) {
    case 'array':
      return cell
        .split('|')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    case 'boolean': {
      const word = trimmed.toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      return cell;
    }
    // A number too long for a double (Infinity) stays text: the problem says it is too large.
    case 'integer': {
      const value = Number(trimmed);
      return (INTEGER.test(trimmed) && Number.isFinite(value)) ||
        (NUMBER.test(trimmed) && Number.isInteger(value))
        ? value
        : cell;
    }
    case 'number':
      return NUMBER.test(trimmed) && Number.isFinite(Number(trimmed)) ? Number(trimmed) : cell;
    default:
      return cell;
  }
}

/** Provenance the reader fills when the contract says the parser owns it and the file left it out. */
export function parserProvenance(
  shape: TableShape,
  values: Record<string, unknown>,
  docId: string,
  locator: string,
  receivedAt: string | undefined,
): void {
  if (!shape.contract.provenanceFromParser) return;
  values.source_doc_id ??= docId;
  values.source_locator ??= locator;
  values.extraction_method ??= 'parser';
  values.confidence ??= 'high';
  if (receivedAt) values.extracted_at ??= receivedAt;
}
