import { itemHash } from '#contracts/briefing/hash.ts';
import type { BriefingItem, StoredBriefingItem } from '#contracts/briefing/item.ts';
import { buildBriefing } from '#packages/briefing/build.ts';
import type { ExportMeta } from '#packages/briefing/exports/tables.ts';
import type { CuratedRow, CuratedTables } from '#packages/briefing/model.ts';

/**
 * A small briefing built by the real builder: two countries (MDA with a pilot, milestones,
 * projects, figures of two sources, an event; JAM with a project whose title is a spreadsheet
 * formula and carries the list separator), so exports are tested on the shapes the pipeline makes.
 */

const SHA = { pilot: 'a'.repeat(64), projects: 'b'.repeat(64), reference: 'c'.repeat(64) } as const;

function rows(
  table: string,
  file: keyof typeof SHA,
  values: Record<string, unknown>[],
  confidence = 'high',
): CuratedRow[] {
  return values.map((row, index) => ({
    row: { ...row, confidence },
    ref: {
      table,
      locator: `line ${index + 2}`,
      file_sha256: SHA[file],
      raw_key: `raw/${file}/${SHA[file]}/${file}.csv`,
      source_doc_id: String(row.source_doc_id ?? 'DOC-test'),
      confidence,
    },
  }));
}

export const FORMULA_TITLE = '=HYPERLINK("http://evil.example","click") | pipes, commas and "quotes"';

export const TABLES: CuratedTables = {
  pilot: rows('pilot', 'pilot', [
    {
      pilot_id: 'MM-MDA-P1',
      iso3: 'MDA',
      phase: 'P1_2011_2013',
      participation_status: 'active',
      status_as_of: '2012-02-09',
      lead_gov_name: 'State Chancellery',
      un_lead_org_ids: ['XM-DAC-47066', 'XM-DAC-41114'],
      source_doc_id: 'DOC-newsletter',
    },
  ]),
  pilot_milestone: rows('pilot_milestone', 'pilot', [
    {
      milestone_id: 'MM-MDA-P1-M05',
      pilot_id: 'MM-MDA-P1',
      milestone_type: 'emp_template_adopted',
      status: 'achieved',
      date_achieved: '2012-08-24',
      date_precision: 'day',
      description_en: 'Government adopts the EMP template | and its indicator list',
      legal_basis: 'Government Decision No. 634',
      source_doc_id: 'DOC-emp',
    },
  ]),
  jmdi_project: rows(
    'jmdi_project',
    'projects',
    [
      {
        project_id: 'JMDI1-MDA-01',
        target_country_iso3: 'MDA',
        title_en: 'Diaspora associations as partners for local development',
        theme_primary: 'communities',
        selection_status: 'implemented',
        total_budget_amount: 183990,
        total_budget_currency: 'EUR',
        partner_countries_iso3: ['ITA'],
        source_doc_id: 'DOC-illustrative',
      },
      {
        project_id: 'JMDI1-JAM-01',
        target_country_iso3: 'JAM',
        title_en: FORMULA_TITLE,
        theme_primary: 'remittances',
        selection_status: 'implemented',
        total_budget_amount: -5,
        total_budget_currency: 'EUR',
        partner_countries_iso3: ['GBR', 'USA'],
        source_doc_id: 'DOC-jam-profile',
      },
    ],
    'low',
  ),
  jmdi_lesson: rows('jmdi_lesson', 'projects', [
    {
      lesson_id: 'LES-001',
      project_id: 'JMDI1-MDA-01',
      iso3: 'MDA',
      theme: 'communities',
      statement_en: 'Mapping the diaspora first let the council target two cities.',
      evidence_strength: 'moderate',
      good_practice: true,
      condition_tags: ['local_authority_ownership'],
      source_doc_id: 'DOC-illustrative',
    },
  ]),
  observation: rows('observation', 'reference', [
    {
      indicator_id: 'IMM_STOCK',
      ref_area_iso3: 'MDA',
      time_period: '2010',
      value: 129488,
      unit: 'persons',
      source: 'UNDESA_IMS',
      dataset_revision: 'Rev.2019',
      source_doc_id: 'DOC-undesa',
    },
    {
      indicator_id: 'IMM_STOCK',
      ref_area_iso3: 'MDA',
      time_period: '2015',
      value: 106374,
      unit: 'persons',
      source: 'UNDESA_IMS',
      dataset_revision: 'Rev.2019',
      source_doc_id: 'DOC-undesa',
    },
    {
      indicator_id: 'IMM_STOCK',
      ref_area_iso3: 'MDA',
      time_period: '2013',
      value: 391508,
      unit: 'persons',
      source: 'WB_KNOMAD_BILAT',
      dataset_revision: 'KNOMAD-2013',
      source_doc_id: 'DOC-knomad',
    },
  ]),
  event: rows('event', 'reference', [
    {
      event_id: 'EV-20111012-gfmd-chisinau-mainstreaming',
      title: 'GFMD thematic meeting, Chisinau',
      event_type: 'gfmd_thematic_meeting',
      start_date: '2011-10-12',
      end_date: '2011-10-13',
      date_precision: 'day',
      iso3: 'MDA',
      country_iso3s: ['MDA', 'JAM'],
      hld_rt: ['RT3_partnerships_coherence_mainstreaming'],
      source_doc_id: 'DOC-gfmd',
    },
    {
      event_id: 'EV-20121121-gfmd-summit-port-louis',
      title: 'GFMD Summit',
      event_type: 'gfmd_summit',
      start_date: '2012-11-21',
      date_precision: 'day',
      iso3: 'MUS',
      country_iso3s: ['MDA'],
      hld_rt: ['RT2_rights_protection_trafficking'],
      source_doc_id: 'DOC-gfmd',
    },
  ]),
  source_document: rows('source_document', 'reference', [
    {
      doc_id: 'DOC-gfmd',
      title: 'GFMD meetings page',
      doc_type: 'gfmd_paper',
      url: 'https://gfmd.org/',
      source_doc_id: 'DOC-gfmd',
    },
    {
      doc_id: 'DOC-illustrative',
      title: 'Illustrative samples',
      doc_type: 'dataset',
      illustrative: true,
      source_doc_id: 'DOC-gfmd',
    },
  ]),
};

export const META: ExportMeta = { dataset: 'hld2013', version: 3, asOf: '2013-09-30' };

/** Items as the store returns them (with their hashes). */
export function storedItems(): StoredBriefingItem[] {
  return buildBriefing(TABLES).map((item: BriefingItem) => ({ ...item, hash: itemHash(item) }));
}
