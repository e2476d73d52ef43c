import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tablesForKind } from '#packages/formats/contract-tables.ts';
import {
  detectDelimiter,
  findHeaderRow,
  isHxlRow,
  iterateCsvRecords,
  readContractCsv,
} from '#packages/formats/csv.ts';
import { SourceRefusedError } from '#packages/formats/reader.ts';
import { caught, collectRows, fixtureBytes, readerInput, readerProblems } from './reader-input.ts';

describe('detectDelimiter', () => {
  it.each([
    ['a,b,c\n1,2,3\n', ','],
    ['"a";"b";"c"\r\n"1";"2";"3"\r\n', ';'],
    ['a\tb\tc\n1\t2\t3\n', '\t'],
    ['"name, with comma";b;c\n1;2;3\n', ';'],
    ['Title of the table\n\niso3;name;m49\nMDA;Moldova;498\n', ';'],
    ['single\ncolumn\n', ','],
  ])('detects the delimiter of %j', (text, delimiter) => {
    // act
    const detected = detectDelimiter(text);

    // assess
    expect(detected).toBe(delimiter);
  });
});

describe('iterateCsvRecords', () => {
  it('gives the physical line on which each record starts, across quoted newlines and blank lines', () => {
    // prepare
    const text = 'a,b\r\n1,"two\r\nlines"\r\n\r\n2,x\r\n3,"q\nr\ns"\n4,w';

    // act
    const records = [...iterateCsvRecords(text)];

    // assess
    expect(records).toEqual([
      { line: 1, record: ['a', 'b'] },
      { line: 2, record: ['1', 'two\r\nlines'] },
      { line: 5, record: ['2', 'x'] },
      { line: 6, record: ['3', 'q\nr\ns'] },
      { line: 9, record: ['4', 'w'] },
    ]);
  });

  it('keeps RFC 4180 quoting: doubled quotes and delimiters inside quotes', () => {
    // act
    const records = [...iterateCsvRecords('a;b\n"say ""hi""";"x;y"\n', { delimiter: ';' })];

    // assess
    expect(records[1]?.record).toEqual(['say "hi"', 'x;y']);
  });

  it('refuses an unclosed quote with the line where it starts', async () => {
    // act
    const error = await caught(() => [
      ...iterateCsvRecords('a,b\n1,2\n3,"open\n4,5\n', { fileName: 'bad.csv' }),
    ]);

    // assess
    expect(error).toBeInstanceOf(SourceRefusedError);
    expect(error.rule).toBe('malformed');
    expect(error.message).toContain("'bad.csv'");
    expect(error.locator).toMatch(/^line \d+$/);
  });

  it('reads back any table of strings it was given (write → read round trip)', () => {
    // prepare
    const cell = fc.string({ unit: 'grapheme', maxLength: 12 });
    const table = fc
      .integer({ min: 1, max: 5 })
      .chain((width) =>
        fc.array(fc.array(cell, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 8 }),
      );
    const delimiter = fc.constantFrom(',', ';', '\t');
    const newline = fc.constantFrom('\n', '\r\n');

    fc.assert(
      fc.property(table, delimiter, newline, (rows, separator, eol) => {
        const quote = (value: string) => `"${value.replace(/"/g, '""')}"`;
        const text = rows.map((row) => row.map(quote).join(separator)).join(eol) + eol;

        // act
        const records = [...iterateCsvRecords(text, { delimiter: separator as ',' | ';' | '\t' })];

        // assess
        expect(records.map((record) => record.record)).toEqual(rows);
      }),
      { numRuns: 300 },
    );
  });
});

describe('isHxlRow', () => {
  it.each([
    [['#country+code', '', '#org+impl'], true],
    [['#adm1+i_fr+name'], true],
    [['', ''], false],
    [['#country', 'MDA'], false],
    [['#1 ranking'], false],
  ])('recognises %j as an HXL hashtag row: %s', (cells, expected) => {
    // act
    const result = isHxlRow(cells);

    // assess
    expect(result).toBe(expected);
  });
});

describe('findHeaderRow', () => {
  it('skips preamble lines to the first row of contract field names', () => {
    // prepare
    const records = [
      ['Pilot status report, May 2012'],
      [],
      ['pilot_id', 'iso3', 'phase'],
      ['MM-MDA-P1', 'MDA', 'P1'],
    ];

    // act
    const header = findHeaderRow(records, tablesForKind('pilot'));

    // assess
    expect(header).toEqual({ index: 2 });
  });

  it('finds the HXL row below the header', () => {
    // prepare
    const records = [
      ['pilot_id', 'iso3'],
      ['#activity+code', '#country+code'],
      ['MM-MDA-P1', 'MDA'],
    ];

    // act
    const header = findHeaderRow(records, tablesForKind('pilot'));

    // assess
    expect(header).toEqual({ index: 0, hxlIndex: 1 });
  });
});

describe('readContractCsv', () => {
  it('reads a semicolon CSV with a preamble, an HXL row, lists, numbers and NA', async () => {
    // prepare
    const input = readerInput('pilot', 'pilots-2012.csv', fixtureBytes('csv/pilots-semicolon-hxl.csv'));

    // act
    const result = await readContractCsv(input);
    const rows = await collectRows(result);

    // assess
    expect(result.format).toBe('csv');
    expect(result.declaredContracts).toEqual({ pilot: '1.0.0' });
    expect(result.metadata).toMatchObject({
      delimiter: ';',
      table: 'pilot',
      headerLocator: 'line 4',
      preambleRows: 2,
    });
    expect(result.metadata.hxlTags).toMatchObject({ pilot_id: '#activity+code', iso3: '#country+code' });
    expect(await readerProblems(result)).toEqual([]);
    expect(rows.map((row) => row.locator)).toEqual(['line 6', 'line 8', 'line 9']);
    expect(rows[0]).toEqual({
      table: 'pilot',
      locator: 'line 6',
      values: {
        pilot_id: 'MM-MDA-P1',
        iso3: 'MDA',
        programme: 'UNDP/IOM/GMG Mainstreaming Migration into National Development Strategies',
        phase: 'P1_2011_2013',
        participation_status: 'active',
        status_as_of: '2012-05-31',
        start_date: '2011-11-09',
        un_lead_org_ids: ['XM-DAC-47066', 'XM-DAC-41114'],
        donor_org_ids: ['CH-4'],
        national_strategy: 'Moldova 2020',
        budget_amount: 963228,
        budget_currency: 'USD',
        note: 'Launched 9 Nov 2011;\r\nled by the State Chancellery',
        source_doc_id: 'DOC-cc6a52daeb42',
        source_locator: 'p. 3',
        extraction_method: 'manual',
        confidence: 'high',
      },
    });
    expect(rows[1]?.values).not.toHaveProperty('participation_status');
    expect(rows[1]?.values).not.toHaveProperty('budget_amount');
    expect(rows[2]?.values.budget_amount).toBe('about 50000');
  });

  it('reads a tab-separated file of the same table', async () => {
    // prepare
    const text = [
      'milestone_id\tpilot_id\tmilestone_type\tstatus\tdescription_en\tsource_doc_id\tsource_locator\textraction_method\tconfidence\tlinked_doc_ids',
      'MM-MDA-P1-M01\tMM-MDA-P1\tscoping_mission\tachieved\tScoping mission\tDOC-abc123\tp. 4\tmanual\thigh\tDOC-a|DOC-b',
    ].join('\n');

    // act
    const result = await readContractCsv(readerInput('pilot', 'milestones.tsv', text));
    const rows = await collectRows(result);

    // assess
    expect(result.metadata).toMatchObject({ delimiter: '\t', table: 'pilot_milestone' });
    expect(rows[0]?.values).toMatchObject({
      milestone_type: 'scoping_mission',
      linked_doc_ids: ['DOC-a', 'DOC-b'],
    });
  });

  it('converts booleans of boolean fields and leaves other text alone', async () => {
    // prepare
    const text =
      'doc_id,title,doc_type,illustrative,language\nDOC-abc123,"Note, 2012",un_report,yes,en\nDOC-abc124,Other,un_report,maybe,0\n';

    // act
    const rows = await collectRows(await readContractCsv(readerInput('reference', 'docs.csv', text)));

    // assess
    expect(rows[0]?.values).toEqual({
      doc_id: 'DOC-abc123',
      title: 'Note, 2012',
      doc_type: 'un_report',
      illustrative: true,
      language: 'en',
    });
    expect(rows[1]?.values).toMatchObject({ illustrative: 'maybe', language: '0' });
  });

  it('reports a row whose cell count differs from the header, and still passes it on', async () => {
    // prepare
    const text = 'doc_id,title,doc_type\nDOC-abc123,Note,un_report\nDOC-abc124,Note, 2012,un_report\n';

    // act
    const result = await readContractCsv(readerInput('reference', 'docs.csv', text));
    const rows = await collectRows(result);

    // assess
    expect(rows).toHaveLength(2);
    expect(await readerProblems(result)).toEqual([
      expect.objectContaining({
        table: 'source_document',
        locator: 'line 3',
        rule: 'column-count',
        rejectsRow: true,
      }),
    ]);
    expect((await readerProblems(result))[0]?.message).toContain('4 cells');
  });

  it('refuses a header missing required columns, naming them and the closest table', async () => {
    // prepare
    const text =
      'pilot_id,iso3,programme,phase,status_as_of,comment\nMM-MDA-P1,MDA,x,P1_2011_2013,2012-01-01,\n';

    // act
    const error = await caught(() => readContractCsv(readerInput('pilot', 'pilots.csv', text)));

    // assess
    expect(error).toBeInstanceOf(SourceRefusedError);
    expect(error.rule).toBe('unknown-columns');
    expect(error.message).toContain("closest is 'pilot'");
    expect(error.message).toContain('participation_status');
    expect(error.message).toContain('source_doc_id');
    expect(error.hint).toContain('comment');
    expect(error.locator).toBe('line 1');
  });

  it('refuses an empty file', async () => {
    // act
    const error = await caught(() => readContractCsv(readerInput('pilot', 'empty.csv', '\n\n')));

    // assess
    expect(error.rule).toBe('empty');
  });
});

describe('readContractCsv: columns it does not read', () => {
  const header =
    'lesson_id,question,statement_en,theme,evidence_type,evidence_strength,good_practice,source_doc_id,source_locator,extraction_method,confidence';
  const row = 'LES-1,what_works,Works,communities,jmdi_synthesis,weak,true,DOC-x,p.3,manual,low';

  it('refuses a header that names a column twice, instead of silently taking one', async () => {
    // act
    const error = await caught(() =>
      readContractCsv(readerInput('stocktaking', 'l.csv', `${header},statement_en\n${row},Other text\n`)),
    );

    // assess
    expect(error).toBeInstanceOf(SourceRefusedError);
    expect(error.rule).toBe('duplicate-header');
    expect(error.locator).toBe('line 1');
  });

  it('lists the columns that are not fields of the table in a notice', async () => {
    // act
    const result = await readContractCsv(
      readerInput('stocktaking', 'l.csv', `${header},reviewer_notes,Colour\n${row},check,red\n`),
    );

    // assess
    expect(result.notices).toEqual([
      expect.objectContaining({
        table: 'jmdi_lesson',
        locator: 'line 1',
        rule: 'ignored-columns',
        message: expect.stringContaining("'reviewer_notes', 'colour'"),
      }),
    ]);
  });

  it('holds back 1.500 in a file that writes a number with a comma, and says where the comma is', async () => {
    // prepare
    const text =
      'project_id,title_en,target_country_iso3,theme_primary,selection_status,total_budget_amount,source_doc_id,source_locator,extraction_method,confidence\n' +
      'JMDI1-A,A,MDA,communities,implemented,1.500,DOC-x,r1,manual,low\n' +
      'JMDI1-B,B,MDA,communities,implemented,"180000,50",DOC-x,r2,manual,low\n' +
      'JMDI1-C,C,MDA,communities,implemented,2500,DOC-x,r3,manual,low\n';

    // act
    const problems = await readerProblems(await readContractCsv(readerInput('stocktaking', 'p.csv', text)));

    // assess
    expect(problems).toEqual([
      expect.objectContaining({
        locator: 'line 2',
        field: 'total_budget_amount',
        rule: 'decimal-style-conflict',
        value: '1.500',
        message: expect.stringContaining("'180000,50' at line 3"),
      }),
    ]);
  });
});
