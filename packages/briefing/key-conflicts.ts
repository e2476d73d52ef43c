import { expandLocatorRanges, formatLocatorRange } from '#contracts/briefing/locator-ranges.ts';
import type { IntegrityProblem, KeyConflict } from '#contracts/briefing/sources.ts';
import { COUNTRY_COLUMNS, PRIMARY_KEYS } from '#contracts/relations.ts';
import { byText } from './column-text.ts';
import type { CuratedTableSet } from './curated-tables.ts';

/**
 * Keys across files (docs/evidence-rules.md, `key-conflict` and `dangling-reference`), checked
 * once every live source is in, before any item is built.
 *
 * A primary key claimed by rows of two or more live files is a conflict: which row is right
 * cannot be told, so **neither is published** — no item shows it, no count or total includes it
 * — and every country either row concerns gets a caveat naming the files. (Two uploads of the
 * same source name never conflict: the latest upload is the name's only live file.) Duplicates
 * within one file never get here: validation quarantines them (`duplicate-key`).
 */

/** What the check found: the conflicts, the rows to hold back, and the caveats per country. */
export interface KeyCheck {
  readonly conflicts: KeyConflict[];
  /** Per table name: row numbers held back. */
  readonly held: Map<string, Set<number>>;
  /** Per country (ISO3): caveats to add to its item. */
  readonly caveats: Map<string, string[]>;
}

/** The file name of a raw key `raw/<kind>/<sha256>/<file name>`. */
export function fileNameOf(rawKey: string, sha256: string): string {
  return rawKey ? rawKey.slice(rawKey.lastIndexOf('/') + 1) : `${sha256.slice(0, 12)}…`;
}

/** Caveat: a key claimed by several files, held back (wording shared with the test oracle). */
export function keyConflictCaveat(conflict: KeyConflict): string {
  const files = conflict.claims
    .map((claim) => `${claim.file_name} (SHA-256 ${claim.file_sha256.slice(0, 12)}, ${claim.locator})`)
    .join(' and ');
  return `Held back [key-conflict]: ${conflict.table} ${conflict.key} is claimed by ${conflict.claims.length} files, ${files}; neither row is shown or counted until one file is corrected or withdrawn.`;
}

/** Caveat: rows naming a parent no live file has (wording shared with the test oracle). */
export function danglingReferenceCaveat(problem: IntegrityProblem): string {
  const where = problem.ranges.map(formatLocatorRange).join(', ');
  return problem.rows === 1
    ? `Dangling reference [dangling-reference]: ${where} names ${problem.references} '${problem.value}', which no live file has; the row is shown but rests on nothing for that link.`
    : `Dangling reference [dangling-reference]: ${where} (${problem.rows} rows) name ${problem.references} '${problem.value}', which no live file has; the rows are shown but rest on nothing for that link.`;
}

/** The caveats already in a country's list, so adding one stays constant time however many it has. */
const listed = new WeakMap<string[], Set<string>>();

function addCaveat(caveats: Map<string, string[]>, iso3: unknown, caveat: string): void {
  if (typeof iso3 !== 'string' || iso3.length === 0) return;
  let list = caveats.get(iso3);
  if (!list) {
    list = [];
    caveats.set(iso3, list);
  }
  let seen = listed.get(list);
  if (!seen) {
    seen = new Set(list);
    listed.set(list, seen);
  }
  if (seen.has(caveat)) return;
  seen.add(caveat);
  list.push(caveat);
}

/**
 * The keys (field texts joined by U+0000) that two or more rows hold, with their rows, in the
 * order of each key's first row. Most keys are unique: they cost one map entry, not an array.
 */
function repeatedKeys(length: number, readers: readonly ((row: number) => unknown)[]): Map<string, number[]> {
  const single = readers.length === 1 ? readers[0]! : undefined;
  const firstRow = new Map<string, number>();
  const repeated = new Map<string, number[]>();
  for (let row = 0; row < length; row += 1) {
    const key = single
      ? String(single(row) ?? '')
      : readers.map((read) => String(read(row) ?? '')).join('\u0000');
    const first = firstRow.get(key);
    if (first === undefined) firstRow.set(key, row);
    else {
      const rows = repeated.get(key);
      if (rows) rows.push(row);
      else repeated.set(key, [first, row]);
    }
  }
  return new Map([...repeated].sort((a, b) => a[1][0]! - b[1][0]!));
}

/** Find the keys claimed by several live files, and the countries to caveat. */
export function checkKeys(set: CuratedTableSet): KeyCheck {
  const conflicts: KeyConflict[] = [];
  const held = new Map<string, Set<number>>();
  const caveats = new Map<string, string[]>();
  for (const table of set.all()) {
    const fields = PRIMARY_KEYS[table.name];
    if (!fields || table.length === 0) continue;
    const refs = table.refs();
    // Only a table read from several files can have a key claimed twice.
    const files = new Set<number>();
    for (let row = 0; row < table.length; row += 1) files.add(set.origins[refs.origin[row]!]!.file);
    if (files.size < 2) continue;
    const rowsByKey = repeatedKeys(
      table.length,
      fields.map((field) => table.column(field)),
    );
    const country = COUNTRY_COLUMNS[table.name] ? table.column(COUNTRY_COLUMNS[table.name]!) : undefined;
    for (const [key, rows] of rowsByKey) {
      if (rows.length < 2) continue;
      if (new Set(rows.map((row) => set.origins[refs.origin[row]!]!.file)).size < 2) continue;
      const conflict: KeyConflict = {
        table: table.name,
        key: key
          .split('\u0000')
          .filter((part) => part.length > 0)
          .join(' / '),
        claims: rows.map((row) => {
          const origin = set.origins[refs.origin[row]!]!;
          return {
            file_name: fileNameOf(origin.raw_key, origin.file_sha256),
            file_sha256: origin.file_sha256,
            locator: refs.locators[row]!,
            source_doc_id: set.docs[refs.doc[row]!]!,
          };
        }),
      };
      conflicts.push(conflict);
      const heldRows = held.get(table.name) ?? new Set<number>();
      for (const row of rows) heldRows.add(row);
      held.set(table.name, heldRows);
      for (const row of rows) addCaveat(caveats, country?.(row), keyConflictCaveat(conflict));
    }
  }
  conflicts.sort((a, b) => byText(`${a.table}|${a.key}`, `${b.table}|${b.key}`));
  return { conflicts, held, caveats };
}

/**
 * Caveats for the rows that name a parent no live file has (the sources item lists every one):
 * on the brief of the country the row concerns.
 */
export function danglingCaveats(
  set: CuratedTableSet,
  problems: readonly IntegrityProblem[],
  caveats: Map<string, string[]>,
): void {
  // The rows each problem names, found in one pass per table (not one pass per problem).
  const rowsOf = new Map<IntegrityProblem, number[]>();
  // Per table: per row locator and document, the row lists of the problems naming it.
  const byTable = new Map<string, Map<string, number[][]>>();
  for (const problem of problems) {
    if (!COUNTRY_COLUMNS[problem.table] || !set.has(problem.table)) continue;
    const wanted = byTable.get(problem.table) ?? new Map<string, number[][]>();
    byTable.set(problem.table, wanted);
    const rows: number[] = [];
    rowsOf.set(problem, rows);
    for (const { locator } of expandLocatorRanges(problem.ranges)) {
      const key = `${locator}\u0000${problem.source_doc_id}`;
      const list = wanted.get(key);
      if (list) list.push(rows);
      else wanted.set(key, [rows]);
    }
  }
  for (const [name, wanted] of byTable) {
    const table = set.table(name);
    const { locators, doc } = table.refs();
    for (let row = 0; row < table.length; row += 1) {
      for (const rows of wanted.get(`${locators[row]}\u0000${set.docs[doc[row]!]}`) ?? []) rows.push(row);
    }
  }
  for (const problem of problems) {
    const rows = rowsOf.get(problem);
    if (!rows?.length) continue;
    const country = set.table(problem.table).column(COUNTRY_COLUMNS[problem.table]!);
    const caveat = danglingReferenceCaveat(problem);
    for (const row of rows) addCaveat(caveats, country(row), caveat);
  }
}
