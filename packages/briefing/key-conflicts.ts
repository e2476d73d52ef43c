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

/** Caveat: a row naming a parent no live file has (wording shared with the test oracle). */
export function danglingReferenceCaveat(problem: IntegrityProblem): string {
  return `Dangling reference [dangling-reference]: ${problem.table} ${problem.locator} names ${problem.references} '${problem.value}', which no live file has; the row is shown but rests on nothing for that link.`;
}

function addCaveat(caveats: Map<string, string[]>, iso3: unknown, caveat: string): void {
  if (typeof iso3 !== 'string' || iso3.length === 0) return;
  const list = caveats.get(iso3) ?? [];
  if (!list.includes(caveat)) list.push(caveat);
  caveats.set(iso3, list);
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
    const readers = fields.map((field) => table.column(field));
    const rowsByKey = new Map<string, number[]>();
    for (let row = 0; row < table.length; row += 1) {
      const key = readers.map((read) => String(read(row) ?? '')).join('\u0000');
      const rows = rowsByKey.get(key);
      if (rows) rows.push(row);
      else rowsByKey.set(key, [row]);
    }
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
  for (const problem of problems) {
    const column = COUNTRY_COLUMNS[problem.table];
    if (!column || !set.has(problem.table)) continue;
    const table = set.table(problem.table);
    const { locators, doc } = table.refs();
    const country = table.column(column);
    for (let row = 0; row < table.length; row += 1) {
      if (locators[row] === problem.locator && set.docs[doc[row]!] === problem.source_doc_id)
        addCaveat(caveats, country(row), danglingReferenceCaveat(problem));
    }
  }
}
