import { RELATIONS } from '#contracts/relations.ts';
import {
  CAPACITY_AREA,
  CAPACITY_TO_HLD_RT,
  DEMAND_LEVEL,
  HAS_CAPACITY,
  HLD_RT_LABELS,
  JMDI_TO_HLD_RT,
  SUPPORT_TYPE,
  THEME_HLD_RT,
  THEME_JMDI,
} from '#contracts/vocabularies.ts';
import { type GroupedRows, GroupMembers, groupRows, rowsOf } from '#packages/columnar/group-by.ts';
import { countryReference } from '#packages/formats/countries.ts';
import type { BriefingItem, BriefingLineage } from '#packages/storage/briefing-store.ts';
import {
  type CuratedTable,
  CuratedTableSet,
  curatedTablesFromRows,
  type ValueCodes,
} from './curated-tables.ts';
import type { CitedSource, CuratedTables } from './model.ts';

/**
 * Builds the HLD briefing dataset (DOMAIN.md §4.8) from the curated tables: one item per
 * country, per theme and scope, per event, plus the list of every cited source. Pure and
 * deterministic: the same tables give the same items in the same order, so a version's content
 * hash is reproducible.
 *
 * Columnar (PERFORMANCE.md lesson 3): each table is read as codes and typed arrays, and each
 * row is placed once into the groups it belongs to (country, theme × scope), in the order the
 * items list it; an item then works only on its own rows. A row becomes an object only when it
 * appears in an item's body. The row-based builder this replaced is kept in reference-build.ts,
 * and tests require both to give the same items, byte for byte.
 */

type Row = Readonly<Record<string, unknown>>;
/** Row numbers of one table. */
type Rows = ArrayLike<number>;

interface RefRun {
  readonly table: CuratedTable;
  readonly rows: Rows;
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;
const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Every theme, in item order: the four round tables, then the four JMDI themes (bit `t` of a mask). */
const THEMES: readonly string[] = [...THEME_HLD_RT, ...THEME_JMDI];
const RT3 = 'RT3_partnerships_coherence_mainstreaming';

/** `String(value)` of a row's value, as the row objects gave it ('undefined' when absent). */
class ColumnText {
  readonly codes: Int32Array;
  readonly values: readonly unknown[];
  /** Per code, shifted by one: index 0 is 'undefined' (the absent value). */
  readonly texts: readonly string[];
  constructor(column: ValueCodes) {
    this.codes = column.codes;
    this.values = column.values;
    this.texts = this.perCode(String);
  }
  /** The raw value of a row (undefined when absent). */
  value(row: number): unknown {
    const code = this.codes[row]!;
    return code < 0 ? undefined : this.values[code];
  }
  text(row: number): string {
    return this.texts[this.codes[row]! + 1]!;
  }
  /** Per code (shifted by one: index 0 is the absent value), what `compute` gives for the value. */
  perCode<T>(compute: (value: unknown) => T): T[] {
    return [compute(undefined), ...this.values.map(compute)];
  }
}

/** Rows 0 … n-1 in a stable order of `String(value)` (UTF-16 code units, as `byText`). */
function sortedByText(column: ColumnText): Int32Array {
  // Rank the distinct values once, then a counting sort of the rows by rank (stable).
  const texts = column.texts;
  const distinct = Array.from(texts.keys()).sort((a, b) => byText(texts[a]!, texts[b]!));
  const rank = new Int32Array(texts.length);
  let current = -1;
  distinct.forEach((code, position) => {
    if (position === 0 || texts[code] !== texts[distinct[position - 1]!]) current += 1;
    rank[code] = current;
  });
  const ranks = new Int32Array(column.codes.length);
  for (let row = 0; row < ranks.length; row += 1) ranks[row] = rank[column.codes[row]! + 1]!;
  return groupRows(ranks, current + 1).rows;
}

/** Rows in a stable order of precomputed keys. */
function sortedByKeys(keys: readonly string[]): number[] {
  return Array.from(keys.keys()).sort((a, b) => byText(keys[a]!, keys[b]!));
}

/** Country index of a value that is exactly one of the countries (`value === iso3`), else -1. */
function strictCountry(countryIndex: ReadonlyMap<string, number>, value: unknown): number {
  return typeof value === 'string' ? (countryIndex.get(value) ?? -1) : -1;
}

/** The most frequent candidate; ties go to the one listed first. */
function modeOf(counts: ArrayLike<number>, at: number, order: readonly string[]): string | undefined {
  let best = -1;
  for (let candidate = 0; candidate < order.length; candidate += 1) {
    const count = counts[at + candidate]!;
    if (count > 0 && (best < 0 || count > counts[at + best]!)) best = candidate;
  }
  return best < 0 ? undefined : order[best];
}

interface CapacityEntry {
  capacity_area: string;
  has_capacity?: string;
  demand_level?: string;
}

interface UnctProfile {
  readonly iso3: string;
  readonly respondents: number;
  readonly capacity: CapacityEntry[];
  /** Respondents per support type (SUPPORT_TYPE order). */
  readonly support: Float64Array;
  /** Respondent rows (one per respondent id, the last read), then response rows, as cited. */
  readonly respondentRows: number[];
  readonly responseRows: Int32Array;
}

/**
 * One profile per surveyed UNCT country. A response counts for the country of its respondent
 * (the last respondent row with that id); capacity and demand answers give the most frequent
 * answer per capacity area, support requests a count per support type.
 */
function unctProfiles(set: CuratedTableSet): UnctProfile[] {
  const respondents = set.table('survey_respondent');
  const responses = set.table('survey_response');
  const respondentIds = new ColumnText(respondents.codes('respondent_id'));
  const respondentIso3 = new ColumnText(respondents.codes('iso3'));
  const lastRow = new Map<string, number>();
  for (let row = 0; row < respondents.length; row += 1) lastRow.set(respondentIds.text(row), row);
  const profileIndex = new Map<string, number>();
  const iso3s: string[] = [];
  const respondentRows: number[][] = [];
  for (const row of lastRow.values()) {
    const iso3 = respondentIso3.text(row);
    let profile = profileIndex.get(iso3);
    if (profile === undefined) {
      profile = iso3s.length;
      profileIndex.set(iso3, profile);
      iso3s.push(iso3);
      respondentRows.push([]);
    }
    respondentRows[profile]!.push(row);
  }

  // Per distinct value, once: which profile a respondent id leads to, what a question and a code are.
  const responseIds = new ColumnText(responses.codes('respondent_id'));
  const profileOfId = Int32Array.from(
    responseIds.perCode((value) => {
      const row = lastRow.get(String(value));
      return row === undefined ? -1 : profileIndex.get(respondentIso3.text(row))!;
    }),
  );
  const areas = CAPACITY_AREA.length;
  const questions = new ColumnText(responses.codes('question_name'));
  // -2: not a profile question; -1: support_requested; 0 … 2·areas-1: capacity/<area>, demand/<area>;
  // 2·areas: a capacity/ or demand/ question of another area (cited, not counted).
  const slotOfQuestion = Int32Array.from(
    questions.perCode((value) => {
      const question = String(value);
      if (question === 'support_requested') return -1;
      if (question.startsWith('capacity/')) {
        const area = CAPACITY_AREA.indexOf(question.slice(9) as (typeof CAPACITY_AREA)[number]);
        return area < 0 ? 2 * areas : area;
      }
      if (question.startsWith('demand/')) {
        const area = CAPACITY_AREA.indexOf(question.slice(7) as (typeof CAPACITY_AREA)[number]);
        return area < 0 ? 2 * areas : areas + area;
      }
      return -2;
    }),
  );
  const answers = new ColumnText(responses.codes('value_code'));
  const present = Uint8Array.from(answers.perCode((value) => (str(value) ? 1 : 0)));
  const hasIndex = Int32Array.from(answers.perCode((value) => HAS_CAPACITY.indexOf(value as never)));
  const demandIndex = Int32Array.from(answers.perCode((value) => DEMAND_LEVEL.indexOf(value as never)));
  const supportIndex = Int32Array.from(answers.perCode((value) => SUPPORT_TYPE.indexOf(value as never)));

  // One pass over the responses: counts in typed arrays, and each cited row's profile.
  const profiles = iso3s.length;
  const hasCounts = new Float64Array(profiles * areas * HAS_CAPACITY.length);
  const demandCounts = new Float64Array(profiles * areas * DEMAND_LEVEL.length);
  const supportCounts = new Float64Array(profiles * SUPPORT_TYPE.length);
  const citedBy = new Int32Array(responses.length).fill(-1);
  for (let row = 0; row < responses.length; row += 1) {
    const profile = profileOfId[responseIds.codes[row]! + 1]!;
    if (profile < 0) continue;
    const answer = answers.codes[row]! + 1;
    if (present[answer] === 0) continue;
    const slot = slotOfQuestion[questions.codes[row]! + 1]!;
    if (slot === -2) continue;
    if (slot === -1) {
      const type = supportIndex[answer]!;
      if (type >= 0) supportCounts[profile * SUPPORT_TYPE.length + type]! += 1;
    } else if (slot < areas) {
      const choice = hasIndex[answer]!;
      if (choice >= 0) hasCounts[(profile * areas + slot) * HAS_CAPACITY.length + choice]! += 1;
    } else if (slot < 2 * areas) {
      const choice = demandIndex[answer]!;
      if (choice >= 0) demandCounts[(profile * areas + slot - areas) * DEMAND_LEVEL.length + choice]! += 1;
    }
    citedBy[row] = profile;
  }
  const cited = groupRows(citedBy, profiles);

  return iso3s.map((iso3, profile) => {
    const capacity = CAPACITY_AREA.flatMap((area, index) => {
      const has = modeOf(hasCounts, (profile * areas + index) * HAS_CAPACITY.length, HAS_CAPACITY);
      const demand = modeOf(demandCounts, (profile * areas + index) * DEMAND_LEVEL.length, DEMAND_LEVEL);
      if (!has && !demand) return [];
      return [
        {
          capacity_area: area,
          ...(has ? { has_capacity: has } : {}),
          ...(demand ? { demand_level: demand } : {}),
        },
      ];
    });
    return {
      iso3,
      respondents: respondentRows[profile]!.length,
      capacity,
      support: supportCounts.slice(profile * SUPPORT_TYPE.length, (profile + 1) * SUPPORT_TYPE.length),
      respondentRows: respondentRows[profile]!,
      responseRows: rowsOf(cited, profile),
    };
  });
}

function refCount(runs: readonly RefRun[]): number {
  return runs.reduce((total, run) => total + run.rows.length, 0);
}

function lowConfidenceCount(runs: readonly RefRun[]): number {
  let low = 0;
  for (const { table, rows } of runs) {
    const flags = table.refs().low;
    for (let index = 0; index < rows.length; index += 1) low += flags[rows[index]!]!;
  }
  return low;
}

/**
 * Documents behind an item, as content: which documents, tables, rows. File SHA-256s and raw
 * keys are provenance, not content: they go to the item's lineage (`lineageOf`), so a re-upload
 * that changes one row changes only the items that row feeds.
 */
function summariseRefs(set: CuratedTableSet, runs: readonly RefRun[]) {
  const grouped = new Map<
    number,
    { source_doc_id: string; tables: Set<string>; rows: number; locators: string[] }
  >();
  for (const { table, rows } of runs) {
    const { doc, origin, locatorTexts } = table.refs();
    for (let index = 0; index < rows.length; index += 1) {
      const row = rows[index]!;
      const code = doc[row]!;
      let entry = grouped.get(code);
      if (!entry) {
        entry = { source_doc_id: set.docs[code]!, tables: new Set(), rows: 0, locators: [] };
        grouped.set(code, entry);
      }
      entry.tables.add(set.origins[origin[row]!]!.table);
      entry.rows += 1;
      if (entry.locators.length < 50) entry.locators.push(locatorTexts[row]!);
    }
  }
  return [...grouped.values()]
    .map((entry) => ({
      source_doc_id: entry.source_doc_id,
      tables: [...entry.tables].sort(byText),
      rows: entry.rows,
      locators: entry.locators,
    }))
    .sort((a, b) => byText(a.source_doc_id, b.source_doc_id));
}

/** Lineage of an item: per document and file, the raw object (key + SHA-256) and row locators. */
function lineageOf(set: CuratedTableSet, runs: readonly RefRun[]): BriefingLineage {
  const grouped = new Map<
    number,
    { source_doc_id: string; file_sha256: string; raw_key: string; tables: Set<string>; locators: string[] }
  >();
  // Provenance codes first: reading a table's refs may add files, and the keys count them.
  const refs = runs.map((run) => run.table.refs());
  const files = set.files.length;
  for (const [position, { rows }] of runs.entries()) {
    const { doc, origin, locatorTexts } = refs[position]!;
    let lastOrigin = -1;
    let entry: { tables: Set<string>; locators: string[] } | undefined;
    let lastKey = -1;
    for (let index = 0; index < rows.length; index += 1) {
      const row = rows[index]!;
      const from = set.origins[origin[row]!]!;
      const key = doc[row]! * files + from.file;
      if (key !== lastKey || !entry) {
        let found = grouped.get(key);
        if (!found) {
          found = {
            source_doc_id: set.docs[doc[row]!]!,
            file_sha256: from.file_sha256,
            raw_key: from.raw_key,
            tables: new Set(),
            locators: [],
          };
          grouped.set(key, found);
        }
        entry = found;
        lastKey = key;
        lastOrigin = -1;
      }
      if (origin[row] !== lastOrigin) {
        entry.tables.add(from.table);
        lastOrigin = origin[row]!;
      }
      entry.locators.push(locatorTexts[row]!);
    }
  }
  return {
    sources: [...grouped.values()]
      .map((entry) => ({
        source_doc_id: entry.source_doc_id,
        file_sha256: entry.file_sha256,
        raw_key: entry.raw_key,
        tables: [...entry.tables].sort(byText),
        rows: entry.locators.length,
        locators: entry.locators,
      }))
      .sort((a, b) => byText(`${a.source_doc_id}|${a.file_sha256}`, `${b.source_doc_id}|${b.file_sha256}`)),
  };
}

function sourceLink(set: CuratedTableSet, table: CuratedTable, row: number) {
  const refs = table.refs();
  return {
    source_doc_id: set.docs[refs.doc[row]!]!,
    table: set.origins[refs.origin[row]!]!.table,
    locator: refs.locators[row]!,
  };
}

const STRATEGY_ORDER = ['none', 'drafting', 'adopted'] as const;

const INDICATOR_LABELS: Readonly<Record<string, string>> = {
  IMM_STOCK: 'Immigrant stock',
  EMIG_STOCK: 'Emigrant stock',
  BILAT_STOCK: 'Bilateral migrant stock',
  REMIT_IN_USD: 'Remittances received (US$)',
  REMIT_OUT_USD: 'Remittances paid (US$)',
  REMIT_IN_PCT_GDP: 'Remittances received (% of GDP)',
  REMIT_COST_PCT: 'Remittance cost (% of amount sent)',
  REFUGEE_STOCK: 'Refugee stock',
};

/** Two sources whose latest values differ by more than this share are flagged, never averaged. */
export const SOURCE_DISAGREEMENT_TOLERANCE = 0.25;

const PILOT_FIELDS = [
  'pilot_id',
  'phase',
  'participation_status',
  'status_as_of',
  'start_date',
  'lead_gov_name',
  'lead_gov_org_id',
  'un_lead_org_ids',
  'donor_org_ids',
  'national_strategy',
  'confidence',
];
const MILESTONE_FIELDS = [
  'milestone_id',
  'milestone_type',
  'status',
  'date_achieved',
  'date_planned',
  'date_precision',
  'handbook_stage',
  'output_area',
  'policy_dimension',
  'description_en',
  'legal_basis',
  'confidence',
];
const PROJECT_FIELDS = [
  'project_id',
  'title_en',
  'title_fr',
  'title_es',
  'theme_primary',
  'hld_rt',
  'selection_status',
  'total_budget_amount',
  'total_budget_currency',
  'partner_countries_iso3',
  'confidence',
];
const GOOD_PRACTICE_FIELDS = [
  'lesson_id',
  'project_id',
  'statement_en',
  'evidence_strength',
  'condition_tags',
];
const TOP_PRACTICE_FIELDS = ['lesson_id', 'statement_en', 'project_id', 'evidence_strength'];
const EVENT_FIELDS = ['event_id', 'title', 'start_date', 'end_date'];
const OBSERVATION_FIELDS = [
  'indicator_id',
  'value',
  'time_period',
  'unit',
  'unit_mult',
  'source',
  'dataset_revision',
  'obs_status',
];
const DOCUMENT_FIELDS = ['title', 'doc_type', 'illustrative', 'licence', 'url'];

function projectRoundTables(row: Row): string[] {
  const explicit = list(row.hld_rt);
  if (explicit.length > 0) return explicit;
  const theme = str(row.theme_primary) as (typeof THEME_JMDI)[number] | undefined;
  return theme ? [...JMDI_TO_HLD_RT[theme]] : [];
}

/**
 * Theme bits of every row (bit t: THEMES[t]): its explicit round tables, or those of its JMDI
 * theme, and its JMDI theme.
 */
function themeMasks(table: CuratedTable, themeColumn: string): Uint8Array {
  const rts = table.lists('hld_rt');
  const rtBit = rts.values.map((value) => {
    const index = THEME_HLD_RT.indexOf(value as (typeof THEME_HLD_RT)[number]);
    return index < 0 ? 0 : 1 << index;
  });
  const themes = new ColumnText(table.codes(themeColumn));
  const implied = themes.perCode((value) => {
    const theme = str(value) as (typeof THEME_JMDI)[number] | undefined;
    let bits = 0;
    const implied = theme && Object.hasOwn(JMDI_TO_HLD_RT, theme) ? JMDI_TO_HLD_RT[theme] : [];
    for (const rt of implied) bits |= 1 << THEME_HLD_RT.indexOf(rt);
    return bits;
  });
  const jmdi = themes.perCode((value) => {
    const index = THEME_JMDI.indexOf(value as (typeof THEME_JMDI)[number]);
    return index < 0 ? 0 : 1 << (THEME_HLD_RT.length + index);
  });
  const masks = new Uint8Array(table.length);
  for (let row = 0; row < table.length; row += 1) {
    const first = rts.offsets[row]!;
    const last = rts.offsets[row + 1]!;
    let bits = 0;
    if (last > first) for (let item = first; item < last; item += 1) bits |= rtBit[rts.codes[item]!]!;
    else bits = implied[themes.codes[row]! + 1]!;
    masks[row] = bits | jmdi[themes.codes[row]! + 1]!;
  }
  return masks;
}

/**
 * Transnational corridors, ranked once: every (target country, partner country) pair a project
 * lists gets the rank of its key text `<origin>><destination>`, so a theme's corridors come out
 * in key order from a numeric sort.
 */
interface CorridorRanks {
  /** Per project row: its pairs are `ranks[offsets[row]] …` (aligned with the partner list). */
  readonly offsets: Int32Array;
  readonly ranks: Int32Array;
  /** Per rank: `key.split('>')`, as origin and destination. */
  readonly parts: readonly (readonly string[])[];
}

function corridorRanks(project: CuratedTable, targets: ColumnText): CorridorRanks {
  const partners = project.lists('partner_countries_iso3');
  const targetTexts = targets.perCode((value) => `${value}`);
  const keyOf = new Map<string, number>();
  const keys: string[] = [];
  const pairKeys = new Int32Array(partners.codes.length);
  for (let row = 0; row < project.length; row += 1) {
    const origin = `${targetTexts[targets.codes[row]! + 1]}>`;
    for (let item = partners.offsets[row]!; item < partners.offsets[row + 1]!; item += 1) {
      const key = origin + partners.values[partners.codes[item]!]!;
      let code = keyOf.get(key);
      if (code === undefined) {
        code = keys.length;
        keyOf.set(key, code);
        keys.push(key);
      }
      pairKeys[item] = code;
    }
  }
  const sorted = Array.from(keys.keys()).sort((a, b) => byText(keys[a]!, keys[b]!));
  const rankOf = new Int32Array(keys.length);
  sorted.forEach((code, rank) => {
    rankOf[code] = rank;
  });
  return {
    offsets: partners.offsets,
    ranks: Int32Array.from(pairKeys, (code) => rankOf[code]!),
    parts: sorted.map((code) => keys[code]!.split('>')),
  };
}

/** Everything the items are cut from: tables indexed by country and by theme × scope, once. */
interface BriefingIndex {
  readonly set: CuratedTableSet;
  readonly countries: readonly string[];
  readonly profiles: readonly UnctProfile[];
  /** Per country: its profile, or -1. */
  readonly profileOf: Int32Array;
  readonly pilot: CuratedTable;
  readonly milestone: CuratedTable;
  readonly project: CuratedTable;
  readonly lesson: CuratedTable;
  readonly event: CuratedTable;
  readonly observation: CuratedTable;
  /** Per country, in item order. */
  readonly pilotsOf: GroupedRows;
  readonly milestonesOf: GroupedRows;
  readonly projectsOf: GroupedRows;
  readonly lessonsOf: GroupedRows;
  readonly eventsOf: GroupedRows;
  readonly observationsOf: GroupedRows;
  /** Per theme × scope (group `t · (countries + 1) + s`, scope 0 = GLOBAL). */
  readonly themeProjects: GroupedRows;
  readonly themeLessons: GroupedRows;
  /** Per scope: the milestones RT3 cites. */
  readonly rt3Milestones: GroupedRows;
  readonly corridors: CorridorRanks;
  readonly projectIds: ColumnText;
  readonly projectThemes: ColumnText;
  readonly lessonIds: ColumnText;
  readonly good: Uint8Array;
}

function indexBriefing(set: CuratedTableSet): BriefingIndex {
  const pilot = set.table('pilot');
  const milestone = set.table('pilot_milestone');
  const project = set.table('jmdi_project');
  const lesson = set.table('jmdi_lesson');
  const event = set.table('event');
  const observation = set.table('observation');
  const profiles = unctProfiles(set);

  const pilotIso3 = new ColumnText(pilot.codes('iso3'));
  const projectTargets = new ColumnText(project.codes('target_country_iso3'));
  const eventIso3 = new ColumnText(event.codes('iso3'));
  const observationIso3 = new ColumnText(observation.codes('ref_area_iso3'));

  // The countries: every code that occurs, once.
  const names = new Set<string>();
  const addOccurring = (column: ColumnText, keep: (value: unknown) => boolean = () => true) => {
    const texts = column.perCode((value) => (keep(value) ? String(value) : undefined));
    const seen = new Uint8Array(texts.length);
    for (let row = 0; row < column.codes.length; row += 1) seen[column.codes[row]! + 1] = 1;
    texts.forEach((text, code) => {
      if (seen[code] && text !== undefined) names.add(text);
    });
  };
  addOccurring(pilotIso3);
  addOccurring(projectTargets);
  for (const profile of profiles) names.add(profile.iso3);
  addOccurring(eventIso3, (value) => Boolean(value));
  addOccurring(observationIso3);
  const countries = [...names].sort(byText);
  const countryIndex = new Map(countries.map((iso3, index) => [iso3, index]));
  const scopes = countries.length + 1;
  const profileOf = new Int32Array(countries.length).fill(-1);
  profiles.forEach((profile, index) => {
    profileOf[countryIndex.get(profile.iso3)!] = index;
  });
  const countryOf = (column: ColumnText) => {
    const byCode = column.perCode((value) => strictCountry(countryIndex, value));
    return Int32Array.from(column.codes, (code) => byCode[code + 1]!);
  };

  // Pilots and their milestones (milestones by id; a milestone follows every pilot of its id).
  const pilotCountry = countryOf(pilotIso3);
  const pilotsOf = groupRows(pilotCountry, countries.length);
  const pilotIds = new ColumnText(pilot.codes('pilot_id'));
  const countriesOfPilotId = new Map<string, number[]>();
  for (let row = 0; row < pilot.length; row += 1) {
    if (pilotCountry[row]! < 0) continue;
    const id = pilotIds.text(row);
    const list = countriesOfPilotId.get(id) ?? [];
    if (!list.includes(pilotCountry[row]!)) list.push(pilotCountry[row]!);
    countriesOfPilotId.set(id, list);
  }
  const milestonePilots = new ColumnText(milestone.codes('pilot_id'));
  const milestonesByCountry = new GroupMembers();
  for (const row of sortedByText(new ColumnText(milestone.codes('milestone_id')))) {
    for (const country of countriesOfPilotId.get(milestonePilots.text(row)) ?? [])
      milestonesByCountry.add(country, row);
  }
  const rt3Members = new GroupMembers();
  const rt3Scope = milestonePilots.perCode(
    (value) => (countryIndex.get(String(value).slice(3, 6)) ?? -1) + 1,
  );
  for (let row = 0; row < milestone.length; row += 1) {
    rt3Members.add(0, row);
    const scope = rt3Scope[milestonePilots.codes[row]! + 1]!;
    if (scope > 0) rt3Members.add(scope, row);
  }

  // Projects: by id, then into their country and every theme × scope they count for.
  const projectIds = new ColumnText(project.codes('project_id'));
  const projectThemes = new ColumnText(project.codes('theme_primary'));
  const projectCountry = countryOf(projectTargets);
  const projectMasks = themeMasks(project, 'theme_primary');
  const projectsByCountry = new GroupMembers();
  const themeProjects = new GroupMembers();
  for (const row of sortedByText(projectIds)) {
    const country = projectCountry[row]!;
    if (country >= 0) projectsByCountry.add(country, row);
    const mask = projectMasks[row]!;
    for (let theme = 0; mask >> theme; theme += 1) {
      if (!((mask >> theme) & 1)) continue;
      themeProjects.add(theme * scopes, row);
      if (country >= 0) themeProjects.add(theme * scopes + country + 1, row);
    }
  }
  // Project rows by id text: one code per distinct text, then the rows of each (CSR).
  const idCode = new Map<string, number>();
  const canonicalId = Int32Array.from(
    projectIds.perCode((value) => {
      const text = String(value);
      let code = idCode.get(text);
      if (code === undefined) {
        code = idCode.size;
        idCode.set(text, code);
      }
      return code;
    }),
  );
  const projectsById = groupRows(
    Int32Array.from(projectIds.codes, (code) => canonicalId[code + 1]!),
    idCode.size,
  );
  const corridors = corridorRanks(project, projectTargets);

  // Lessons: a country's lessons name it or one of its projects; a theme scope's lessons name
  // its country or one of the projects it lists.
  const lessonIds = new ColumnText(lesson.codes('lesson_id'));
  const lessonProjects = new ColumnText(lesson.codes('project_id'));
  const linkedRows = lessonProjects.perCode((value) => {
    const code = idCode.get(String(value));
    return code === undefined ? new Int32Array(0) : rowsOf(projectsById, code);
  });
  const lessonCountry = countryOf(new ColumnText(lesson.codes('iso3')));
  const lessonMasks = themeMasks(lesson, 'theme');
  const lessonsByCountry = new GroupMembers();
  const themeLessons = new GroupMembers();
  const scopesOfLesson: number[] = [];
  for (const row of sortedByText(lessonIds)) {
    const linked = linkedRows[lessonProjects.codes[row]! + 1]!;
    const own = lessonCountry[row]!;
    scopesOfLesson.length = 0;
    if (own >= 0) scopesOfLesson.push(own);
    for (const projectRow of linked) {
      const country = projectCountry[projectRow]!;
      if (country >= 0 && !scopesOfLesson.includes(country)) scopesOfLesson.push(country);
    }
    for (const country of scopesOfLesson) lessonsByCountry.add(country, row);
    const mask = lessonMasks[row]!;
    for (let theme = 0; mask >> theme; theme += 1) {
      if (!((mask >> theme) & 1)) continue;
      themeLessons.add(theme * scopes, row);
      scopesOfLesson.length = 0;
      if (own >= 0) scopesOfLesson.push(own);
      for (const projectRow of linked) {
        const country = projectCountry[projectRow]!;
        if (country >= 0 && (projectMasks[projectRow]! >> theme) & 1 && !scopesOfLesson.includes(country))
          scopesOfLesson.push(country);
      }
      for (const country of scopesOfLesson) themeLessons.add(theme * scopes + country + 1, row);
    }
  }

  // Events by date and id, into the country they are in and every country they list.
  const eventStarts = new ColumnText(event.codes('start_date'));
  const eventIds = new ColumnText(event.codes('event_id'));
  const eventCountry = countryOf(eventIso3);
  const eventCountries = event.lists('country_iso3s');
  const eventsByCountry = new GroupMembers();
  const eventKeys = Array.from(
    { length: event.length },
    (_, row) => `${eventStarts.value(row)}${eventIds.value(row)}`,
  );
  for (const row of sortedByKeys(eventKeys)) {
    const found: number[] = [];
    if (eventCountry[row]! >= 0) found.push(eventCountry[row]!);
    for (let item = eventCountries.offsets[row]!; item < eventCountries.offsets[row + 1]!; item += 1) {
      const country = countryIndex.get(eventCountries.values[eventCountries.codes[item]!]!) ?? -1;
      if (country >= 0 && !found.includes(country)) found.push(country);
    }
    for (const country of found) eventsByCountry.add(country, row);
  }

  const good = lesson.codes('good_practice');
  return {
    set,
    countries,
    profiles,
    profileOf,
    pilot,
    milestone,
    project,
    lesson,
    event,
    observation,
    pilotsOf,
    milestonesOf: milestonesByCountry.build(countries.length),
    projectsOf: projectsByCountry.build(countries.length),
    lessonsOf: lessonsByCountry.build(countries.length),
    eventsOf: eventsByCountry.build(countries.length),
    observationsOf: groupRows(countryOf(observationIso3), countries.length),
    themeProjects: themeProjects.build(THEMES.length * scopes),
    themeLessons: themeLessons.build(THEMES.length * scopes),
    rt3Milestones: rt3Members.build(scopes),
    corridors,
    projectIds,
    projectThemes,
    lessonIds,
    good: Uint8Array.from(good.codes, (code) => (code >= 0 && good.values[code] === true ? 1 : 0)),
  };
}

/**
 * Context figures of one country: every value keeps its source, revision and year; values of
 * different sources stay side by side, and a caveat names sources that disagree.
 */
function contextFigures(index: BriefingIndex, rows: Rows, caveats: string[]) {
  const { set, observation } = index;
  const counterparts = new ColumnText(observation.codes('counterpart_iso3'));
  const sexes = new ColumnText(observation.codes('sex'));
  const byIndicator = new Map<string, { row: Row; link: ReturnType<typeof sourceLink> }[]>();
  for (let at = 0; at < rows.length; at += 1) {
    const row = rows[at]!;
    const sex = sexes.value(row);
    if (counterparts.value(row) || (sex && sex !== '_T')) continue;
    const values = observation.row(row, OBSERVATION_FIELDS);
    const indicator = String(values.indicator_id);
    const entries = byIndicator.get(indicator);
    const entry = { row: values, link: sourceLink(set, observation, row) };
    if (entries) entries.push(entry);
    else byIndicator.set(indicator, [entry]);
  }
  return [...byIndicator.keys()].sort(byText).map((indicator) => {
    const values = (byIndicator.get(indicator) ?? [])
      .map(({ row, link }) => ({
        value: row.value ?? null,
        year: String(row.time_period),
        unit: row.unit,
        unit_mult: row.unit_mult,
        source: String(row.source),
        revision: String(row.dataset_revision),
        obs_status: row.obs_status,
        source_link: link,
      }))
      .sort((a, b) => byText(`${a.source}|${a.revision}|${a.year}`, `${b.source}|${b.revision}|${b.year}`));
    const latest = new Map<string, (typeof values)[number]>();
    for (const value of values) {
      if (typeof value.value !== 'number') continue;
      const key = `${value.source}|${value.revision}`;
      const seen = latest.get(key);
      if (!seen || seen.year < value.year) latest.set(key, value);
    }
    const series = [...latest.values()];
    const numbers = series.map((value) => value.value as number);
    if (
      series.length > 1 &&
      Math.min(...numbers) > 0 &&
      Math.max(...numbers) / Math.min(...numbers) - 1 > SOURCE_DISAGREEMENT_TOLERANCE
    ) {
      caveats.push(
        `${INDICATOR_LABELS[indicator] ?? indicator} differs between sources: ${series
          .map(
            (value) =>
              `${value.source} ${value.revision} (${value.year}: ${(value.value as number).toLocaleString('en-GB')})`,
          )
          .join(' vs ')}; all values are shown, none is averaged or merged.`,
      );
    }
    return { indicator_id: indicator, label: INDICATOR_LABELS[indicator] ?? indicator, values };
  });
}

function buildCountry(index: BriefingIndex, countryIndex: number): BriefingItem {
  const { set, pilot, milestone, project, lesson, event, observation } = index;
  const iso3 = index.countries[countryIndex]!;
  const country = countryReference().byIso3(iso3);
  const profileIndex = index.profileOf[countryIndex]!;
  const profile = profileIndex >= 0 ? index.profiles[profileIndex] : undefined;
  const pilotRows = rowsOf(index.pilotsOf, countryIndex);
  const milestoneRows = rowsOf(index.milestonesOf, countryIndex);
  const projectRows = rowsOf(index.projectsOf, countryIndex);
  const lessonRows = rowsOf(index.lessonsOf, countryIndex);
  const eventRows = rowsOf(index.eventsOf, countryIndex);
  const observationRows = rowsOf(index.observationsOf, countryIndex);
  const pilots = Array.from(pilotRows, (row) => pilot.row(row, PILOT_FIELDS));
  const milestones = Array.from(milestoneRows, (row) => milestone.row(row, MILESTONE_FIELDS));

  const achieved = milestones.filter((row) => row.status === 'achieved');
  const latest = [...achieved]
    .sort((a, b) => byText(String(a.date_achieved ?? ''), String(b.date_achieved ?? '')))
    .at(-1);
  const types = new Set(achieved.map((row) => String(row.milestone_type)));
  const allTypes = new Set(milestones.map((row) => String(row.milestone_type)));
  const strategyStatus: (typeof STRATEGY_ORDER)[number] = types.has('strategy_or_action_plan_adopted')
    ? 'adopted'
    : allTypes.has('strategy_or_action_plan_drafted') || allTypes.has('strategy_or_action_plan_adopted')
      ? 'drafting'
      : 'none';
  const empStatus = types.has('emp_template_adopted')
    ? 'template_adopted'
    : types.has('emp_produced')
      ? 'produced'
      : allTypes.has('emp_produced') || allTypes.has('emp_template_adopted')
        ? 'in_progress'
        : 'none';

  // Counts and the EUR total over the typed columns, in project order (the order of the sum
  // decides the last bits of the total).
  const byTheme = Object.fromEntries(THEME_JMDI.map((theme) => [theme, 0])) as Record<string, number>;
  const amounts = project.numbers('total_budget_amount');
  const currencies = new ColumnText(project.codes('total_budget_currency'));
  let budgetEur = 0;
  let budgetOther = 0;
  for (let at = 0; at < projectRows.length; at += 1) {
    const row = projectRows[at]!;
    const theme = index.projectThemes.text(row);
    byTheme[theme] = (byTheme[theme] ?? 0) + 1;
    if (amounts.valid[row]) {
      const currency = currencies.value(row);
      if (currency === 'EUR' || currency === undefined) budgetEur += amounts.values[row]!;
      else budgetOther += 1;
    }
  }

  const runs: RefRun[] = [
    { table: pilot, rows: pilotRows },
    { table: milestone, rows: milestoneRows },
    { table: project, rows: projectRows },
    { table: lesson, rows: lessonRows },
    { table: event, rows: eventRows },
    ...(profile
      ? [
          { table: set.table('survey_respondent'), rows: profile.respondentRows },
          { table: set.table('survey_response'), rows: profile.responseRows },
        ]
      : []),
  ];
  const caveats: string[] = [];
  if (budgetOther > 0)
    caveats.push(`${budgetOther} project budgets are not in EUR and are not included in the EUR total.`);
  if (pilots.length > 1)
    caveats.push(
      'More than one pilot record: sources disagree or the pilot has several phases; all are listed.',
    );
  const figures = contextFigures(index, observationRows, caveats);
  runs.push({ table: observation, rows: observationRows });
  const low = lowConfidenceCount(runs);
  if (low > 0) {
    caveats.unshift(
      `${low} of ${refCount(runs)} rows behind this briefing have confidence 'low' (illustrative or unverified); do not cite them as fact.`,
    );
  }
  const surveyCapacity = profile?.capacity ?? [];
  const body = {
    iso3,
    name: country?.name_en ?? iso3,
    m49: country?.m49,
    subregion: country?.subregion_name,
    ldc: country?.ldc ?? false,
    lldc: country?.lldc ?? false,
    sids: country?.sids ?? false,
    pilots: pilots.map((row, at) => ({
      pilot_id: row.pilot_id,
      phase: row.phase,
      participation_status: row.participation_status,
      status_as_of: row.status_as_of,
      start_date: row.start_date,
      lead_gov: row.lead_gov_name ?? row.lead_gov_org_id,
      un_leads: list(row.un_lead_org_ids),
      donors: list(row.donor_org_ids),
      national_strategy: row.national_strategy,
      confidence: row.confidence,
      source: sourceLink(set, pilot, pilotRows[at]!),
    })),
    milestones: milestones.map((row, at) => ({
      milestone_id: row.milestone_id,
      milestone_type: row.milestone_type,
      status: row.status,
      date: row.date_achieved ?? row.date_planned,
      date_precision: row.date_precision,
      handbook_stage: row.handbook_stage,
      output_area: row.output_area,
      policy_dimension: row.policy_dimension,
      description: row.description_en,
      legal_basis: row.legal_basis,
      confidence: row.confidence,
      source: sourceLink(set, milestone, milestoneRows[at]!),
    })),
    mainstreaming: {
      milestones_achieved_n: achieved.length,
      latest_milestone_type: latest?.milestone_type,
      latest_milestone_date: latest?.date_achieved,
      strategy_status: strategyStatus,
      emp_status: empStatus,
      coordination_mechanism: types.has('coordination_mechanism_established'),
      me_framework: types.has('me_framework_established'),
    },
    survey: {
      unct_surveyed: profile !== undefined,
      respondents_n: profile?.respondents ?? 0,
      capacity: surveyCapacity,
      capacity_gaps: surveyCapacity
        .filter((entry) => entry.has_capacity === 'no' || entry.has_capacity === 'partial')
        .map((entry) => ({ capacity_area: entry.capacity_area, has_capacity: entry.has_capacity })),
      top_demands: surveyCapacity
        .filter((entry) => entry.demand_level === 'high')
        .map((entry) => entry.capacity_area),
      support_types_requested: SUPPORT_TYPE.flatMap((type, at) =>
        profile && profile.support[at]! > 0
          ? [{ support_type: type, respondents: profile.support[at]! }]
          : [],
      ),
    },
    jmdi: {
      is_jmdi1_target: country?.is_jmdi1_target ?? false,
      projects_n: projectRows.length,
      projects_by_theme: byTheme,
      budget_eur_total: budgetEur,
      projects: Array.from(projectRows, (row) => {
        const values = project.row(row, PROJECT_FIELDS);
        return {
          project_id: values.project_id,
          title: values.title_en ?? values.title_fr ?? values.title_es,
          theme_primary: values.theme_primary,
          hld_rt: projectRoundTables(values),
          selection_status: values.selection_status,
          total_budget_amount: values.total_budget_amount,
          total_budget_currency: values.total_budget_currency,
          partner_countries_iso3: list(values.partner_countries_iso3),
          confidence: values.confidence,
          source: sourceLink(set, project, row),
        };
      }),
      good_practices: Array.from(lessonRows)
        .filter((row) => index.good[row] === 1)
        .map((row) => {
          const values = lesson.row(row, GOOD_PRACTICE_FIELDS);
          return {
            lesson_id: values.lesson_id,
            project_id: values.project_id,
            statement: values.statement_en,
            evidence_strength: values.evidence_strength,
            condition_tags: list(values.condition_tags),
            source: sourceLink(set, lesson, row),
          };
        }),
    },
    context_figures: figures,
    events: Array.from(eventRows, (row) => {
      const values = event.row(row, EVENT_FIELDS);
      return {
        event_id: values.event_id,
        title: values.title,
        start_date: values.start_date,
        end_date: values.end_date,
        source: sourceLink(set, event, row),
      };
    }),
    caveats,
    sources: summariseRefs(set, runs),
  };
  return { type: 'country', id: iso3, body, lineage: lineageOf(set, runs) };
}

/** Evidence strength order of good practices, as text: '-1' (unknown) < '0' (strong) < '1' < '2'. */
function practiceKeys(index: BriefingIndex): (row: number) => string {
  const strengths = new ColumnText(index.lesson.codes('evidence_strength'));
  const strength = strengths.perCode((value) => ['strong', 'moderate', 'weak'].indexOf(String(value)));
  const keys = new Map<number, string>();
  return (row) => {
    let key = keys.get(row);
    if (key === undefined) {
      key = `${strength[strengths.codes[row]! + 1]}${index.lessonIds.value(row)}`;
      keys.set(row, key);
    }
    return key;
  };
}

/** The first `count` rows by key, ties in their given order (what a stable sort then slice gives). */
function firstByKey(rows: readonly number[], count: number, keyOf: (row: number) => string): number[] {
  const best: number[] = [];
  for (const row of rows) {
    const key = keyOf(row);
    if (best.length === count && byText(key, keyOf(best[count - 1]!)) >= 0) continue;
    let at = best.length;
    while (at > 0 && byText(key, keyOf(best[at - 1]!)) < 0) at -= 1;
    best.splice(at, 0, row);
    if (best.length > count) best.pop();
  }
  return best;
}

function buildTheme(
  index: BriefingIndex,
  theme: number,
  scopeIndex: number,
  practiceKey: (row: number) => string,
): BriefingItem | undefined {
  const { set, project, lesson, milestone } = index;
  const name = THEMES[theme]!;
  const scope = scopeIndex === 0 ? 'GLOBAL' : index.countries[scopeIndex - 1]!;
  const isRoundTable = theme < THEME_HLD_RT.length;
  const group = theme * (index.countries.length + 1) + scopeIndex;
  const projectRows = rowsOf(index.themeProjects, group);
  const lessonRows = rowsOf(index.themeLessons, group);
  const good = Array.from(lessonRows).filter((row) => index.good[row] === 1);
  const tags = lesson.lists('condition_tags');
  const conditions = new Map<number, number>();
  for (const row of good) {
    for (let item = tags.offsets[row]!; item < tags.offsets[row + 1]!; item += 1) {
      const tag = tags.codes[item]!;
      conditions.set(tag, (conditions.get(tag) ?? 0) + 1);
    }
  }
  // Corridors: (rank, position) pairs sorted as numbers, then read off in runs of one rank.
  const { offsets: pairOffsets, ranks, parts } = index.corridors;
  let pairs = 0;
  for (let at = 0; at < projectRows.length; at += 1)
    pairs += pairOffsets[projectRows[at]! + 1]! - pairOffsets[projectRows[at]!]!;
  const scale = 2 ** Math.ceil(Math.log2(pairs + 1));
  const order = new Float64Array(pairs);
  const pairRows = new Int32Array(pairs);
  let pair = 0;
  for (let at = 0; at < projectRows.length; at += 1) {
    const row = projectRows[at]!;
    for (let item = pairOffsets[row]!; item < pairOffsets[row + 1]!; item += 1) {
      order[pair] = ranks[item]! * scale + pair;
      pairRows[pair] = row;
      pair += 1;
    }
  }
  order.sort();
  const corridors: {
    origin_iso3?: string;
    destination_iso3?: string;
    projects_n: number;
    projects: string[];
  }[] = [];
  let lastRank = -1;
  for (const value of order) {
    const rank = Math.floor(value / scale);
    const row = pairRows[value - rank * scale]!;
    if (rank !== lastRank) {
      const [origin_iso3, destination_iso3] = parts[rank]!;
      corridors.push({ origin_iso3, destination_iso3, projects_n: 0, projects: [] });
      lastRank = rank;
    }
    const corridor = corridors[corridors.length - 1]!;
    corridor.projects.push(index.projectIds.text(row));
    corridor.projects_n += 1;
  }
  const milestoneRows = name === RT3 ? rowsOf(index.rt3Milestones, scopeIndex) : new Int32Array(0);
  const demands = new Map<string, number>();
  index.profiles.forEach((profile, profileIndex) => {
    if (scopeIndex !== 0 && index.profileOf[scopeIndex - 1] !== profileIndex) return;
    for (const entry of profile.capacity) {
      const rt = CAPACITY_TO_HLD_RT[entry.capacity_area as (typeof CAPACITY_AREA)[number]];
      if (entry.demand_level === 'high' && (!isRoundTable || rt === name)) {
        demands.set(entry.capacity_area, (demands.get(entry.capacity_area) ?? 0) + 1);
      }
    }
  });
  if (
    projectRows.length === 0 &&
    lessonRows.length === 0 &&
    milestoneRows.length === 0 &&
    demands.size === 0 &&
    scopeIndex !== 0
  ) {
    return undefined;
  }
  const jmdiCounts = THEME_JMDI.map(() => 0);
  for (let at = 0; at < projectRows.length; at += 1) {
    const jmdi = THEME_JMDI.indexOf(
      index.projectThemes.value(projectRows[at]!) as (typeof THEME_JMDI)[number],
    );
    if (jmdi >= 0) jmdiCounts[jmdi]! += 1;
  }
  const runs: RefRun[] = [
    { table: project, rows: projectRows },
    { table: lesson, rows: lessonRows },
    { table: milestone, rows: milestoneRows },
  ];
  return {
    type: 'theme',
    id: `${name}@${scope}`,
    body: {
      theme: name,
      label: isRoundTable ? HLD_RT_LABELS[name as (typeof THEME_HLD_RT)[number]] : `JMDI theme: ${name}`,
      theme_kind: isRoundTable ? 'hld_round_table' : 'jmdi_theme',
      scope,
      n_projects: projectRows.length,
      projects: Array.from(projectRows, (row) => index.projectIds.value(row)),
      jmdi_themes: Object.fromEntries(THEME_JMDI.map((jmdi, at) => [jmdi, jmdiCounts[at]])),
      n_good_practices: good.length,
      top_practices: firstByKey(good, 10, practiceKey).map((row) => {
        const values = lesson.row(row, TOP_PRACTICE_FIELDS);
        return {
          lesson_id: values.lesson_id,
          statement: values.statement_en,
          project_id: values.project_id,
          evidence_strength: values.evidence_strength,
          source: sourceLink(set, lesson, row),
        };
      }),
      common_conditions: [...conditions]
        .map(([tag, n]) => [tags.values[tag]!, n] as const)
        .sort(([a, x], [b, y]) => y - x || byText(a, b))
        .map(([condition_tag, n]) => ({ condition_tag, n })),
      transnational_corridors: corridors,
      pilot_evidence: Array.from(milestoneRows, (row) => {
        const values = milestone.row(row, ['milestone_id', 'milestone_type', 'status']);
        return {
          milestone_id: values.milestone_id,
          milestone_type: values.milestone_type,
          status: values.status,
          source: sourceLink(set, milestone, row),
        };
      }),
      survey_demands: [...demands]
        .sort(([a, x], [b, y]) => y - x || byText(a, b))
        .map(([capacity_area, uncts_high_demand]) => ({ capacity_area, uncts_high_demand })),
      sources: summariseRefs(set, runs),
    },
    lineage: lineageOf(set, runs),
  };
}

/**
 * Foreign keys across files (a lesson in one upload naming a project in another) can only be
 * checked here, once every source is in. Breaks are listed, never silently dropped.
 */
function integrityProblems(set: CuratedTableSet) {
  const problems: {
    table: string;
    field: string;
    value: string;
    references: string;
    locator: string;
    source_doc_id: string;
  }[] = [];
  for (const relation of RELATIONS) {
    if (!set.has(relation.table)) continue;
    const children = set.table(relation.table);
    if (children.length === 0) continue;
    const parents = set.table(relation.references.table);
    const parentKeys = new ColumnText(parents.codes(relation.references.field));
    const keys = new Set<string>();
    for (let row = 0; row < parents.length; row += 1) keys.add(parentKeys.text(row));
    // Per distinct child value, once: is it a key?
    const childKeys = new ColumnText(children.codes(relation.field));
    const broken = childKeys.perCode((value) => value !== undefined && !keys.has(String(value)));
    const refs = children.refs();
    for (let row = 0; row < children.length; row += 1) {
      if (!broken[childKeys.codes[row]! + 1]) continue;
      problems.push({
        table: relation.table,
        field: relation.field,
        value: childKeys.text(row),
        references: `${relation.references.table}.${relation.references.field}`,
        locator: refs.locators[row]!,
        source_doc_id: set.docs[refs.doc[row]!]!,
      });
    }
  }
  return problems.sort((a, b) =>
    byText(`${a.table}|${a.value}|${a.locator}`, `${b.table}|${b.value}|${b.locator}`),
  );
}

function buildSources(set: CuratedTableSet): BriefingItem {
  const documents = set.table('source_document');
  const documentIds = new ColumnText(documents.codes('doc_id'));
  const documentRow = new Map<string, number>();
  for (let row = 0; row < documents.length; row += 1) documentRow.set(documentIds.text(row), row);
  // Per document, in order of first citation: the tables citing it and how many rows.
  const cited = new Map<number, { tables: Set<string>; rows: number }>();
  const tables = set.all();
  for (const table of tables) {
    const { doc, origin } = table.refs();
    for (let row = 0; row < table.length; row += 1) {
      let entry = cited.get(doc[row]!);
      if (!entry) {
        entry = { tables: new Set(), rows: 0 };
        cited.set(doc[row]!, entry);
      }
      entry.tables.add(set.origins[origin[row]!]!.table);
      entry.rows += 1;
    }
  }
  const sources: CitedSource[] = [...cited]
    .map(([code, entry]) => [set.docs[code]!, entry] as const)
    .sort(([a], [b]) => byText(a, b))
    .map(([docId, entry]) => {
      const row = documentRow.get(docId);
      const document = row === undefined ? undefined : documents.row(row, DOCUMENT_FIELDS);
      return {
        source_doc_id: docId,
        ...(document?.title ? { title: String(document.title) } : {}),
        ...(document?.doc_type ? { doc_type: String(document.doc_type) } : {}),
        ...(document ? { illustrative: document.illustrative === true } : {}),
        ...(document?.licence ? { licence: String(document.licence) } : {}),
        ...(document?.url ? { url: String(document.url) } : {}),
        tables: [...entry.tables].sort(byText),
        rows: entry.rows,
      };
    });
  const runs = tables.map((table) => ({
    table,
    rows: Int32Array.from({ length: table.length }, (_, row) => row),
  }));
  return {
    type: 'sources',
    id: 'all',
    body: { sources, integrity_problems: integrityProblems(set) },
    lineage: lineageOf(set, runs),
  };
}

function stripProvenanceNoise(row: Row): Record<string, unknown> {
  const { _locator: _drop, extracted_at: _at, ...rest } = row as Record<string, unknown>;
  return rest;
}

/**
 * Build every item of a briefing version from the curated tables: the columnar view of the
 * Arrow snapshots (`curatedTablesFromArrow`), or row objects.
 */
export function buildBriefing(tables: CuratedTableSet | CuratedTables): BriefingItem[] {
  const set = tables instanceof CuratedTableSet ? tables : curatedTablesFromRows(tables);
  const index = indexBriefing(set);
  const items: BriefingItem[] = [];
  for (let country = 0; country < index.countries.length; country += 1)
    items.push(buildCountry(index, country));
  const practiceKey = practiceKeys(index);
  for (let theme = 0; theme < THEMES.length; theme += 1) {
    for (let scope = 0; scope <= index.countries.length; scope += 1) {
      const item = buildTheme(index, theme, scope, practiceKey);
      if (item) items.push(item);
    }
  }
  // briefing_event is the event table of the HLD preparation period, 2011–2013 (DOMAIN.md §4.8).
  const { event } = index;
  const starts = new ColumnText(event.codes('start_date'));
  const ids = new ColumnText(event.codes('event_id'));
  const inPeriod = starts.perCode((value) => /^201[123]-/.test(String(value)));
  const periodRows: number[] = [];
  for (let row = 0; row < event.length; row += 1) if (inPeriod[starts.codes[row]! + 1]) periodRows.push(row);
  const periodKeys = periodRows.map((row) => ids.text(row));
  for (const at of sortedByKeys(periodKeys)) {
    const row = periodRows[at]!;
    items.push({
      type: 'event',
      id: ids.text(row),
      body: { ...stripProvenanceNoise(event.row(row)), source: sourceLink(index.set, event, row) },
      lineage: lineageOf(index.set, [{ table: event, rows: [row] }]),
    });
  }
  items.push(buildSources(set));
  return items;
}
