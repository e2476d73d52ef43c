import { describe, expect, it } from 'vitest';
import type { CountryItem } from '#contracts/briefing/item.ts';
import { buildBriefing } from '#packages/briefing/build.ts';
import { renderCountryMarkdown } from '#packages/briefing/exports/markdown.ts';
import { briefingTables } from '#packages/briefing/exports/tables.ts';
import type { CuratedRow } from '#packages/briefing/model.ts';
import { describeCountry } from '#packages/cli/commands/briefing.ts';

/**
 * An SDMX series no indicator map names keeps its own code (SM_POP_TOTL): it is marked on every
 * surface as an unmapped source series, never passed off as a known indicator, and printed by sex
 * like a mapped one. An estimate (OBS_STATUS E) reads as an estimate wherever its value is shown,
 * mapped series included (trial 2026-12-03-b, finding 7).
 */

const META = { dataset: 'hld2013', version: 1, asOf: '2026-12-03' };

function observation(
  line: number,
  row: { indicator: string; sex: string; value: number; unit: string; source: string; status?: string },
): CuratedRow {
  return {
    row: {
      indicator_id: row.indicator,
      ref_area_iso3: 'MDA',
      time_period: '2010',
      value: row.value,
      unit: row.unit,
      sex: row.sex,
      source: row.source,
      dataset_revision: `${row.source}-rev`,
      ...(row.status ? { obs_status: row.status } : {}),
    },
    ref: {
      table: 'observation',
      locator: `line ${line}`,
      file_sha256: 'a'.repeat(64),
      raw_key: `raw/statistics/${'a'.repeat(64)}/sdg.csv`,
      source_doc_id: 'DOC-test',
      confidence: 'high',
    },
  };
}

function moldova(): CountryItem {
  const observations = [
    // The SDMX-CSV fixture's Moldova rows (test/fixtures/formats/statistics/sdmx-1.0.csv).
    observation(2, {
      indicator: 'SM_POP_TOTL',
      sex: '_T',
      value: 129488,
      unit: 'number',
      source: 'SDG_GLOBAL_DB',
      status: 'A',
    }),
    observation(3, {
      indicator: 'SM_POP_TOTL',
      sex: 'F',
      value: 74000,
      unit: 'number',
      source: 'SDG_GLOBAL_DB',
      status: 'E',
    }),
    observation(4, {
      indicator: 'IMM_STOCK',
      sex: '_T',
      value: 130000,
      unit: 'persons',
      source: 'UNDESA_IMS',
      status: 'E',
    }),
  ];
  return buildBriefing({ observation: observations }).find(
    (item): item is CountryItem => item.type === 'country' && item.id === 'MDA',
  )!;
}

describe('an SDMX series outside the indicator map', () => {
  it('is marked on the item as an unmapped source series, with a caveat naming code, source and how to map it', () => {
    // act
    const body = moldova().body;
    const figure = body.context_figures.find((entry) => entry.indicator_id === 'SM_POP_TOTL');

    // assess
    expect(figure).toMatchObject({ unmapped: true, label: 'SM_POP_TOTL (unmapped source series)' });
    expect(body.context_figures.find((entry) => entry.indicator_id === 'IMM_STOCK')).not.toHaveProperty(
      'unmapped',
    );
    expect(body.caveats).toContainEqual(
      expect.stringContaining('Unmapped source series: SM_POP_TOTL (SDG_GLOBAL_DB)'),
    );
    expect(body.caveats.find((caveat) => caveat.includes('SM_POP_TOTL'))).toContain(
      'observation CSV naming its indicator',
    );
  });

  it('reads as unmapped on the CLI page, with its sex breakdown and the estimate marked', () => {
    // act
    const page = describeCountry(moldova().body, [], 1);

    // assess
    expect(page).toContain('SM_POP_TOTL (unmapped source series): 129,488 number (2010)');
    expect(page).toMatch(/ {4}females: 74,000 number \(2010\) \(estimate\)/);
    expect(page).toMatch(/Immigrant stock: 130,000 persons \(2010\) \(estimate\)/);
    expect(page).toContain('Unmapped source series: SM_POP_TOTL (SDG_GLOBAL_DB)');
  });

  it('reads as unmapped in the Markdown brief and the exports, estimates marked', () => {
    // act
    const item = moldova();
    const markdown = renderCountryMarkdown(item, META);
    const rows = briefingTables([item], META).find(
      (table) => table.table.name === 'briefing_context_figure',
    )?.rows;

    // assess
    expect(markdown).toContain('SM\\_POP\\_TOTL (unmapped source series)');
    expect(markdown).toContain('130,000 (estimate)');
    expect(markdown).toContain('74,000 (estimate)');
    expect(rows).toContainEqual(
      expect.objectContaining({ indicator_id: 'SM_POP_TOTL', sex: 'F', obs_status: 'E', unmapped: true }),
    );
    expect(rows).toContainEqual(expect.objectContaining({ indicator_id: 'IMM_STOCK', unmapped: false }));
  });
});
