import type ExcelJS from 'exceljs';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { SourceRefusedError } from '#packages/formats/reader.ts';
import {
  cellText,
  codebookFromXlsForm,
  readContractXlsx,
  readKoboXlsx,
  readWorkbookSheets,
} from '#packages/formats/xlsx.ts';
import { inspectZip, verifyZipEntries } from '#packages/formats/zip.ts';
import { caught, collectRows, readerInput, readerProblems } from './reader-input.ts';
import { workbookBytes } from './workbook.ts';

const PILOT_HEADER = [
  'pilot_id',
  'iso3',
  'programme',
  'phase',
  'participation_status',
  'status_as_of',
  'budget_amount',
  'source_doc_id',
  'source_locator',
  'extraction_method',
  'confidence',
];

describe('readWorkbookSheets', () => {
  it('gives every sheet as text records: cached formula results, ISO dates, numbers', async () => {
    // prepare
    const bytes = await workbookBytes([
      {
        name: 'Data',
        rows: [
          ['name', 'when', 'amount', 'double', 'flag', 'at'],
          [
            'Moldova',
            new Date(Date.UTC(2012, 4, 31)),
            963228,
            { formula: 'C2*2', result: 1926456 },
            true,
            new Date(Date.UTC(2011, 10, 9, 10, 30)),
          ],
          [
            { richText: [{ text: 'Chi' }, { text: 'șinău' }] },
            null,
            61.5,
            { formula: 'NA()', result: { error: '#N/A' } },
          ],
        ],
      },
      { name: 'Empty', rows: [] },
    ]);

    // act
    const sheets = await readWorkbookSheets(bytes, 'book.xlsx');

    // assess
    expect(sheets.map((sheet) => sheet.name)).toEqual(['Data', 'Empty']);
    expect(sheets[0]?.records.map((record) => record.record)).toEqual([
      ['name', 'when', 'amount', 'double', 'flag', 'at'],
      ['Moldova', '2012-05-31', '963228', '1926456', 'true', '2011-11-09T10:30:00Z'],
      ['Chișinău', '', '61.5', '#N/A', '', ''],
    ]);
    expect(sheets[0]?.records[1]).toMatchObject({ line: 2, where: 'sheet "Data" row 2' });
  });

  it('refuses bytes that are not a zip archive', async () => {
    // act
    const error = await caught(() => readWorkbookSheets(new TextEncoder().encode('iso3,name\n'), 'a.xlsx'));

    // assess
    expect(error).toBeInstanceOf(SourceRefusedError);
    expect(error.rule).toBe('malformed');
  });

  it('refuses a zip that expands more than 100× before exceljs reads it', async () => {
    // prepare: 20 MiB of zeros deflate to a few KiB
    const bomb = zipSync({ 'xl/worksheets/sheet1.xml': new Uint8Array(20 * 1024 * 1024) }, { level: 9 });

    // act
    const error = await caught(() => readWorkbookSheets(bomb, 'bomb.xlsx'));

    // assess
    expect(bomb.byteLength).toBeLessThan(100 * 1024);
    expect(error).toBeInstanceOf(SourceRefusedError);
    expect(error.rule).toBe('zip-bomb');
    expect(error.message).toContain('xl/worksheets/sheet1.xml');
  });

  it('refuses a zip with more than 1,000 entries', async () => {
    // prepare
    const files = Object.fromEntries(
      Array.from({ length: 1001 }, (_, index) => [`part${index}.xml`, new Uint8Array([60, 97, 47, 62])]),
    );

    // act
    const error = await caught(() => readWorkbookSheets(zipSync(files), 'many.xlsx'));

    // assess
    expect(error.rule).toBe('zip-bomb');
    expect(error.message).toContain('1001 entries');
  });
});

describe('inspectZip', () => {
  it('refuses an archive whose entries add up to more than the uncompressed limit', async () => {
    // prepare
    const archive = zipSync({
      'a.xml': new Uint8Array(3000).fill(65),
      'b.xml': new Uint8Array(3000).fill(66),
    });

    // act
    const error = await caught(() =>
      inspectZip(archive, 'big.xlsx', {
        maxUncompressedBytes: 5000,
        maxEntries: 10,
        maxRatio: 100,
        ratioFloorBytes: 1 << 20,
      }),
    );

    // assess
    expect(error.rule).toBe('zip-bomb');
    expect(error.message).toContain('5000 bytes');
  });

  it('lists entries with their declared sizes', () => {
    // prepare
    const archive = zipSync({ 'a.xml': new Uint8Array(300).fill(65) });

    // act
    const summary = inspectZip(archive, 'a.zip');

    // assess
    expect(summary.entries).toEqual([
      expect.objectContaining({ name: 'a.xml', method: 8, uncompressedSize: 300 }),
    ]);
    expect(summary.uncompressedBytes).toBe(300);
  });
});

describe('verifyZipEntries', () => {
  it('refuses an entry that inflates beyond the size its header declares', async () => {
    // prepare: declare 1,000 bytes for an entry that inflates to 500,000
    const archive = zipSync({ 'xl/sharedStrings.xml': new Uint8Array(500_000).fill(120) });
    const view = new DataView(archive.buffer, archive.byteOffset, archive.byteLength);
    for (let offset = 0; offset + 4 <= archive.length; offset += 1) {
      const signature = view.getUint32(offset, true);
      if (signature === 0x04034b50) view.setUint32(offset + 22, 1000, true);
      if (signature === 0x02014b50) view.setUint32(offset + 24, 1000, true);
    }
    const summary = inspectZip(archive, 'lying.xlsx');

    // act
    const error = await caught(() => verifyZipEntries(archive, summary, 'lying.xlsx'));

    // assess
    expect(error.rule).toBe('zip-bomb');
    expect(error.message).toContain('beyond the 1000 bytes');
  });
});

describe('cellText', () => {
  it.each([
    [null, ''],
    [12, '12'],
    ['x', 'x'],
    [false, 'false'],
    [{ text: 'UNDP', hyperlink: 'http://undp.org' }, 'UNDP'],
    [{ formula: 'A1', result: undefined }, ''],
  ] as const)('writes %j as %j', (value, expected) => {
    // act
    const text = cellText(value as never);

    // assess
    expect(text).toBe(expected);
  });
});

describe('readContractXlsx', () => {
  it('reads contract tables from sheets, below a preamble, with dates and formulas as values', async () => {
    // prepare
    const bytes = await workbookBytes([
      { name: 'README', rows: [['Pilot records, keyed by hand from the 2012 UNDP note']] },
      {
        name: 'pilots',
        rows: [
          ['Pilot status, May 2012'],
          ['pilot@1.0.0'],
          PILOT_HEADER,
          [
            'MM-MDA-P1',
            'MDA',
            'Mainstreaming',
            'P1_2011_2013',
            'active',
            new Date(Date.UTC(2012, 4, 31)),
            { formula: '900000+63228', result: 963228 },
            'DOC-cc6a52daeb42',
            'p. 3',
            'manual',
            'high',
          ],
        ],
      },
    ]);

    // act
    const result = await readContractXlsx(readerInput('pilot', 'pilots.xlsx', bytes));
    const rows = await collectRows(result);

    // assess
    expect(result.format).toBe('xlsx');
    expect(result.declaredContracts).toEqual({ pilot: '1.0.0' });
    expect(result.metadata).toMatchObject({ sheetTables: { pilots: 'pilot' }, skippedSheets: ['README'] });
    expect(rows).toEqual([
      {
        table: 'pilot',
        locator: 'sheet "pilots" row 4',
        values: expect.objectContaining({
          pilot_id: 'MM-MDA-P1',
          status_as_of: '2012-05-31',
          budget_amount: 963228,
        }),
      },
    ]);
  });

  it('refuses a workbook in which no sheet matches a table of the kind', async () => {
    // prepare
    const bytes = await workbookBytes([
      {
        name: 'Sheet1',
        rows: [
          ['pilot_id', 'iso3'],
          ['MM-MDA-P1', 'MDA'],
        ],
      },
    ]);

    // act
    const error = await caught(() => readContractXlsx(readerInput('pilot', 'p.xlsx', bytes)));

    // assess
    expect(error.rule).toBe('unknown-columns');
    expect(error.message).toContain('programme');
  });
});

describe('readKoboXlsx', () => {
  it('reads a Kobo XLSX export (numbers as floats, repeat sheet) like the CSV export', async () => {
    // prepare
    const bytes = await workbookBytes([
      {
        name: 'GMG UNCT 2011',
        rows: [
          [
            'unct_country',
            'agency',
            'joint_programmes_n',
            'support_requested',
            'support_requested/training',
            'support_requested/funding',
            '_id',
            '_uuid',
            '_submission_time',
            '_index',
          ],
          [
            'Jamaica',
            'iom',
            3,
            'training funding',
            1,
            1,
            61,
            'a1b2c3d4-0000-4000-8000-000000000001',
            '2011-11-23T16:40:57',
            1,
          ],
        ],
      },
      {
        name: 'partners',
        rows: [
          ['partner_name', '_index', '_parent_index'],
          ['IOM Kingston', 1, 1],
        ],
      },
    ]);

    // act
    const result = await readKoboXlsx(readerInput('survey', 'export.xlsx', bytes));
    const rows = await collectRows(result);

    // assess
    expect(result.format).toBe('kobo-xlsx');
    expect(await readerProblems(result)).toEqual([]);
    expect(result.metadata).toMatchObject({ sheet: 'GMG UNCT 2011', repeatSheets: ['partners'] });
    expect(rows[0]?.values).toMatchObject({
      respondent_id: 'GMG-UNCT-2011:a1b2c3d4-0000-4000-8000-000000000001',
      iso3: 'JAM',
      agency_org_id: 'XM-DAC-47066',
      source_row_ref: 'export.xlsx sheet "GMG UNCT 2011" row 2 (_index 1)',
    });
    expect(
      rows
        .slice(1)
        .map((row) => [row.values.question_name, row.values.value_code ?? row.values.value_number]),
    ).toEqual([
      ['unct_country', undefined],
      ['agency', 'iom'],
      ['support_requested', 'training'],
      ['support_requested', 'funding'],
      ['joint_programmes_n', 3],
    ]);
  });
});

describe('codebookFromXlsForm', () => {
  it('reads the survey and choices sheets and the form id of the settings sheet', async () => {
    // prepare
    const bytes = await workbookBytes([
      {
        name: 'survey',
        rows: [
          ['type', 'name', 'label::English (en)', 'hxl'],
          ['text', 'unct_country', 'Country', '#country+name'],
          ['begin_group', 'demand', 'Demand', ''],
          ['select_one demand_level', 'labour_migration', 'Demand in labour migration', ''],
          ['end_group', '', '', ''],
          ['integer', 'joint_programmes_n', 'Joint programmes', ''],
        ],
      },
      {
        name: 'choices',
        rows: [
          ['list_name', 'name', 'label::English (en)'],
          ['demand_level', 'high', 'High'],
          ['demand_level', 'low', 'Low'],
        ],
      },
      {
        name: 'settings',
        rows: [
          ['form_id', 'version'],
          ['GMG-UNCT-2013', '2013-1'],
        ],
      },
    ]);

    // act
    const codebook = await codebookFromXlsForm(bytes, 'form.xlsx');

    // assess
    expect(codebook).toEqual({
      survey_id: 'GMG-UNCT-2013',
      form_version: '2013-1',
      questions: [
        { name: 'unct_country', type: 'text', label_en: 'Country' },
        {
          name: 'demand/labour_migration',
          type: 'select_one',
          list_name: 'demand_level',
          label_en: 'Demand in labour migration',
        },
        { name: 'joint_programmes_n', type: 'integer', label_en: 'Joint programmes' },
      ],
      choices: [
        { list_name: 'demand_level', name: 'high', label_en: 'High' },
        { list_name: 'demand_level', name: 'low', label_en: 'Low' },
      ],
    });
  });

  it('refuses a workbook without survey and choices sheets', async () => {
    // prepare
    const bytes = await workbookBytes([{ name: 'Sheet1', rows: [['type', 'name']] }]);

    // act
    const error = await caught(() => codebookFromXlsForm(bytes, 'form.xlsx'));

    // assess
    expect(error.rule).toBe('codebook');
    expect(error.message).toContain('Sheet1');
  });
});

describe('workbooks: what cannot be seen or was never calculated', () => {
  const pilotRow = (id: string, budget: ExcelJS.CellValue): ExcelJS.CellValue[] => [
    id,
    'MDA',
    'Mainstreaming Migration',
    'P1_2011_2013',
    'active',
    '2012-02-09',
    budget,
    'DOC-x',
    'p.1',
    'manual',
    'high',
  ];

  it('skips a hidden sheet and says so in a notice', async () => {
    // prepare
    const bytes = await workbookBytes([
      { name: 'pilot', rows: [PILOT_HEADER, pilotRow('MM-MDA-P1', 963228)] },
      { name: 'old pilots', rows: [PILOT_HEADER, pilotRow('MM-JAM-P1', 1)], state: 'hidden' },
    ]);

    // act
    const result = await readContractXlsx(readerInput('pilot', 'pilots.xlsx', bytes));
    const rows = await collectRows(result);

    // assess
    expect(rows.map((row) => row.values.pilot_id)).toEqual(['MM-MDA-P1']);
    expect(result.notices).toEqual([
      expect.objectContaining({ rule: 'hidden-sheet', locator: 'sheet "old pilots"' }),
    ]);
  });

  it('quarantines a row whose cell is a formula without a saved result, and only that row', async () => {
    // prepare
    const bytes = await workbookBytes([
      {
        name: 'pilot',
        rows: [PILOT_HEADER, pilotRow('MM-MDA-P1', { formula: 'H9*2' }), pilotRow('MM-JAM-P1', 500)],
      },
    ]);

    // act
    const result = await readContractXlsx(readerInput('pilot', 'pilots.xlsx', bytes));
    const problems = await readerProblems(result);

    // assess
    expect(problems).toEqual([
      expect.objectContaining({
        locator: 'sheet "pilot" row 2',
        field: 'budget_amount',
        rule: 'formula-without-value',
        rejectsRow: true,
      }),
    ]);
  });

  it('refuses a sheet whose header names a column twice', async () => {
    // prepare
    const bytes = await workbookBytes([
      {
        name: 'pilot',
        rows: [
          [...PILOT_HEADER, 'programme'],
          [...pilotRow('MM-MDA-P1', 1), 'Other'],
        ],
      },
    ]);

    // act
    const error = await caught(() => readContractXlsx(readerInput('pilot', 'pilots.xlsx', bytes)));

    // assess
    expect(error).toBeInstanceOf(SourceRefusedError);
    expect(error.rule).toBe('duplicate-header');
    expect(error.message).toContain("'programme' twice");
  });
});
