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
  CAPACITY_AREA,
  DATE_PRECISION,
  EMP_PART,
  HANDBOOK_STAGE,
  INSTRUMENT_TYPE,
  INTEGRATION_LEVEL,
  MECHANISM_TYPE,
  MILESTONE_STATUS,
  MILESTONE_TYPE,
  OUTPUT_AREA,
  PARTICIPATION_STATUS,
  PILOT_PHASE,
  POLICY_DIMENSION,
  SECTOR,
  STATUS_LISTING,
} from './vocabularies.ts';
import * as z from './zod.ts';

const pilotId = () => identifier(/^MM-[A-Z]{3}-P\d$/, 'must look like MM-<ISO3>-P<phase>, e.g. MM-MDA-P1');

/** `pilot` — one country's participation in the Mainstreaming Migration pilot (DOMAIN.md §4.3). */
export const pilotContract = defineTable({
  table: 'pilot',
  kind: 'pilot',
  version: '1.1.0',
  title: 'Mainstreaming pilot',
  description:
    "A country's participation in the UNDP/IOM/GMG pilot 'Mainstreaming Migration into National Development Strategies', with its status as of a date (candidate → active → completed/withdrawn).",
  primaryKey: ['pilot_id'],
  foreignKeys: [{ fields: ['iso3'], reference: { table: 'country', fields: ['iso3'] } }],
  plausibility: [
    dateRange(['status_as_of', 'start_date', 'end_date'], 1990, 2030, 'pilot dates'),
    endNotBeforeStart([['start_date', 'end_date']]),
    nonNegative(['budget_amount'], 'a budget'),
  ],
  schema: () =>
    z.object({
      pilot_id: pilotId(),
      iso3: iso3(),
      programme: text(300),
      phase: vocab(PILOT_PHASE, 'pilot_phase'),
      participation_status: vocab(PARTICIPATION_STATUS, 'participation_status'),
      status_as_of: isoDate(),
      start_date: z.optional(isoDate()),
      end_date: z.optional(isoDate()),
      date_precision: z.optional(vocab(DATE_PRECISION, 'date_precision')),
      lead_gov_org_id: z.optional(z.string()),
      lead_gov_name: z.optional(z.string()),
      un_lead_org_ids: z.optional(z.array(z.string())),
      donor_org_ids: z.optional(z.array(z.string())),
      national_strategy: z.optional(z.string()),
      budget_amount: z.optional(z.number()),
      budget_currency: z.optional(
        z.string().check(z.regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code')),
      ),
      iati_identifier: z.optional(z.string()),
      note: z.optional(z.string().check(z.maxLength(2000))),
      ...provenanceFields,
    }),
});

/**
 * `pilot_status` — one source's statement of a pilot's participation status, as that source has
 * it (DOMAIN.md §1 and §6): the 2012 note lists Mali as a pilot, the programme site later lists
 * Tunisia and not Mali. Each statement is its own row, dated as precisely as its source allows;
 * a later source is a later row, never a correction of an earlier one.
 */
export const pilotStatusContract = defineTable({
  table: 'pilot_status',
  kind: 'pilot',
  version: '1.0.0',
  title: 'Pilot status statement',
  description:
    "A pilot's participation status as one source states it, with the source's date (or the period it covers) and the text it rests on; rows of different sources are kept side by side, in `seq` order (later sources later).",
  primaryKey: ['status_id'],
  foreignKeys: [{ fields: ['pilot_id'], reference: { table: 'pilot', fields: ['pilot_id'] } }],
  plausibility: [
    dateRange(['status_date'], 1990, 2030, 'status dates'),
    nonNegative(['seq'], 'a sequence number'),
  ],
  schema: () =>
    z.object({
      status_id: identifier(/^MM-[A-Z]{3}-P\d-S\d{2,3}$/, 'must look like MM-<ISO3>-P<phase>-S<nn>'),
      pilot_id: pilotId(),
      /** Order within the pilot: 1 for the earliest source, then each later source. */
      seq: z.number().check(z.int()),
      /** The status the source states; none when the source only leaves the country out. */
      participation_status: z.optional(vocab(PARTICIPATION_STATUS, 'participation_status')),
      /** `listed`: the source names the country; `not_listed`: a source listing the pilot countries leaves it out. */
      listing: vocab(STATUS_LISTING, 'status_listing'),
      /** The date the source states the status on (its publication date), when it has one. */
      status_date: z.optional(isoDate()),
      date_precision: z.optional(vocab(DATE_PRECISION, 'date_precision')),
      /** The period the source says the status covers, as it gives it (e.g. `2011-2013`). */
      period: z.optional(z.string().check(z.maxLength(40))),
      statement_en: text(1000),
      ...provenanceFields,
    }),
});

/** `pilot_milestone` — a step of a pilot, placed on the GMG handbook's planning cycle. */
export const pilotMilestoneContract = defineTable({
  table: 'pilot_milestone',
  kind: 'pilot',
  version: '1.1.0',
  title: 'Pilot milestone',
  description:
    'A milestone of a pilot (scoping mission, consultation, EMP, strategy adopted …) with its handbook stage, JGP output area, policy dimension, status and dates.',
  primaryKey: ['milestone_id'],
  foreignKeys: [{ fields: ['pilot_id'], reference: { table: 'pilot', fields: ['pilot_id'] } }],
  plausibility: [dateRange(['date_planned', 'date_achieved'], 1990, 2030, 'milestone dates')],
  schema: () =>
    z.object({
      milestone_id: identifier(/^MM-[A-Z]{3}-P\d-M\d{2,3}$/, 'must look like MM-<ISO3>-P<phase>-M<nn>'),
      pilot_id: pilotId(),
      milestone_type: vocab(MILESTONE_TYPE, 'milestone_type'),
      handbook_stage: z.optional(vocab(HANDBOOK_STAGE, 'handbook_stage')),
      output_area: z.optional(vocab(OUTPUT_AREA, 'output_area')),
      policy_dimension: z.optional(vocab(POLICY_DIMENSION, 'policy_dimension')),
      status: vocab(MILESTONE_STATUS, 'milestone_status'),
      date_planned: z.optional(isoDate()),
      date_achieved: z.optional(isoDate()),
      date_precision: z.optional(vocab(DATE_PRECISION, 'date_precision')),
      description_en: text(2000),
      legal_basis: z.optional(z.string()),
      linked_doc_ids: z.optional(z.array(z.string())),
      ...provenanceFields,
    }),
});

/** `pilot_sector_integration` — how far migration is written into a sectoral instrument. */
export const pilotSectorIntegrationContract = defineTable({
  table: 'pilot_sector_integration',
  kind: 'pilot',
  version: '1.1.0',
  title: 'Pilot sector integration',
  description:
    'Migration in a sector policy instrument (health, education, employment …), on an ordinal integration scale.',
  primaryKey: ['pilot_id', 'sector', 'instrument_name'],
  foreignKeys: [{ fields: ['pilot_id'], reference: { table: 'pilot', fields: ['pilot_id'] } }],
  plausibility: [dateRange(['as_of_date'], 1990, 2030, 'pilot dates')],
  schema: () =>
    z.object({
      pilot_id: pilotId(),
      sector: vocab(SECTOR, 'sector'),
      instrument_name: text(300),
      instrument_type: vocab(INSTRUMENT_TYPE, 'instrument_type'),
      integration_level: vocab(INTEGRATION_LEVEL, 'integration_level'),
      status: vocab(MILESTONE_STATUS, 'milestone_status'),
      ...provenanceFields,
      as_of_date: isoDate(),
    }),
});

/** `pilot_mechanism` — consultation, coordination and monitoring mechanisms of a pilot. */
export const pilotMechanismContract = defineTable({
  table: 'pilot_mechanism',
  kind: 'pilot',
  version: '1.1.0',
  title: 'Pilot mechanism',
  description:
    'An inter-ministerial committee, working group, consultation or M&E framework set up for the pilot.',
  primaryKey: ['mechanism_id'],
  foreignKeys: [{ fields: ['pilot_id'], reference: { table: 'pilot', fields: ['pilot_id'] } }],
  plausibility: [dateRange(['established_date'], 1990, 2030, 'pilot dates')],
  schema: () =>
    z.object({
      mechanism_id: identifier(/^MM-[A-Z]{3}-P\d-X\d{2,3}$/, 'must look like MM-<ISO3>-P<phase>-X<nn>'),
      pilot_id: pilotId(),
      mechanism_type: vocab(MECHANISM_TYPE, 'mechanism_type'),
      name: z.optional(z.string()),
      chair_org_id: z.optional(z.string()),
      member_org_ids: z.optional(z.array(z.string())),
      established_date: z.optional(isoDate()),
      legal_basis: z.optional(z.string()),
      meeting_frequency: z.optional(z.string()),
      is_active: z.boolean(),
      ...provenanceFields,
    }),
});

/** `migration_profile` — an (Extended) Migration Profile edition. */
export const migrationProfileContract = defineTable({
  table: 'migration_profile',
  kind: 'pilot',
  version: '1.1.0',
  title: 'Migration profile',
  description:
    'An edition of a country’s (Extended) Migration Profile, with the parts it has and its legal basis.',
  primaryKey: ['emp_id'],
  foreignKeys: [{ fields: ['iso3'], reference: { table: 'country', fields: ['iso3'] } }],
  plausibility: [endNotBeforeStart([['period_start_year', 'period_end_year']])],
  schema: () =>
    z.object({
      emp_id: identifier(/^EMP-[A-Z]{3}-\d{1,2}$/, 'must look like EMP-<ISO3>-<edition>'),
      iso3: iso3(),
      edition: z.number().check(z.int(), z.positive()),
      period_start_year: z.optional(z.number().check(z.int(), z.minimum(1950), z.maximum(2100))),
      period_end_year: z.optional(z.number().check(z.int(), z.minimum(1950), z.maximum(2100))),
      publication_year: z.optional(z.number().check(z.int(), z.minimum(1950), z.maximum(2100))),
      producer_org_id: z.optional(z.string()),
      parts_present: z.optional(vocabList(EMP_PART, 'emp_part')),
      gov_endorsed: z.optional(z.boolean()),
      legal_basis: z.optional(z.string()),
      indicator_list_approved: z.optional(z.boolean()),
      doc_id: z.optional(z.string()),
      ...provenanceFields,
    }),
});

/** `unct_capacity_note` — a pilot report's note on a UN Country Team capacity. */
export const unctCapacityNoteContract = defineTable({
  table: 'unct_capacity_note',
  kind: 'pilot',
  version: '1.0.0',
  title: 'UNCT capacity note',
  description: 'What a pilot report says about a UN Country Team capacity, and whether it is a gap.',
  primaryKey: ['note_id'],
  schema: () =>
    z.object({
      note_id: identifier(/^NOTE-[A-Za-z0-9-]+$/, 'must look like NOTE-<id>'),
      unct_id: identifier(/^UNCT-[A-Z]{3}$/, 'must look like UNCT-<ISO3>'),
      pilot_id: z.optional(pilotId()),
      agency_org_id: z.optional(z.string()),
      capacity_area: vocab(CAPACITY_AREA, 'capacity_area'),
      assessment_text: text(4000),
      gap_flag: z.boolean(),
      ...provenanceFields,
    }),
});
