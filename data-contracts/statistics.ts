import { defineTable, iso3, provenanceFields, vocab } from './contract.ts';
import { indicatorUnit, observationNotNegative, percentageRange, periodRange } from './plausibility.ts';
import { OBS_STATUS, OBSERVATION_SOURCE, SEX } from './vocabularies.ts';
import * as z from './zod.ts';

/**
 * `observation` — one statistical figure (DOMAIN.md §4.7). Every value keeps its source and
 * dataset revision: two sources never share a series, and briefings show them side by side.
 */
export const observationContract = defineTable({
  table: 'observation',
  kind: 'statistics',
  version: '1.1.0',
  title: 'Statistical observation',
  description:
    'A context figure (migrant stock, remittances, refugees …) for a country (and a counterpart for bilateral series), with its period, unit, source and revision.',
  primaryKey: [
    'indicator_id',
    'ref_area_iso3',
    'counterpart_iso3',
    'time_period',
    'sex',
    'source',
    'dataset_revision',
  ],
  foreignKeys: [{ fields: ['ref_area_iso3'], reference: { table: 'country', fields: ['iso3'] } }],
  provenanceFromParser: true,
  plausibility: [periodRange('time_period', 1950), indicatorUnit, observationNotNegative, percentageRange],
  schema: () =>
    z.object({
      indicator_id: z
        .string()
        .check(
          z.regex(/^[A-Z][A-Z0-9_]{1,40}$/, 'must be an indicator code such as IMM_STOCK or REMIT_IN_USD'),
        )
        .register(z.globalRegistry, { 'x-arrow': 'dictionary', 'x-vocabulary': 'open' }),
      ref_area_iso3: iso3(),
      counterpart_iso3: z.optional(iso3()),
      time_period: z
        .string()
        .check(
          z.regex(/^\d{4}(-(Q[1-4]|0[1-9]|1[0-2]))?$/, 'must be a period written YYYY, YYYY-Qn or YYYY-MM'),
        ),
      value: z.nullable(z.number()),
      unit: z.string().check(z.minLength(1)),
      unit_mult: z.optional(z.number().check(z.int())),
      sex: z.optional(vocab(SEX, 'sex')),
      obs_status: z.optional(vocab(OBS_STATUS, 'obs_status')),
      data_type_note: z.optional(z.string()),
      source: vocab(OBSERVATION_SOURCE, 'observation_source'),
      dataset_revision: z.string().check(z.minLength(1)),
      ...provenanceFields,
    }),
});
