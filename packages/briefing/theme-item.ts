import type { ThemeItem } from '#contracts/briefing/item.ts';
import type { Corridor, PilotEvidence, ThemeBody, TopPractice } from '#contracts/briefing/theme.ts';
import { type BriefingTheme, GLOBAL_SCOPE } from '#contracts/briefing/vocabulary.ts';
import { capacityAreasOfTheme } from '#contracts/survey-statistics.ts';
import { type CAPACITY_AREA, THEME_HLD_RT, THEME_JMDI } from '#contracts/vocabularies.ts';
import { rowsOf } from '#packages/columnar/group-by.ts';
import { type BriefingIndex, THEMES } from './briefing-index.ts';
import { byText, ColumnText, text } from './column-text.ts';
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

/** Evidence strength order of good practices, as text: '-1' (unknown) < '0' (strong) < '1' < '2'. */
export function practiceKeys(index: BriefingIndex): (row: number) => string {
  const strengths = new ColumnText(index.lesson.codes('evidence_strength'));
  const strength = strengths.perCode(evidenceRank);
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
  practiceKey: (row: number) => string,
): ThemeItem | undefined {
  const { set, project, lesson, milestone } = index;
  const name = THEMES[theme]! as BriefingTheme;
  const scope = scopeIndex === 0 ? GLOBAL_SCOPE : index.countries[scopeIndex - 1]!;
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
  const corridors: Corridor[] = [];
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
    lessonRows.length === 0 &&
    milestoneRows.length === 0 &&
    demands.size === 0 &&
    scopeIndex !== 0
  ) {
    return undefined;
  }
  const jmdiThemes = { remittances: 0, communities: 0, capacities: 0, rights: 0 };
  for (let at = 0; at < projectRows.length; at += 1) {
    const jmdi = index.projectThemes.value(projectRows[at]!);
    if (typeof jmdi === 'string' && (THEME_JMDI as readonly string[]).includes(jmdi))
      jmdiThemes[jmdi as (typeof THEME_JMDI)[number]] += 1;
  }
  const surveyStatistics = index.survey.statistics(scopeIndex === 0 ? 'all' : [scope], themeAreas);
  const runs: RefRun[] = [
    { table: project, rows: projectRows },
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
    projects: Array.from(projectRows, (row) => index.projectIds.text(row)),
    jmdi_themes: jmdiThemes,
    n_good_practices: good.length,
    top_practices: firstByKey(good, TOP_PRACTICES, practiceKey).map((row): TopPractice => {
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
