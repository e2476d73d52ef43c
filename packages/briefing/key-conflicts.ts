import { expandLocatorRanges, formatLocatorRange } from '#contracts/briefing/locator-ranges.ts';
import type { AgreeingClaims, IntegrityProblem, KeyConflict } from '#contracts/briefing/sources.ts';
import { contractForTable } from '#contracts/registry.ts';
import { COUNTRY_COLUMNS, PRIMARY_KEYS } from '#contracts/relations.ts';
import { byText, ColumnText } from './column-text.ts';
import type { CuratedTable, CuratedTableSet } from './curated-tables.ts';
import { RowRangeList } from './row-ranges.ts';

/**
 * Keys across files (docs/evidence-rules.md, `key-conflict` and `dangling-reference`), checked
 * once every live source is in, before any item is built.
 *
 * A primary key claimed by rows of two or more live files that differ in a field is a conflict:
 * which row is right cannot be told, so **neither is published** — no item shows it, no count or
 * total includes it — and every country either row concerns gets a caveat naming the files, one
 * per table and set of files with the number of keys. Rows that agree in every field but where
 * they were read are published once (`agreeing`). (Two uploads of the same source name never
 * conflict: the latest upload is the name's only live file.) Duplicates within one file never get
 * here: validation quarantines them (`duplicate-key`).
 */

/** What the check found: the conflicts, the rows to hold back, and the caveats per country. */
export interface KeyCheck {
  readonly conflicts: KeyConflict[];
  /** Keys claimed by several files with the same row: published once, from the first claim. */
  readonly agreeing: AgreeingClaims[];
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

/** How many keys a grouped caveat names before it says where the rest are. */
export const FIRST_KEYS = 5;

/**
 * Caveats for key conflicts, one per table and set of files (in the order of each group's first
 * conflict): a group of one key is `keyConflictCaveat`; a larger one gives the number of keys,
 * the first FIRST_KEYS and where every key is listed (wording shared with the test oracle).
 */
export function keyConflictCaveats(conflicts: readonly KeyConflict[]): string[] {
  const groups = new Map<string, KeyConflict[]>();
  for (const conflict of conflicts) {
    const files = conflict.claims.map((claim) => claim.file_sha256).sort(byText);
    const group = `${conflict.table}\u0000${files.join('\u0000')}`;
    const list = groups.get(group);
    if (list) list.push(conflict);
    else groups.set(group, [conflict]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    if (group.length === 1) return keyConflictCaveat(first);
    const files = first.claims
      .map((claim) => `${claim.file_name} (SHA-256 ${claim.file_sha256.slice(0, 12)})`)
      .join(' and ');
    const keys = group.slice(0, FIRST_KEYS).map((conflict) => conflict.key);
    const more = group.length > FIRST_KEYS ? ` and ${group.length - FIRST_KEYS} more` : '';
    return `Held back [key-conflict]: ${group.length} ${first.table} keys are each claimed by ${first.claims.length} files with different rows, ${files}: ${keys.join('; ')}${more} (every key with its rows: the sources item's key_conflicts); none of these rows is shown or counted until one file is corrected or withdrawn.`;
  });
}

/** Note of the sources item: keys several files claim with the same row, published once (shared with the test oracle). */
export function agreeingClaimsNote(agreeing: AgreeingClaims): string {
  const [first, ...others] = agreeing.files;
  const files = agreeing.files.map((file) => `${file.file_name} (SHA-256 ${file.file_sha256.slice(0, 12)})`);
  const keys =
    agreeing.keys === 1 ? `1 ${agreeing.table} key is` : `${agreeing.keys} ${agreeing.table} keys are`;
  return `Agreeing claims: ${keys} claimed by ${files.join(' and ')} with the same row in every field; each is published once, from ${first!.file_name}, and not counted again for ${others.map((file) => file.file_name).join(' and ')}.`;
}

/**
 * The fields two claims on a key may differ in and still agree: where and when the row was read
 * (its document, its locator, the time of extraction), never what it says. Pipeline columns
 * (`_locator`) are no contract field: never compared.
 */
export const PLACE_FIELDS: ReadonlySet<string> = new Set(['source_doc_id', 'source_locator', 'extracted_at']);

/** A value as a claim states it: absent, '' and an empty list are the same; a value as its text. */
function sameValue(a: unknown, b: unknown): boolean {
  const absent = (value: unknown) =>
    value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
  if (absent(a) || absent(b)) return absent(a) && absent(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, at) => String(item ?? '') === String(b[at] ?? ''));
  }
  return String(a) === String(b);
}

/**
 * Whether rows of a table claim the same: equal in every field of the table's contract but
 * PLACE_FIELDS (as its key texts are compared: `String(value)`; absent, '' and [] the same).
 * The fields' readers are made once per table, on the first comparison.
 */
function claimComparer(table: CuratedTable): (a: number, b: number) => boolean {
  let readers: ((row: number) => unknown)[] | undefined;
  return (a, b) => {
    readers ??= Object.keys(contractForTable(table.name).schema.shape)
      .filter((field) => !PLACE_FIELDS.has(field))
      .map((field) => table.column(field));
    return readers.every((read) => sameValue(read(a), read(b)));
  };
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
 * order of each key's first row. Rows are compared by codes, not texts: each field's distinct
 * values get one code per text (`String(value ?? '')`, what the key says), the rows are put in
 * key order by one stable counting sort per field (last field first, so equal keys end up
 * adjacent, each key's rows in row order), and only a key two rows share is ever written out
 * as text. A million-row table costs a few typed arrays: no map over rows, no key strings.
 */
function repeatedKeys(table: CuratedTable, fields: readonly string[]): Map<string, number[]> {
  const length = table.length;
  const texts: string[] = [];
  const textCode = new Map<string, number>();
  const intern = (text: string): number => {
    let code = textCode.get(text);
    if (code === undefined) {
      code = texts.length;
      texts.push(text);
      textCode.set(text, code);
    }
    return code;
  };
  const fieldTexts = fields.map((field) => {
    const { codes, values } = table.codes(field);
    const byCode = values.map((value) => intern(String(value ?? '')));
    const empty = intern('');
    const row = new Int32Array(length);
    for (let at = 0; at < length; at += 1) row[at] = codes[at]! < 0 ? empty : byCode[codes[at]!]!;
    return row;
  });
  // Least significant field first: each pass is stable, so the last pass leaves the rows
  // ordered by the whole key, and rows of one key in their own order.
  let order = new Int32Array(length);
  for (let row = 0; row < length; row += 1) order[row] = row;
  let sorted = new Int32Array(length);
  const counts = new Int32Array(texts.length + 1);
  for (let field = fieldTexts.length - 1; field >= 0; field -= 1) {
    const keys = fieldTexts[field]!;
    counts.fill(0);
    for (let row = 0; row < length; row += 1) counts[keys[row]! + 1]! += 1;
    for (let code = 0; code < texts.length; code += 1) counts[code + 1]! += counts[code]!;
    for (let at = 0; at < length; at += 1) {
      const row = order[at]!;
      sorted[counts[keys[row]!]!++] = row;
    }
    [order, sorted] = [sorted, order];
  }
  const sameKey = (a: number, b: number) => fieldTexts.every((codes) => codes[a] === codes[b]);
  const repeated: number[][] = [];
  for (let start = 0; start < length; ) {
    let end = start + 1;
    while (end < length && sameKey(order[start]!, order[end]!)) end += 1;
    if (end - start > 1) repeated.push(Array.from(order.subarray(start, end)));
    start = end;
  }
  const keyText = (row: number) => fieldTexts.map((codes) => texts[codes[row]!]!).join('\u0000');
  return new Map(repeated.sort((a, b) => a[0]! - b[0]!).map((rows) => [keyText(rows[0]!), rows] as const));
}

/**
 * Find the keys claimed by several live files, and the countries to caveat. A key whose claims
 * are equal in every contract field (claimComparer) is not a conflict: its first row (in table order,
 * the order the live sources are read) is published and the others are held back, so it is shown
 * and counted once, and `agreeing` names every file. Tables in `partial` are kept by the builder
 * with only the columns it reads (the large streamed tables): their claims cannot be compared in
 * every field, so a key they repeat stays a conflict.
 */
export function checkKeys(set: CuratedTableSet, partial: ReadonlySet<string> = new Set()): KeyCheck {
  const conflicts: KeyConflict[] = [];
  const held = new Map<string, Set<number>>();
  const byCountry = new Map<string, KeyConflict[]>();
  const agreeingGroups = new Map<string, { -readonly [K in keyof AgreeingClaims]: AgreeingClaims[K] }>();
  for (const table of set.all()) {
    const fields = PRIMARY_KEYS[table.name];
    if (!fields || table.length === 0) continue;
    const refs = table.refs();
    // Only a table read from several files can have a key claimed twice.
    const files = new Set<number>();
    for (let row = 0; row < table.length; row += 1) files.add(set.origins[refs.origin[row]!]!.file);
    if (files.size < 2) continue;
    const rowsByKey = repeatedKeys(table, fields);
    const country = COUNTRY_COLUMNS[table.name] ? table.column(COUNTRY_COLUMNS[table.name]!) : undefined;
    const heldRows = held.get(table.name) ?? new Set<number>();
    const sameClaim = claimComparer(table);
    for (const [key, rows] of rowsByKey) {
      if (rows.length < 2) continue;
      if (new Set(rows.map((row) => set.origins[refs.origin[row]!]!.file)).size < 2) continue;
      const keyText = key
        .split('\u0000')
        .filter((part) => part.length > 0)
        .join(' / ');
      const claimFile = (row: number) => {
        const origin = set.origins[refs.origin[row]!]!;
        return { file_name: fileNameOf(origin.raw_key, origin.file_sha256), file_sha256: origin.file_sha256 };
      };
      if (!partial.has(table.name)) {
        if (rows.every((row, at) => at === 0 || sameClaim(rows[0]!, row))) {
          for (const row of rows.slice(1)) heldRows.add(row);
          const claimFiles = rows.map(claimFile);
          const group = `${table.name}\u0000${claimFiles.map((file) => file.file_sha256).join('\u0000')}`;
          const entry = agreeingGroups.get(group);
          if (!entry)
            agreeingGroups.set(group, {
              table: table.name,
              files: claimFiles,
              keys: 1,
              first_keys: [keyText],
            });
          else {
            entry.keys += 1;
            if (entry.first_keys.length < FIRST_KEYS) entry.first_keys.push(keyText);
          }
          continue;
        }
      }
      const conflict: KeyConflict = {
        table: table.name,
        key: keyText,
        claims: rows.map((row) => ({
          ...claimFile(row),
          locator: refs.locators.text(row),
          source_doc_id: set.docs[refs.doc[row]!]!,
        })),
      };
      conflicts.push(conflict);
      for (const row of rows) heldRows.add(row);
      const countries = new Set(rows.map((row) => country?.(row)));
      for (const iso3 of countries) {
        if (typeof iso3 !== 'string' || iso3.length === 0) continue;
        const list = byCountry.get(iso3);
        if (list) list.push(conflict);
        else byCountry.set(iso3, [conflict]);
      }
    }
    if (heldRows.size > 0) held.set(table.name, heldRows);
  }
  const caveats = new Map<string, string[]>();
  for (const [iso3, list] of byCountry)
    for (const caveat of keyConflictCaveats(list)) addCaveat(caveats, iso3, caveat);
  conflicts.sort((a, b) => byText(`${a.table}|${a.key}`, `${b.table}|${b.key}`));
  const agreeing = [...agreeingGroups.values()].sort((a, b) =>
    byText(
      `${a.table}|${a.files.map((file) => `${file.file_name}|${file.file_sha256}`).join('|')}`,
      `${b.table}|${b.files.map((file) => `${file.file_name}|${file.file_sha256}`).join('|')}`,
    ),
  );
  return { conflicts, agreeing, held, caveats };
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
  // The rows each problem names, found in one pass per table (not one pass per problem): a row
  // of the problem's document, at one of its locators, holding its value in its field.
  const rowsOf = new Map<IntegrityProblem, number[]>();
  // Per table and field: per row locator, document and value, the row lists of the problems naming it.
  const byTable = new Map<string, Map<string, Map<string, number[][]>>>();
  for (const problem of problems) {
    if (!COUNTRY_COLUMNS[problem.table] || !set.has(problem.table)) continue;
    const fields = byTable.get(problem.table) ?? new Map<string, Map<string, number[][]>>();
    byTable.set(problem.table, fields);
    const wanted = fields.get(problem.field) ?? new Map<string, number[][]>();
    fields.set(problem.field, wanted);
    const rows: number[] = [];
    rowsOf.set(problem, rows);
    for (const { locator } of expandLocatorRanges(problem.ranges)) {
      const key = `${locator}\u0000${problem.source_doc_id}\u0000${problem.value}`;
      const list = wanted.get(key);
      if (!list) wanted.set(key, [rows]);
      else if (!list.includes(rows)) list.push(rows);
    }
  }
  for (const [name, fields] of byTable) {
    const table = set.table(name);
    const { locators, doc } = table.refs();
    for (const [field, wanted] of fields) {
      const values = new ColumnText(table.codes(field));
      for (let row = 0; row < table.length; row += 1) {
        const key = `${locators.text(row)}\u0000${set.docs[doc[row]!]}\u0000${values.text(row)}`;
        for (const rows of wanted.get(key) ?? []) rows.push(row);
      }
    }
  }
  for (const problem of problems) {
    const rows = rowsOf.get(problem);
    if (!rows?.length) continue;
    const table = set.table(problem.table);
    const country = table.column(COUNTRY_COLUMNS[problem.table]!);
    const { locators } = table.refs();
    // Each country's caveat names that country's rows only, never another country's.
    const byCountry = new Map<unknown, RowRangeList>();
    for (const row of rows) {
      const iso3 = country(row);
      const list = byCountry.get(iso3) ?? new RowRangeList();
      byCountry.set(iso3, list);
      list.add(problem.table, locators, row);
    }
    for (const [iso3, list] of byCountry) {
      addCaveat(
        caveats,
        iso3,
        danglingReferenceCaveat({ ...problem, rows: list.rows, ranges: list.ranges() }),
      );
    }
  }
}
