import { describe, expect, it } from 'vitest';
import { contractForTable } from '#contracts/registry.ts';
import { columnSpecs } from '#packages/contracts/columns.ts';
import { csvText } from './csv-text.ts';
import { expectSameAsReference, fastNormalise } from './reference.ts';

/** Every survey_response field, in contract order. */
const SURVEY_HEADER = columnSpecs(contractForTable('survey_response')).map((spec) => spec.name);

/** A valid survey_response row, with some cells replaced. */
function response(
  overrides: Partial<Record<(typeof SURVEY_HEADER)[number], string>> = {},
  seq = '0',
): string[] {
  const row: Record<string, string> = {
    respondent_id: 'GMG-UNCT-2011:a1b2c3',
    question_name: 'capacity/labour_migration',
    seq,
    value_raw: 'yes',
    value_code: 'yes',
    value_label: 'Yes',
    value_number: '',
    value_date: '',
    is_other: 'false',
    other_text: '',
    source_doc_id: 'DOC-illustrative-gmg-unct-2011-kobo',
    source_locator: 'row 2',
    extraction_method: 'parser',
    extracted_at: '',
    confidence: 'high',
    as_of_date: '2011-12-31',
    reviewer: '',
    ...overrides,
  };
  return SURVEY_HEADER.map((field) => row[field] ?? '');
}

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('normaliseContractCsvFast on hand-made survey_response files', () => {
  it('quarantines bad rows of every kind with the reference problems', async () => {
    const long = 'é'.repeat(200);
    const rows = [
      SURVEY_HEADER,
      response(),
      response({ respondent_id: '' }, '1'), // required, missing
      response({ respondent_id: 'NA' }, '2'), // NA is missing
      response({}, 'x'), // not an integer
      response({}, '1.5'),
      response({}, '-1'), // below the minimum
      response({}, '1.0'), // an integer written as a decimal: passes as 1
      response({}, ' 7 '), // trimmed by the reader
      response({}, '+3'),
      response({}, '007'),
      response({ value_number: '1e3' }, '10'),
      response({ value_number: '.5' }, '11'),
      response({ value_number: 'abc' }, '12'),
      response({ value_number: 'Infinity' }, '13'),
      response({ value_number: '1e400' }, '14'),
      response({ value_number: '-0' }, '15'),
      response({ value_number: '-12.75' }, '16'),
      response({ value_date: '2021-02-29' }, '17'), // not a leap year
      response({ value_date: '2020-02-29' }, '18'),
      response({ value_date: ' 2020-01-01' }, '19'), // a leading space fails the pattern
      response({ is_other: 'TRUE' }, '20'),
      response({ is_other: 'Yes' }, '21'),
      response({ is_other: 'maybe' }, '22'),
      response({ is_other: ' no ' }, '23'),
      response({ is_other: '1' }, '24'),
      response({ extraction_method: 'bogus' }, '25'),
      response({ extraction_method: ' parser' }, '26'),
      response({ confidence: '' }, '27'), // filled by the reader: high
      response({ source_locator: '' }, '28'), // filled by the reader: the row's locator
      response({ source_doc_id: '' }, '29'), // filled by the reader: the file's document id
      response({ extracted_at: '2011-11-02T10:00:00Z' }, '30'),
      response({ extracted_at: '2011-11-02T10:00:00.5+02:00' }, '31'),
      response({ extracted_at: '2011-11-02 10:00' }, '32'),
      response({ reviewer: long }, '33'), // 200 UTF-16 units: passes
      response({ reviewer: `${long}x` }, '34'), // 201: too long
      response({ reviewer: '😀'.repeat(100) }, '35'), // 200 units in 400 bytes
      response({ reviewer: '😀'.repeat(101) }, '36'),
      response({ other_text: 'two\r\nlines, "quoted"' }, '37'),
      response({ value_code: 'NA' }, '38'),
      response({ value_label: '\u00a0' }, '39'), // NBSP only: missing
      response({ value_label: '\u00a0padded\u3000' }, '40'), // kept as is (no trim on this field)
      response(), // duplicate of line 2
      response({}, '00'), // duplicate too: seq 0
      response({ question_name: 'capacity/x', respondent_id: 'A\u001fB' }, '41'),
      response({ question_name: 'x', respondent_id: 'A' }, '42'),
      response({ seq: '', is_other: '' }, '43'),
      response({ seq: '99999999999999999999' }, '44'),
    ];
    const text = csvText(rows).replace('\n', '\n\n   \n');
    await expectSameAsReference(bytes(text), {
      fileName: 'survey-bad.csv',
      kind: 'survey',
      receivedAt: '2013-01-05T12:00:00Z',
    });
    await expectSameAsReference(bytes(text), {
      fileName: 'survey-bad.csv',
      kind: 'survey',
      chunkBytes: 5,
      batchSize: 4,
    });
  });

  it('keys are compared as the reference joins them, U+001F included', async () => {
    const rows = [
      SURVEY_HEADER,
      response({ respondent_id: 'A\u001fB', question_name: 'C' }),
      response({ respondent_id: 'A', question_name: 'B\u001fC' }),
    ];
    const result = await expectSameAsReference(bytes(csvText(rows)), {
      fileName: 'keys.csv',
      kind: 'survey',
    });
    expect(result?.summary.problems.map((problem) => problem.rule)).toEqual(['duplicate-key']);
  });

  it('reads CRLF files, a BOM, quoted cells everywhere and another column order', async () => {
    const header = [...SURVEY_HEADER].reverse();
    const rows = [
      header,
      ...[0, 1, 2, 3].map((seq) => response({ other_text: `a\nb ${seq}` }, String(seq)).reverse()),
    ];
    const text = `\ufeff${csvText(rows, { newline: '\r\n', quoteAll: true })}`;
    await expectSameAsReference(bytes(text), { fileName: 'crlf.csv', kind: 'survey' });
    for (const chunkBytes of [1, 2, 3, 13]) {
      await expectSameAsReference(bytes(text), { fileName: 'crlf.csv', kind: 'survey', chunkBytes });
    }
  });

  it('splits chunks inside quoted fields and inside multi-byte characters', async () => {
    const rows = [SURVEY_HEADER];
    for (let seq = 0; seq < 40; seq += 1) {
      rows.push(
        response({ other_text: `Ñandú "${seq}"\r\n日本語 😀`, value_label: 'Côte d’Ivoire' }, String(seq)),
      );
    }
    const data = bytes(csvText(rows, { newline: seq(3) }));
    for (const chunkBytes of [1, 2, 3, 5, 7, 64, 1000]) {
      await expectSameAsReference(data, { fileName: 'chunks.csv', kind: 'survey', chunkBytes, batchSize: 7 });
    }
  });

  it('ignores columns that are not contract fields and fills absent provenance columns', async () => {
    const header = ['respondent_id', 'question_name', 'seq', 'value_raw', 'is_other', 'comment'];
    const rows = [header, ['R-1:x', 'q1', '0', 'v', 'no', 'ignored'], ['R-1:x', 'q1', '1', 'v', 'yes', '']];
    await expectSameAsReference(bytes(csvText(rows)), {
      fileName: 'few.csv',
      kind: 'survey',
      receivedAt: '2013-01-05T12:00:00Z',
    });
  });

  it('writes no table when every row is quarantined, and none for a header alone', async () => {
    const rows = [SURVEY_HEADER, response({ seq: 'x' }), response({ confidence: 'none' })];
    const all = await expectSameAsReference(bytes(csvText(rows)), { fileName: 'bad.csv', kind: 'survey' });
    expect(all?.ipc).toBeUndefined();
    const none = await expectSameAsReference(bytes(csvText([SURVEY_HEADER])), {
      fileName: 'empty.csv',
      kind: 'survey',
    });
    expect(none?.rows).toBe(0);
  });
});

function seq(kind: number): string {
  return ['\n', '\r\n', '\r', '\r\n'][kind] ?? '\n';
}

const PROJECT_HEADER = [
  'project_id',
  'title_en',
  'title_fr',
  'target_country_iso3',
  'target_localities',
  'theme_primary',
  'themes_secondary',
  'hld_rt',
  'selection_status',
  'activity_status',
  'start_planned',
  'duration_months',
  'total_budget_amount',
  'total_budget_currency',
  'partner_countries_iso3',
  'description_en',
  'source_doc_id',
  'source_locator',
  'extraction_method',
  'confidence',
];

function project(
  id: string,
  overrides: Partial<Record<(typeof PROJECT_HEADER)[number], string>> = {},
): string[] {
  const row: Record<string, string> = {
    project_id: id,
    title_en: 'A project',
    title_fr: '',
    target_country_iso3: 'MDA',
    target_localities: 'Chisinau|Balti',
    theme_primary: 'remittances',
    themes_secondary: 'communities',
    hld_rt: '',
    selection_status: 'implemented',
    activity_status: '4',
    start_planned: '2009-02-01',
    duration_months: '20',
    total_budget_amount: '231310.5',
    total_budget_currency: 'EUR',
    partner_countries_iso3: 'ITA|FRA',
    description_en: '',
    source_doc_id: 'DOC-illustrative-samples',
    source_locator: 'row 1',
    extraction_method: 'manual',
    confidence: 'low',
    ...overrides,
  };
  return PROJECT_HEADER.map((field) => row[field] ?? '');
}

describe('normaliseContractCsvFast on hand-made jmdi_project files', () => {
  it('quarantines bad rows with the reference problems, the refinement included', async () => {
    const rows = [
      PROJECT_HEADER,
      project('JMDI1-A-1'),
      project('JMDI1-A-2', { target_country_iso3: 'XXX' }), // no such country: foreign key
      project('JMDI1-A-3', { target_country_iso3: 'mda' }), // pattern
      project('JMDI1-A-4', { theme_primary: 'tourism' }),
      project('JMDI1-A-5', { themes_secondary: 'remittances|tourism' }),
      project('JMDI1-A-6', { themes_secondary: ' remittances | |communities ' }),
      project('JMDI1-A-7', { title_en: '', title_fr: '' }), // refinement: no title
      project('JMDI1-A-8', { title_en: '', title_fr: 'Un projet' }),
      project('JMDI1-A-9', { total_budget_amount: '-1' }),
      project('JMDI1-A-10', { total_budget_amount: '1,000' }),
      project('JMDI1-A-11', { activity_status: '7' }),
      project('JMDI1-A-12', { duration_months: '0' }),
      project('JMDI1-A-13', { start_planned: '2009-13-01' }),
      project('JMDI1-A-14', { partner_countries_iso3: 'ITA|xx' }),
      project('JMDI1-A-15', { partner_countries_iso3: 'ZZZ' }), // list items: pattern only, no reference check
      project('JMDI1-A-16', { description_en: 'd'.repeat(8001) }),
      project('JMDI1-A-1'), // duplicate
      project('JMDI1-A-17', { target_country_iso3: 'XXX', theme_primary: 'bad' }),
      project('JMDI1-A-2', { target_country_iso3: 'XXX' }), // foreign key and duplicate of a quarantined key
      project('bad-id'),
      project('JMDI1-A-18', {
        total_budget_currency: 'eur',
        hld_rt: 'RT4_labour_mobility|RT1_sustainable_dev_post2015',
      }),
      project('JMDI1-A-19', { target_localities: 'NA', themes_secondary: '|' }),
      project('JMDI1-A-20', { total_budget_amount: '12.', activity_status: ' 2 ' }),
    ];
    await expectSameAsReference(bytes(csvText(rows)), { fileName: 'projects-bad.csv', kind: 'stocktaking' });
    await expectSameAsReference(bytes(csvText(rows)), {
      fileName: 'projects-bad.csv',
      kind: 'stocktaking',
      chunkBytes: 11,
      batchSize: 5,
    });
  });
});

const LESSON_HEADER = [
  'lesson_id',
  'project_id',
  'question',
  'statement_en',
  'theme',
  'evidence_type',
  'evidence_strength',
  'good_practice',
  'iso3',
  'source_doc_id',
  'source_locator',
  'extraction_method',
  'confidence',
];

function lesson(
  id: string,
  projectId: string,
  overrides: Partial<Record<(typeof LESSON_HEADER)[number], string>> = {},
): string[] {
  const row: Record<string, string> = {
    lesson_id: id,
    project_id: projectId,
    question: 'what_works',
    statement_en: 'It worked.',
    theme: 'communities',
    evidence_type: 'jmdi_synthesis',
    evidence_strength: 'weak',
    good_practice: 'true',
    iso3: 'SEN',
    source_doc_id: 'DOC-illustrative-samples',
    source_locator: 'lesson',
    extraction_method: 'manual',
    confidence: 'low',
    ...overrides,
  };
  return LESSON_HEADER.map((field) => row[field] ?? '');
}

describe('normaliseContractCsvFast on hand-made jmdi_lesson files', () => {
  it('writes rows without a project after the others, as the reference does', async () => {
    const rows = [
      LESSON_HEADER,
      lesson('LES-1', 'JMDI1-X'),
      lesson('LES-2', ''),
      lesson('LES-3', 'JMDI1-Y', { statement_en: '  padded  ' }), // trimmed by the contract
      lesson('LES-4', '', { statement_en: '   ' }), // blank: missing
      lesson('LES-5', 'JMDI1-Z', { statement_en: ` ${'s'.repeat(1000)} ` }),
      lesson('LES-6', '', { statement_en: 's'.repeat(1001) }),
      lesson('LES-7', 'JMDI1-X', { good_practice: 'maybe' }),
      lesson('LES-8', ''),
    ];
    for (const batchSize of [2, 3, 100]) {
      await expectSameAsReference(bytes(csvText(rows)), {
        fileName: 'lessons.csv',
        kind: 'stocktaking',
        batchSize,
      });
    }
  });

  it('checks every ISO3 field against the country reference, foreign key or not', async () => {
    const rows = [
      LESSON_HEADER,
      lesson('LES-1', 'JMDI1-X', { iso3: 'XXX' }),
      lesson('LES-2', 'JMDI1-X', { iso3: 'MDA' }),
    ];
    const result = await expectSameAsReference(bytes(csvText(rows)), {
      fileName: 'lessons.csv',
      kind: 'stocktaking',
    });
    expect(result?.summary.problems.map((problem) => problem.rule)).toEqual(['foreign-key']);
  });
});

describe('normaliseContractCsvFast eligibility', () => {
  const survey = csvText([SURVEY_HEADER, response()]);
  const cases: [string, Uint8Array][] = [
    ['a preamble above the header', bytes(`survey_response@1.0.0\n${survey}`)],
    [
      'HXL hashtags under the header',
      bytes(survey.replace('\n', `\n${SURVEY_HEADER.map(() => '#x').join(',')}\n`)),
    ],
    ['a ragged row', bytes(`${survey}a,b\n`)],
    ['bytes that are not UTF-8', Buffer.concat([bytes(survey), Buffer.from([0xff, 0x0a])])],
    ['UTF-16', Buffer.from(`\ufeff${survey}`, 'utf16le')],
    ['an unclosed quote', bytes(`${survey}"abc\n`)],
    ['a header that names no table', bytes('a,b,c\n1,2,3\n')],
    ['an empty file', bytes('')],
  ];
  for (const [what, data] of cases) {
    it(`leaves ${what} to the reference path`, async () => {
      const { result, reason } = await fastNormalise(data, { fileName: 'x.csv', kind: 'survey' });
      expect(result).toBeUndefined();
      expect(reason).toBeDefined();
    });
  }

  it('never changes the bytes it is given', async () => {
    const data = bytes(csvText([SURVEY_HEADER, response({ other_text: 'a "quoted" word' })]));
    const copy = Buffer.from(data);
    await fastNormalise(data, { fileName: 'x.csv', kind: 'survey' });
    expect(data.equals(copy)).toBe(true);
  });
});

describe('normaliseContractCsvFast on plausibility rules and number styles', () => {
  const PROJECT_HEADER = columnSpecs(contractForTable('jmdi_project')).map((spec) => spec.name);
  const project = (id: number, overrides: Record<string, string> = {}) => {
    const row: Record<string, string> = {
      project_id: `JMDI1-P-${id}`,
      title_en: 'Title',
      target_country_iso3: 'MDA',
      theme_primary: 'communities',
      selection_status: 'implemented',
      start_planned: '2010-01-01',
      end_planned: '2012-06-30',
      total_budget_amount: '180000',
      source_doc_id: 'DOC-x',
      source_locator: `row ${id}`,
      extraction_method: 'manual',
      confidence: 'low',
      ...overrides,
    };
    return PROJECT_HEADER.map((field) => row[field] ?? '');
  };

  it('quarantines impossible dates, an end before its start and a negative budget as the reference does', async () => {
    const rows = [
      PROJECT_HEADER,
      project(1),
      project(2, { start_planned: '1899-12-31' }),
      project(3, { end_planned: '2099-01-01' }),
      project(4, { start_planned: '2012-01-01', end_planned: '2011-01-01' }),
      project(5, { total_budget_amount: '-1' }),
      project(6),
    ];
    const result = await expectSameAsReference(bytes(csvText(rows)), {
      fileName: 'p.csv',
      kind: 'stocktaking',
    });
    expect(result?.summary.problems.map((problem) => [problem.locator, problem.rule])).toEqual([
      ['line 3', 'period-range'],
      ['line 4', 'period-range'],
      ['line 5', 'end-before-start'],
      ['line 6', 'negative-value'],
    ]);
  });

  it('holds back 1.500 in a file that writes a number with a comma, wherever the comma comes', async () => {
    // The comma cell before the slice of 2,048 rows that holds 1.500, in it, and after it (a second pass).
    for (const commaAt of [1, 5, 2090]) {
      const rows = [PROJECT_HEADER];
      for (let id = 1; id <= 2100; id += 1) {
        const budget = id === 10 ? '1.500' : id === commaAt ? '180000,50' : '180000';
        rows.push(project(id, { total_budget_amount: budget }));
      }
      const result = await expectSameAsReference(bytes(csvText(rows)), {
        fileName: 'p.csv',
        kind: 'stocktaking',
      });
      expect(result?.summary.problems.find((problem) => problem.locator === 'line 11')).toMatchObject({
        rule: 'decimal-style-conflict',
        field: 'total_budget_amount',
        value: '1.500',
      });
    }
  });

  it('reads 1.500 as 1.5 in a file whose numbers all use a point', async () => {
    const rows = [PROJECT_HEADER, project(1, { total_budget_amount: '1.500' }), project(2)];
    const result = await expectSameAsReference(bytes(csvText(rows)), {
      fileName: 'p.csv',
      kind: 'stocktaking',
    });
    expect(result?.summary.rowsAccepted).toBe(2);
  });
});
