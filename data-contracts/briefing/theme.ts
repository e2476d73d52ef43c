import { CAPACITY_AREA } from '../vocabularies.ts';
import * as z from '../zod.ts';
import { projectsByTheme } from './country.ts';
import { documentSummary, provenanceMarks, sourceLink } from './provenance.ts';
import { surveyStatistics } from './survey.ts';
import { BRIEFING_THEMES, THEME_KINDS } from './vocabulary.ts';

/**
 * The body of a `theme` item: one HLD round table or JMDI theme, globally (`GLOBAL`) or for one
 * country — its projects, good practices, the conditions they depend on, transnational corridors,
 * pilot evidence (round table 3) and the UNCTs' high demands.
 */

const optionalText = () => z.optional(z.string());

export const topPractice = z.strictObject({
  lesson_id: optionalText(),
  statement: optionalText(),
  project_id: optionalText(),
  evidence_strength: optionalText(),
  source: sourceLink,
});

export const corridor = z.strictObject({
  origin_iso3: optionalText(),
  destination_iso3: optionalText(),
  projects_n: z.number().check(z.int(), z.positive()),
  projects: z.array(z.string()),
});

export const pilotEvidence = z.strictObject({
  milestone_id: optionalText(),
  milestone_type: optionalText(),
  status: optionalText(),
  source: sourceLink,
});

export const themeBody = z.strictObject({
  theme: z.enum(BRIEFING_THEMES),
  label: z.string(),
  theme_kind: z.enum(THEME_KINDS),
  /** `GLOBAL`, or the ISO3 code of the country. */
  scope: z.string(),
  n_projects: z.number().check(z.int(), z.nonnegative()),
  projects: z.array(z.string()),
  /**
   * JMDI themes only: the projects that name the theme in `themes_secondary` but are counted on
   * another theme (their primary one); listed, never in `n_projects` (4.2.0).
   */
  n_secondary_projects: z.optional(z.number().check(z.int(), z.nonnegative())),
  secondary_projects: z.optional(z.array(z.string())),
  jmdi_themes: projectsByTheme,
  n_good_practices: z.number().check(z.int(), z.nonnegative()),
  /** The strongest good practices (at most packages/briefing/rules.ts TOP_PRACTICES). */
  top_practices: z.array(topPractice),
  common_conditions: z.array(
    z.strictObject({ condition_tag: z.string(), n: z.number().check(z.int(), z.positive()) }),
  ),
  transnational_corridors: z.array(corridor),
  pilot_evidence: z.array(pilotEvidence),
  survey_demands: z.array(
    z.strictObject({
      capacity_area: z.enum(CAPACITY_AREA),
      uncts_high_demand: z.number().check(z.int(), z.positive()),
    }),
  ),
  /**
   * The survey answers of the capacity areas mapped to the theme (THEME_CAPACITY_AREAS), pooled
   * over the scope's respondents: one country, or every surveyed country for GLOBAL.
   */
  survey_statistics: z.optional(surveyStatistics),
  sources: z.array(documentSummary),
  /** What to keep in mind before citing the item: illustrative or low-confidence content. */
  caveats: z.array(z.string()),
  /** The weakest fact the item shows (survey demands included). */
  ...provenanceMarks,
});
export type ThemeBody = z.infer<typeof themeBody>;
export type TopPractice = z.infer<typeof topPractice>;
export type Corridor = z.infer<typeof corridor>;
export type PilotEvidence = z.infer<typeof pilotEvidence>;
