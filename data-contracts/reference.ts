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
  ALIAS_SCHEME,
  DATE_PRECISION,
  DOC_TYPE,
  EVENT_TYPE,
  THEME_HLD_RT,
  THEME_JMDI,
} from './vocabularies.ts';

/** `country` — the ISO 3166 / UN M49 reference (shipped, from datasets/country-codes). */
export const countryContract = defineTable({
  table: 'country',
  kind: 'reference',
  version: '1.0.0',
  title: 'Country or area',
  description: 'ISO 3166-1 alpha-2/alpha-3, zero-padded UN M49, name and group flags.',
  primaryKey: ['iso3'],
  schema: z.object({
    iso3: iso3(),
    iso2: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code'),
    m49: z.string().regex(/^\d{3}$/, 'must be a zero-padded 3-digit M49 code'),
    name_en: text(200),
    region_m49: z
      .string()
      .regex(/^\d{3}$/)
      .optional(),
    subregion_m49: z
      .string()
      .regex(/^\d{3}$/)
      .optional(),
    subregion_name: z.string().optional(),
    ldc: z.boolean().optional(),
    lldc: z.boolean().optional(),
    sids: z.boolean().optional(),
    is_jmdi1_target: z.boolean(),
  }),
});

/** `source_document` — every document and dataset the evidence cites. */
export const sourceDocumentContract = defineTable({
  table: 'source_document',
  kind: 'reference',
  version: '1.0.0',
  title: 'Source document',
  description: 'A document or dataset cited by fact rows (source_doc_id).',
  primaryKey: ['doc_id'],
  schema: z.object({
    doc_id: identifier(/^DOC-[A-Za-z0-9-]{3,40}$/, 'must look like DOC-<id>'),
    title: text(500),
    doc_type: vocab(DOC_TYPE, 'doc_type'),
    publisher_org_id: z.string().optional(),
    publication_date: isoDate().optional(),
    language: z
      .string()
      .regex(/^[a-z]{2}$/)
      .optional(),
    url: z.url().optional(),
    licence: z.string().optional(),
    note: z.string().max(2000).optional(),
    illustrative: z.boolean().default(false),
  }),
});

/** `event` — meetings, launches and HLD sessions of 2011–2013. */
export const eventContract = defineTable({
  table: 'event',
  kind: 'reference',
  version: '1.0.0',
  title: 'Event',
  description: 'GFMD meetings, programme launches, coordination meetings and HLD sessions.',
  primaryKey: ['event_id'],
  foreignKeys: [{ fields: ['iso3'], reference: { table: 'country', fields: ['iso3'] } }],
  schema: z.object({
    event_id: identifier(/^EV-\d{6,8}-[a-z0-9-]+$/, 'must look like EV-yyyymmdd-slug'),
    title: text(500),
    event_type: vocab(EVENT_TYPE, 'event_type'),
    start_date: isoDate(),
    end_date: isoDate().optional(),
    date_precision: vocab(DATE_PRECISION, 'date_precision'),
    city: z.string().optional(),
    iso3: iso3().optional(),
    country_iso3s: z.array(iso3()).optional(),
    organiser_org_ids: z.array(z.string()).optional(),
    co_chair_iso3: z.array(iso3()).optional(),
    hld_rt: vocabList(THEME_HLD_RT, 'theme_hld_rt').optional(),
    theme_jmdi: vocabList(THEME_JMDI, 'theme_jmdi').optional(),
    related_pilot_id: z.string().optional(),
    outcome_doc_id: z.string().optional(),
    ...provenanceFields,
  }),
});

/** `country_alias` — names and codes other sources use for a country. */
export const countryAliasContract = defineTable({
  table: 'country_alias',
  kind: 'reference',
  version: '1.0.0',
  title: 'Country alias',
  description: 'A name used by a source (World Bank, UN, the 2012 note …) and the ISO3 code it stands for.',
  primaryKey: ['alias', 'scheme'],
  schema: z.object({
    alias: text(200),
    scheme: vocab(ALIAS_SCHEME, 'alias_scheme'),
    iso3: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be a 3-letter code (ISO3, or XKX/CHI for the non-ISO World Bank areas)'),
    non_iso: z.boolean().default(false),
    valid_from: isoDate().optional(),
    valid_to: isoDate().optional(),
  }),
});

/** `organisation` — governments, UN entities, donors, NGOs, local authorities, diaspora groups. */
export const organisationContract = defineTable({
  table: 'organisation',
  kind: 'reference',
  version: '1.0.0',
  title: 'Organisation',
  description:
    'An organisation by IATI identifier when it has one (XM-DAC-41114 UNDP), else LOCAL-<ISO3>-<slug>.',
  primaryKey: ['org_id'],
  foreignKeys: [{ fields: ['country_iso3'], reference: { table: 'country', fields: ['iso3'] } }],
  schema: z.object({
    org_id: z.string().min(2).max(120),
    name: text(300),
    acronym: z.string().optional(),
    org_type: z
      .string()
      .regex(
        /^(10|11|15|21|22|23|24|30|40|60|70|71|72|73|80|90|LA|MDA|NHRI)$/,
        'must be an IATI OrganisationType code or LA, MDA, NHRI',
      ),
    country_iso3: iso3().optional(),
    is_un_entity: z.boolean().default(false),
    gmg_member: z.boolean().default(false),
  }),
});
