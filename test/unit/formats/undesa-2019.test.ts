import { describe, expect, it } from 'vitest';
import { contractForTable } from '#contracts/registry.ts';
import { validateSource } from '#packages/contracts/validate.ts';
import { countryReference } from '#packages/formats/countries.ts';
import type { SourceRow } from '#packages/formats/reader.ts';
import { desaMeasure, desaSex, readUndesaXlsx } from '#packages/formats/statistics.ts';
import {
  AGGREGATES,
  columnName,
  extractRows,
  SEXES,
  TITLES,
  undesa2019Workbook,
  YEARS,
} from '../../fixtures/formats/undesa/undesa-2019-workbook.ts';
import { collectRows, readerInput } from './reader-input.ts';

/**
 * UN DESA International Migrant Stock 2019, laid out as the published workbook (all six tables,
 * three sex blocks, the citation line every sheet shares): every block is read as the indicator
 * its own header and its table's title name, or left out with a reason.
 */

const FILE = 'UN_MigrantStockTotal_2019.xlsx';

async function readWorkbook(options: Parameters<typeof undesa2019Workbook>[0] = {}) {
  const { bytes, rowOf, extract } = await undesa2019Workbook(options);
  const result = await readUndesaXlsx(readerInput('statistics', FILE, bytes));
  const rows = await collectRows(result);
  return { result, rows, rowOf, extract };
}

const iso3Of = (m49: string) => {
  const resolution = countryReference().resolve(m49);
  if (!resolution.ok) throw new Error(`no country for M49 ${m49}`);
  return resolution.iso3;
};

/** What one block of a sheet holds, and the first column (F = 6) of its years. */
interface ExpectedBlock {
  readonly sheet: keyof typeof TITLES;
  readonly firstColumn: number;
  readonly indicator: string;
  readonly unit: string;
  readonly unitMult?: number;
  readonly sex?: string;
}

const EXPECTED: readonly ExpectedBlock[] = [
  ...SEXES.map(([, sex], index) => ({
    sheet: 'Table 1' as const,
    firstColumn: 6 + index * 7,
    indicator: 'IMM_STOCK',
    unit: 'persons',
    sex,
  })),
  ...SEXES.map(([, sex], index) => ({
    sheet: 'Table 2' as const,
    firstColumn: 6 + index * 7,
    indicator: 'POP_TOTAL',
    unit: 'persons',
    unitMult: 3,
    sex,
  })),
  ...SEXES.map(([, sex], index) => ({
    sheet: 'Table 3' as const,
    firstColumn: 6 + index * 7,
    indicator: 'IMM_STOCK_PCT',
    unit: 'percent',
    sex,
  })),
  { sheet: 'Table 4', firstColumn: 6, indicator: 'IMM_STOCK_FEMALE_PCT', unit: 'percent' },
  { sheet: 'Table 6', firstColumn: 6, indicator: 'REFUGEE_STOCK', unit: 'persons', sex: '_T' },
  { sheet: 'Table 6', firstColumn: 13, indicator: 'REFUGEE_PCT_IMM_STOCK', unit: 'percent' },
];

describe('readUndesaXlsx on the 2019 workbook layout', () => {
  it('reads every block of Tables 1–4 and 6 as the indicator, unit, multiplier and sex its header names', async () => {
    // act
    const { rows, rowOf } = await readWorkbook();
    const byLocator = new Map(rows.map((row) => [row.locator, row.values]));

    // assess: every country × year cell of every block, with its own indicator
    for (const block of EXPECTED) {
      for (const [m49, line] of rowOf) {
        YEARS.forEach((year, offset) => {
          const locator = `sheet "${block.sheet}" cell ${columnName(block.firstColumn + offset)}${line}`;
          const values = byLocator.get(locator);
          expect(values, locator).toMatchObject({
            indicator_id: block.indicator,
            ref_area_iso3: iso3Of(m49),
            time_period: year,
            unit: block.unit,
            source: 'UNDESA_IMS',
            dataset_revision: 'POP/DB/MIG/Stock/Rev.2019',
          });
          expect(values?.unit_mult, locator).toBe(block.unitMult);
          expect(values?.sex, locator).toBe(block.sex);
        });
      }
    }
    expect(rows).toHaveLength(EXPECTED.length * rowOf.size * YEARS.length);
  });

  it('keeps the real figures of Tables 1 and 3 unchanged for every country of the extract', async () => {
    // prepare: every area of the real extract
    const all = [...new Set(extractRows().map((row) => row.m49))];

    // act
    const { rows, extract } = await readWorkbook({ countries: all });
    const figure = new Map(
      rows.map((row) => [
        `${row.values.indicator_id}|${row.values.ref_area_iso3}|${row.values.time_period}|${row.values.sex}`,
        row.values.value,
      ]),
    );

    // assess
    let compared = 0;
    for (const row of extract) {
      const resolution = countryReference().resolve(row.m49);
      if (!resolution.ok || resolution.nonIso) continue; // areas outside ISO 3166 are left out, with a notice
      expect(
        figure.get(`IMM_STOCK|${resolution.iso3}|${row.year}|${row.sex}`),
        `${row.area} ${row.year}`,
      ).toBe(row.stock);
      expect(
        figure.get(`IMM_STOCK_PCT|${resolution.iso3}|${row.year}|${row.sex}`),
        `${row.area} ${row.year}`,
      ).toBe(row.percent ?? null);
      compared += 1;
    }
    expect(compared).toBeGreaterThan(4500);
  });

  it('reads Moldova’s 2019 refugees as 423 persons and 0.404 % of the migrant stock: two indicators', async () => {
    // act
    const { rows } = await readWorkbook();
    const moldova = rows
      .filter((row) => row.values.ref_area_iso3 === 'MDA' && row.values.time_period === '2019')
      .filter((row) => String(row.values.indicator_id).startsWith('REFUGEE'))
      .map((row) => [row.values.indicator_id, row.values.value, row.values.unit]);

    // assess
    expect(moldova).toEqual([
      ['REFUGEE_STOCK', 423, 'persons'],
      ['REFUGEE_PCT_IMM_STOCK', 0.404, 'percent'],
    ]);
  });

  it('never stores a percentage as persons, and gives no duplicate key: every row passes the contract', async () => {
    // act
    const { result, rows } = await readWorkbook();
    const summary = await validateSource(result, FILE);
    const keys = rows.map((row: SourceRow) =>
      contractForTable('observation')
        .primaryKey.map((field) => String(row.values[field] ?? ''))
        .join('|'),
    );

    // assess
    expect(summary.rowsQuarantined).toBe(0);
    expect(summary.rowsAccepted).toBe(rows.length);
    expect(new Set(keys).size).toBe(keys.length);
    expect(
      rows.filter((row) => row.values.unit === 'persons' && /PCT/.test(String(row.values.indicator_id))),
    ).toEqual([]);
  });

  it('leaves out the rate-of-change blocks of Table 5, each with its reason in the report', async () => {
    // act
    const { result, rows } = await readWorkbook();
    const summary = await validateSource(result, FILE);

    // assess
    expect(rows.some((row) => row.locator.startsWith('sheet "Table 5"'))).toBe(false);
    const skipped = summary.problems.filter((problem) => problem.rule === 'block-skipped');
    expect(skipped.map((problem) => problem.locator)).toEqual([
      'sheet "Table 5" cell F15',
      'sheet "Table 5" cell L15',
      'sheet "Table 5" cell R15',
    ]);
    expect(skipped[0]?.message).toContain('Annual rate of change of the migrant stock (both sexes)');
    expect(skipped[0]?.message).toContain('rate of change');
  });

  it('names every aggregate it leaves out in the report', async () => {
    // act
    const { result } = await readWorkbook();
    const summary = await validateSource(result, FILE);
    const excluded = summary.problems.filter((problem) => problem.rule === 'area-excluded');

    // assess
    expect(excluded.map((problem) => problem.value)).toEqual(
      AGGREGATES.map((area) => String(area.code).padStart(3, '0')),
    );
    for (const area of AGGREGATES) {
      expect(excluded.some((problem) => problem.message.includes(`(${area.name})`))).toBe(true);
    }
    expect(result.metadata.skippedSheets).toEqual(['CONTENTS', 'ANNEX', 'NOTES']);
  });

  it('takes the indicator from the table’s own title when a block header gives only the sex', async () => {
    // prepare: Table 2's block headers say only "Both sexes", "Males", "Females"
    const { rows } = await readWorkbook({
      overrides: { 'Table 2': { F15: 'Both sexes', M15: 'Males', T15: 'Females' } },
    });

    // act
    const table2 = rows.filter((row) => row.locator.startsWith('sheet "Table 2"'));

    // assess: population in thousands (from the title), sex from the header
    expect(
      new Set(table2.map((row) => `${row.values.indicator_id} ${row.values.unit_mult} ${row.values.sex}`)),
    ).toEqual(new Set(['POP_TOTAL 3 _T', 'POP_TOTAL 3 M', 'POP_TOTAL 3 F']));
  });

  it('skips a block whose header names a share it does not know, rather than store it as persons', async () => {
    // prepare
    const { result, rows } = await readWorkbook({
      overrides: { 'Table 6': { M15: 'Refugees as a percentage of the total population' } },
    });
    const summary = await validateSource(result, FILE);

    // assess
    expect(rows.some((row) => row.locator.startsWith('sheet "Table 6" cell M'))).toBe(false);
    expect(summary.problems).toContainEqual(
      expect.objectContaining({ rule: 'block-skipped', locator: 'sheet "Table 6" cell M15' }),
    );
  });
});

describe('readUndesaXlsx on cells it cannot vouch for', () => {
  it('quarantines a figure whose formula has no saved result, instead of reading it as missing', async () => {
    // prepare: Moldova's 2019 share of Table 3 is a formula never calculated
    const { rowOf } = await undesa2019Workbook({ countries: ['498'] });
    const address = `L${rowOf.get('498')}`;
    const { bytes } = await undesa2019Workbook({
      countries: ['498'],
      overrides: { 'Table 3': { [address]: { formula: 'L17/L18', date1904: false } } },
    });

    // act
    const summary = await validateSource(await readUndesaXlsx(readerInput('statistics', FILE, bytes)), FILE);

    // assess
    expect(summary.rowsQuarantined).toBe(1);
    expect(summary.problems).toContainEqual(
      expect.objectContaining({ locator: `sheet "Table 3" cell ${address}`, rule: 'formula-without-value' }),
    );
  });
});

describe('desaMeasure and desaSex', () => {
  it.each([
    [TITLES['Table 1'], { indicator_id: 'IMM_STOCK', unit: 'persons' }],
    [TITLES['Table 2'], { indicator_id: 'POP_TOTAL', unit: 'persons', unit_mult: 3 }],
    [TITLES['Table 3'], { indicator_id: 'IMM_STOCK_PCT', unit: 'percent' }],
    [TITLES['Table 4'], { indicator_id: 'IMM_STOCK_FEMALE_PCT', unit: 'percent' }],
    [TITLES['Table 6'], { indicator_id: 'REFUGEE_STOCK', unit: 'persons' }],
    [
      'International migrant stock as a percentage of the total population (females)',
      { indicator_id: 'IMM_STOCK_PCT', unit: 'percent' },
    ],
    [
      'Refugees as a percentage of the international migrant stock',
      { indicator_id: 'REFUGEE_PCT_IMM_STOCK', unit: 'percent' },
    ],
    [
      'International migrant stock at mid-year (thousands) (males)',
      { indicator_id: 'IMM_STOCK', unit: 'persons', unit_mult: 3 },
    ],
  ])('reads %j as %j', (text, measure) => {
    expect(desaMeasure(text)).toEqual(measure);
  });

  it.each([
    [TITLES['Table 5'], 'rate of change'],
    ['International migrant stock at mid-year by age group (both sexes)', 'age'],
    ['Migrants as a percentage of the labour force', 'percentage'],
  ])('leaves %j out, saying why (%s)', (text, reason) => {
    expect(desaMeasure(text)).toEqual({ skip: expect.stringContaining(reason) });
  });

  it('reads the sex of a block header only from its own words, never from "total population"', () => {
    expect(
      [
        'International migrant stock at mid-year (both sexes)',
        'Total population at mid-year (thousands) (males)',
        '… (females)',
        'Female',
        'Total population at mid-year (thousands)',
        'Female migrants as a percentage of the international migrant stock',
      ].map(desaSex),
    ).toEqual(['_T', 'M', 'F', 'F', undefined, undefined]);
  });
});
