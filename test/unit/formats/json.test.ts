import { describe, expect, it } from 'vitest';
import { jsonErrorOffset, readContractJson, readContractNdjson } from '#packages/formats/json.ts';
import { SourceRefusedError } from '#packages/formats/reader.ts';
import { caught, collectRows, readerInput, readerProblems } from './reader-input.ts';

const PILOT = {
  pilot_id: 'MM-MDA-P1',
  iso3: 'MDA',
  programme: 'UNDP/IOM/GMG Mainstreaming Migration into National Development Strategies',
  phase: 'P1_2011_2013',
  participation_status: 'active',
  status_as_of: '2012-05-31',
  budget_amount: 963228,
  un_lead_org_ids: ['XM-DAC-47066'],
  source_doc_id: 'DOC-cc6a52daeb42',
  source_locator: 'p. 3',
  extraction_method: 'manual',
  confidence: 'high',
};

const MILESTONE = {
  milestone_id: 'MM-MDA-P1-M01',
  pilot_id: 'MM-MDA-P1',
  milestone_type: 'programme_launch',
  status: 'achieved',
  description_en: 'MOMID launched',
  source_doc_id: 'DOC-cc6a52daeb42',
  source_locator: 'p. 3',
  extraction_method: 'manual',
  confidence: 'high',
};

describe('readContractJson', () => {
  it('reads an object of tables with declared contract versions, locating rows by JSON path', async () => {
    // prepare
    const document = {
      contracts: { pilot: '1.0.0' },
      pilot: [PILOT, { ...PILOT, pilot_id: 'MM-JAM-P1', iso3: 'JAM', budget_amount: null }],
      pilot_milestone: [MILESTONE],
    };

    // act
    const result = await readContractJson(
      readerInput('pilot', 'pilots.json', JSON.stringify(document, null, 2)),
    );
    const rows = await collectRows(result);

    // assess
    expect(result.format).toBe('json');
    expect(result.declaredContracts).toEqual({ pilot: '1.0.0' });
    expect(rows.map((row) => [row.table, row.locator])).toEqual([
      ['pilot', '$.pilot[0]'],
      ['pilot', '$.pilot[1]'],
      ['pilot_milestone', '$.pilot_milestone[0]'],
    ]);
    expect(rows[0]?.values).toEqual(PILOT);
    expect(rows[1]?.values).not.toHaveProperty('budget_amount');
  });

  it('refuses a key that is not a table of the kind, listing the allowed tables', async () => {
    // prepare
    const document = { pilot: [PILOT], survey_response: [] };

    // act
    const error = await caught(() =>
      readContractJson(readerInput('pilot', 'pilots.json', JSON.stringify(document))),
    );

    // assess
    expect(error).toBeInstanceOf(SourceRefusedError);
    expect(error.rule).toBe('unknown-table');
    expect(error.message).toContain('survey_response');
    expect(error.hint).toContain('pilot, pilot_status, pilot_milestone');
  });

  it('reads a bare array, recognising each row’s table from its keys', async () => {
    // act
    const result = await readContractJson(
      readerInput('pilot', 'rows.json', JSON.stringify([MILESTONE, PILOT, { note: 'x' }])),
    );
    const rows = await collectRows(result);

    // assess
    expect(rows.map((row) => [row.table, row.locator])).toEqual([
      ['pilot_milestone', '$[0]'],
      ['pilot', '$[1]'],
      ['unrecognised', '$[2]'],
    ]);
    expect(await readerProblems(result)).toEqual([
      expect.objectContaining({ locator: '$[2]', rule: 'unknown-columns', rejectsRow: true }),
    ]);
  });

  it('refuses a bare array none of whose rows fits a table of the kind', async () => {
    // act
    const error = await caught(() =>
      readContractJson(readerInput('survey', 'rows.json', JSON.stringify([PILOT]))),
    );

    // assess
    expect(error.rule).toBe('unknown-columns');
    expect(error.message).toContain('survey');
  });

  it('reports an element that is not an object', async () => {
    // act
    const result = await readContractJson(
      readerInput('pilot', 'p.json', JSON.stringify({ pilot: [PILOT, 'MM-MDA-P1'] })),
    );

    // assess
    expect(await readerProblems(result)).toEqual([
      expect.objectContaining({ locator: '$.pilot[1]', rule: 'not-an-object', rejectsRow: true }),
    ]);
  });

  it('refuses malformed JSON with its line and column', async () => {
    // prepare
    const text = '{\n  "pilot": [\n    {"pilot_id": "MM-MDA-P1",}\n  ]\n}\n';

    // act
    const error = await caught(() => readContractJson(readerInput('pilot', 'pilots.json', text)));

    // assess
    expect(error).toBeInstanceOf(SourceRefusedError);
    expect(error.rule).toBe('malformed');
    expect(error.message).toContain('line 3, column 30');
    expect(error.locator).toBe('line 3');
  });
});

describe('parseJson', () => {
  it('refuses JSON nested deeper than any contract row, before walking it', async () => {
    // prepare
    const text = `{"pilot": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`;

    // act
    const error = await caught(() => readContractJson(readerInput('pilot', 'deep.json', text)));

    // assess
    expect(error).toBeInstanceOf(SourceRefusedError);
    expect(error.rule).toBe('malformed');
    expect(error.message).toContain('deeper than 64 levels');
  });
});

describe('readContractNdjson', () => {
  it('reads one row per line and locates rows by line, skipping blank lines', async () => {
    // prepare
    const text = `${JSON.stringify(PILOT)}\n\n${JSON.stringify(MILESTONE)}\r\n`;

    // act
    const result = await readContractNdjson(readerInput('pilot', 'rows.ndjson', text));
    const rows = await collectRows(result);

    // assess
    expect(result.format).toBe('ndjson');
    expect(rows.map((row) => [row.table, row.locator])).toEqual([
      ['pilot', 'line 1'],
      ['pilot_milestone', 'line 3'],
    ]);
  });

  it('refuses a line that is not JSON, naming its line', async () => {
    // prepare
    const text = `${JSON.stringify(PILOT)}\n${JSON.stringify(MILESTONE)}\n{"pilot_id": MM}\n`;

    // act
    const error = await caught(() => readContractNdjson(readerInput('pilot', 'rows.jsonl', text)));

    // assess
    expect(error.rule).toBe('malformed');
    expect(error.message).toContain('line 3, column 14');
  });
});

describe('jsonErrorOffset', () => {
  it.each([
    ['{"a": 1,}', 8],
    ['[1, 2', 5],
    ['{"a" 1}', 5],
    ['"abc', 4],
    ['[1] x', 4],
    ['nul', 0],
  ])('finds the error in %j at offset %i', (text, offset) => {
    // act
    const found = jsonErrorOffset(text);

    // assess
    expect(found).toBe(offset);
  });
});

describe('JSON keys that are not fields', () => {
  it('lists them in one notice per table instead of dropping them without a word', async () => {
    // act
    const result = await readContractJson(
      readerInput(
        'pilot',
        'p.json',
        JSON.stringify({
          pilot: [
            { ...PILOT, colour: 'red' },
            { ...PILOT, size: 3 },
          ],
        }),
      ),
    );

    // assess
    expect(result.notices).toEqual([
      expect.objectContaining({
        table: 'pilot',
        locator: '$.pilot[0]',
        rule: 'ignored-columns',
        message: expect.stringContaining("'colour', 'size'"),
      }),
    ]);
  });
});

describe('JSON fields named twice', () => {
  it('quarantines exactly the row object that names a field twice', async () => {
    // prepare: JSON.parse alone would keep the second title without a word
    const pilot = JSON.stringify(PILOT);
    const text = `{"pilot": [${pilot}, ${pilot.replace('{', '{"programme": "First", ').replace('MM-MDA-P1', 'MM-JAM-P1').replace('"MDA"', '"JAM"')}]}`;

    // act
    const problems = await readerProblems(await readContractJson(readerInput('pilot', 'p.json', text)));

    // assess
    expect(problems).toEqual([
      expect.objectContaining({
        locator: '$.pilot[1]',
        field: 'programme',
        rule: 'duplicate-field',
        rejectsRow: true,
      }),
    ]);
  });

  it('refuses a file that names a table twice at its top level', async () => {
    // act
    const error = await caught(() =>
      readContractJson(readerInput('pilot', 'p.json', `{"pilot": [], "pilot": [${JSON.stringify(PILOT)}]}`)),
    );

    // assess
    expect(error.rule).toBe('duplicate-field');
  });

  it('finds keys named twice in NDJSON lines, and none in strings that look like keys', async () => {
    // prepare
    const text = `${JSON.stringify({ ...MILESTONE, description_en: 'a "milestone_id": trap, {"x":1,"x":2}' })}\n${JSON.stringify(MILESTONE).replace('{', '{"status":"planned",')}\n`;

    // act
    const problems = await readerProblems(await readContractNdjson(readerInput('pilot', 'm.ndjson', text)));

    // assess
    expect(problems.filter((problem) => problem.rule === 'duplicate-field')).toEqual([
      expect.objectContaining({ locator: 'line 2', field: 'status' }),
    ]);
  });
});
