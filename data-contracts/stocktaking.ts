import {
  defineTable,
  identifier,
  iso3,
  isoDate,
  provenanceFields,
  text,
  vocab,
  vocabList,
} from './contract.ts';
import { dateRange, endNotBeforeStart, nonNegative } from './plausibility.ts';
import {
  CONDITION_TAG,
  EVIDENCE_STRENGTH,
  EVIDENCE_TYPE,
  LESSON_QUESTION,
  PARTNER_ROLE,
  PARTNER_SIDE,
  PRACTICE_TYPE,
  REPLICABILITY,
  SELECTION_STATUS,
  THEME_HLD_RT,
  THEME_JMDI,
} from './vocabularies.ts';
import * as z from './zod.ts';

const projectId = () => identifier(/^JMDI1-[A-Za-z0-9-]+$/, 'must look like JMDI1-<code>');

/** `jmdi_project` — one EC-UN JMDI phase-1 project (DOMAIN.md §4.5, IATI-aligned). */
export const jmdiProjectContract = defineTable({
  table: 'jmdi_project',
  kind: 'stocktaking',
  version: '1.1.0',
  title: 'JMDI project',
  description:
    'A small-scale migration-and-development project of the EC-UN Joint Migration and Development Initiative (2008–2012), with its target country, JMDI theme, HLD round tables, status, dates and budget.',
  primaryKey: ['project_id'],
  foreignKeys: [{ fields: ['target_country_iso3'], reference: { table: 'country', fields: ['iso3'] } }],
  plausibility: [
    dateRange(['start_planned', 'start_actual', 'end_planned', 'end_actual'], 1990, 2030, 'project dates'),
    endNotBeforeStart([
      ['start_planned', 'end_planned'],
      ['start_actual', 'end_actual'],
    ]),
    nonNegative(['total_budget_amount', 'jmdi_grant_amount'], 'a budget'),
  ],
  schema: () =>
    z
      .object({
        project_id: projectId(),
        jmdi_code: z.optional(z.string()),
        iati_identifier: z.optional(z.string()),
        title_en: z.optional(z.string()),
        title_fr: z.optional(z.string()),
        title_es: z.optional(z.string()),
        description_en: z.optional(z.string().check(z.maxLength(8000))),
        target_country_iso3: iso3(),
        target_localities: z.optional(z.array(z.string())),
        theme_primary: vocab(THEME_JMDI, 'theme_jmdi'),
        themes_secondary: z.optional(vocabList(THEME_JMDI, 'theme_jmdi')),
        hld_rt: z.optional(vocabList(THEME_HLD_RT, 'theme_hld_rt')),
        selection_status: vocab(SELECTION_STATUS, 'selection_status'),
        activity_status: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(6))),
        start_planned: z.optional(isoDate()),
        start_actual: z.optional(isoDate()),
        end_planned: z.optional(isoDate()),
        end_actual: z.optional(isoDate()),
        duration_months: z.optional(z.number().check(z.int(), z.positive())),
        total_budget_amount: z.optional(z.number()),
        total_budget_currency: z.optional(
          z.string().check(z.regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code')),
        ),
        jmdi_grant_amount: z.optional(z.number()),
        partner_countries_iso3: z.optional(z.array(iso3())),
        ...provenanceFields,
      })
      .check(
        z.refine((row) => Boolean(row.title_en ?? row.title_fr ?? row.title_es), {
          message: 'needs a title in at least one of English, French or Spanish',
          path: ['title_en'],
        }),
      ),
});

/** `jmdi_lesson` — "what works, under which conditions, where, why" (DOMAIN.md §4.5). */
export const jmdiLessonContract = defineTable({
  table: 'jmdi_lesson',
  kind: 'stocktaking',
  version: '1.0.0',
  title: 'JMDI lesson',
  description:
    'A finding of the JMDI stock-taking: a short quotable statement, the practice, the conditions it depends on, the evidence behind it and whether it is flagged as good practice.',
  primaryKey: ['lesson_id'],
  foreignKeys: [{ fields: ['project_id'], reference: { table: 'jmdi_project', fields: ['project_id'] } }],
  schema: () =>
    z.object({
      lesson_id: identifier(/^LES-[A-Za-z0-9-]+$/, 'must look like LES-<id>'),
      project_id: z.optional(projectId()),
      question: vocab(LESSON_QUESTION, 'lesson_question'),
      statement_en: text(1000),
      practice_type: z.optional(vocab(PRACTICE_TYPE, 'practice_type')),
      condition_tags: z.optional(vocabList(CONDITION_TAG, 'condition_tag')),
      theme: vocab(THEME_JMDI, 'theme_jmdi'),
      hld_rt: z.optional(vocabList(THEME_HLD_RT, 'theme_hld_rt')),
      evidence_type: vocab(EVIDENCE_TYPE, 'evidence_type'),
      evidence_strength: vocab(EVIDENCE_STRENGTH, 'evidence_strength'),
      good_practice: z.boolean(),
      replicability: z.optional(vocab(REPLICABILITY, 'replicability')),
      iso3: z.optional(iso3()),
      ...provenanceFields,
    }),
});

/** `jmdi_partner` — a consortium partner of a project: the transnational space. */
export const jmdiPartnerContract = defineTable({
  table: 'jmdi_partner',
  kind: 'stocktaking',
  version: '1.0.0',
  title: 'JMDI partner',
  description:
    'An organisation in a project with its role (JMDI lead/co-applicant/associate or IATI organisation role), type, country and side of the migration corridor.',
  primaryKey: ['project_id', 'org_id', 'role'],
  foreignKeys: [{ fields: ['project_id'], reference: { table: 'jmdi_project', fields: ['project_id'] } }],
  schema: () =>
    z.object({
      project_id: projectId(),
      org_id: z.string().check(z.minLength(1)),
      org_name: z.optional(z.string()),
      role: vocab(PARTNER_ROLE, 'partner_role'),
      iati_role_code: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(4))),
      org_type: z.optional(z.string()),
      org_activity_id: z.optional(z.string()),
      via_activity: z.optional(z.string()),
      country_iso3: z.optional(iso3()),
      side: z.optional(vocab(PARTNER_SIDE, 'partner_side')),
      ...provenanceFields,
    }),
});

/** `jmdi_transnational_link` — an origin ↔ destination corridor a project works in. */
export const jmdiTransnationalLinkContract = defineTable({
  table: 'jmdi_transnational_link',
  kind: 'stocktaking',
  version: '1.0.0',
  title: 'JMDI transnational link',
  description:
    'A corridor (origin and destination countries and localities) derived from partners and localities.',
  primaryKey: ['project_id', 'origin_iso3', 'destination_iso3', 'origin_locality', 'destination_locality'],
  foreignKeys: [{ fields: ['project_id'], reference: { table: 'jmdi_project', fields: ['project_id'] } }],
  schema: () =>
    z.object({
      project_id: projectId(),
      origin_iso3: iso3(),
      destination_iso3: iso3(),
      origin_locality: z._default(z.string(), ''),
      destination_locality: z._default(z.string(), ''),
      ...provenanceFields,
    }),
});

/** `jmdi_result` — an IATI-shaped result indicator with baseline, target and actual. */
export const jmdiResultContract = defineTable({
  table: 'jmdi_result',
  kind: 'stocktaking',
  version: '1.1.0',
  title: 'JMDI result',
  description:
    'A result indicator of a project (IATI result/indicator/period): type, measure, baseline, target and actual.',
  primaryKey: ['result_id'],
  foreignKeys: [{ fields: ['project_id'], reference: { table: 'jmdi_project', fields: ['project_id'] } }],
  plausibility: [
    dateRange(['period_start', 'period_end'], 1990, 2030, 'project dates'),
    endNotBeforeStart([['period_start', 'period_end']]),
  ],
  schema: () =>
    z.object({
      result_id: z.string().check(z.minLength(1)),
      project_id: projectId(),
      result_type: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(9))),
      result_title: z.optional(z.string()),
      indicator_title: z.optional(z.string()),
      measure: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(5))),
      baseline_value: z.optional(z.string()),
      baseline_year: z.optional(z.number().check(z.int())),
      target_value: z.optional(z.string()),
      actual_value: z.optional(z.string()),
      period_start: z.optional(isoDate()),
      period_end: z.optional(isoDate()),
      disaggregation: z.optional(z.string()),
      via_activity: z.optional(z.string()),
      ...provenanceFields,
    }),
});
