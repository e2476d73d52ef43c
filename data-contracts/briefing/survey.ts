import { VALIDATION_STATUS } from '../survey-statistics.ts';
import { CAPACITY_AREA } from '../vocabularies.ts';
import * as z from '../zod.ts';

/**
 * Survey statistics in a briefing item (rules: data-contracts/survey-statistics.ts): every count
 * with its base, the respondents left out by validation status, non-response and "don't know"
 * counted, a small-base flag. Readers print `n of base (percent)`.
 */

const count = () => z.number().check(z.int(), z.nonnegative());

/** One choice of a question: how many of the base chose it. */
export const choiceShare = z.strictObject({
  choice: z.string(),
  n: count(),
  /** 100 · n / base, one decimal; null when the base is 0. */
  percent: z.nullable(z.number()),
});
export type ChoiceShare = z.infer<typeof choiceShare>;

/** One question (or one question pooled across countries). */
export const questionStatistics = z.strictObject({
  /** Respondents counted after the validation-status filter. */
  eligible: count(),
  no_response: count(),
  dont_know: count(),
  /** eligible − no_response − dont_know: the respondents who gave a substantive answer. */
  base: count(),
  /** base below SURVEY_SMALL_BASE.threshold. */
  small_base: z.boolean(),
  choices: z.array(choiceShare),
});
export type QuestionStatistics = z.infer<typeof questionStatistics>;

/** The capacity and the demand question of one capacity area. */
export const areaStatistics = z.strictObject({
  capacity_area: z.enum(CAPACITY_AREA),
  has_capacity: questionStatistics,
  demand: questionStatistics,
});
export type AreaStatistics = z.infer<typeof areaStatistics>;

/** Submissions per validation status, and how many the statistics count. */
export const validationSummary = z.strictObject({
  approved: count(),
  on_hold: count(),
  not_approved: count(),
  not_validated: count(),
  included_statuses: z.array(z.enum(VALIDATION_STATUS)),
  included: count(),
  left_out: count(),
});
export type ValidationSummary = z.infer<typeof validationSummary>;

export const surveyStatistics = z.strictObject({
  validation: validationSummary,
  /** Countries with at least one counted respondent (pooled for a global total). */
  countries_n: count(),
  small_base_threshold: z.number().check(z.int(), z.positive()),
  areas: z.array(areaStatistics),
  /** select_multiple: the base is the respondents who chose at least one support type. */
  support_requested: questionStatistics,
});
export type SurveyStatistics = z.infer<typeof surveyStatistics>;
