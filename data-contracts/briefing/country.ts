import { CAPACITY_AREA, DEMAND_LEVEL, HAS_CAPACITY, SUPPORT_TYPE, type THEME_JMDI } from '../vocabularies.ts';
import * as z from '../zod.ts';
import { documentSummary, provenanceMarks, sourceLink } from './provenance.ts';
import { surveyStatistics } from './survey.ts';
import { EMP_STATUS, FIGURE_SEXES, STRATEGY_STATUS } from './vocabulary.ts';

/**
 * The body of a `country` item (DOMAIN.md §4.8): one country's pilot, milestones, mainstreaming
 * status, UNCT survey profile, JMDI projects, context figures, events, caveats and sources.
 *
 * Values copied from curated rows are optional here: the input contracts already require them,
 * and a body keeps exactly what its rows hold. Every value the builder derives is required.
 */

const optionalText = () => z.optional(z.string());

export const countryPilot = z.strictObject({
  pilot_id: optionalText(),
  /** The programme the pilot belongs to (the UNDP/IOM/GMG pilot, or another mainstreaming pilot). */
  programme: optionalText(),
  phase: optionalText(),
  participation_status: optionalText(),
  status_as_of: optionalText(),
  start_date: optionalText(),
  /** The lead government body's name, else its organisation id. */
  lead_gov: optionalText(),
  un_leads: z.array(z.string()),
  donors: z.array(z.string()),
  national_strategy: optionalText(),
  confidence: optionalText(),
  source: sourceLink,
});

/**
 * One source's statement of a pilot's status (`pilot_status` rows), in the pilot's `seq` order:
 * sources that disagree stay side by side, a later source is a later row.
 */
export const countryPilotStatus = z.strictObject({
  status_id: optionalText(),
  pilot_id: optionalText(),
  seq: z.optional(z.number()),
  participation_status: optionalText(),
  /** `listed` or `not_listed` by the source. */
  listing: optionalText(),
  status_date: optionalText(),
  date_precision: optionalText(),
  /** The period the source says the status covers, as it gives it. */
  period: optionalText(),
  statement: optionalText(),
  source_doc_id: optionalText(),
  /** Where in the source document, with the words it rests on. */
  source_locator: optionalText(),
  confidence: optionalText(),
  source: sourceLink,
});

export const countryMilestone = z.strictObject({
  milestone_id: optionalText(),
  milestone_type: optionalText(),
  status: optionalText(),
  /** Date achieved, else the planned date. */
  date: optionalText(),
  date_precision: optionalText(),
  handbook_stage: optionalText(),
  output_area: optionalText(),
  policy_dimension: optionalText(),
  description: optionalText(),
  legal_basis: optionalText(),
  confidence: optionalText(),
  source: sourceLink,
});

export const countryMainstreaming = z.strictObject({
  milestones_achieved_n: z.number().check(z.int(), z.nonnegative()),
  latest_milestone_type: optionalText(),
  latest_milestone_date: optionalText(),
  strategy_status: z.enum(STRATEGY_STATUS),
  emp_status: z.enum(EMP_STATUS),
  coordination_mechanism: z.boolean(),
  me_framework: z.boolean(),
  /** Derived from the milestones: as weak as the weakest of them. */
  ...provenanceMarks,
});

/** The most frequent answer per capacity area among the UNCT's counted (approved) submissions. */
export const capacityAnswer = z.strictObject({
  capacity_area: z.enum(CAPACITY_AREA),
  has_capacity: z.optional(z.enum(HAS_CAPACITY)),
  demand_level: z.optional(z.enum(DEMAND_LEVEL)),
});

export const countrySurvey = z.strictObject({
  unct_surveyed: z.boolean(),
  respondents_n: z.number().check(z.int(), z.nonnegative()),
  capacity: z.array(capacityAnswer),
  capacity_gaps: z.array(
    z.strictObject({ capacity_area: z.enum(CAPACITY_AREA), has_capacity: z.optional(z.enum(HAS_CAPACITY)) }),
  ),
  top_demands: z.array(z.enum(CAPACITY_AREA)),
  support_types_requested: z.array(
    z.strictObject({
      support_type: z.enum(SUPPORT_TYPE),
      respondents: z.number().check(z.int(), z.positive()),
    }),
  ),
  /** Every answer as `n of base`, approved submissions only by default (data-contracts/survey-statistics.ts). */
  statistics: z.optional(surveyStatistics),
  /** Derived from the survey rows: as weak as the weakest of them. */
  ...provenanceMarks,
});

const count = () => z.number().check(z.int(), z.nonnegative());

export const countryProject = z.strictObject({
  project_id: optionalText(),
  /** English title, else French, else Spanish. */
  title: optionalText(),
  theme_primary: optionalText(),
  /** The project's round tables, else those of its JMDI theme. */
  hld_rt: z.array(z.string()),
  selection_status: optionalText(),
  total_budget_amount: z.optional(z.number()),
  total_budget_currency: optionalText(),
  /** The JMDI (EC-UN) grant in EUR, part of the total budget (absent before briefing_item@2.3.0). */
  jmdi_grant_amount: z.optional(z.number()),
  partner_countries_iso3: z.array(z.string()),
  confidence: optionalText(),
  source: sourceLink,
});

export const goodPractice = z.strictObject({
  lesson_id: optionalText(),
  project_id: optionalText(),
  statement: optionalText(),
  evidence_strength: optionalText(),
  condition_tags: z.array(z.string()),
  source: sourceLink,
});

/** Projects per JMDI theme: every theme, zero included. */
export const projectsByTheme = z.strictObject({
  remittances: count(),
  communities: count(),
  capacities: count(),
  rights: count(),
} satisfies Record<(typeof THEME_JMDI)[number], unknown>);

export const countryJmdi = z.strictObject({
  is_jmdi1_target: z.boolean(),
  projects_n: count(),
  projects_by_theme: projectsByTheme,
  /**
   * Sum of the total budgets stated in EUR of the projects not withdrawn (4.0.0; before, withdrawn
   * projects were included). Other currencies and budgets without one are left out, with a caveat.
   */
  budget_eur_total: z.number(),
  /** Sum of the total budgets stated in EUR of the withdrawn projects: not in `budget_eur_total`. */
  withdrawn_budget_eur_total: z.number(),
  projects: z.array(countryProject),
  good_practices: z.array(goodPractice),
});

/** One value of a context figure: its source, revision and period, never merged with another source. */
export const figureValue = z.strictObject({
  value: z.nullable(z.number()),
  year: z.string(),
  unit: optionalText(),
  unit_mult: z.optional(z.number()),
  source: z.string(),
  revision: z.string(),
  obs_status: optionalText(),
  source_link: sourceLink,
});

/** One sex's values of a context figure: each with its source, revision, period and row. */
export const figureBySex = z.strictObject({
  sex: z.enum(FIGURE_SEXES),
  values: z.array(figureValue),
});

export const contextFigure = z.strictObject({
  indicator_id: z.string(),
  label: z.string(),
  /**
   * True for a source's own series code that no indicator map names (SDMX `SM_POP_TOTL`): shown
   * under its code, never compared with a known indicator; a caveat says how to map it (4.1.0).
   */
  unmapped: z.optional(z.literal(true)),
  /** Both sexes (observation rows with sex `_T` or none). */
  values: z.array(figureValue),
  /**
   * The same indicator for females, then males, when the source breaks it down by sex (absent
   * before briefing_item@2.3.0, and when it does not). A share by sex is of that sex's population.
   */
  by_sex: z.optional(z.array(figureBySex)),
});

export const countryEvent = z.strictObject({
  event_id: optionalText(),
  title: optionalText(),
  start_date: optionalText(),
  end_date: optionalText(),
  /** How precise the dates are (`day`, `month`, `year`): show no more than that. */
  date_precision: optionalText(),
  source: sourceLink,
});

export const countryBody = z.strictObject({
  iso3: z.string(),
  name: z.string(),
  m49: optionalText(),
  subregion: optionalText(),
  ldc: z.boolean(),
  lldc: z.boolean(),
  sids: z.boolean(),
  pilots: z.array(countryPilot),
  /** Every source's statement of the pilots' status, dated and sourced (absent before briefing_item@2.2.0). */
  pilot_status: z.optional(z.array(countryPilotStatus)),
  milestones: z.array(countryMilestone),
  mainstreaming: countryMainstreaming,
  survey: countrySurvey,
  jmdi: countryJmdi,
  context_figures: z.array(contextFigure),
  events: z.array(countryEvent),
  /** What to keep in mind before citing the figures (wording: packages/briefing/rules.ts). */
  caveats: z.array(z.string()),
  sources: z.array(documentSummary),
  /** The weakest fact the item shows (provenance.ts `provenanceMarks`). */
  ...provenanceMarks,
});
export type CountryBody = z.infer<typeof countryBody>;
export type CountryPilot = z.infer<typeof countryPilot>;
export type CountryPilotStatus = z.infer<typeof countryPilotStatus>;
export type CountryMilestone = z.infer<typeof countryMilestone>;
export type CountryProject = z.infer<typeof countryProject>;
export type GoodPractice = z.infer<typeof goodPractice>;
export type CapacityAnswer = z.infer<typeof capacityAnswer>;
export type ContextFigure = z.infer<typeof contextFigure>;
export type FigureValue = z.infer<typeof figureValue>;
export type FigureBySex = z.infer<typeof figureBySex>;
export type CountryEvent = z.infer<typeof countryEvent>;
