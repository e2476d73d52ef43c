import type { ThemeItem } from '#contracts/briefing/item.ts';
import type { Corridor, PilotEvidence, ThemeBody, TopPractice } from '#contracts/briefing/theme.ts';
import { type BriefingTheme, GLOBAL_SCOPE } from '#contracts/briefing/vocabulary.ts';
import { capacityAreasOfTheme } from '#contracts/survey-statistics.ts';
import { type CAPACITY_AREA, THEME_HLD_RT, THEME_JMDI } from '#contracts/vocabularies.ts';
import { rowsOf } from '#packages/columnar/group-by.ts';
import { type BriefingIndex, THEMES } from './briefing-index.ts';
import { byText, ColumnText, type Rows, sortedByKeys, text } from './column-text.ts';
import {
  lineageOf,
  lowConfidenceCount,
  marksOf,
  type RefRun,
  sourceLink,
  summariseRefs,
} from './provenance.ts';
import { evidenceRank, provenanceCaveats, TOP_PRACTICES, themeLabel } from './rules.ts';

/** The `theme` item: one theme × scope (body: data-contracts/briefing/theme.ts). */

export const TOP_PRACTICE_FIELDS = ['lesson_id', 'statement_en', 'project_id', 'evidence_strength'];
const RT3 = 'RT3_partnerships_coherence_mainstreaming';

/**
 * Per lesson row, its place in the order of good practices: the text of its evidence strength
 * ('-1' unknown < '0' strong < '1' < '2') followed by its lesson id, compared as text (`byText`);
 * rows with the same text share a place. Computed once, for the good practices only (0 elsewhere),
 * so that picking an item's top practices compares numbers instead of building and comparing texts.
 */
export function practiceRanks(index: BriefingIndex): Int32Array {
  const strengths = new ColumnText(index.lesson.codes('evidence_strength'));
  const strength = strengths.perCode(evidenceRank);
  const rows: number[] = [];
  const keys: string[] = [];
  for (let row = 0; row < index.good.length; row += 1) {
    if (index.good[row] !== 1) continue;
    rows.push(row);
    keys.push(`${strength[strengths.codes[row]! + 1]}${index.lessonIds.value(row)}`);
  }
  const keyRanks = textRanks(keys);
  const ranks = new Int32Array(index.good.length);
  for (let at = 0; at < rows.length; at += 1) ranks[rows[at]!] = keyRanks[at]!;
  return ranks;
}

/** Per text, its place in text order (`byText`): equal texts share a place, places are 0, 1, 2, … */
export function textRanks(keys: readonly string[]): Int32Array {
  const order = sortedByKeys(keys);
  const ranks = new Int32Array(keys.length);
  let rank = -1;
  for (let position = 0; position < order.length; position += 1) {
    const at = order[position]!;
    if (position === 0 || keys[at] !== keys[order[position - 1]!]) rank += 1;
    ranks[at] = rank;
  }
  return ranks;
}

/** The first `count` rows by rank, ties in their given order (what a stable sort then slice gives). */
export function firstByRank(rows: Rows, count: number, ranks: Int32Array): number[] {
  const best: number[] = [];
  for (let index = 0; index < rows.length; index += 1) {
    const row = rows[index]!;
    const rank = ranks[row]!;
    if (best.length === count && rank >= ranks[best[count - 1]!]!) continue;
    let at = best.length;
    while (at > 0 && rank < ranks[best[at - 1]!]!) at -= 1;
    best.splice(at, 0, row);
    if (best.length > count) best.pop();
  }
  return best;
}

/** The project ids of some rows, in row order (a loop, not `Array.from` with a callback per row). */
function projectIdsOf(index: BriefingIndex, rows: Rows): string[] {
  const ids = new Array<string>(rows.length);
  for (let at = 0; at < rows.length; at += 1) ids[at] = index.projectIds.text(rows[at]!);
  return ids;
}

/** The survey rows of some UNCT profiles: per profile, its respondents then their answers. */
function surveyRuns(index: BriefingIndex, profiles: readonly number[]): RefRun[] {
  const respondents = index.set.table('survey_respondent');
  const responses = index.set.table('survey_response');
  return profiles.flatMap((at) => [
    { table: respondents, rows: index.profiles[at]!.respondentRows },
    { table: responses, rows: index.profiles[at]!.responseRows },
  ]);
}

/**
 * One theme (`THEMES[theme]`) in one scope (0: GLOBAL, else a country), or undefined when a
 * country scope has nothing on the theme.
 */
export function buildThemeItem(
  index: BriefingIndex,
  theme: number,
  scopeIndex: number,
  practiceRank: Int32Array,
): ThemeItem | undefined {
  const { set, project, lesson, milestone } = index;
  const name = THEMES[theme]! as BriefingTheme;
  const scope = scopeIndex === 0 ? GLOBAL_SCOPE : index.countries[scopeIndex - 1]!;
  const isRoundTable = theme < THEME_HLD_RT.length;
  const group = theme * (index.countries.length + 1) + scopeIndex;
  const projectRows = rowsOf(index.themeProjects, group);
  const secondaryRows = isRoundTable ? new Int32Array(0) : rowsOf(index.themeSecondaryProjects, group);
  const lessonRows = rowsOf(index.themeLessons, group);
  const good: number[] = [];
  for (let at = 0; at < lessonRows.length; at += 1)
    if (index.good[lessonRows[at]!] === 1) good.push(lessonRows[at]!);
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
  const corridors: Corridor[] = [];
  let lastRank = -1;
  // By index: `for…of` over a Float64Array hands each value over boxed (100k+ pairs per global item).
  for (let at = 0; at < pairs; at += 1) {
    const value = order[at]!;
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
  const themeAreas = capacityAreasOfTheme(name);
  const demands = new Map<(typeof CAPACITY_AREA)[number], number>();
  // The UNCTs whose answers the demands count: their survey rows are behind the item.
  const demandProfiles: number[] = [];
  index.profiles.forEach((profile, profileIndex) => {
    if (scopeIndex !== 0 && index.profileOf[scopeIndex - 1] !== profileIndex) return;
    let counted = false;
    for (const entry of profile.capacity) {
      if (entry.demand_level === 'high' && themeAreas.includes(entry.capacity_area)) {
        demands.set(entry.capacity_area, (demands.get(entry.capacity_area) ?? 0) + 1);
        counted = true;
      }
    }
    if (counted) demandProfiles.push(profileIndex);
  });
  if (
    projectRows.length === 0 &&
    secondaryRows.length === 0 &&
    lessonRows.length === 0 &&
    milestoneRows.length === 0 &&
    demands.size === 0 &&
    scopeIndex !== 0
  ) {
    return undefined;
  }
  // Counted per JMDI theme by code: a project's theme text is looked up once per code, not per row.
  const themeCodes = index.projectThemes.codes;
  const jmdiOfCode = index.projectThemes.perCode((value) =>
    typeof value === 'string' ? (THEME_JMDI as readonly string[]).indexOf(value) : -1,
  );
  const jmdiCounts = new Int32Array(THEME_JMDI.length);
  for (let at = 0; at < projectRows.length; at += 1) {
    const jmdi = jmdiOfCode[themeCodes[projectRows[at]!]! + 1]!;
    if (jmdi >= 0) jmdiCounts[jmdi]! += 1;
  }
  const jmdiThemes = { remittances: 0, communities: 0, capacities: 0, rights: 0 };
  THEME_JMDI.forEach((jmdi, at) => {
    jmdiThemes[jmdi] = jmdiCounts[at]!;
  });
  const surveyStatistics = index.survey.statistics(scopeIndex === 0 ? 'all' : [scope], themeAreas);
  const runs: RefRun[] = [
    // The secondary projects are cited with the counted ones (disjoint rows, one run).
    {
      table: project,
      rows: secondaryRows.length ? Int32Array.from([...projectRows, ...secondaryRows]) : projectRows,
    },
    { table: lesson, rows: lessonRows },
    { table: milestone, rows: milestoneRows },
    ...surveyRuns(index, demandProfiles),
  ];
  const sources = summariseRefs(set, runs);
  const body: ThemeBody = {
    theme: name,
    label: themeLabel(name),
    theme_kind: isRoundTable ? 'hld_round_table' : 'jmdi_theme',
    scope,
    n_projects: projectRows.length,
    projects: projectIdsOf(index, projectRows),
    ...(isRoundTable
      ? {}
      : {
          n_secondary_projects: secondaryRows.length,
          secondary_projects: projectIdsOf(index, secondaryRows),
        }),
    jmdi_themes: jmdiThemes,
    n_good_practices: good.length,
    top_practices: firstByRank(good, TOP_PRACTICES, practiceRank).map((row): TopPractice => {
      const values = lesson.row(row, TOP_PRACTICE_FIELDS);
      return {
        lesson_id: text(values.lesson_id),
        statement: text(values.statement_en),
        project_id: text(values.project_id),
        evidence_strength: text(values.evidence_strength),
        source: sourceLink(set, lesson, row),
      };
    }),
    common_conditions: [...conditions]
      .map(([tag, n]) => [tags.values[tag]!, n] as const)
      .sort(([a, x], [b, y]) => y - x || byText(a, b))
      .map(([condition_tag, n]) => ({ condition_tag, n })),
    transnational_corridors: corridors,
    pilot_evidence: Array.from(milestoneRows, (row): PilotEvidence => {
      const values = milestone.row(row, ['milestone_id', 'milestone_type', 'status']);
      return {
        milestone_id: text(values.milestone_id),
        milestone_type: text(values.milestone_type),
        status: text(values.status),
        source: sourceLink(set, milestone, row),
      };
    }),
    survey_demands: [...demands]
      .sort(([a, x], [b, y]) => y - x || byText(a, b))
      .map(([capacity_area, uncts_high_demand]) => ({ capacity_area, uncts_high_demand })),
    ...(surveyStatistics ? { survey_statistics: surveyStatistics } : {}),
    sources,
    caveats: provenanceCaveats(sources, lowConfidenceCount(runs)),
    ...marksOf(sources),
  };
  return { type: 'theme', id: `${name}@${scope}`, body, lineage: lineageOf(set, runs) };
}
