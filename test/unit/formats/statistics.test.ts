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

describe('statistics readers read the unit the table states', () => {
  const wdi = (code: string, name: string, value = '1200') =>
    `"Data Source","World Development Indicators",\n\n"Last Updated Date","2013-04-15",\n\n"Country Name","Country Code","Indicator Name","Indicator Code","2012",\n"Moldova","MDA","${name}","${code}","${value}",\n"Euro area","EMU","${name}","${code}","${value}",\n`;

  it.each([
    ['SM.POP.TOTL', 'International migrant stock, total', 'IMM_STOCK', 'persons'],
    ['SM.POP.TOTL.ZS', 'International migrant stock (% of population)', 'IMM_STOCK_PCT', 'percent'],
    ['SP.POP.GROW', 'Population growth (annual %)', 'WDI_SP_POP_GROW', 'percent_change'],
    ['NY.GDP.MKTP.CD', 'GDP (current US$)', 'WDI_NY_GDP_MKTP_CD', 'USD'],
    [
      'SL.TLF.CACT.FE.ZS',
      'Labor force participation rate, female (% of female population ages 15+)',
      'WDI_SL_TLF_CACT_FE_ZS',
      'percent',
    ],
  ])('WDI series %s is read as %s in %s', async (code, name, indicator, unit) => {
    // act
    const rows = await collectRows(await readWdiCsv(readerInput('statistics', 'wdi.csv', wdi(code, name))));

    // assess
    expect(rows.map((row) => [row.values.indicator_id, row.values.unit, row.problems])).toEqual([
      [indicator, unit, undefined],
    ]);
  });

  it.each([
    ['SM.POP.TOTL', 'International migrant stock (% of population)', 'unit-conflict'],
    ['NY.GDP.MKTP.CD', 'GDP growth (annual %)', 'unit-conflict'],
    ['SM.POP.NETM', 'Net migration', 'indicator-unknown'],
  ])('WDI series %s named %j is held back (%s), never guessed', async (code, name, rule) => {
    // act
    const rows = await collectRows(await readWdiCsv(readerInput('statistics', 'wdi.csv', wdi(code, name))));

    // assess
    expect(rows.map((row) => row.problems?.map((problem) => [problem.rule, problem.rejectsRow]))).toEqual([
      [[rule, true]],
    ]);
  });

  it('names the areas it leaves out in the report (a notice each, with the name the file gives)', async () => {
    // act
    const result = await readWdiCsv(
      readerInput('statistics', 'wdi.csv', fixtureBytes('statistics/wdi-remittances.csv')),
    );

    // assess
    expect(result.notices.map((notice) => [notice.rule, notice.value, notice.locator])).toEqual([
      ['area-excluded', 'ARB', 'line 6 column 2009'],
      ['area-excluded', 'XKX', 'line 10 column 2009'],
      ['area-excluded', 'AFE', 'line 11 column 2009'],
      ['area-excluded', 'WLD', 'line 12 column 2009'],
    ]);
    expect(result.notices[0]?.message).toContain('(Arab World)');
    expect(result.notices[1]?.message).toContain('not an ISO 3166-1 country');
  });

  it('reads grouped figures by the decimal style the file shows, and holds back what it cannot tell', async () => {
    // prepare: a file that writes decimals with a comma (12,5), and one that shows no decimal mark
    const comma =
      'DATAFLOW;REF_AREA;SERIES;TIME_PERIOD;OBS_VALUE;UNIT_MEASURE\nWB:WDI(1.0);MDA;X;2010;12,5;PT\nWB:WDI(1.0);SEN;Y;2010;1.500;PS\nWB:WDI(1.0);PHL;Y;2010;1,234,567;PS\n';
    const unknown =
      'DATAFLOW,REF_AREA,SERIES,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE\nWB:WDI(1.0),MDA,Y,2010,"1,500",PS\nWB:WDI(1.0),SEN,Y,2010,2500,PS\n';

    // act
    const commaRows = await collectRows(await readSdmxCsv(readerInput('statistics', 's.csv', comma)));
    const unknownRows = await collectRows(await readSdmxCsv(readerInput('statistics', 's.csv', unknown)));

    // assess
    expect(commaRows.map((row) => [row.values.value, row.problems?.[0]?.rule])).toEqual([
      [12.5, undefined],
      [1500, undefined],
      ['1,234,567', 'decimal-style-conflict'],
    ]);
    expect(unknownRows.map((row) => [row.values.value, row.problems?.[0]?.rule])).toEqual([
      ['1,500', 'number-ambiguous'],
      [2500, undefined],
    ]);
  });

  it('holds back an SDMX observation whose unit it does not know or that contradicts the map', async () => {
    // prepare
    const text =
      'DATAFLOW,REF_AREA,SERIES,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,UNIT_MULT\nUN:DF_SDG_GLH(1.11),498,SM_POP_TOTL,2010,129488,FURLONG,0\nUN:DF_SDG_GLH(1.11),498,SM_POP_PCT,2010,3.2,PT,0\nUN:DF_SDG_GLH(1.11),050,SM_POP_TOTL,2010,1345,PS,3\n';
    const options = {
      indicatorMap: {
        SM_POP_TOTL: { indicator_id: 'IMM_STOCK', unit: 'persons' as const },
        SM_POP_PCT: { indicator_id: 'IMM_STOCK', unit: 'persons' as const },
      },
    };

    // act
    const rows = await collectRows(await readSdmxCsv(readerInput('statistics', 'sdg.csv', text), options));

    // assess
    expect(rows.map((row) => [row.locator, row.problems?.map((problem) => problem.rule) ?? []])).toEqual([
      ['line 2', ['unit-unknown']],
      ['line 3', ['unit-conflict']],
      ['line 4', []],
    ]);
    expect(rows[2]?.values).toMatchObject({ indicator_id: 'IMM_STOCK', unit: 'persons', unit_mult: 3 });
  });
});
