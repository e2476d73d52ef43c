import { describe, expect, it } from 'vitest';
import {
  createSourceReader,
  detectFormat,
  MAX_SOURCE_BYTES,
  readSource,
  SUPPORTED_FORMATS,
} from '#packages/formats/index.ts';
import { SourceRefusedError } from '#packages/formats/reader.ts';
import { caught, collectRows, fixtureBytes, readerInput } from './reader-input.ts';
import { workbookBytes } from './workbook.ts';

describe('detectFormat', () => {
  it.each([
    ['survey', 'kobo/kobo-hxl-both.csv', 'export.csv', 'kobo-csv'],
    ['survey', 'kobo/odk-central.csv', 'export.csv', 'kobo-csv'],
    ['pilot', 'csv/pilots-semicolon-hxl.csv', 'pilots.csv', 'csv'],
    ['stocktaking', 'iati/undp-2013-v102.xml', 'activities.xml', 'iati-xml'],
    ['stocktaking', 'iati/undp-2013-v102.xml', 'activities.txt', 'iati-xml'],
    ['statistics', 'statistics/wdi-remittances.csv', 'API.csv', 'wdi-csv'],
    ['statistics', 'statistics/sdmx-1.0.csv', 'data.csv', 'sdmx-csv'],
    ['statistics', 'statistics/sdmx-2.0-semicolon.csv', 'data.csv', 'sdmx-csv'],
  ] as const)('detects a %s file %s named %s as %s', (kind, fixture, fileName, format) => {
    // act
    const detected = detectFormat({ kind, fileName, bytes: fixtureBytes(fixture) });

    // assess
    expect(detected).toBe(format);
  });

  it.each([
    ['rows.ndjson', '{"a":1}\n', 'ndjson'],
    ['rows.jsonl', '{"a":1}\n', 'ndjson'],
    ['rows.json', '[]', 'json'],
    ['upload', '  {"pilot": []}', 'json'],
  ])('detects %s as %s', (fileName, text, format) => {
    // act
    const detected = detectFormat({ kind: 'pilot', fileName, bytes: new TextEncoder().encode(text) });

    // assess
    expect(detected).toBe(format);
  });

  it('detects workbooks as xlsx, or as UN DESA tables for statistics', async () => {
    // prepare
    const bytes = await workbookBytes([{ name: 'Sheet1', rows: [['a']] }]);

    // act
    const detected = [
      detectFormat({ kind: 'pilot', fileName: 'a.bin', bytes }),
      detectFormat({ kind: 'statistics', fileName: 'a.xlsx', bytes }),
    ];

    // assess
    expect(detected).toEqual(['xlsx', 'undesa-xlsx']);
  });
});

describe('readSource', () => {
  it('lists the formats it reads', () => {
    // assess
    expect(SUPPORTED_FORMATS).toEqual(
      expect.arrayContaining([
        'csv',
        'json',
        'ndjson',
        'xlsx',
        'kobo-csv',
        'kobo-xlsx',
        'iati-xml',
        'wdi-csv',
        'undesa-xlsx',
        'sdmx-csv',
      ]),
    );
  });

  it('dispatches on the detected format', async () => {
    // act
    const result = await readSource(
      readerInput('survey', 'export.csv', fixtureBytes('kobo/kobo-hxl-both.csv')),
    );
    const rows = await collectRows(result);

    // assess
    expect(result.format).toBe('kobo-csv');
    expect(rows.filter((row) => row.table === 'survey_respondent')).toHaveLength(3);
  });

  it('reads a Kobo XLSX export given as survey xlsx', async () => {
    // prepare
    const bytes = await workbookBytes([
      {
        name: 'data',
        rows: [
          ['unct_country', '_uuid'],
          ['Ghana', 'b1b2c3d4-0000-4000-8000-000000000001'],
        ],
      },
    ]);

    // act
    const result = await readSource(readerInput('survey', 'export.xlsx', bytes));

    // assess
    expect(result.format).toBe('kobo-xlsx');
  });

  it('honours a declared format and its aliases', async () => {
    // act
    const result = await readSource(
      readerInput('stocktaking', 'activities.bin', fixtureBytes('iati/undp-2013-v102.xml'), {
        format: 'iati',
      }),
    );

    // assess
    expect(result.format).toBe('iati-xml-1.02');
  });

  it('passes statistics metadata from the options to the reader', async () => {
    // prepare
    const read = createSourceReader({
      statistics: { source: 'WB_KNOMAD_BILAT', revision: 'KNOMAD-bilat-2013' },
    });

    // act
    const result = await read(
      readerInput('statistics', 'knomad.csv', fixtureBytes('statistics/sdmx-2.0-semicolon.csv')),
    );

    // assess
    expect(result.metadata).toMatchObject({ source: 'WB_KNOMAD_BILAT', revision: 'KNOMAD-bilat-2013' });
  });

  it('refuses a file over the size limit, stating its size and the limit', async () => {
    // prepare
    const bytes = new Uint8Array(MAX_SOURCE_BYTES + 1);

    // act
    const error = await caught(() => readSource(readerInput('pilot', 'huge.csv', bytes)));

    // assess
    expect(error).toBeInstanceOf(SourceRefusedError);
    expect(error.rule).toBe('too-large');
    expect(error.message).toContain(String(MAX_SOURCE_BYTES + 1));
    expect(error.message).toContain('50 MiB');
  });

  it('refuses a declared format it does not know', async () => {
    // act
    const error = await caught(() => readSource(readerInput('pilot', 'a.dat', 'x', { format: 'dbf' })));

    // assess
    expect(error.rule).toBe('unsupported-format');
    expect(error.hint).toContain('kobo-csv');
  });
});
