import { z } from 'zod';
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

const projectId = () => identifier(/^JMDI1-[A-Za-z0-9-]+$/, 'must look like JMDI1-<code>');

/** `jmdi_project` — one EC-UN JMDI phase-1 project (DOMAIN.md §4.5, IATI-aligned). */
export const jmdiProjectContract = defineTable({
  table: 'jmdi_project',
  kind: 'stocktaking',
  version: '1.0.0',
  title: 'JMDI project',
  description:
    'A small-scale migration-and-development project of the EC-UN Joint Migration and Development Initiative (2008–2012), with its target country, JMDI theme, HLD round tables, status, dates and budget.',
  primaryKey: ['project_id'],
  foreignKeys: [{ fields: ['target_country_iso3'], reference: { table: 'country', fields: ['iso3'] } }],
  schema: z
    .object({
      project_id: projectId(),
      jmdi_code: z.string().optional(),
      iati_identifier: z.string().optional(),
      title_en: z.string().optional(),
      title_fr: z.string().optional(),
      title_es: z.string().optional(),
      description_en: z.string().max(8000).optional(),
      target_country_iso3: iso3(),
      target_localities: z.array(z.string()).optional(),
      theme_primary: vocab(THEME_JMDI, 'theme_jmdi'),
      themes_secondary: vocabList(THEME_JMDI, 'theme_jmdi').optional(),
      hld_rt: vocabList(THEME_HLD_RT, 'theme_hld_rt').optional(),
      selection_status: vocab(SELECTION_STATUS, 'selection_status'),
      activity_status: z.number().int().min(1).max(6).optional(),
      start_planned: isoDate().optional(),
      start_actual: isoDate().optional(),
      end_planned: isoDate().optional(),
      end_actual: isoDate().optional(),
      duration_months: z.number().int().positive().optional(),
      total_budget_amount: z.number().nonnegative().optional(),
      total_budget_currency: z
        .string()
        .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code')
        .optional(),
      jmdi_grant_amount: z.number().nonnegative().optional(),
      partner_countries_iso3: z.array(iso3()).optional(),
      ...provenanceFields,
    })
    .refine((row) => Boolean(row.title_en ?? row.title_fr ?? row.title_es), {
      message: 'needs a title in at least one of English, French or Spanish',
      path: ['title_en'],
    }),
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
  schema: z.object({
    lesson_id: identifier(/^LES-[A-Za-z0-9-]+$/, 'must look like LES-<id>'),
    project_id: projectId().optional(),
    question: vocab(LESSON_QUESTION, 'lesson_question'),
    statement_en: text(1000),
    practice_type: vocab(PRACTICE_TYPE, 'practice_type').optional(),
    condition_tags: vocabList(CONDITION_TAG, 'condition_tag').optional(),
    theme: vocab(THEME_JMDI, 'theme_jmdi'),
    hld_rt: vocabList(THEME_HLD_RT, 'theme_hld_rt').optional(),
    evidence_type: vocab(EVIDENCE_TYPE, 'evidence_type'),
    evidence_strength: vocab(EVIDENCE_STRENGTH, 'evidence_strength'),
    good_practice: z.boolean(),
    replicability: vocab(REPLICABILITY, 'replicability').optional(),
    iso3: iso3().optional(),
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
  schema: z.object({
    project_id: projectId(),
    org_id: z.string().min(1),
    org_name: z.string().optional(),
    role: vocab(PARTNER_ROLE, 'partner_role'),
    iati_role_code: z.number().int().min(1).max(4).optional(),
    org_type: z.string().optional(),
    org_activity_id: z.string().optional(),
    via_activity: z.string().optional(),
    country_iso3: iso3().optional(),
    side: vocab(PARTNER_SIDE, 'partner_side').optional(),
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
  schema: z.object({
    project_id: projectId(),
    origin_iso3: iso3(),
    destination_iso3: iso3(),
    origin_locality: z.string().default(''),
    destination_locality: z.string().default(''),
    ...provenanceFields,
  }),
});

/** `jmdi_result` — an IATI-shaped result indicator with baseline, target and actual. */
export const jmdiResultContract = defineTable({
  table: 'jmdi_result',
  kind: 'stocktaking',
  version: '1.0.0',
  title: 'JMDI result',
  description:
    'A result indicator of a project (IATI result/indicator/period): type, measure, baseline, target and actual.',
  primaryKey: ['result_id'],
  foreignKeys: [{ fields: ['project_id'], reference: { table: 'jmdi_project', fields: ['project_id'] } }],
  schema: z.object({
    result_id: z.string().min(1),
    project_id: projectId(),
    result_type: z.number().int().min(1).max(9).optional(),
    result_title: z.string().optional(),
    indicator_title: z.string().optional(),
    measure: z.number().int().min(1).max(5).optional(),
    baseline_value: z.string().optional(),
    baseline_year: z.number().int().optional(),
    target_value: z.string().optional(),
    actual_value: z.string().optional(),
    period_start: isoDate().optional(),
    period_end: isoDate().optional(),
    disaggregation: z.string().optional(),
    via_activity: z.string().optional(),
    ...provenanceFields,
  }),
});
