import { z } from 'zod';
import { defineTable, identifier, iso3, isoDate, provenanceFields, text, vocab } from './contract.ts';
import {
  DATE_PRECISION,
  HANDBOOK_STAGE,
  MILESTONE_STATUS,
  MILESTONE_TYPE,
  OUTPUT_AREA,
  PARTICIPATION_STATUS,
  PILOT_PHASE,
  POLICY_DIMENSION,
} from './vocabularies.ts';

const pilotId = () => identifier(/^MM-[A-Z]{3}-P\d$/, 'must look like MM-<ISO3>-P<phase>, e.g. MM-MDA-P1');

/** `pilot` — one country's participation in the Mainstreaming Migration pilot (DOMAIN.md §4.3). */
export const pilotContract = defineTable({
  table: 'pilot',
  kind: 'pilot',
  version: '1.0.0',
  title: 'Mainstreaming pilot',
  description:
    "A country's participation in the UNDP/IOM/GMG pilot 'Mainstreaming Migration into National Development Strategies', with its status as of a date (candidate → active → completed/withdrawn).",
  primaryKey: ['pilot_id'],
  foreignKeys: [{ fields: ['iso3'], reference: { table: 'country', fields: ['iso3'] } }],
  schema: z.object({
    pilot_id: pilotId(),
    iso3: iso3(),
    programme: text(300),
    phase: vocab(PILOT_PHASE, 'pilot_phase'),
    participation_status: vocab(PARTICIPATION_STATUS, 'participation_status'),
    status_as_of: isoDate(),
    start_date: isoDate().optional(),
    end_date: isoDate().optional(),
    date_precision: vocab(DATE_PRECISION, 'date_precision').optional(),
    lead_gov_org_id: z.string().optional(),
    lead_gov_name: z.string().optional(),
    un_lead_org_ids: z.array(z.string()).optional(),
    donor_org_ids: z.array(z.string()).optional(),
    national_strategy: z.string().optional(),
    budget_amount: z.number().nonnegative().optional(),
    budget_currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code').optional(),
    iati_identifier: z.string().optional(),
    note: z.string().max(2000).optional(),
    ...provenanceFields,
  }),
});

/** `pilot_milestone` — a step of a pilot, placed on the GMG handbook's planning cycle. */
export const pilotMilestoneContract = defineTable({
  table: 'pilot_milestone',
  kind: 'pilot',
  version: '1.0.0',
  title: 'Pilot milestone',
  description:
    'A milestone of a pilot (scoping mission, consultation, EMP, strategy adopted …) with its handbook stage, JGP output area, policy dimension, status and dates.',
  primaryKey: ['milestone_id'],
  foreignKeys: [{ fields: ['pilot_id'], reference: { table: 'pilot', fields: ['pilot_id'] } }],
  schema: z.object({
    milestone_id: identifier(/^MM-[A-Z]{3}-P\d-M\d{2,3}$/, 'must look like MM-<ISO3>-P<phase>-M<nn>'),
    pilot_id: pilotId(),
    milestone_type: vocab(MILESTONE_TYPE, 'milestone_type'),
    handbook_stage: vocab(HANDBOOK_STAGE, 'handbook_stage').optional(),
    output_area: vocab(OUTPUT_AREA, 'output_area').optional(),
    policy_dimension: vocab(POLICY_DIMENSION, 'policy_dimension').optional(),
    status: vocab(MILESTONE_STATUS, 'milestone_status'),
    date_planned: isoDate().optional(),
    date_achieved: isoDate().optional(),
    date_precision: vocab(DATE_PRECISION, 'date_precision').optional(),
    description_en: text(2000),
    legal_basis: z.string().optional(),
    linked_doc_ids: z.array(z.string()).optional(),
    ...provenanceFields,
  }),
});
