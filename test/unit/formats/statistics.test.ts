import { describe, expect, it } from 'vitest';
import { SourceRefusedError } from '#packages/formats/reader.ts';
import {
  observationValue,
  readSdmxCsv,
  readUndesaXlsx,
  readWdiCsv,
  sdmxCsvVersion,
} from '#packages/formats/statistics.ts';
import { caught, collectRows, fixtureBytes, readerInput } from './reader-input.ts';
import { workbookBytes } from './workbook.ts';

const pick = (values: Readonly<Record<string, unknown>>, ...keys: string[]) =>
  Object.fromEntries(keys.filter((key) => key in values).map((key) => [key, values[key]]));

describe('observationValue', () => {
  it.each([
    ['129488', 129488],
    [' 1.5 ', 1.5],
    ['147 519', 147519],
    ['1,345,546', 1345546],
    ['..', null],
    ['-', null],
    ['', null],
    ['n/a', null],
    ['12a', '12a'],
  ] as const)('reads %j as %j', (cell, expected) => {
    // act
    const value = observationValue(cell);

    // assess
    expect(value).toBe(expected);
  });
});

describe('readWdiCsv', () => {
  it('turns year columns into long rows, skipping the preamble and excluding aggregates', async () => {
    // act
    const result = await readWdiCsv(
      readerInput('statistics', 'API_BX.TRF.PWKR.CD.DT.csv', fixtureBytes('statistics/wdi-remittances.csv')),
    );
    const rows = await collectRows(result);

    // assess
    expect(result.format).toBe('wdi-csv');
    expect(result.metadata).toMatchObject({ bom: true, source: 'WB_WDI', revision: 'WDI 2013-04-15' });
    expect(result.metadata.excludedAreas).toEqual(['ARB', 'XKX', 'AFE', 'WLD']);
    expect(new Set(rows.map((row) => row.values.ref_area_iso3))).toEqual(new Set(['BGD', 'MDA', 'JAM']));
    expect(rows).toHaveLength(12);
    expect(rows[4]).toEqual({
      table: 'observation',
      locator: 'line 8 column 2009',
      values: {
        indicator_id: 'REMIT_IN_USD',
        ref_area_iso3: 'MDA',
        time_period: '2009',
        value: 1211000000,
        unit: 'USD',
        source: 'WB_WDI',
        dataset_revision: 'WDI 2013-04-15',
        source_doc_id: 'DOC-test0001',
        source_locator: 'line 8 column 2009',
        extraction_method: 'parser',
        confidence: 'high',
        extracted_at: '2013-06-01T12:00:00Z',
      },
    });
  });

  it('writes .. and empty cells as null values', async () => {
    // act
    const rows = await collectRows(
      await readWdiCsv(readerInput('statistics', 'wdi.csv', fixtureBytes('statistics/wdi-remittances.csv'))),
    );
    const missing = rows
      .filter((row) => row.values.value === null)
      .map((row) => [row.values.ref_area_iso3, row.values.time_period]);

    // assess
    expect(missing).toEqual([
      ['MDA', '2012'],
      ['JAM', '2010'],
    ]);
  });

  it('refuses a WDI table whose revision it cannot establish, unless given', async () => {
    // prepare
    const text =
      '"Country Name","Country Code","Indicator Name","Indicator Code","2012"\n"Moldova","MDA","x","SM.POP.TOTL","400000"\n';

    // act
    const error = await caught(() => readWdiCsv(readerInput('statistics', 'wdi.csv', text)));
    const given = await collectRows(
      await readWdiCsv(readerInput('statistics', 'wdi.csv', text), {
        source: 'WB_WDI',
        revision: 'WDI 2013-07-01',
      }),
    );

    // assess
    expect(error).toBeInstanceOf(SourceRefusedError);
    expect(error.rule).toBe('statistics-metadata');
    expect(given[0]?.values).toMatchObject({
      indicator_id: 'IMM_STOCK',
      unit: 'persons',
      value: 400000,
      dataset_revision: 'WDI 2013-07-01',
    });
  });
});

describe('readUndesaXlsx', () => {
  const citation =
    'United Nations, Department of Economic and Social Affairs, Population Division (2013). Trends in International Migrant Stock: The 2013 Revision (United Nations database, POP/DB/MIG/Stock/Rev.2013)';

  async function desaWorkbook() {
    return workbookBytes([
      {
        name: 'Table 1',
        rows: [
          ['Trends in International Migrant Stock: The 2013 Revision'],
          [citation],
          ['Table 1. International migrant stock by sex, mid-year 2000, 2010 and 2013'],
          [],
          [
            '',
            '',
            '',
            '',
            '',
            'International migrant stock at mid-year (both sexes)',
            '',
            '',
            'International migrant stock at mid-year (female)',
            '',
            '',
          ],
          [
            'Sort order',
            'Major area, region, country or area of destination',
            'Notes',
            'Country code',
            'Type of data (a)',
            2000,
            2010,
            2013,
            2000,
            2010,
            2013,
          ],
          [1, 'WORLD', '', 900, '', 174515639, 220729300, 231522215, 86000000, 106000000, 111000000],
          [
            2,
            'Least developed countries',
            '',
            941,
            '',
            10000000,
            11000000,
            11500000,
            5000000,
            5400000,
            5600000,
          ],
          [3, 'Africa', '', 903, '', 15000000, 17000000, 18600000, 7000000, 8000000, 8700000],
          [4, 'Algeria', '', 12, 'B R', 250110, 244144, 270407, 113000, 110000, 122000],
          [5, 'Bangladesh', '', 50, 'B R', 988000, 1345546, 1396000, 420000, '..', 600000],
          [6, 'Republic of Moldova', '(7)', 498, 'B', 200000, 129488, 391508, 110000, 74000, 220000],
          [7, 'Channel Islands', '', 830, 'B', 70000, 80000, 82000, 35000, 40000, 41000],
          [],
          ['(a) B: foreign-born population; R: refugees added.'],
        ],
        merges: ['F5:H5', 'I5:K5'],
      },
      { name: 'NOTES', rows: [['Notes'], ['(7) Including Transnistria.']] },
    ]);
  }

  it('finds the header below the title rows and gives long rows by year and sex for countries only', async () => {
    // act
    const result = await readUndesaXlsx(
      readerInput('statistics', 'UN_MigrantStock_2013.xlsx', await desaWorkbook()),
    );
    const rows = await collectRows(result);

    // assess
    expect(result.format).toBe('undesa-xlsx');
    expect(result.metadata).toMatchObject({
      source: 'UNDESA_IMS',
      revision: 'POP/DB/MIG/Stock/Rev.2013',
      sheets: ['Table 1'],
      skippedSheets: ['NOTES'],
      excludedAreas: ['900', '941', '903', '830'],
    });
    expect(rows).toHaveLength(18);
    expect(new Set(rows.map((row) => row.values.ref_area_iso3))).toEqual(new Set(['DZA', 'BGD', 'MDA']));
    expect(
      rows.find(
        (row) =>
          row.values.ref_area_iso3 === 'MDA' && row.values.time_period === '2010' && row.values.sex === '_T',
      ),
    ).toEqual({
      table: 'observation',
      locator: 'sheet "Table 1" cell G12',
      values: expect.objectContaining({
        indicator_id: 'IMM_STOCK',
        ref_area_iso3: 'MDA',
        time_period: '2010',
        value: 129488,
        unit: 'persons',
        sex: '_T',
        data_type_note: 'B',
        source: 'UNDESA_IMS',
        dataset_revision: 'POP/DB/MIG/Stock/Rev.2013',
        source_locator: 'sheet "Table 1" cell G12',
      }),
    });
  });

  it('writes .. as a null value and keeps female figures apart', async () => {
    // act
    const rows = await collectRows(
      await readUndesaXlsx(readerInput('statistics', 'desa.xlsx', await desaWorkbook())),
    );
    const bangladesh = rows
      .filter((row) => row.values.ref_area_iso3 === 'BGD' && row.values.sex === 'F')
      .map((row) => [row.values.time_period, row.values.value]);

    // assess
    expect(bangladesh).toEqual([
      ['2000', 420000],
      ['2010', null],
      ['2013', 600000],
    ]);
  });

  it('refuses a workbook without the revision citation unless it is given', async () => {
    // prepare
    const bytes = await workbookBytes([
      {
        name: 'Table 1',
        rows: [
          ['Country code', 2013],
          [498, 391508],
        ],
      },
    ]);

    // act
    const error = await caught(() => readUndesaXlsx(readerInput('statistics', 'desa.xlsx', bytes)));
    const rows = await collectRows(
      await readUndesaXlsx(readerInput('statistics', 'desa.xlsx', bytes), {
        source: 'UNDESA_IMS',
        revision: 'POP/DB/MIG/Stock/Rev.2013',
        indicator: { indicator_id: 'IMM_STOCK', unit: 'persons' },
      }),
    );

    // assess
    expect(error.rule).toBe('statistics-metadata');
    expect(rows.map((row) => pick(row.values, 'ref_area_iso3', 'time_period', 'value'))).toEqual([
      { ref_area_iso3: 'MDA', time_period: '2013', value: 391508 },
    ]);
  });
});

describe('sdmxCsvVersion', () => {
  it.each([
    ['DATAFLOW,REF_AREA', '1.0'],
    ['\uFEFF"DATAFLOW","REF_AREA"', '1.0'],
    ['STRUCTURE;STRUCTURE_ID;ACTION', '2.0'],
    ['STRUCTURE[;],STRUCTURE_ID', '2.0'],
    ['REF_AREA,TIME_PERIOD', undefined],
  ])('reads the version of %j as %s', (text, version) => {
    // act
    const detected = sdmxCsvVersion(text);

    // assess
    expect(detected).toBe(version);
  });
});

describe('readSdmxCsv', () => {
  it('reads SDMX-CSV 1.0, taking source and revision from the dataflow, excluding M49 aggregates', async () => {
    // act
    const result = await readSdmxCsv(
      readerInput('statistics', 'sdg.csv', fixtureBytes('statistics/sdmx-1.0.csv')),
    );
    const rows = await collectRows(result);

    // assess
    expect(result.format).toBe('sdmx-csv-1.0');
    expect(result.metadata).toMatchObject({
      source: 'SDG_GLOBAL_DB',
      revision: 'UN:DF_SDG_GLH(1.11)',
      excludedAreas: ['1', '419', '941'],
    });
    expect(rows.map((row) => pick(row.values, 'ref_area_iso3', 'sex', 'value', 'obs_status'))).toEqual([
      { ref_area_iso3: 'MDA', sex: '_T', value: 129488, obs_status: 'A' },
      { ref_area_iso3: 'MDA', sex: 'F', value: 74000, obs_status: 'E' },
      { ref_area_iso3: 'BGD', sex: '_T', value: 1345546, obs_status: 'A' },
      { ref_area_iso3: 'JAM', sex: '_T', value: null, obs_status: 'M' },
      { ref_area_iso3: 'TUN', sex: '_T', value: null, obs_status: 'M' },
    ]);
    expect(rows[0]?.values).toMatchObject({
      indicator_id: 'SM_POP_TOTL',
      unit: 'number',
      unit_mult: 0,
      time_period: '2010',
    });
  });

  it('maps source indicator codes through the indicator map', async () => {
    // act
    const rows = await collectRows(
      await readSdmxCsv(readerInput('statistics', 'sdg.csv', fixtureBytes('statistics/sdmx-1.0.csv')), {
        indicatorMap: { SM_POP_TOTL: { indicator_id: 'IMM_STOCK', unit: 'persons' } },
      }),
    );

    // assess
    expect(pick(rows[0]?.values ?? {}, 'indicator_id', 'unit')).toEqual({
      indicator_id: 'IMM_STOCK',
      unit: 'persons',
    });
  });

  it('reads SDMX-CSV 2.0 with ; separator and labels, keeping counterparts and skipping deletions', async () => {
    // act
    const result = await readSdmxCsv(
      readerInput('statistics', 'knomad.csv', fixtureBytes('statistics/sdmx-2.0-semicolon.csv')),
      { source: 'WB_KNOMAD_BILAT', revision: 'KNOMAD-bilat-2013 (Factbook 2016 basis)' },
    );
    const rows = await collectRows(result);

    // assess
    expect(result.format).toBe('sdmx-csv-2.0');
    expect(result.metadata).toMatchObject({
      delimiter: ';',
      excludedAreas: ['WLD'],
      deletedObservationsIgnored: 1,
    });
    expect(
      rows.map((row) =>
        pick(
          row.values,
          'indicator_id',
          'ref_area_iso3',
          'counterpart_iso3',
          'value',
          'unit',
          'source',
          'dataset_revision',
        ),
      ),
    ).toEqual([
      {
        indicator_id: 'BILAT_STOCK',
        ref_area_iso3: 'ITA',
        counterpart_iso3: 'MDA',
        value: 147519,
        unit: 'persons',
        source: 'WB_KNOMAD_BILAT',
        dataset_revision: 'KNOMAD-bilat-2013 (Factbook 2016 basis)',
      },
      {
        indicator_id: 'BILAT_STOCK',
        ref_area_iso3: 'ITA',
        counterpart_iso3: 'SEN',
        value: 87000,
        unit: 'persons',
        source: 'WB_KNOMAD_BILAT',
        dataset_revision: 'KNOMAD-bilat-2013 (Factbook 2016 basis)',
      },
      {
        indicator_id: 'BILAT_STOCK',
        ref_area_iso3: 'ESP',
        counterpart_iso3: 'ECU',
        value: null,
        unit: 'persons',
        source: 'WB_KNOMAD_BILAT',
        dataset_revision: 'KNOMAD-bilat-2013 (Factbook 2016 basis)',
      },
    ]);
  });

  it('refuses SDMX-CSV from a dataflow it cannot map to a source when none is given', async () => {
    // act
    const error = await caught(() =>
      readSdmxCsv(readerInput('statistics', 'knomad.csv', fixtureBytes('statistics/sdmx-2.0-semicolon.csv'))),
    );

    // assess
    expect(error.rule).toBe('statistics-metadata');
    expect(error.hint).toContain('--source');
  });

  it('refuses SDMX-CSV without an observation value column', async () => {
    // act
    const error = await caught(() =>
      readSdmxCsv(
        readerInput('statistics', 'x.csv', 'DATAFLOW,REF_AREA,TIME_PERIOD\nUN:DF_SDG_GLH(1.11),498,2010\n'),
      ),
    );

    // assess
    expect(error.rule).toBe('unknown-columns');
    expect(error.message).toContain('OBS_VALUE');
  });
});
