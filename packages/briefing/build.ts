import type { BriefingItem } from '#contracts/briefing/item.ts';
import { COUNTRY_COLUMNS, PRIMARY_KEYS, RELATIONS } from '#contracts/relations.ts';
import { indexBriefing, THEMES } from './briefing-index.ts';
import { buildCountryItem, GOOD_PRACTICE_FIELDS, PROJECT_FIELDS } from './country-item.ts';
import {
  CuratedTableLoader,
  CuratedTableSet,
  curatedTablesFromRows,
  type TableReads,
} from './curated-tables.ts';
import { buildEventItems } from './event-item.ts';
import { checkKeys, danglingCaveats } from './key-conflicts.ts';
import type { CuratedTables } from './model.ts';
import { buildSourcesItem } from './sources-item.ts';
import { buildThemeItem, practiceRanks, TOP_PRACTICE_FIELDS } from './theme-item.ts';

/**
 * What the country and theme items still read from the large tables once the index and the
 * sources item are built (the rest of every table is in the index as codes and row groups).
 * The survey's answers are tallied in the index: its items only cite its rows. The small tables
 * (pilots, milestones, events, observations, documents) keep their bytes.
 */
const ITEM_READS: Readonly<Record<string, TableReads>> = {
  jmdi_project: {
    columns: PROJECT_FIELDS,
    codes: ['total_budget_currency'],
    numbers: ['total_budget_amount'],
  },
  jmdi_lesson: {
    columns: [...new Set([...GOOD_PRACTICE_FIELDS, ...TOP_PRACTICE_FIELDS])],
    codes: ['evidence_strength'],
    lists: ['condition_tags'],
  },
  survey_response: {},
  survey_respondent: {},
};

/**
 * The large tables `briefingTableLoader` keeps with only the columns the builder reads: a key
 * they repeat across files cannot be compared field by field, so it stays a key conflict
 * (checkKeys; docs/evidence-rules.md, `key-conflict`).
 */
export const STREAMED_TABLES: ReadonlySet<string> = new Set(Object.keys(ITEM_READS));

/**
 * Everything the builder reads from the large tables before the items (ITEM_READS): the keys and
 * links checked across files (relations.ts), the index (briefing-index.ts), the survey's tallies
 * and profiles (survey-stats.ts, unct-profiles.ts). With ITEM_READS it is what
 * `briefingTableLoader` reads from each file; a read not declared here throws
 * CuratedTableReleasedError (tests build every briefing both ways).
 */
const INDEX_READS: Readonly<Record<string, TableReads>> = {
  jmdi_project: {
    codes: ['project_id', 'target_country_iso3', 'theme_primary', 'selection_status'],
    lists: ['hld_rt', 'partner_countries_iso3', 'themes_secondary'],
    numbers: ['jmdi_grant_amount'],
  },
  jmdi_lesson: {
    codes: ['lesson_id', 'project_id', 'iso3', 'theme', 'good_practice'],
    lists: ['hld_rt'],
  },
  survey_respondent: { codes: ['respondent_id', 'iso3', 'validation_status'] },
  survey_response: { codes: ['respondent_id', 'question_name', 'seq', 'value_code'] },
};

/** The reads of every large table: INDEX_READS, ITEM_READS, and the key, link and country columns. */
function briefingReads(): Record<string, TableReads> {
  const reads: Record<string, TableReads> = {};
  const union = (a: readonly string[] | undefined, b: readonly string[] | undefined) => [
    ...new Set([...(a ?? []), ...(b ?? [])]),
  ];
  for (const name of Object.keys(ITEM_READS)) {
    const item = ITEM_READS[name]!;
    const index = INDEX_READS[name] ?? {};
    const keys = [
      ...(PRIMARY_KEYS[name] ?? []),
      ...RELATIONS.flatMap((relation) => [
        ...(relation.table === name ? [relation.field] : []),
        ...(relation.references.table === name ? [relation.references.field] : []),
      ]),
    ];
    const country = COUNTRY_COLUMNS[name];
    reads[name] = {
      columns: union(item.columns, country ? [country] : []),
      codes: union(union(item.codes, index.codes), keys),
      lists: union(item.lists, index.lists),
      numbers: union(item.numbers, index.numbers),
    };
  }
  return reads;
}

/**
 * A loader (CuratedTableLoader) that reads, from each curated file as it is given, only what
 * `briefingItems` reads from the large tables, so that assemble holds one file's bytes at a time
 * instead of all of them; its set gives the same items as `curatedTablesFromArrow` over the files.
 */
export function briefingTableLoader(): CuratedTableLoader {
  return new CuratedTableLoader(briefingReads());
}

/** How `briefingItems` may treat the tables it is given. */
export interface BriefingItemsOptions {
  /**
   * Let go of the large tables' file bytes once the index is built (CuratedTableSet.release),
   * so that the Arrow files are not held while the items are made; the tables cannot be given
   * to a builder again afterwards. For a caller that reads the tables for this briefing only.
   * @default false
   */
  readonly releaseTables?: boolean;
}

/**
 * Builds the HLD briefing dataset (DOMAIN.md §4.8; the item contract: data-contracts/briefing/)
 * from the curated tables: one item per country, per theme and scope, per event, plus the list of
 * every cited source. Pure and deterministic: the same tables give the same items in the same
 * order, so a version's content hash is reproducible.
 *
 * Columnar (PERFORMANCE.md lesson 3): each table is read as codes and typed arrays, and each row
 * is placed once into the groups it belongs to (briefing-index.ts); an item then works only on
 * its own rows, and a row becomes an object only when it appears in an item's body. One file per
 * item type; the rules they share (tolerances, caveat wording) are in rules.ts. The row-based
 * builder this replaced is a test oracle (test/support/reference-briefing.ts), and tests require
 * both to give the same items, byte for byte.
 */
export function buildBriefing(
  tables: CuratedTableSet | CuratedTables,
  options: BriefingItemsOptions = {},
): BriefingItem[] {
  return [...briefingItems(tables, options)];
}

/**
 * The items of `buildBriefing`, in the same order, each handed over as soon as it is finished:
 * a consumer that writes or hashes them one at a time never holds the whole briefing (362 MB of
 * item JSON for the 1M-row bench set), only the index the items are cut from.
 */
export function* briefingItems(
  tables: CuratedTableSet | CuratedTables,
  options: BriefingItemsOptions = {},
): Generator<BriefingItem> {
  const read = tables instanceof CuratedTableSet ? tables : curatedTablesFromRows(tables);
  // Keys across files first: a key two live files claim is held back from every item.
  const keys = checkKeys(read, STREAMED_TABLES);
  const set = keys.held.size > 0 ? read.without(keys.held) : read;
  // A country whose rows are all held back still gets its item, with the caveats saying why.
  const index = indexBriefing(set, keys.caveats.keys());
  const sources = buildSourcesItem(set, keys.conflicts, keys.agreeing);
  danglingCaveats(set, sources.body.integrity_problems, keys.caveats);
  if (options.releaseTables) {
    set.release(ITEM_READS);
    // Tables without held-back rows are shared with the set given: it lets go of them too.
    if (set !== read) read.release(Object.fromEntries(Object.keys(ITEM_READS).map((name) => [name, {}])));
  }
  for (let country = 0; country < index.countries.length; country += 1) {
    const item = buildCountryItem(index, country);
    item.body.caveats.push(...(keys.caveats.get(item.id) ?? []));
    yield item;
  }
  const practiceRank = practiceRanks(index);
  for (let theme = 0; theme < THEMES.length; theme += 1) {
    for (let scope = 0; scope <= index.countries.length; scope += 1) {
      const item = buildThemeItem(index, theme, scope, practiceRank);
      if (item) yield item;
    }
  }
  yield* buildEventItems(index);
  yield sources;
}
