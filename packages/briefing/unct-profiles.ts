import type { CapacityAnswer } from '#contracts/briefing/country.ts';
import { DEFAULT_INCLUDED_STATUSES, validationStatusOf } from '#contracts/survey-statistics.ts';
import { CAPACITY_AREA, DEMAND_LEVEL, HAS_CAPACITY, SUPPORT_TYPE } from '#contracts/vocabularies.ts';
import { groupRows, rowsOf } from '#packages/columnar/group-by.ts';
import { ColumnText, str } from './column-text.ts';
import type { CuratedTableSet } from './curated-tables.ts';

/** What the 2011 GMG survey says about one UN Country Team. */
export interface UnctProfile {
  readonly iso3: string;
  /** Submissions counted: approved only, as the survey statistics (DEFAULT_INCLUDED_STATUSES). */
  readonly respondents: number;
  readonly capacity: CapacityAnswer[];
  /** Respondents per support type (SUPPORT_TYPE order). */
  readonly support: Float64Array;
  /** Respondent rows (one per respondent id, the last read), then response rows, as cited. */
  readonly respondentRows: number[];
  readonly responseRows: Int32Array;
}

/** The most frequent candidate; ties go to the one listed first. */
function modeOf<T extends string>(counts: ArrayLike<number>, at: number, order: readonly T[]): T | undefined {
  let best = -1;
  for (let candidate = 0; candidate < order.length; candidate += 1) {
    const count = counts[at + candidate]!;
    if (count > 0 && (best < 0 || count > counts[at + best]!)) best = candidate;
  }
  return best < 0 ? undefined : order[best];
}

/**
 * One profile per surveyed UNCT country. A response counts for the country of its respondent
 * (the last respondent row with that id) when that submission's validation status is counted —
 * approved only, as in the survey statistics (docs/survey-statistics.md), so the older profile
 * fields and `n of base` agree; the rows of submissions left out are still cited. Capacity and
 * demand answers give the most frequent answer per capacity area, support requests a count per
 * support type.
 */
export function unctProfiles(set: CuratedTableSet): UnctProfile[] {
  const respondents = set.table('survey_respondent');
  const responses = set.table('survey_response');
  const respondentIds = new ColumnText(respondents.codes('respondent_id'));
  const respondentIso3 = new ColumnText(respondents.codes('iso3'));
  const statuses = new ColumnText(respondents.codes('validation_status'));
  const countedStatus = Uint8Array.from(
    statuses.perCode((value) => (DEFAULT_INCLUDED_STATUSES.includes(validationStatusOf(value)) ? 1 : 0)),
  );
  const counted = (row: number) => countedStatus[statuses.codes[row]! + 1] === 1;
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
  const countedId = Uint8Array.from(
    responseIds.perCode((value) => {
      const row = lastRow.get(String(value));
      return row !== undefined && counted(row) ? 1 : 0;
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
    citedBy[row] = profile;
    if (countedId[responseIds.codes[row]! + 1] === 0) continue;
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
  }
  const cited = groupRows(citedBy, profiles);

  return iso3s.map((iso3, profile) => {
    const capacity = CAPACITY_AREA.flatMap((area, index): CapacityAnswer[] => {
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
      respondents: respondentRows[profile]!.filter(counted).length,
      capacity,
      support: supportCounts.slice(profile * SUPPORT_TYPE.length, (profile + 1) * SUPPORT_TYPE.length),
      respondentRows: respondentRows[profile]!,
      responseRows: rowsOf(cited, profile),
    };
  });
}
