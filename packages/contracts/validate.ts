import type { TableContract } from '#contracts/contract.ts';
import { contractForTable, UnknownTableError } from '#contracts/registry.ts';
import { countryReference } from '#packages/formats/countries.ts';
import { type ReadProblem, type SourceReadResult, SourceRefusedError } from '#packages/formats/reader.ts';
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

interface PendingChild {
  readonly accepted: AcceptedRow;
  readonly field: string;
  readonly parentTable: string;
  readonly parentKey: string;
}

/**
 * Check every row a reader yields against its table contract, the country reference, primary
 * keys and foreign keys within the file, and yield the rows that pass. Rejected rows are counted
 * and described in `summary.problems`; they are never yielded. Rows are held back only when
 * they reference a parent row the file has not shown yet (children usually follow parents, so
 * memory stays flat).
 */
export async function* validateRows(
  read: SourceReadResult,
  fileName: string,
  summary: ValidationSummary,
): AsyncGenerator<AcceptedRow> {
  checkDeclaredContracts(read.declaredContracts, fileName);
  const countries = countryReference();
  const seenKeys = new Map<string, Map<string, string>>();
  const pending: PendingChild[] = [];
  const tablesSeen = new Set<string>();
  let readerProblemsSeen = 0;

  const countsOf = (table: string): TableCounts => {
    const counts = summary.byTable[table] ?? { accepted: 0, quarantined: 0 };
    summary.byTable[table] = counts;
    return counts;
  };
  const reject = (table: string, problems: Problem[]) => {
    summary.rowsQuarantined += 1;
    summary.problems.push(...problems);
    countsOf(table).quarantined += 1;
  };
  const accept = (accepted: AcceptedRow) => {
    summary.rowsAccepted += 1;
    countsOf(accepted.table).accepted += 1;
  };

  for await (const source of read.rows) {
    summary.rowsRead += 1;
    tablesSeen.add(source.table);
    const readerProblems: ReadProblem[] = read.problems.slice(readerProblemsSeen);
    readerProblemsSeen = read.problems.length;
    const problems: Problem[] = readerProblems
      .filter((problem) => problem.rejectsRow)
      .map((problem) => ({ file: fileName, ...problem, table: problem.table ?? source.table }));
    summary.problems.push(
      ...readerProblems
        .filter((problem) => !problem.rejectsRow)
        .map((problem) => ({ file: fileName, ...problem, table: problem.table ?? source.table })),
    );

    let contract: TableContract;
    try {
      contract = contractForTable(source.table);
    } catch (error) {
      if (!(error instanceof UnknownTableError)) throw error;
      reject(source.table, [
        { file: fileName, locator: source.locator, rule: 'unknown-table', message: error.message },
      ]);
      continue;
    }
    summary.contracts[contract.table] = `${contract.table}@${contract.version}`;

    const parsed = contract.schema.safeParse(source.values);
    const place = { file: fileName, table: source.table, locator: source.locator };
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const top = issue.path[0];
        problems.push(issueProblem(place, issue, top === undefined ? undefined : source.values[String(top)]));
      }
    }
    if (problems.length > 0 || !parsed.success) {
      reject(source.table, problems);
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

    const tableKeys = seenKeys.get(contract.table) ?? new Map<string, string>();
    seenKeys.set(contract.table, tableKeys);
    const key = keyOf(row, contract.primaryKey);
    const firstSeen = tableKeys.get(key);
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
      reject(source.table, problems);
      continue;
    }
    tableKeys.set(key, source.locator);

    const accepted: AcceptedRow = { table: contract.table, locator: source.locator, row };
    const missingParent = contract.foreignKeys.find((foreignKey) => {
      if (foreignKey.reference.table === 'country') return false;
      const value = row[foreignKey.fields[0] ?? ''];
      if (value === undefined) return false;
      return !seenKeys.get(foreignKey.reference.table)?.has(String(value));
    });
    if (missingParent) {
      pending.push({
        accepted,
        field: missingParent.fields[0] ?? '',
        parentTable: missingParent.reference.table,
        parentKey: String(row[missingParent.fields[0] ?? '']),
      });
      continue;
    }
    accept(accepted);
    yield accepted;
  }

  for (const child of pending) {
    // A parent table this file does not carry at all is checked when the briefing is assembled.
    if (!tablesSeen.has(child.parentTable) || seenKeys.get(child.parentTable)?.has(child.parentKey)) {
      accept(child.accepted);
      yield child.accepted;
      continue;
    }
    reject(child.accepted.table, [
      {
        file: fileName,
        table: child.accepted.table,
        locator: child.accepted.locator,
        field: child.field,
        rule: 'foreign-key',
        message: `refers to ${child.parentTable} '${child.parentKey}', which this file does not contain (or which was quarantined)`,
        value: showValue(child.parentKey),
        hint: `Add the ${child.parentTable} row or correct the reference`,
      },
    ]);
  }
  for (const problem of read.problems.slice(readerProblemsSeen)) {
    summary.problems.push({ file: fileName, ...problem });
  }
}

/** Consume every row, keeping only the counts and problems (what ingest and `hld validate` need). */
export async function validateSource(read: SourceReadResult, fileName: string): Promise<ValidationSummary> {
  const summary = emptySummary();
  for await (const _row of validateRows(read, fileName, summary)) {
    // counted in the summary
  }
  return summary;
}
