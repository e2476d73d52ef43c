import {
  defineTable,
  identifier,
  iso3,
  isoDate,
  isoDateTime,
  provenanceFields,
  vocab,
  vocabList,
} from './contract.ts';
import {
  CAPACITY_AREA,
  DEMAND_LEVEL,
  HAS_CAPACITY,
  PROFILE_SOURCE,
  QUESTION_TYPE,
  RESPONDENT_ROLE,
  SUPPORT_TYPE,
  SURVEY_MODE,
  SURVEY_TOPIC,
} from './vocabularies.ts';
import * as z from './zod.ts';

/** `survey_respondent` — one UN Country Team answer sheet (DOMAIN.md §4.4). */
export const surveyRespondentContract = defineTable({
  table: 'survey_respondent',
  kind: 'survey',
  version: '1.0.0',
  title: 'Survey respondent',
  description: 'One submission of the GMG UNCT survey, keyed `{survey_id}:{_uuid}`, exactly one UNCT each.',
  primaryKey: ['respondent_id'],
  foreignKeys: [{ fields: ['iso3'], reference: { table: 'country', fields: ['iso3'] } }],
  provenanceFromParser: true,
  schema: () =>
    z.object({
      respondent_id: identifier(/^[A-Z0-9-]+:[A-Za-z0-9-]+$/, 'must look like {survey_id}:{uuid}'),
      survey_id: z.string().check(z.minLength(1)),
      unct_id: identifier(/^UNCT-[A-Z]{3}$/, 'must look like UNCT-<ISO3>'),
      iso3: iso3(),
      respondent_role: z.optional(vocab(RESPONDENT_ROLE, 'respondent_role')),
      agency_org_id: z.optional(z.string()),
      submitted_at: z.optional(isoDateTime()),
      validation_status: z.optional(z.string()),
      source_row_ref: z.string().check(z.minLength(1)),
      ...provenanceFields,
    }),
});

/** `survey_response` — tidy answers: one row per question, one per selected choice. */
export const surveyResponseContract = defineTable({
  table: 'survey_response',
  kind: 'survey',
  version: '1.0.0',
  title: 'Survey response',
  description:
    'One answer of one respondent, keyed by XLSForm question name; select_multiple answers give one row per selected choice (seq).',
  primaryKey: ['respondent_id', 'question_name', 'seq'],
  foreignKeys: [
    { fields: ['respondent_id'], reference: { table: 'survey_respondent', fields: ['respondent_id'] } },
  ],
  provenanceFromParser: true,
  schema: () =>
    z.object({
      respondent_id: z.string().check(z.minLength(1)),
      question_name: z
        .string()
        .check(z.minLength(1))
        .register(z.globalRegistry, { 'x-arrow': 'dictionary', 'x-vocabulary': 'open' }),
      seq: z.number().check(z.int(), z.nonnegative()),
      value_raw: z.string(),
      value_code: z
        .optional(z.string())
        .register(z.globalRegistry, { 'x-arrow': 'dictionary', 'x-vocabulary': 'open' }),
      value_label: z.optional(z.string()),
      value_number: z.optional(z.number()),
      value_date: z.optional(isoDate()),
      is_other: z.boolean(),
      other_text: z.optional(z.string()),
      ...provenanceFields,
    }),
});

/** `survey` — one survey instrument and its fielding. */
export const surveyContract = defineTable({
  table: 'survey',
  kind: 'survey',
  version: '1.0.0',
  title: 'Survey',
  description: 'A survey instrument (e.g. GMG-UNCT-2011), when and how it was fielded, and its form version.',
  primaryKey: ['survey_id'],
  schema: () =>
    z.object({
      survey_id: identifier(
        /^[A-Z0-9-]+$/,
        'must be upper-case letters, digits and dashes, e.g. GMG-UNCT-2011',
      ),
      title: z.string().check(z.minLength(1)),
      fielded_from: z.optional(isoDate()),
      fielded_to: z.optional(isoDate()),
      mode: vocab(SURVEY_MODE, 'survey_mode'),
      form_version: z.optional(z.string()),
      doc_id: z.optional(z.string()),
    }),
});

/** `survey_question` — the codebook's questions (XLSForm `survey` sheet). */
export const surveyQuestionContract = defineTable({
  table: 'survey_question',
  kind: 'survey',
  version: '1.0.0',
  title: 'Survey question',
  description:
    'A question of the codebook: XLSForm name (group path with /), label, type, choice list, topic.',
  primaryKey: ['survey_id', 'question_name'],
  foreignKeys: [{ fields: ['survey_id'], reference: { table: 'survey', fields: ['survey_id'] } }],
  schema: () =>
    z.object({
      survey_id: z.string().check(z.minLength(1)),
      question_name: z.string().check(z.minLength(1)),
      label_en: z.string().check(z.minLength(1)),
      type: vocab(QUESTION_TYPE, 'question_type'),
      list_name: z.optional(z.string()),
      topic: vocab(SURVEY_TOPIC, 'survey_topic'),
      capacity_area: z.optional(vocab(CAPACITY_AREA, 'capacity_area')),
    }),
});

/** `survey_choice` — the codebook's choices (XLSForm `choices` sheet). */
export const surveyChoiceContract = defineTable({
  table: 'survey_choice',
  kind: 'survey',
  version: '1.0.0',
  title: 'Survey choice',
  description:
    'A choice of a list: name, label and the vocabulary code it maps to (capacity area, support type, org id).',
  primaryKey: ['list_name', 'choice_name'],
  schema: () =>
    z.object({
      list_name: z.string().check(z.minLength(1)),
      choice_name: z.string().check(z.minLength(1)),
      label_en: z.string().check(z.minLength(1)),
      maps_to_code: z.optional(z.string()),
    }),
});

/** `unct_capacity_profile` — derived: one UNCT's capacity and demand per area. */
export const unctCapacityProfileContract = defineTable({
  table: 'unct_capacity_profile',
  kind: 'survey',
  version: '1.0.0',
  title: 'UNCT capacity profile',
  description:
    'Derived per UNCT and capacity area from survey responses or pilot reports: capacity, demand, support requested.',
  primaryKey: ['unct_id', 'capacity_area', 'source'],
  schema: () =>
    z.object({
      unct_id: identifier(/^UNCT-[A-Z]{3}$/, 'must look like UNCT-<ISO3>'),
      capacity_area: vocab(CAPACITY_AREA, 'capacity_area'),
      has_capacity: vocab(HAS_CAPACITY, 'has_capacity'),
      demand_level: vocab(DEMAND_LEVEL, 'demand_level'),
      support_types_requested: z.optional(vocabList(SUPPORT_TYPE, 'support_type')),
      source: vocab(PROFILE_SOURCE, 'profile_source'),
      respondent_count: z.number().check(z.int(), z.nonnegative()),
      ...provenanceFields,
    }),
});
