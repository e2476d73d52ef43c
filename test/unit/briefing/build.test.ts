import { describe, expect, it } from 'vitest';
import type { CountryItem } from '#contracts/briefing/item.ts';
import { buildBriefing } from '#packages/briefing/build.ts';
import type { CuratedRow, CuratedTables } from '#packages/briefing/model.ts';
import { sampleBriefing } from '../../support/sample-briefing.ts';

const ref = (table: string, locator: string, confidence = 'high') => ({
  table,
  locator,
  file_sha256: 'a'.repeat(64),
  raw_key: `raw/x/${'a'.repeat(64)}/f.csv`,
  source_doc_id: 'DOC-test',
  confidence,
});
const rows = (table: string, values: Record<string, unknown>[], confidence = 'high'): CuratedRow[] =>
  values.map((row, index) => ({ row, ref: ref(table, `line ${index + 2}`, confidence) }));

const tables: CuratedTables = {
  jmdi_project: rows(
    'jmdi_project',
    [
      {
        project_id: 'JMDI1-A',
        target_country_iso3: 'MDA',
        theme_primary: 'remittances',
        selection_status: 'implemented',
        total_budget_amount: 100,
        total_budget_currency: 'EUR',
        partner_countries_iso3: ['ITA'],
      },
      {
        project_id: 'JMDI1-B',
        target_country_iso3: 'MDA',
        theme_primary: 'rights',
        selection_status: 'implemented',
        total_budget_amount: 50,
        total_budget_currency: 'EUR',
        hld_rt: ['RT4_labour_mobility'],
      },
    ],
    'low',
  ),
  observation: rows('observation', [
    {
      indicator_id: 'IMM_STOCK',
      ref_area_iso3: 'MDA',
      time_period: '2015',
      value: 106374,
      unit: 'persons',
      source: 'UNDESA_IMS',
      dataset_revision: 'Rev.2019',
    },
    {
      indicator_id: 'IMM_STOCK',
      ref_area_iso3: 'MDA',
      time_period: '2013',
      value: 391508,
      unit: 'persons',
      source: 'WB_KNOMAD_BILAT',
      dataset_revision: 'KNOMAD-2013',
    },
  ]),
};

describe('buildBriefing', () => {
  const items = buildBriefing(tables);
  const mda = items.find((item) => item.type === 'country' && item.id === 'MDA')?.body as Record<string, any>;

  it('counts projects by JMDI theme and sums EUR budgets', () => {
    expect(mda.jmdi.projects_by_theme).toMatchObject({
      remittances: 1,
      rights: 1,
      communities: 0,
      capacities: 0,
    });
    expect(mda.jmdi.budget_eur_total).toBe(150);
  });

  it('keeps figures of two sources side by side and says when they share no year to compare', () => {
    const figure = mda.context_figures[0];
    expect(figure.values.map((value: { source: string }) => value.source)).toEqual([
      'UNDESA_IMS',
      'WB_KNOMAD_BILAT',
    ]);
    // 2015 against 2013 is a change over time, not a disagreement between sources.
    expect(mda.caveats.join('\n')).not.toMatch(/differs between sources/);
    expect(mda.caveats.join('\n')).toMatch(
      /Immigrant stock from UNDESA_IMS Rev\.2019 \(2015\) and WB_KNOMAD_BILAT KNOMAD-2013 \(2013\): no year in common, not compared/,
    );
  });

  it('marks a briefing built on low-confidence rows', () => {
    expect(mda.caveats[0]).toMatch(/2 of 4 rows .* confidence 'low'/);
  });

  it('places projects on HLD round tables by the crosswalk unless the record overrides it', () => {
    const rt1 = items.find((item) => item.id === 'RT1_sustainable_dev_post2015@GLOBAL')?.body as Record<
      string,
      any
    >;
    const rt4 = items.find((item) => item.id === 'RT4_labour_mobility@GLOBAL')?.body as Record<string, any>;
    const rt2 = items.find((item) => item.id === 'RT2_rights_protection_trafficking@GLOBAL')?.body as Record<
      string,
      any
    >;
    expect(rt1.projects).toEqual(['JMDI1-A']);
    expect(rt4.projects).toEqual(['JMDI1-B']);
    expect(rt2.projects).toEqual([]);
    expect(rt1.transnational_corridors).toEqual([
      { origin_iso3: 'MDA', destination_iso3: 'ITA', projects_n: 1, projects: ['JMDI1-A'] },
    ]);
  });

  it('lists every row behind a country item as a source, with file SHA-256 and raw key in its lineage', () => {
    const lineage = items.find((item) => item.type === 'country' && item.id === 'MDA')?.lineage;
    expect(mda.sources).toEqual([
      expect.objectContaining({
        source_doc_id: 'DOC-test',
        rows: 4,
        tables: ['jmdi_project', 'observation'],
      }),
    ]);
    expect(lineage?.sources).toEqual([
      expect.objectContaining({
        source_doc_id: 'DOC-test',
        file_sha256: 'a'.repeat(64),
        raw_key: `raw/x/${'a'.repeat(64)}/f.csv`,
        rows: 4,
      }),
    ]);
  });

  it('keeps file SHA-256s out of the content, so the same rows from a re-uploaded file give the same body', () => {
    const moved: CuratedTables = Object.fromEntries(
      Object.entries(tables).map(([table, list]) => [
        table,
        list.map((row) => ({ ...row, ref: { ...row.ref, file_sha256: 'b'.repeat(64) } })),
      ]),
    );
    const again = buildBriefing(moved).find((item) => item.type === 'country' && item.id === 'MDA');
    expect(JSON.stringify(again?.body)).toBe(JSON.stringify(mda));
  });

  it('lists as briefing events only those of the HLD preparation period, 2011–2013', () => {
    const withEvents: CuratedTables = {
      ...tables,
      event: rows('event', [
        { event_id: 'EV-20111012-a', title: 'In', start_date: '2011-10-12', event_type: 'workshop' },
        { event_id: 'EV-20140101-b', title: 'After', start_date: '2014-01-01', event_type: 'workshop' },
      ]),
    };

    const events = buildBriefing(withEvents).filter((item) => item.type === 'event');

    expect(events.map((item) => item.id)).toEqual(['EV-20111012-a']);
  });

  it('lists references across files that point nowhere (a lesson naming an unknown project)', () => {
    const withLesson: CuratedTables = {
      ...tables,
      jmdi_lesson: rows('jmdi_lesson', [
        { lesson_id: 'LES-1', project_id: 'JMDI1-A', theme: 'remittances' },
        { lesson_id: 'LES-2', project_id: 'JMDI1-NOPE', theme: 'rights' },
      ]),
    };

    const sources = buildBriefing(withLesson).find((item) => item.type === 'sources')?.body as Record<
      string,
      any
    >;

    expect(sources.integrity_problems).toEqual([
      expect.objectContaining({
        table: 'jmdi_lesson',
        field: 'project_id',
        value: 'JMDI1-NOPE',
        references: 'jmdi_project.project_id',
        rows: 1,
        ranges: [{ table: 'jmdi_lesson', first: 'line 3' }],
      }),
    ]);
  });

  it('is deterministic: the same tables give identical items', () => {
    expect(JSON.stringify(buildBriefing(tables))).toBe(JSON.stringify(items));
  });
});

describe('pilot status history of the bundled evidence base', () => {
  it('keeps each source as its own row in source order, and says where the sources disagree (Mali, Mauritius), never where they agree', async () => {
    const items = await sampleBriefing();
    const country = (iso3: string) =>
      items.find((item): item is CountryItem => item.type === 'country' && item.id === iso3)!.body;

    const mali = country('MLI');
    expect(mali.pilot_status?.map((status) => [status.seq, status.listing, status.source_doc_id])).toEqual([
      [1, 'listed', 'DOC-undp-note-2012'],
      [2, 'not_listed', 'DOC-mm-programme-about'],
    ]);
    expect(mali.caveats).toContain(
      'Sources disagree on pilot MM-MLI-P1: listed by DOC-undp-note-2012, not listed by DOC-mm-programme-about; each statement is shown with its date and source, none is taken as the correction of another.',
    );
    expect(
      country('MUS').caveats.some((caveat) => caveat.startsWith('Sources disagree on pilot MM-MUS-P1')),
    ).toBe(true);
    // Tunisia: a candidate in 2012, listed later; both listed, so no disagreement on listing.
    const tunisia = country('TUN');
    expect(tunisia.pilot_status?.map((status) => status.participation_status)).toEqual([
      'candidate',
      'active',
    ]);
    expect(tunisia.caveats.some((caveat) => caveat.startsWith('Sources disagree on pilot'))).toBe(false);
    // The JMDI pilots carry their own programme.
    expect(country('GHA').pilots[0]?.programme).toMatch(/^EC-UN Joint Migration and Development Initiative/);
  });
});
