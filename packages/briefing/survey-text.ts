import type { QuestionStatistics, SurveyStatistics } from '#contracts/briefing/survey.ts';
import { SURVEY_SMALL_BASE } from '#contracts/survey-statistics.ts';
import { shareText } from './share-text.ts';

/**
 * Survey statistics as words and table cells, the same in the CLI, Markdown and HTML: every
 * share `n of base (p %)`, non-response and "don't know" beside it, small bases flagged.
 */

/** The share of one choice of a question (`—` when the question has no such choice). */
export function choiceText(question: QuestionStatistics, choice: string): string {
  const entry = question.choices.find((candidate) => candidate.choice === choice);
  return entry ? shareText(entry.n, question.base, false) : '—';
}

/** Which submissions the statistics count, and how many were left out, by status. */
export function validationText(statistics: SurveyStatistics): string {
  const { validation } = statistics;
  const statuses = validation.included_statuses.map((status) => status.replace(/_/g, ' ')).join(', ');
  const leftOut = [
    validation.on_hold && !validation.included_statuses.includes('on_hold')
      ? `${validation.on_hold} on hold`
      : '',
    validation.not_approved && !validation.included_statuses.includes('not_approved')
      ? `${validation.not_approved} not approved`
      : '',
    validation.not_validated && !validation.included_statuses.includes('not_validated')
      ? `${validation.not_validated} never validated`
      : '',
    validation.approved && !validation.included_statuses.includes('approved')
      ? `${validation.approved} approved`
      : '',
  ].filter(Boolean);
  return (
    `${validation.included} submission(s) counted (${statuses} only)` +
    (statistics.countries_n > 1 ? ` from ${statistics.countries_n} countries` : '') +
    `; ${validation.left_out} left out${leftOut.length ? ` (${leftOut.join(', ')})` : ''}. ` +
    `Base = respondents who gave a substantive answer; ⚠ marks a base below ${SURVEY_SMALL_BASE.threshold} (rule ${SURVEY_SMALL_BASE.rule}).`
  );
}

/** Marks a row (or a share) whose base is below the threshold. */
export const SMALL_BASE_MARK = '⚠ small base';

export const SURVEY_TABLE_HEADERS = [
  'Capacity area',
  'Has capacity (yes)',
  'Partial',
  'No',
  "Capacity: don't know / no answer",
  'High demand',
  "Demand: don't know / no answer",
] as const;

/** One row per capacity area, cells as text. */
export function surveyTableRows(statistics: SurveyStatistics): string[][] {
  return statistics.areas.map((area) => [
    area.capacity_area +
      (area.has_capacity.small_base || area.demand.small_base ? ` ${SMALL_BASE_MARK}` : ''),
    choiceText(area.has_capacity, 'yes'),
    choiceText(area.has_capacity, 'partial'),
    choiceText(area.has_capacity, 'no'),
    `${area.has_capacity.dont_know} / ${area.has_capacity.no_response}`,
    choiceText(area.demand, 'high'),
    `${area.demand.dont_know} / ${area.demand.no_response}`,
  ]);
}

/** Support types requested, each `type n of base (p %)`, most requested first. */
export function supportText(statistics: SurveyStatistics): string {
  const question = statistics.support_requested;
  const chosen = question.choices
    .filter((entry) => entry.n > 0)
    .sort((a, b) => b.n - a.n || (a.choice < b.choice ? -1 : 1))
    .map((entry) => `${entry.choice.replace(/_/g, ' ')} ${shareText(entry.n, question.base, false)}`);
  const small = question.small_base ? ` ${SMALL_BASE_MARK}` : '';
  return `${chosen.join('; ') || 'none'} (no answer: ${question.no_response})${small}`;
}
