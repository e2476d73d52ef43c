import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Problem } from '#packages/contracts/problems.ts';
import { emptySummary, validateRows } from '#packages/contracts/validate.ts';
import { countryReference } from '#packages/formats/countries.ts';
import { readContractCsv } from '#packages/formats/csv.ts';
import { readIatiXml } from '#packages/formats/iati.ts';
import { defaultSurveyCodebook, readKoboCsv } from '#packages/formats/kobo.ts';
import type { SourceReadResult, SourceRow } from '#packages/formats/reader.ts';
import { readSdmxCsv } from '#packages/formats/statistics.ts';
import { csvText } from '../csv-engine/csv-text.ts';
import { koboAnswer } from '../formats/kobo-answers.ts';
import { collectRows, fixtureBytes, readerInput } from '../formats/reader-input.ts';
import { propertyRuns } from './property-runs.ts';

/**
 * One cause, one problem: when a reader reports why a row is wrong (an unresolved country, a row
 * whose cells do not line up with the header), the contract's complaints about the fields that
 * follow from it (`iso3`, `unct_id` "is required but missing") are not reported again. The row is
 * still quarantined.
 */

async function validated(read: SourceReadResult, fileName: string) {
  const rows = await collectRows(read);
  const summary = emptySummary();
  const accepted: string[] = [];
  for await (const row of validateRows({ ...read, rows }, fileName, summary)) accepted.push(row.locator);
  return { rows, accepted, summary };
}

const at = (problems: readonly Problem[], locator: string) =>
  problems.filter((problem) => problem.locator === locator).map((problem) => problem.rule);

describe('one cause, one problem', () => {
  it('Kobo: an unresolved country (Moldavia) is one problem naming file, row, field and rule', async () => {
    // act
    const { summary, accepted } = await validated(
      await readKoboCsv(readerInput('survey', 'kobo-problems.csv', fixtureBytes('kobo/kobo-problems.csv'))),
      'kobo-problems.csv',
    );

    // assess
    expect(summary.problems.filter((problem) => problem.locator === 'line 2')).toEqual([
      expect.objectContaining({
        file: 'kobo-problems.csv',
        table: 'survey_respondent',
        locator: 'line 2',
        field: 'iso3',
        rule: 'country-unresolved',
        value: 'Moldavia',
      }),
    ]);
    expect(accepted).not.toContain('line 2');
  });

  it('Kobo: one problem per submission with an unresolvable country, naming it; good submissions unaffected', async () => {
    const codebook = defaultSurveyCodebook();
    const questions = codebook.questions.filter((question) => question.type !== 'note');
    const countries = countryReference();
    const unresolvable = fc
      .stringMatching(/^[A-Z][a-z]{2,9}(ia|land|stan)?$/)
      .filter((name) => !countries.resolve(name).ok);
    const country = fc.oneof(
      fc.constantFrom('Republic of Moldova', 'JAM', 'Bangladesh', 'SEN', 'Philippines').map((name) => ({
        name,
        bad: false,
      })),
      unresolvable.map((name) => ({ name, bad: true })),
    );
    const others = questions.filter((question) => question.name !== 'unct_country');
    const submission = fc.record({
      country,
      cells: fc.tuple(...others.map((question) => koboAnswer(codebook, question))),
    });
    const header = ['unct_country', ...others.map((question) => question.name), '_uuid', '_index'];

    await fc.assert(
      fc.asyncProperty(fc.array(submission, { minLength: 1, maxLength: 6 }), async (submissions) => {
        // prepare
        const text = csvText([
          header,
          ...submissions.map((item, index) => [
            item.country.name,
            ...item.cells,
            `0f1e2d3c-0000-4000-8000-0000000000${String(index).padStart(2, '0')}`,
            String(index + 1),
          ]),
        ]);

        // act
        const { rows, accepted, summary } = await validated(
          await readKoboCsv(readerInput('survey', 'k.csv', text)),
          'k.csv',
        );

        // assess
        submissions.forEach((item, index) => {
          const line = `line ${index + 2}`;
          const ofSubmission = rows.filter(
            (row) => row.locator === line || row.locator.startsWith(`${line} column `),
          );
          if (!item.country.bad) {
            expect(at(summary.problems, line)).toEqual([]);
            for (const row of ofSubmission) expect(accepted).toContain(row.locator);
            return;
          }
          const own = summary.problems.filter((problem) => problem.locator === line);
          expect(own).toEqual([
            expect.objectContaining({
              table: 'survey_respondent',
              field: 'iso3',
              rule: 'country-unresolved',
              value: item.country.name,
            }),
          ]);
          // Each answer row of the submission is held back with one problem naming it.
          for (const answerRow of ofSubmission.filter((row: SourceRow) => row.locator !== line)) {
            const rowsHere = ofSubmission.filter((row) => row.locator === answerRow.locator).length;
            expect(at(summary.problems, answerRow.locator)).toEqual(
              Array(rowsHere).fill('parent-quarantined'),
            );
            expect(accepted).not.toContain(answerRow.locator);
          }
        });
      }),
      propertyRuns('one cause, one problem: Kobo country', 25),
    );
  });

  describe('IATI: the reader’s problem only, not the contract’s restatement of it', () => {
    const activity = (body: string) =>
      `<?xml version="1.0"?>\n<iati-activities version="2.03">\n<iati-activity default-currency="EUR">\n<iati-identifier>XM-DAC-41114-1</iati-identifier>\n<title><narrative>T</narrative></title>\n${body}\n</iati-activity>\n</iati-activities>\n`;
    const theme = '<tag vocabulary="99" code="communities"/>';
    const project = '/iati-activities/iati-activity[1]';

    it.each([
      [
        'an unresolved recipient country',
        `<recipient-country code="Moldavia"/>${theme}`,
        project,
        'country-unresolved',
      ],
      ['no recipient country', theme, project, 'country-missing'],
      ['no JMDI theme', '<recipient-country code="MD"/>', project, 'theme-missing'],
      [
        'an unknown organisation role',
        `<recipient-country code="MD"/>${theme}<participating-org ref="XM-1" role="9"/>`,
        `${project}/participating-org[1]`,
        'unknown-org-role',
      ],
      [
        'a partner with neither ref nor name',
        `<recipient-country code="MD"/>${theme}<participating-org role="1"/>`,
        `${project}/participating-org[1]`,
        'partner-unidentified',
      ],
    ])('%s', async (_what, body, locator, rule) => {
      // act
      const { summary, accepted } = await validated(
        await readIatiXml(readerInput('stocktaking', 'a.xml', activity(body))),
        'a.xml',
      );

      // assess
      expect(at(summary.problems, locator)).toEqual([rule]);
      expect(accepted).not.toContain(locator);
    });
  });

  it('SDMX: an unknown unit and a cell that is not a number are one problem each', async () => {
    // prepare
    const text = [
      'DATAFLOW,FREQ,REF_AREA,SERIES,SEX,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,UNIT_MULT,OBS_STATUS',
      'UN:DF_SDG_GLH(1.11),A,498,SM_POP_TOTL,_T,2010,129488,FOO,0,A',
      'UN:DF_SDG_GLH(1.11),A,498,SM_POP_TOTL,_T,2011,abc,NUMBER,0,A',
      'UN:DF_SDG_GLH(1.11),A,498,SM_POP_TOTL,_T,2012,129500,NUMBER,0,A',
    ].join('\n');

    // act
    const { summary, accepted } = await validated(
      await readSdmxCsv(readerInput('statistics', 'sdg.csv', text)),
      'sdg.csv',
    );

    // assess
    expect(at(summary.problems, 'line 2')).toEqual(['unit-unknown']);
    expect(at(summary.problems, 'line 3')).toEqual(['not-a-number']);
    expect(accepted).toEqual(['line 4']);
  });

  it('CSV stock-taking: a row whose cells do not line up with the header is one column-count problem', async () => {
    // prepare
    const lines = readFileSync(
      new URL('../../../data-contracts/samples/stocktaking/jmdi-projects.csv', import.meta.url),
      'utf8',
    ).split('\n');
    const good = lines[1] ?? '';
    const short = good
      .replace('JMDI1-MIGR-2008-101', 'JMDI1-MIGR-2008-109')
      .split(',')
      .slice(0, 10)
      .join(',');
    const text = [lines[0], good, short].join('\n');

    // act
    const { summary, accepted } = await validated(
      await readContractCsv(readerInput('stocktaking', 'projects.csv', text)),
      'projects.csv',
    );

    // assess
    expect(at(summary.problems, 'line 3')).toEqual(['column-count']);
    expect(accepted).toEqual(['line 2']);
  });
});
