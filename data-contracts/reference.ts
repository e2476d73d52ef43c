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
import { dateRange, endNotBeforeStart } from './plausibility.ts';
import {
  ALIAS_SCHEME,
  DATE_PRECISION,
  DOC_TYPE,
  EVENT_TYPE,
  THEME_HLD_RT,
  THEME_JMDI,
} from './vocabularies.ts';
import * as z from './zod.ts';

/** `country` — the ISO 3166 / UN M49 reference (shipped, from datasets/country-codes). */
export const countryContract = defineTable({
  table: 'country',
  kind: 'reference',
  version: '1.0.0',
  title: 'Country or area',
  description: 'ISO 3166-1 alpha-2/alpha-3, zero-padded UN M49, name and group flags.',
  primaryKey: ['iso3'],
  schema: () =>
    z.object({
      iso3: iso3(),
      iso2: z.string().check(z.regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')),
      m49: z.string().check(z.regex(/^\d{3}$/, 'must be a zero-padded 3-digit M49 code')),
      name_en: text(200),
      region_m49: z.optional(z.string().check(z.regex(/^\d{3}$/))),
      subregion_m49: z.optional(z.string().check(z.regex(/^\d{3}$/))),
      subregion_name: z.optional(z.string()),
      ldc: z.optional(z.boolean()),
      lldc: z.optional(z.boolean()),
      sids: z.optional(z.boolean()),
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
  schema: () =>
    z.object({
      doc_id: identifier(/^DOC-[A-Za-z0-9-]{3,40}$/, 'must look like DOC-<id>'),
      title: text(500),
      doc_type: vocab(DOC_TYPE, 'doc_type'),
      publisher_org_id: z.optional(z.string()),
      publication_date: z.optional(isoDate()),
      language: z.optional(z.string().check(z.regex(/^[a-z]{2}$/))),
      url: z.optional(z.url()),
      licence: z.optional(z.string()),
      note: z.optional(z.string().check(z.maxLength(2000))),
      illustrative: z._default(z.boolean(), false),
    }),
});

/** `event` — meetings, launches and HLD sessions of 2011–2013. */
export const eventContract = defineTable({
  table: 'event',
  kind: 'reference',
  version: '1.2.0',
  title: 'Event',
  description: 'GFMD meetings, programme launches, coordination meetings and HLD sessions.',
  primaryKey: ['event_id'],
  foreignKeys: [{ fields: ['iso3'], reference: { table: 'country', fields: ['iso3'] } }],
  plausibility: [
    dateRange(['start_date', 'end_date'], 2000, 2030, 'events'),
    endNotBeforeStart([['start_date', 'end_date']]),
  ],
  schema: () =>
    z.object({
      /** `EV-yyyymmdd-slug`, or `EV-yyyymm-…`/`EV-yyyy-…` when the source dates the event only to the month or year. */
      event_id: identifier(
        /^EV-(\d{4}|\d{6,8})-[a-z0-9-]+$/,
        'must look like EV-yyyymmdd-slug (EV-yyyy-slug for a year)',
      ),
      title: text(500),
      event_type: vocab(EVENT_TYPE, 'event_type'),
      start_date: isoDate(),
      end_date: z.optional(isoDate()),
      date_precision: vocab(DATE_PRECISION, 'date_precision'),
      city: z.optional(z.string()),
      iso3: z.optional(iso3()),
      country_iso3s: z.optional(z.array(iso3())),
      organiser_org_ids: z.optional(z.array(z.string())),
      co_chair_iso3: z.optional(z.array(iso3())),
      /** Countries the source says co-hosted the event (`iso3` is the host). */
      co_host_iso3: z.optional(z.array(iso3())),
      hld_rt: z.optional(vocabList(THEME_HLD_RT, 'theme_hld_rt')),
      theme_jmdi: z.optional(vocabList(THEME_JMDI, 'theme_jmdi')),
      related_pilot_id: z.optional(z.string()),
      outcome_doc_id: z.optional(z.string()),
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
  schema: () =>
    z.object({
      alias: text(200),
      scheme: vocab(ALIAS_SCHEME, 'alias_scheme'),
      iso3: z
        .string()
        .check(
          z.regex(
            /^[A-Z]{3}$/,
            'must be a 3-letter code (ISO3, or XKX/CHI for the non-ISO World Bank areas)',
          ),
        ),
      non_iso: z._default(z.boolean(), false),
      valid_from: z.optional(isoDate()),
      valid_to: z.optional(isoDate()),
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
  schema: () =>
    z.object({
      org_id: z.string().check(z.minLength(2), z.maxLength(120)),
      name: text(300),
      acronym: z.optional(z.string()),
      org_type: z
        .string()
        .check(
          z.regex(
            /^(10|11|15|21|22|23|24|30|40|60|70|71|72|73|80|90|LA|MDA|NHRI)$/,
            'must be an IATI OrganisationType code or LA, MDA, NHRI',
          ),
        ),
      country_iso3: z.optional(iso3()),
      is_un_entity: z._default(z.boolean(), false),
      gmg_member: z._default(z.boolean(), false),
    }),
});
