import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CountryBody } from '#contracts/briefing/country.ts';
import type { BriefingItem, CountryItem } from '#contracts/briefing/item.ts';
import { seriesChart } from '#packages/briefing/book/charts.ts';
import { figureSeries } from '#packages/briefing/book/series.ts';
import { buildBriefing } from '#packages/briefing/build.ts';
import { briefingTables } from '#packages/briefing/exports/tables.ts';
import type { CuratedRow } from '#packages/briefing/model.ts';
import { sampleBriefing } from '../../support/sample-briefing.ts';
import { propertyRuns } from '../contracts/property-runs.ts';

/**
 * Context figures by sex: the real UN DESA International Migrant Stock 2019 extract (bundled,
 * values unchanged, as data-contracts/samples/statistics/undesa-ims-2019.csv) carried from the
 * observation rows to the country item, each value by sex with its source, revision and row,
 * and on to the export table.
 */

const BUNDLED = new URL('../../../data-contracts/samples/statistics/undesa-ims-2019.csv', import.meta.url);
const REVISION = 'POP/DB/MIG/Stock/Rev.2019';
const META = { dataset: 'hld2013', version: 1, asOf: '2013-09-30' };

let items: BriefingItem[] = [];
beforeAll(async () => {
  items = await sampleBriefing();
});
const country = (iso3: string) =>
  items.find((item): item is CountryItem => item.type === 'country' && item.id === iso3)!.body;
const figure = (body: CountryBody, indicator: string) =>
  body.context_figures.find((entry) => entry.indicator_id === indicator);
/** The value the item gives for one indicator, sex ('_T' both sexes) and year of UN DESA 2019. */
function desaValue(body: CountryBody, indicator: string, sex: '_T' | 'F' | 'M', year: string) {
  const entry = figure(body, indicator);
  const values = sex === '_T' ? entry?.values : entry?.by_sex?.find((line) => line.sex === sex)?.values;
  return values?.find((value) => value.source === 'UNDESA_IMS' && value.year === year);
}

describe('context figures by sex (UN DESA IMS 2019, the real extract)', () => {
  it('gives the values of the extract for females, males and both sexes (cells picked by hand)', () => {
    // migrant-stock-by-sex-1990-2019.csv: "498,Republic of Moldova,B,2019,F,61874,2.9388",
    // "…,2019,M,42839,2.2106", "…,2019,_T,104713,2.5898", "…,1990,F,306109,13.3974",
    // "…,1990,M,238053,11.4409"; "288,Ghana,B,2019,F,217556,1.4502", "…,M,249224,1.6166";
    // "840,United States of America,B,2019,F,26172767,15.7441", "…,M,24488382,15.0396".
    const expected = [
      ['MDA', 'IMM_STOCK', 'F', '2019', 61874],
      ['MDA', 'IMM_STOCK', 'M', '2019', 42839],
      ['MDA', 'IMM_STOCK', '_T', '2019', 104713],
      ['MDA', 'IMM_STOCK', 'F', '1990', 306109],
      ['MDA', 'IMM_STOCK', 'M', '1990', 238053],
      ['MDA', 'IMM_STOCK_PCT', 'F', '2019', 2.9388],
      ['MDA', 'IMM_STOCK_PCT', 'M', '2019', 2.2106],
      ['GHA', 'IMM_STOCK', 'F', '2019', 217556],
      ['GHA', 'IMM_STOCK', 'M', '2019', 249224],
      ['USA', 'IMM_STOCK', 'F', '2019', 26172767],
      ['USA', 'IMM_STOCK', 'M', '2019', 24488382],
      ['USA', 'IMM_STOCK_PCT', 'M', '2019', 15.0396],
    ] as const;

    const found = expected.map(([iso3, indicator, sex, year]) => [
      iso3,
      indicator,
      sex,
      year,
      desaValue(country(iso3), indicator, sex, year)?.value,
    ]);

    expect(found).toEqual(expected);
    expect(desaValue(country('MDA'), 'IMM_STOCK', 'F', '2019')).toMatchObject({
      unit: 'persons',
      source: 'UNDESA_IMS',
      revision: REVISION,
      source_link: { source_doc_id: 'DOC-undesa-ims-rev2019', table: 'observation', confidence: 'high' },
    });
  });

  it('points every value by sex at the line of the bundled file that holds it', () => {
    const lines = readFileSync(BUNDLED, 'utf8').split(/\r?\n/);
    const countries = items.filter((item): item is CountryItem => item.type === 'country');
    let checked = 0;

    for (const { body } of countries)
      for (const entry of body.context_figures)
        for (const line of entry.by_sex ?? [])
          for (const value of line.values) {
            const at = /^line (\d+)$/.exec(value.source_link.locator);
            expect(at, `${body.iso3} ${entry.indicator_id} ${line.sex} ${value.year}`).not.toBeNull();
            const [cells] = parse(lines[Number(at![1]) - 1]!) as string[][];
            expect(cells?.slice(0, 6)).toEqual([
              entry.indicator_id,
              body.iso3,
              value.year,
              expect.stringMatching(/./),
              value.unit,
              line.sex,
            ]);
            expect(Number(cells![3])).toBe(value.value);
            checked += 1;
          }

    // 25 countries × 7 years × 2 sexes × 2 indicators, less what the extract does not give.
    expect(checked).toBeGreaterThan(600);
  });

  it('draws the stock by sex as one series with a line per sex, and the share of population for both sexes only', () => {
    const series = figureSeries(country('MDA')).filter((entry) => entry.source === 'UNDESA_IMS');

    expect(
      series.map((entry) => [entry.indicator_id, entry.points.length, entry.bySex.map((line) => line.label)]),
    ).toEqual([
      ['IMM_STOCK', 7, ['females', 'males']],
      ['IMM_STOCK_PCT', 7, []],
    ]);
    expect(series[0]?.bySex[1]?.points.map((point) => point.value)).toEqual([
      238053, 155297, 101097, 67924, 52198, 43467, 42839,
    ]);
  });

  it('charts the stock by sex with one line per sex and a legend, and says so in the text alternative', async () => {
    const stock = figureSeries(country('MDA')).find(
      (entry) => entry.indicator_id === 'IMM_STOCK' && entry.source === 'UNDESA_IMS',
    )!;

    const chart = await seriesChart(stock);

    // Vega draws a line mark per colour group: one per sex, both sexes included.
    expect(chart.svg.match(/class="mark-line role-mark[^"]*"/g)?.length).toBe(3);
    for (const label of ['both sexes', 'females', 'males']) expect(chart.svg).toContain(`>${label}</text>`);
    expect(chart.description).toContain('females: 1990 306,109 persons');
    expect(chart.description).toContain('males: 1990 238,053 persons');
    expect(chart.description).toContain('2019 42,839 persons');
  });

  it('has no sum caveat for the extract: its females + males is both sexes everywhere', () => {
    for (const item of items.filter((entry): entry is CountryItem => entry.type === 'country'))
      expect(item.body.caveats.join('\n'), item.id).not.toMatch(/females \+ males/);
  });

  it('exports a row per sex with its row locator, the key including sex', () => {
    const rows = briefingTables(items, META)
      .find((data) => data.table.name === 'briefing_context_figure')!
      .rows.filter((row) => row.iso3 === 'MDA' && row.indicator_id === 'IMM_STOCK' && row.year === '2019');

    expect(rows.map((row) => [row.sex, row.source, row.value])).toEqual([
      ['_T', 'UNDESA_IMS', 104713],
      ['F', 'UNDESA_IMS', 61874],
      ['M', 'UNDESA_IMS', 42839],
    ]);
    for (const row of rows)
      expect(row).toMatchObject({
        revision: REVISION,
        source_doc_id: 'DOC-undesa-ims-rev2019',
        source_table: 'observation',
        source_locator: expect.stringMatching(/^line \d+$/),
      });
  });
});

/** Hand-made observation rows of one country, each with its own line. */
function observationTables(
  values: readonly { sex: string; year: string; value: number; unit?: string }[],
): Record<string, CuratedRow[]> {
  return {
    observation: values.map((entry, at) => ({
      row: {
        indicator_id: entry.unit === 'percent' ? 'IMM_STOCK_PCT' : 'IMM_STOCK',
        ref_area_iso3: 'MDA',
        time_period: entry.year,
        value: entry.value,
        unit: entry.unit ?? 'persons',
        sex: entry.sex,
        source: 'UNDESA_IMS',
        dataset_revision: 'Rev.2019',
      },
      ref: {
        table: 'observation',
        locator: `line ${at + 2}`,
        file_sha256: 'a'.repeat(64),
        raw_key: `raw/statistics/${'a'.repeat(64)}/f.csv`,
        source_doc_id: 'DOC-test',
        confidence: 'high',
      },
    })),
  };
}
const mdaOf = (tables: Record<string, CuratedRow[]>) =>
  (buildBriefing(tables).find((item) => item.type === 'country' && item.id === 'MDA') as CountryItem).body;

describe('context figures by sex (hand-made rows)', () => {
  it('names, in a caveat, the years where females + males is not both sexes beyond rounding, and changes no value', () => {
    const body = mdaOf(
      observationTables([
        { sex: '_T', year: '2010', value: 1000 },
        { sex: 'F', year: '2010', value: 600 },
        { sex: 'M', year: '2010', value: 350 },
        { sex: '_T', year: '2015', value: 1001 },
        { sex: 'F', year: '2015', value: 500 },
        { sex: 'M', year: '2015', value: 500 },
        { sex: '_T', year: '2010', value: 10, unit: 'percent' },
        { sex: 'F', year: '2010', value: 12, unit: 'percent' },
        { sex: 'M', year: '2010', value: 9, unit: 'percent' },
      ]),
    );

    const caveats = body.caveats.filter((caveat) => caveat.includes('females + males'));
    expect(caveats).toEqual([
      'Immigrant stock, UNDESA_IMS Rev.2019: females + males is not the value for both sexes in 2010 (600 + 350 = 950, both sexes 1,000); every value is shown as the source gives it.',
    ]);
    expect(figure(body, 'IMM_STOCK')?.by_sex?.map((line) => line.values.map((value) => value.value))).toEqual(
      [
        [600, 500],
        [350, 500],
      ],
    );
  });

  it('keeps every row by sex exactly once, under its sex, with its locator, and flags exactly the years that do not add up (property)', () => {
    const years = ['1990', '1995', '2000', '2005', '2010', '2015', '2019'];
    const yearRows = fc.record({
      total: fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: undefined }),
      females: fc.option(fc.integer({ min: 0, max: 5_000_000 }), { nil: undefined }),
      males: fc.option(fc.integer({ min: 0, max: 5_000_000 }), { nil: undefined }),
      addUp: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(yearRows, { minLength: 1, maxLength: years.length }), (draws) => {
        const rows = draws.flatMap((draw, at) => {
          const year = years[at]!;
          // Half of the years add up exactly, as the extract does; the others are as drawn.
          const total =
            draw.addUp && draw.females !== undefined && draw.males !== undefined
              ? draw.females + draw.males
              : draw.total;
          return [
            ...(total === undefined ? [] : [{ sex: '_T', year, value: total }]),
            ...(draw.females === undefined ? [] : [{ sex: 'F', year, value: draw.females }]),
            ...(draw.males === undefined ? [] : [{ sex: 'M', year, value: draw.males }]),
          ];
        });
        const body = mdaOf(observationTables(rows));
        const entry = figure(body, 'IMM_STOCK');

        const kept = [
          ...(entry?.values ?? []).map((value) => ['_T', value.year, value.value, value.source_link.locator]),
          ...(entry?.by_sex ?? []).flatMap((line) =>
            line.values.map((value) => [line.sex, value.year, value.value, value.source_link.locator]),
          ),
        ];
        const given = rows.map((row, at) => [row.sex, row.year, row.value, `line ${at + 2}`]);
        expect(kept.sort()).toEqual(given.sort());
        const gapYears = years.filter((year) => {
          const of = (sex: string) => rows.find((row) => row.year === year && row.sex === sex)?.value;
          const [total, females, males] = [of('_T'), of('F'), of('M')];
          return (
            total !== undefined &&
            females !== undefined &&
            males !== undefined &&
            Math.abs(females + males - total) > 1
          );
        });
        const caveat = body.caveats.find((text) => text.includes('females + males')) ?? '';
        expect(caveat.match(/\b(1990|1995|2000|2005|2010|2015|2019) \(/g) ?? []).toEqual(
          gapYears.map((year) => `${year} (`),
        );
      }),
      propertyRuns('context figures by sex', 150),
    );
  });
});
