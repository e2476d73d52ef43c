import { describe, expect, it } from 'vitest';
import type { CountryItem } from '#contracts/briefing/item.ts';
import { pilotComparison } from '#packages/briefing/book/series.ts';
import { budgetText } from '#packages/briefing/book/summary.ts';
import { renderBriefingExport } from '#packages/briefing/exports/render.ts';
import { briefingTables } from '#packages/briefing/exports/tables.ts';
import { sampleBriefing } from '../../support/sample-briefing.ts';

/**
 * JMDI grants beside total budgets, never mixed (issue 11: "Moldova: EUR 1,114,030 total vs
 * 956,000 in grants"): the five Moldovan projects of the bundled stock-taking, summed by hand
 * from jmdi-projects.csv (budgets 183,990 + 256,680 + 216,110 + 188,530 + 268,720; grants
 * 164,000 + 228,000 + 195,000 + 147,500 + 221,500).
 */

const META = { dataset: 'hld2013', version: 1, asOf: '2013-09-30' };

describe('JMDI grants and total budgets', () => {
  it('compares the pilot countries with total budgets and JMDI grants in their own columns', async () => {
    const items = await sampleBriefing();
    const countries = items.filter((item): item is CountryItem => item.type === 'country');

    const mda = pilotComparison(countries).find((row) => row.item.id === 'MDA')!;
    const index = (await renderBriefingExport('html', items, META)).find(
      (file) => file.path === 'index.html',
    )!;
    const text = new TextDecoder().decode(index.bytes);

    expect(mda).toMatchObject({ activeProjects: 5, activeBudgetEur: 1114030, activeGrantsEur: 956000 });
    expect(text).toContain('<th scope="col">Total budgets (EUR)</th><th scope="col">JMDI grants (EUR)</th>');
    expect(text).toMatch(/>1,114,030<\/a><\/td>\s*<td class="num"><a [^>]*>956,000<\/a>/);
    expect(budgetText(countries.find((item) => item.id === 'MDA')!.body)).toContain(
      'EUR 1,114,030 in total project budgets of the 5 not withdrawn (total budgets, not JMDI grants; non-EUR budgets left out), and EUR 956,000 in JMDI grants',
    );
    const grants = briefingTables(items, META)
      .find((data) => data.table.name === 'briefing_project')!
      .rows.filter((row) => row.iso3 === 'MDA')
      .map((row) => [row.project_id, row.jmdi_grant_amount]);
    expect(Object.fromEntries(grants)).toEqual({
      'JMDI1-MDA-01': 164000,
      'JMDI1-MIGR-2008-131': 228000,
      'JMDI1-MIGR-2008-132': 195000,
      'JMDI1-MDA-04': 147500,
      'JMDI1-MIGR-2008-134': 221500,
    });
  });

  it("charts the pilot countries' immigrant stock as a share of population, each value with year and source in words", async () => {
    const items = await sampleBriefing();

    const index = (await renderBriefingExport('html', items, META)).find(
      (file) => file.path === 'index.html',
    )!;
    const text = new TextDecoder().decode(index.bytes);

    // UN DESA 2019, Table 3, both sexes: Moldova 2.5898, Jamaica 0.7960 (the extract).
    const label =
      /<figure><svg role="img" aria-label="(Immigrant stock as a share of population, pilot countries[^"]*)"/.exec(
        text,
      )?.[1];
    expect(label).toContain('Republic of Moldova 2.59 % (2019, UNDESA_IMS POP/DB/MIG/Stock/Rev.2019)');
    expect(label).toContain('Jamaica 0.796 % (2019, UNDESA_IMS POP/DB/MIG/Stock/Rev.2019)');
  });
});
