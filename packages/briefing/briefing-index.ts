import { BRIEFING_THEMES } from '#contracts/briefing/vocabulary.ts';
import { JMDI_TO_HLD_RT, THEME_HLD_RT, THEME_JMDI } from '#contracts/vocabularies.ts';
import { type GroupedRows, GroupMembers, groupRows, rowsOf } from '#packages/columnar/group-by.ts';
import { byText, ColumnText, sortedByKeys, sortedByText, str } from './column-text.ts';
import type { CuratedTable, CuratedTableSet } from './curated-tables.ts';
import { type SurveyTally, surveyTallyOf } from './survey-stats.ts';
import { type UnctProfile, unctProfiles } from './unct-profiles.ts';

/**
 * The curated tables indexed once for every item: each row placed into the groups it belongs to
 * (per country, per theme × scope), in the order the items list them (PERFORMANCE.md lesson 3).
 * An item builder then works only on its own rows.
 */

/** Every theme, in item order: the four round tables, then the four JMDI themes (bit `t` of a mask). */
export const THEMES: readonly string[] = BRIEFING_THEMES;

/**
 * Per row, what its code maps to (`byCode[code + 1]`, index 0 the absent value), into a typed
 * array by a plain loop: `Int32Array.from(codes, map)` goes through the iterator and a callback
 * per row (250k-row columns).
 */
function mapCodes<A extends Int32Array | Uint8Array>(
  codes: Int32Array,
  byCode: ArrayLike<number>,
  into: new (length: number) => A,
): A {
  const out = new into(codes.length);
  for (let row = 0; row < codes.length; row += 1) out[row] = byCode[codes[row]! + 1]!;
  return out;
}

/** Country index of a value that is exactly one of the countries (`value === iso3`), else -1. */
function strictCountry(countryIndex: ReadonlyMap<string, number>, value: unknown): number {
  return typeof value === 'string' ? (countryIndex.get(value) ?? -1) : -1;
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
export interface CorridorRanks {
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
  // A key text is made once per distinct (target code, partner code), not once per listed pair.
  const keyOfCodes = new Map<number, number>();
  const partnerCodes = partners.values.length;
  for (let row = 0; row < project.length; row += 1) {
    const target = targets.codes[row]! + 1;
    for (let item = partners.offsets[row]!; item < partners.offsets[row + 1]!; item += 1) {
      const codes = target * partnerCodes + partners.codes[item]!;
      let code = keyOfCodes.get(codes);
      if (code === undefined) {
        const key = `${targetTexts[target]}>${partners.values[partners.codes[item]!]!}`;
        code = keyOf.get(key);
        if (code === undefined) {
          code = keys.length;
          keyOf.set(key, code);
          keys.push(key);
        }
        keyOfCodes.set(codes, code);
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
    ranks: mapCodes(pairKeys, [0, ...rankOf], Int32Array),
    parts: sorted.map((code) => keys[code]!.split('>')),
  };
}

/** Everything the items are cut from: tables indexed by country and by theme × scope, once. */
export interface BriefingIndex {
  readonly set: CuratedTableSet;
  readonly countries: readonly string[];
  readonly profiles: readonly UnctProfile[];
  /** Per country: its profile, or -1. */
  readonly profileOf: Int32Array;
  /** The survey's respondents and answers, for statistics with bases. */
  readonly survey: SurveyTally;
  readonly pilot: CuratedTable;
  readonly pilotStatus: CuratedTable;
  readonly milestone: CuratedTable;
  readonly project: CuratedTable;
  readonly lesson: CuratedTable;
  readonly event: CuratedTable;
  readonly observation: CuratedTable;
  /** Per country, in item order. */
  readonly pilotsOf: GroupedRows;
  /** The pilots' status statements, by pilot id then `seq` (a statement follows every pilot of its id). */
  readonly pilotStatusOf: GroupedRows;
  readonly milestonesOf: GroupedRows;
  readonly projectsOf: GroupedRows;
  readonly lessonsOf: GroupedRows;
  readonly eventsOf: GroupedRows;
  readonly observationsOf: GroupedRows;
  /** Per theme × scope (group `t · (countries + 1) + s`, scope 0 = GLOBAL). */
  readonly themeProjects: GroupedRows;
  /**
   * Per JMDI theme × scope (same groups): the projects that name the theme in `themes_secondary`
   * and are not counted on it (their primary theme or round tables put them elsewhere).
   */
  readonly themeSecondaryProjects: GroupedRows;
  readonly themeLessons: GroupedRows;
  /** Per scope: the milestones RT3 cites. */
  readonly rt3Milestones: GroupedRows;
  readonly corridors: CorridorRanks;
  readonly projectIds: ColumnText;
  readonly projectThemes: ColumnText;
  readonly lessonIds: ColumnText;
  readonly good: Uint8Array;
}

/**
 * The index of the rows each item is cut from. `heldBackCountries`: countries with rows held back
 * (key conflicts), which get an item even when none of their rows is left.
 */
export function indexBriefing(set: CuratedTableSet, heldBackCountries: Iterable<string> = []): BriefingIndex {
  const pilot = set.table('pilot');
  const pilotStatus = set.table('pilot_status');
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
  // A country whose every row is held back (key conflicts) keeps its item, which says why.
  for (const iso3 of heldBackCountries) names.add(iso3);
  const countries = [...names].sort(byText);
  const countryIndex = new Map(countries.map((iso3, index) => [iso3, index]));
  const scopes = countries.length + 1;
  const profileOf = new Int32Array(countries.length).fill(-1);
  profiles.forEach((profile, index) => {
    profileOf[countryIndex.get(profile.iso3)!] = index;
  });
  const countryOf = (column: ColumnText) => {
    const byCode = column.perCode((value) => strictCountry(countryIndex, value));
    return mapCodes(column.codes, byCode, Int32Array);
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
  const statusPilots = new ColumnText(pilotStatus.codes('pilot_id'));
  const statusSeq = pilotStatus.numbers('seq');
  const statusKeys = Array.from(
    { length: pilotStatus.length },
    (_, row) =>
      `${statusPilots.text(row)}|${String(statusSeq.valid[row] ? statusSeq.values[row]! : 0).padStart(6, '0')}`,
  );
  const statusByCountry = new GroupMembers();
  for (const row of sortedByKeys(statusKeys)) {
    for (const country of countriesOfPilotId.get(statusPilots.text(row)) ?? [])
      statusByCountry.add(country, row);
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
  const themeSecondaryProjects = new GroupMembers();
  const secondary = project.lists('themes_secondary');
  const secondaryBit = secondary.values.map((value) => {
    const index = THEME_JMDI.indexOf(value as (typeof THEME_JMDI)[number]);
    return index < 0 ? 0 : 1 << (THEME_HLD_RT.length + index);
  });
  for (const row of sortedByText(projectIds)) {
    const country = projectCountry[row]!;
    if (country >= 0) projectsByCountry.add(country, row);
    const mask = projectMasks[row]!;
    for (let theme = 0; mask >> theme; theme += 1) {
      if (!((mask >> theme) & 1)) continue;
      themeProjects.add(theme * scopes, row);
      if (country >= 0) themeProjects.add(theme * scopes + country + 1, row);
    }
    // Secondary themes: listed apart, never where the project is already counted.
    let extra = 0;
    for (let item = secondary.offsets[row]!; item < secondary.offsets[row + 1]!; item += 1)
      extra |= secondaryBit[secondary.codes[item]!]!;
    extra &= ~mask;
    for (let theme = 0; extra >> theme; theme += 1) {
      if (!((extra >> theme) & 1)) continue;
      themeSecondaryProjects.add(theme * scopes, row);
      if (country >= 0) themeSecondaryProjects.add(theme * scopes + country + 1, row);
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
  const projectsById = groupRows(mapCodes(projectIds.codes, canonicalId, Int32Array), idCode.size);
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
    survey: surveyTallyOf(set),
    pilot,
    pilotStatus,
    milestone,
    project,
    lesson,
    event,
    observation,
    pilotsOf,
    pilotStatusOf: statusByCountry.build(countries.length),
    milestonesOf: milestonesByCountry.build(countries.length),
    projectsOf: projectsByCountry.build(countries.length),
    lessonsOf: lessonsByCountry.build(countries.length),
    eventsOf: eventsByCountry.build(countries.length),
    observationsOf: groupRows(countryOf(observationIso3), countries.length),
    themeProjects: themeProjects.build(THEMES.length * scopes),
    themeSecondaryProjects: themeSecondaryProjects.build(THEMES.length * scopes),
    themeLessons: themeLessons.build(THEMES.length * scopes),
    rt3Milestones: rt3Members.build(scopes),
    corridors,
    projectIds,
    projectThemes,
    lessonIds,
    good: mapCodes(good.codes, [0, ...good.values.map((value) => (value === true ? 1 : 0))], Uint8Array),
  };
}
