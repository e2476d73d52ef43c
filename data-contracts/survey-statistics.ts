import { BRIEFING_THEMES, type BriefingTheme } from './briefing/vocabulary.ts';
import { CAPACITY_AREA, CAPACITY_TO_HLD_RT, type THEME_JMDI } from './vocabularies.ts';

/**
 * The rules survey statistics are reported by (packages/briefing/survey-stats.ts; docs:
 * docs/survey-statistics.md). Every aggregate reads `n of base (percent)`:
 *
 * - **eligible**: the respondents counted, after the validation-status filter;
 * - **no response**: eligible respondents with no answer to the question;
 * - **don't know**: eligible respondents who answered `unknown`;
 * - **base**: eligible − no response − don't know (respondents who gave a substantive answer);
 * - **percent**: 100 · n / base, rounded to one decimal; none when the base is 0.
 */

/**
 * Rule `survey-small-base`: a base below the threshold is reported with a warning, never as a
 * finding (one respondent in five is not "20 %" of anything).
 */
export const SURVEY_SMALL_BASE = {
  rule: 'survey-small-base',
  threshold: 5,
  description:
    'Fewer than 5 respondents gave a substantive answer: report the counts, not the percentage, as a finding.',
} as const;

/** A Kobo/ODK submission's validation status, as the survey statistics group them. */
export const VALIDATION_STATUS = ['approved', 'on_hold', 'not_approved', 'not_validated'] as const;
export type ValidationStatus = (typeof VALIDATION_STATUS)[number];

/** The statuses counted unless a caller asks for more: approved submissions only. */
export const DEFAULT_INCLUDED_STATUSES: readonly ValidationStatus[] = ['approved'];

/**
 * KoboToolbox `_validation_status` (`validation_status_approved`, …) or ODK Central review state
 * (`approved`, `hasIssues`, `rejected`) → status. Empty, absent or anything else is `not_validated`:
 * nobody validated the submission.
 */
export function validationStatusOf(raw: unknown): ValidationStatus {
  const value =
    typeof raw === 'string'
      ? raw
          .trim()
          .toLowerCase()
          .replace(/^validation_status_/, '')
      : '';
  if (value === 'approved') return 'approved';
  if (value === 'on_hold' || value === 'hasissues') return 'on_hold';
  if (value === 'not_approved' || value === 'rejected') return 'not_approved';
  return 'not_validated';
}

/**
 * Which JMDI theme a UNCT capacity area informs (the JMDI's four priority areas, DOMAIN.md §1:
 * remittances, communities, capacities, rights). Areas about the UN system's own work (planning,
 * coordination, data, resource mobilisation, policy advice) inform no JMDI theme; they belong to
 * round table 3 ({@link CAPACITY_TO_HLD_RT}). An analyst's mapping, not a source's: change it
 * here and every brief follows.
 */
export const CAPACITY_TO_JMDI_THEME: Readonly<
  Record<(typeof CAPACITY_AREA)[number], readonly (typeof THEME_JMDI)[number][]>
> = {
  policy_advice_md: [],
  labour_migration: ['capacities'],
  remittances_finance: ['remittances'],
  diaspora_engagement: ['communities'],
  migrant_rights_protection: ['rights'],
  trafficking_smuggling: ['rights'],
  health_migrants: ['rights'],
  education_skills: ['capacities'],
  data_statistics_emp: [],
  mainstreaming_planning: [],
  coordination_one_un: [],
  resource_mobilisation: [],
};

/** The capacity areas whose survey answers belong in a round table's or JMDI theme's brief. */
export function capacityAreasOfTheme(theme: BriefingTheme): (typeof CAPACITY_AREA)[number][] {
  return CAPACITY_AREA.filter(
    (area) =>
      CAPACITY_TO_HLD_RT[area] === theme ||
      (CAPACITY_TO_JMDI_THEME[area] as readonly string[]).includes(theme),
  );
}

/** Every theme, with the capacity areas mapped to it (for documentation and the briefs). */
export const THEME_CAPACITY_AREAS: Readonly<
  Record<BriefingTheme, readonly (typeof CAPACITY_AREA)[number][]>
> = Object.fromEntries(BRIEFING_THEMES.map((theme) => [theme, capacityAreasOfTheme(theme)])) as Record<
  BriefingTheme,
  (typeof CAPACITY_AREA)[number][]
>;
