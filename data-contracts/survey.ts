import { z } from 'zod';
import { defineTable, identifier, iso3, isoDate, isoDateTime, provenanceFields, vocab } from './contract.ts';
import { RESPONDENT_ROLE } from './vocabularies.ts';

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
  schema: z.object({
    respondent_id: identifier(/^[A-Z0-9-]+:[A-Za-z0-9-]+$/, 'must look like {survey_id}:{uuid}'),
    survey_id: z.string().min(1),
    unct_id: identifier(/^UNCT-[A-Z]{3}$/, 'must look like UNCT-<ISO3>'),
    iso3: iso3(),
    respondent_role: vocab(RESPONDENT_ROLE, 'respondent_role').optional(),
    agency_org_id: z.string().optional(),
    submitted_at: isoDateTime().optional(),
    validation_status: z.string().optional(),
    source_row_ref: z.string().min(1),
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
  schema: z.object({
    respondent_id: z.string().min(1),
    question_name: z.string().min(1).meta({ 'x-arrow': 'dictionary', 'x-vocabulary': 'open' }),
    seq: z.number().int().nonnegative(),
    value_raw: z.string(),
    value_code: z.string().optional().meta({ 'x-arrow': 'dictionary', 'x-vocabulary': 'open' }),
    value_label: z.string().optional(),
    value_number: z.number().optional(),
    value_date: isoDate().optional(),
    is_other: z.boolean(),
    other_text: z.string().optional(),
    ...provenanceFields,
  }),
});
