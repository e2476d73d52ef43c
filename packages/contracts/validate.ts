import type { TableContract } from '#contracts/contract.ts';
import { contractForTable, UnknownTableError } from '#contracts/registry.ts';
import { countryReference } from '#packages/formats/countries.ts';
import { type SourceReadResult, SourceRefusedError } from '#packages/formats/reader.ts';
import { contractJsonSchema } from './columns.ts';
import {
  duplicateKeyProblem,
  issueProblem,
  type Problem,
  showValue,
  unknownCountryProblem,
} from './problems.ts';

/** A row that passed its contract, with its place in the source file. */
export interface AcceptedRow {
  readonly table: string;
  readonly locator: string;
  readonly row: Readonly<Record<string, unknown>>;
}

export interface TableCounts {
  accepted: number;
  quarantined: number;
}

/** What validation of one file found; filled while the rows are consumed. */
export interface ValidationSummary {
  rowsRead: number;
  rowsAccepted: number;
  rowsQuarantined: number;
  readonly byTable: Record<string, TableCounts>;
  readonly problems: Problem[];
  /** `table@version` of every contract the file was checked against. */
  readonly contracts: Record<string, string>;
}

export function emptySummary(): ValidationSummary {
  return { rowsRead: 0, rowsAccepted: 0, rowsQuarantined: 0, byTable: {}, problems: [], contracts: {} };
}

function major(version: string): string {
  return version.split('.')[0] ?? version;
}

/** Refuse a file that declares a contract version this pipeline cannot read. */
export function checkDeclaredContracts(declared: Readonly<Record<string, string>>, fileName: string): void {
  for (const [table, version] of Object.entries(declared)) {
    let contract: TableContract;
    try {
      contract = contractForTable(table);
    } catch (error) {
      if (error instanceof UnknownTableError) {
        throw new SourceRefusedError(`${fileName}: ${error.message}`, 'unknown-table', undefined, undefined, {
          cause: error,
        });
      }
      throw error;
    }
    if (major(version) !== major(contract.version)) {
      throw new SourceRefusedError(
        `${fileName} declares ${table}@${version}, but this pipeline reads ${table}@${contract.version} (major ${major(contract.version)})`,
        'contract-version',
        `Convert the file to ${table}@${major(contract.version)}.x, or declare the version it really follows`,
      );
    }
  }
}

const countryFieldCache = new WeakMap<TableContract, string[]>();

/** Fields holding ISO3 codes (scalars or lists): every code must be in the country reference. */
function countryFields(contract: TableContract): string[] {
  let fields = countryFieldCache.get(contract);
  if (!fields) {
    const schema = contractJsonSchema(contract) as { properties: Record<string, Record<string, unknown>> };
    fields = Object.entries(schema.properties)
      .filter(([, property]) => {
        const items = property.items as Record<string, unknown> | undefined;
        return property['x-vocabulary'] === 'iso3' || items?.['x-vocabulary'] === 'iso3';
      })
      .map(([name]) => name);
    countryFieldCache.set(contract, fields);
  }
  return fields;
}

function keyOf(row: Readonly<Record<string, unknown>>, fields: readonly string[]): string {
  return fields.map((field) => String(row[field] ?? '')).join('\u001f');
}

/** A row's reference to a parent row of another table of the evidence base (not the country). */
interface ParentReference {
  readonly field: string;
  readonly parentTable: string;
  readonly parentKey: string;
}

interface PendingChild {
  readonly accepted: AcceptedRow;
  readonly references: readonly ParentReference[];
}

/** The references of a row to parents it names (country references are checked separately). */
function parentReferences(
  contract: TableContract,
  row: Readonly<Record<string, unknown>>,
): ParentReference[] {
  const references: ParentReference[] = [];
  for (const foreignKey of contract.foreignKeys) {
    if (foreignKey.reference.table === 'country') continue;
    const field = foreignKey.fields[0] ?? '';
    const value = row[field];
    if (value === undefined || value === null) continue;
    references.push({ field, parentTable: foreignKey.reference.table, parentKey: String(value) });
  }
  return references;
}

/**
 * Check every row a reader yields against its table contract, the country reference, primary
 * keys and foreign keys within the file, and yield the rows that pass. Rejected rows are counted
 * and described in `summary.problems`; they are never yielded.
 *
 * Attribution is exact: a row is quarantined for the problems the reader attached to it, the
 * contract issues of its own values, or because a parent row it names by key (in this file) was
 * quarantined — and every problem names the row's own locator. Rows are held back only when they
 * reference a parent row the file has not shown yet (children usually follow parents, so memory
 * stays flat). The reader's notices about the whole file come last.
 */
export async function* validateRows(
  read: SourceReadResult,
  fileName: string,
  summary: ValidationSummary,
): AsyncGenerator<AcceptedRow> {
  checkDeclaredContracts(read.declaredContracts, fileName);
  const countries = countryReference();
  /** Accepted primary keys by table → the locator of the row that holds each. */
  const acceptedKeys = new Map<string, Map<string, string>>();
  /** Primary keys of quarantined rows by table → their locator (for the rows that depend on them). */
  const quarantinedKeys = new Map<string, Map<string, string>>();
  const pending: PendingChild[] = [];
  const tablesSeen = new Set<string>();

  const keysOf = (keys: Map<string, Map<string, string>>, table: string): Map<string, string> => {
    let tableKeys = keys.get(table);
    if (!tableKeys) {
      tableKeys = new Map();
      keys.set(table, tableKeys);
    }
    return tableKeys;
  };
  const countsOf = (table: string): TableCounts => {
    const counts = summary.byTable[table] ?? { accepted: 0, quarantined: 0 };
    summary.byTable[table] = counts;
    return counts;
  };
  const reject = (
    table: string,
    locator: string,
    key: string | undefined,
    problems: readonly Problem[],
  ): void => {
    summary.rowsQuarantined += 1;
    summary.problems.push(...problems);
    countsOf(table).quarantined += 1;
    if (key !== undefined && !acceptedKeys.get(table)?.has(key)) {
      const quarantined = keysOf(quarantinedKeys, table);
      if (!quarantined.has(key)) quarantined.set(key, locator);
    }
  };
  const accept = (accepted: AcceptedRow, key: string) => {
    summary.rowsAccepted += 1;
    countsOf(accepted.table).accepted += 1;
    keysOf(acceptedKeys, accepted.table).set(key, accepted.locator);
  };

  for await (const source of read.rows) {
    summary.rowsRead += 1;
    tablesSeen.add(source.table);
    const place = { file: fileName, table: source.table, locator: source.locator };
    const problems: Problem[] = [];
    /** Fields a rejecting reader problem already accounts for; their contract issues are not repeated. */
    const covered = new Set<string>();
    let coversEveryField = false;
    for (const readerProblem of source.problems ?? []) {
      const { rejectsRow, covers, ...problem } = readerProblem;
      if (!rejectsRow) {
        summary.problems.push({ ...place, ...problem });
        continue;
      }
      problems.push({ ...place, ...problem });
      if (problem.field !== undefined) covered.add(problem.field);
      if (covers === 'every-field') coversEveryField = true;
      else for (const field of covers ?? []) covered.add(field);
    }

    let contract: TableContract;
    try {
      contract = contractForTable(source.table);
    } catch (error) {
      if (!(error instanceof UnknownTableError)) throw error;
      if (problems.length === 0) problems.push({ ...place, rule: 'unknown-table', message: error.message });
      reject(source.table, source.locator, undefined, problems);
      continue;
    }
    summary.contracts[contract.table] = `${contract.table}@${contract.version}`;
    const rawKey = keyOf(source.values, contract.primaryKey);

    const parsed = contract.schema.safeParse(source.values);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const top = issue.path[0];
        // One cause, one problem: the reader already said why this field is missing or wrong.
        if (coversEveryField || (top !== undefined && covered.has(String(top)))) continue;
        problems.push(issueProblem(place, issue, top === undefined ? undefined : source.values[String(top)]));
      }
    }
    if (problems.length > 0 || !parsed.success) {
      reject(source.table, source.locator, rawKey, problems);
      continue;
    }
    const row = parsed.data as Record<string, unknown>;

    for (const field of countryFields(contract)) {
      const value = row[field];
      const codes = Array.isArray(value) ? value : value === undefined ? [] : [value];
      const unknown = codes.filter((code) => typeof code === 'string' && !countries.byIso3(code));
      if (unknown.length > 0) {
        problems.push(unknownCountryProblem(place, field, unknown));
      }
    }

    const key = keyOf(row, contract.primaryKey);
    const firstSeen = acceptedKeys.get(contract.table)?.get(key);
    if (firstSeen !== undefined) {
      problems.push(
        duplicateKeyProblem(
          place,
          contract.primaryKey,
          contract.primaryKey.map((field) => row[field]),
          firstSeen,
        ),
      );
    }
    if (problems.length > 0) {
      reject(source.table, source.locator, key, problems);
      continue;
    }

    const accepted: AcceptedRow = { table: contract.table, locator: source.locator, row };
    const references = parentReferences(contract, row);
    if (references.some((reference) => !acceptedKeys.get(reference.parentTable)?.has(reference.parentKey))) {
      // Accepted for its own sake; it waits for its parents, which may come later in the file.
      keysOf(acceptedKeys, contract.table).set(key, source.locator);
      pending.push({ accepted, references });
      continue;
    }
    accept(accepted, key);
    yield accepted;
  }

  for (const child of pending) {
    const { table, locator, row } = child.accepted;
    const key = keyOf(row, contractForTable(table).primaryKey);
    // The key was held for the duplicate check; it counts as accepted only if the parents are.
    acceptedKeys.get(table)?.delete(key);
    const problems = child.references.flatMap((reference) =>
      parentProblem({ file: fileName, table, locator }, reference, tablesSeen, acceptedKeys, quarantinedKeys),
    );
    if (problems.length > 0) {
      reject(table, locator, key, problems);
      continue;
    }
    accept(child.accepted, key);
    yield child.accepted;
  }
  for (const notice of read.notices) {
    summary.problems.push({ file: fileName, ...notice });
  }
}

/**
 * Why a row's parent reference fails, or nothing: the parent is accepted, or its table is not in
 * this file at all (that reference is checked when the briefing is assembled).
 */
function parentProblem(
  place: { readonly file: string; readonly table: string; readonly locator: string },
  reference: ParentReference,
  tablesSeen: ReadonlySet<string>,
  acceptedKeys: ReadonlyMap<string, ReadonlyMap<string, string>>,
  quarantinedKeys: ReadonlyMap<string, ReadonlyMap<string, string>>,
): Problem[] {
  const { field, parentTable, parentKey } = reference;
  if (!tablesSeen.has(parentTable) || acceptedKeys.get(parentTable)?.has(parentKey)) return [];
  const quarantinedAt = quarantinedKeys.get(parentTable)?.get(parentKey);
  if (quarantinedAt !== undefined) {
    return [
      {
        ...place,
        field,
        rule: 'parent-quarantined',
        message: `depends on ${parentTable} '${parentKey}' (${quarantinedAt}), which is quarantined`,
        value: showValue(parentKey),
        hint: `Correct the ${parentTable} row at ${quarantinedAt}; this row is accepted once its parent is`,
      },
    ];
  }
  return [
    {
      ...place,
      field,
      rule: 'foreign-key',
      message: `refers to ${parentTable} '${parentKey}', which this file does not contain`,
      value: showValue(parentKey),
      hint: `Add the ${parentTable} row or correct the reference`,
    },
  ];
}

/** Consume every row, keeping only the counts and problems (what ingest and `hld validate` need). */
export async function validateSource(read: SourceReadResult, fileName: string): Promise<ValidationSummary> {
  const summary = emptySummary();
  for await (const _row of validateRows(read, fileName, summary)) {
    // counted in the summary
  }
  return summary;
}
