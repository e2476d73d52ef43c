import { describe, expect, it } from 'vitest';
import {
  codebookFromCsv,
  codebookFromJson,
  defaultSurveyCodebook,
  isKoboHeader,
  isoDateTimeWithZone,
  readKoboCsv,
  type SurveyCodebook,
} from '#packages/formats/kobo.ts';
import { SourceRefusedError, type SourceRow } from '#packages/formats/reader.ts';
import { caught, collectRows, fixtureBytes, readerInput, readerProblems } from './reader-input.ts';

async function readFixture(name: string) {
  const result = await readKoboCsv(readerInput('survey', name, fixtureBytes(`kobo/${name}`)));
  return { result, rows: await collectRows(result) };
}

/** survey_response values without where they came from (the column differs between layouts). */
function responsesWithoutLocators(rows: readonly SourceRow[]) {
  return rows
    .filter((row) => row.table === 'survey_response')
    .map((row) => {
      const { source_locator: _where, ...values } = row.values;
      return values;
    });
}

const MDA = 'GMG-UNCT-2011:3f1e2a7c-8b1d-4c55-9a0e-0c1d2e3f4a51';
const JAM = 'GMG-UNCT-2011:7a0c9d55-1e2f-4b3a-8c4d-5e6f7a8b9c02';
const BGD = 'GMG-UNCT-2011:c2d4e6f8-0a1b-4c2d-9e3f-4a5b6c7d8e03';

describe('readKoboCsv', () => {
  it('turns each submission into one respondent with its UNCT, role, agency and submission time', async () => {
    // act
    const { result, rows } = await readFixture('kobo-plain.csv');
    const respondents = rows.filter((row) => row.table === 'survey_respondent');

    // assess
    expect(result.format).toBe('kobo-csv');
    expect(await readerProblems(result)).toEqual([]);
    expect(respondents.map((row) => row.values.respondent_id)).toEqual([MDA, JAM, BGD]);
    expect(respondents[0]).toEqual({
      table: 'survey_respondent',
      locator: 'line 2',
      values: {
        respondent_id: MDA,
        survey_id: 'GMG-UNCT-2011',
        unct_id: 'UNCT-MDA',
        iso3: 'MDA',
        respondent_role: 'resident_coordinator_office',
        agency_org_id: 'XM-DAC-41114',
        submitted_at: '2011-11-21T10:14:03Z',
        validation_status: 'validation_status_approved',
        source_row_ref: 'kobo-plain.csv line 2 (_index 1)',
        source_doc_id: 'DOC-test0001',
        source_locator: 'line 2',
        extraction_method: 'parser',
        confidence: 'high',
        extracted_at: '2013-06-01T12:00:00Z',
      },
    });
    expect(respondents.map((row) => [row.values.iso3, row.values.agency_org_id])).toEqual([
      ['MDA', 'XM-DAC-41114'],
      ['JAM', 'XM-DAC-47066'],
      ['BGD', 'XM-DAC-41302'],
    ]);
  });

  it('gives one tidy response per answered question, with codes, labels, numbers and the raw text', async () => {
    // act
    const { rows } = await readFixture('kobo-plain.csv');
    const mda = rows.filter((row) => row.table === 'survey_response' && row.values.respondent_id === MDA);
    const byQuestion = (name: string) =>
      mda.filter((row) => row.values.question_name === name).map((row) => row.values);

    // assess
    expect(mda).toHaveLength(20); // 19 questions, support_requested with two choices
    expect(byQuestion('capacity/labour_migration')).toEqual([
      expect.objectContaining({
        seq: 0,
        value_raw: 'partial',
        value_code: 'partial',
        value_label: 'Partly',
        is_other: false,
      }),
    ]);
    expect(byQuestion('joint_programmes_n')).toEqual([
      expect.objectContaining({ value_raw: '2', value_number: 2 }),
    ]);
    expect(byQuestion('comments')).toEqual([
      expect.objectContaining({ value_raw: 'MOMID launched 9 Nov 2011; "EMP" update\nplanned for 2012' }),
    ]);
    expect(byQuestion('comments')[0]).not.toHaveProperty('value_code');
    expect(mda.find((row) => row.values.question_name === 'agency')).toMatchObject({
      locator: 'line 2 column agency',
      values: {
        source_locator: 'line 2 column agency',
        source_doc_id: 'DOC-test0001',
        extraction_method: 'parser',
      },
    });
  });

  it('splits a select_multiple answer into one row per choice, in codebook order', async () => {
    // act
    const { rows } = await readFixture('kobo-plain.csv');
    const support = rows
      .filter((row) => row.values.question_name === 'support_requested')
      .map((row) => [
        row.values.respondent_id,
        row.values.seq,
        row.values.value_code,
        row.values.value_label,
      ]);

    // assess
    expect(support).toEqual([
      [MDA, 0, 'policy_advice', 'Policy advice'],
      [MDA, 1, 'training', 'Training'],
      [JAM, 0, 'evidence_data', 'Evidence and data'],
      [JAM, 1, 'funding', 'Funding'],
      [JAM, 2, 'tools_guidance', 'Tools and guidance'],
    ]);
  });

  it('treats the literal None and empty cells as unanswered', async () => {
    // act
    const { rows } = await readFixture('kobo-plain.csv');
    const bgdQuestions = rows
      .filter((row) => row.table === 'survey_response' && row.values.respondent_id === BGD)
      .map((row) => row.values.question_name);

    // assess
    expect(bgdQuestions).not.toContain('comments');
    expect(bgdQuestions).not.toContain('joint_programmes_n');
    expect(bgdQuestions).not.toContain('support_requested');
    expect(bgdQuestions).toContain('migration_focal_point');
  });

  it.each(['kobo-hxl-both.csv', 'kobo-details.csv', 'odk-central.csv'])(
    'reads %s (other dialect, layout and column order) into exactly the responses of the plain export',
    async (name) => {
      // prepare
      const plain = await readFixture('kobo-plain.csv');

      // act
      const other = await readFixture(name);

      // assess
      expect(await readerProblems(other.result)).toEqual([]);
      expect(responsesWithoutLocators(other.rows)).toEqual(responsesWithoutLocators(plain.rows));
      expect(
        other.rows.filter((row) => row.table === 'survey_respondent').map((row) => row.values.iso3),
      ).toEqual(['MDA', 'JAM', 'BGD']);
    },
  );

  it('drops the HXL row of a Kobo export and keeps its tags in the metadata', async () => {
    // act
    const { result, rows } = await readFixture('kobo-hxl-both.csv');

    // assess
    expect(result.metadata).toMatchObject({
      delimiter: ';',
      dialect: 'kobo',
      selectMultipleLayout: { support_requested: 'both' },
      hxlTags: { unct_country: '#country+name', agency: '#org+impl' },
    });
    expect(rows[0]?.locator).toBe('line 3');
    expect(rows[0]?.values.source_row_ref).toBe('kobo-hxl-both.csv line 3 (_index 1)');
  });

  it('keys ODK Central submissions by the uuid of their KEY and keeps the zone of SubmissionDate', async () => {
    // act
    const { result, rows } = await readFixture('odk-central.csv');

    // assess
    expect(result.metadata).toMatchObject({ dialect: 'odk', delimiter: ',' });
    expect(rows[0]?.values).toMatchObject({
      respondent_id: MDA,
      submitted_at: '2011-11-21T10:14:03.000Z',
      validation_status: 'approved',
      source_row_ref: 'odk-central.csv line 2',
    });
  });

  it('reports a select_multiple summary that disagrees with its 0/1 columns, naming both', async () => {
    // act
    const { result } = await readFixture('kobo-problems.csv');
    const problem = (await readerProblems(result)).find(
      (item) => item.rule === 'select-multiple-consistency',
    );

    // assess
    expect(problem).toMatchObject({
      table: 'survey_response',
      locator: 'line 3 column support_requested',
      rejectsRow: true,
    });
    expect(problem?.message).toContain("'policy_advice training'");
    expect(problem?.message).toContain("'policy_advice funding'");
  });

  it('reports a country it cannot resolve with the value and the nearest names', async () => {
    // act
    const { result, rows } = await readFixture('kobo-problems.csv');

    // assess
    expect(await readerProblems(result)).toContainEqual(
      expect.objectContaining({
        table: 'survey_respondent',
        locator: 'line 2',
        field: 'iso3',
        rule: 'country-unresolved',
        value: 'Moldavia',
        rejectsRow: true,
      }),
    );
    expect((await readerProblems(result)).find((item) => item.rule === 'country-unresolved')?.hint).toContain(
      'Moldova',
    );
    expect(rows[0]?.values).not.toHaveProperty('iso3');
  });

  it('reports a choice that is not in the codebook', async () => {
    // act
    const { result } = await readFixture('kobo-problems.csv');

    // assess
    expect(await readerProblems(result)).toContainEqual(
      expect.objectContaining({
        locator: 'line 4 column agency',
        rule: 'unknown-choice',
        value: 'who',
        rejectsRow: true,
      }),
    );
  });

  it('adds Z to a zone-less submission time and keeps an explicit offset', async () => {
    // act
    const { rows } = await readFixture('kobo-problems.csv');
    const times = rows
      .filter((row) => row.table === 'survey_respondent')
      .map((row) => row.values.submitted_at);

    // assess
    expect(times).toEqual(['2011-11-30T09:00:00Z', '2011-11-30T09:30:00+01:00', '2011-12-01T11:00:00Z']);
  });

  it('joins the rows of a repeat-group table to their submission by _submission__uuid', async () => {
    // act
    const { result, rows } = await readFixture('kobo-repeat-partners.csv');

    // assess
    const respondent = 'GMG-UNCT-2011:3f1e2a7c-8b1d-4c55-9a0e-0c1d2e3f4a51';
    expect(
      rows.map((row) => [
        row.table,
        row.values.respondent_id,
        row.values.question_name,
        row.values.seq,
        row.values.value_raw,
      ]),
    ).toEqual([
      ['survey_response', respondent, 'partner_name', 1, 'IOM Moldova'],
      ['survey_response', respondent, 'partner_type', 1, 'un'],
      ['survey_response', respondent, 'partner_name', 2, 'UNDP Moldova'],
      ['survey_response', respondent, 'partner_type', 2, 'un'],
    ]);
    expect(result.metadata.repeatRows).toBe(2);
  });

  it('joins repeat rows in the same export by _parent_index, and reports one whose parent is missing', async () => {
    // prepare
    const text = [
      '"unct_country";"_uuid";"_index";"_parent_index";"partner_name"',
      '"MDA";"9d8c7b6a-0000-4000-8000-000000000001";"1";"";""',
      '"";"";"1";"1";"IOM Moldova"',
      '"";"";"2";"7";"Orphan"',
    ].join('\r\n');

    // act
    const result = await readKoboCsv(readerInput('survey', 'joined.csv', new TextEncoder().encode(text)));
    const rows = await collectRows(result);

    // assess
    expect(
      rows
        .filter((row) => row.values.question_name === 'partner_name')
        .map((row) => [row.values.respondent_id, row.values.value_raw]),
    ).toEqual([['GMG-UNCT-2011:9d8c7b6a-0000-4000-8000-000000000001', 'IOM Moldova']]);
    expect(await readerProblems(result)).toContainEqual(
      expect.objectContaining({ rule: 'repeat-parent-unknown', locator: 'line 4', rejectsRow: true }),
    );
  });

  it('maps label headers and label values of a label-language export through the codebook', async () => {
    // prepare
    const text = [
      '"Country of the UN Country Team (ISO3 code or name)";"Agency of the respondent";"Which kinds of support would the UNCT request from the GMG?";"How strong is government demand for support in labour migration?";"_uuid"',
      '"Senegal";"UN Women";"Evidence and data Tools and guidance";"None";"9d8c7b6a-0000-4000-8000-000000000001"',
    ].join('\r\n');

    // act
    const result = await readKoboCsv(readerInput('survey', 'labels.csv', text));
    const rows = await collectRows(result);

    // assess
    expect(await readerProblems(result)).toEqual([]);
    expect(rows[0]?.values).toMatchObject({ iso3: 'SEN', agency_org_id: 'XM-DAC-41146' });
    expect(
      rows.slice(1).map((row) => [row.values.question_name, row.values.value_code, row.values.value_raw]),
    ).toEqual([
      ['unct_country', undefined, 'Senegal'],
      ['agency', 'unwomen', 'UN Women'],
      ['demand/labour_migration', 'none', 'None'],
      ['support_requested', 'evidence_data', 'Evidence and data'],
      ['support_requested', 'tools_guidance', 'Tools and guidance'],
    ]);
  });

  it('marks an "other" choice and carries the text of its _other column', async () => {
    // prepare
    const codebook: SurveyCodebook = codebookFromJson({
      survey_id: 'TEST-1',
      questions: [
        { type: 'text', name: 'unct_country' },
        { type: 'select_one partner or_other', name: 'partner' },
        { type: 'date', name: 'visit_date' },
      ],
      choices: [
        { list_name: 'partner', name: 'iom', label_en: 'IOM' },
        { list_name: 'partner', name: 'other', label_en: 'Other' },
      ],
    });
    const text =
      'unct_country,partner,partner_other,visit_date,_uuid\nMDA,other,Diaspora bureau,2012-07-19T00:00:00,u-1\nMDA,iom,,19/07/2012,u-2\n';

    // act
    const result = await readKoboCsv(readerInput('survey', 'other.csv', text), { codebook });
    const responses = (await collectRows(result)).filter((row) => row.table === 'survey_response');

    // assess
    expect(responses[1]?.values).toMatchObject({
      question_name: 'partner',
      value_code: 'other',
      is_other: true,
      other_text: 'Diaspora bureau',
    });
    expect(responses[2]?.values).toMatchObject({ question_name: 'visit_date', value_date: '2012-07-19' });
    expect(await readerProblems(result)).toEqual([
      expect.objectContaining({
        locator: 'line 3 column visit_date',
        rule: 'not-a-date',
        value: '19/07/2012',
        rejectsRow: true,
      }),
    ]);
  });

  it('refuses a CSV without submission metadata columns', async () => {
    // act
    const error = await caught(() =>
      readKoboCsv(readerInput('survey', 'x.csv', 'unct_country,agency\nMDA,undp\n')),
    );

    // assess
    expect(error).toBeInstanceOf(SourceRefusedError);
    expect(error.rule).toBe('unknown-columns');
    expect(error.message).toContain('_uuid');
  });
});

describe('isKoboHeader', () => {
  it.each([
    [['a', '_uuid'], true],
    [['meta/instanceID', 'a'], true],
    [['SubmissionDate', 'KEY'], true],
    [['meta-instanceID'], true],
    [['iso3', 'key'], false],
  ])('recognises %j as an export header: %s', (cells, expected) => {
    // act
    const result = isKoboHeader(cells);

    // assess
    expect(result).toBe(expected);
  });
});

describe('codebookFromCsv', () => {
  it('rebuilds group paths and list names from XLSForm-shaped CSV sheets', () => {
    // prepare
    const survey =
      'type,name,label::English (en),label::Français (fr)\ntext,unct_country,Country,Pays\nbegin_group,capacity,Capacity,\nselect_one has_capacity,labour_migration,Labour migration?,Migration de travail ?\nend_group,,,\nnote,intro,Thanks,\nselect_multiple support_type,support_requested,Support,\n';
    const choices =
      'list_name,name,label,maps_to_code\nhas_capacity,yes,Yes,\nsupport_type,training,Training,\n';

    // act
    const codebook = codebookFromCsv('GMG-UNCT-2011', survey, choices);

    // assess
    expect(codebook.questions).toEqual([
      { name: 'unct_country', type: 'text', label_en: 'Country' },
      {
        name: 'capacity/labour_migration',
        type: 'select_one',
        list_name: 'has_capacity',
        label_en: 'Labour migration?',
      },
      { name: 'intro', type: 'note', label_en: 'Thanks' },
      { name: 'support_requested', type: 'select_multiple', list_name: 'support_type', label_en: 'Support' },
    ]);
    expect(codebook.choices).toEqual([
      { list_name: 'has_capacity', name: 'yes', label_en: 'Yes' },
      { list_name: 'support_type', name: 'training', label_en: 'Training' },
    ]);
  });
});

describe('defaultSurveyCodebook', () => {
  it('loads the shipped GMG UNCT 2011 codebook', () => {
    // act
    const codebook = defaultSurveyCodebook();

    // assess
    expect(codebook.survey_id).toBe('GMG-UNCT-2011');
    expect(codebook.questions.find((question) => question.name === 'support_requested')).toMatchObject({
      type: 'select_multiple',
      list_name: 'support_type',
    });
  });

  it('refuses a codebook of the wrong shape', async () => {
    // act
    const error = await caught(() => codebookFromJson({ survey_id: 'X', questions: [{ name: 'a' }] }));

    // assess
    expect(error.rule).toBe('codebook');
  });
});

describe('isoDateTimeWithZone', () => {
  it.each([
    ['2011-11-21T10:14:03', '2011-11-21T10:14:03Z'],
    ['2011-11-21 10:14', '2011-11-21T10:14:00Z'],
    ['2011-11-21T10:14:03.5+0100', '2011-11-21T10:14:03.5+01:00'],
    ['2011-11-21T10:14:03Z', '2011-11-21T10:14:03Z'],
    ['yesterday', 'yesterday'],
  ])('writes %j as %j', (value, expected) => {
    // act
    const result = isoDateTimeWithZone(value);

    // assess
    expect(result).toBe(expected);
  });
});

describe('readKoboCsv: header columns', () => {
  it('refuses an export whose header names a column twice', async () => {
    // prepare
    const text = new TextDecoder()
      .decode(fixtureBytes('kobo/kobo-plain.csv'))
      .replace('respondent_role,', 'respondent_role,respondent_role_copy,')
      .replace('respondent_role_copy', 'agency');

    // act
    const error = await caught(() => readKoboCsv(readerInput('survey', 'kobo.csv', text)));

    // assess
    expect(error.rule).toBe('duplicate-header');
    expect(error.message).toContain("'agency' twice");
  });

  it('lists the columns it does not read in a notice', async () => {
    // prepare
    const text = new TextDecoder()
      .decode(fixtureBytes('kobo/kobo-plain.csv'))
      .replace('unct_country,', 'unct_country,interviewer_mood,')
      .replace(/\n(Republic of Moldova|JAM|Bangladesh),/g, '\n$1,fine,');

    // act
    const result = await readKoboCsv(readerInput('survey', 'kobo.csv', text));

    // assess
    expect(result.notices).toEqual([
      expect.objectContaining({
        rule: 'ignored-columns',
        message: expect.stringContaining("'interviewer_mood'"),
      }),
    ]);
  });
});
