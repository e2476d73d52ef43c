import { describe, expect, it } from 'vitest';
import { contractForTable } from '#contracts/registry.ts';
import type { SourceKind } from '#contracts/source-kinds.ts';
import { createSourceReader } from '#packages/formats/index.ts';
import type { SourceReadResult, SourceRow } from '#packages/formats/reader.ts';
import { collectRows, fixtureBytes, readerInput, readerProblems } from './reader-input.ts';
import { workbookBytes } from './workbook.ts';

/** Contract issues of every row that the reader did not itself reject. */
async function contractIssues(result: SourceReadResult): Promise<{ rows: SourceRow[]; issues: string[] }> {
  const rows = await collectRows(result);
  const rejected = new Set(
    (await readerProblems(result)).filter((problem) => problem.rejectsRow).map((problem) => problem.locator),
  );
  const issues: string[] = [];
  for (const row of rows) {
    if (rejected.has(row.locator)) continue;
    const parsed = contractForTable(row.table).schema.safeParse(row.values);
    if (!parsed.success) {
      issues.push(
        `${row.table} ${row.locator}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`,
      );
    }
  }
  return { rows, issues };
}

const read = createSourceReader({ statistics: { source: 'WB_KNOMAD_BILAT', revision: 'KNOMAD-bilat-2013' } });

describe('rows of every reader against the data contracts', () => {
  it.each([
    ['survey', 'kobo/kobo-plain.csv', ['survey_respondent', 'survey_response']],
    ['survey', 'kobo/kobo-hxl-both.csv', ['survey_respondent', 'survey_response']],
    ['survey', 'kobo/odk-central.csv', ['survey_respondent', 'survey_response']],
    ['survey', 'kobo/kobo-problems.csv', ['survey_respondent', 'survey_response']],
    ['stocktaking', 'iati/undp-2013-v102.xml', ['jmdi_project', 'jmdi_partner', 'jmdi_result']],
    [
      'stocktaking',
      'iati/activity-standard-example-annotated.xml',
      ['jmdi_project', 'jmdi_partner', 'jmdi_result'],
    ],
    ['statistics', 'statistics/wdi-remittances.csv', ['observation']],
    ['statistics', 'statistics/sdmx-1.0.csv', ['observation']],
  ] as const)('%s file %s gives valid rows of its tables', async (kind, fixture, tables) => {
    // act
    const result = await read(
      readerInput(kind as SourceKind, fixture.split('/').pop() ?? fixture, fixtureBytes(fixture)),
    );
    const { rows, issues } = await contractIssues(result);

    // assess
    expect(issues).toEqual([]);
    expect([...new Set(rows.map((row) => row.table))].sort()).toEqual([...tables].sort());
  });

  it('SDMX-CSV 2.0 with a given source gives valid bilateral observations', async () => {
    // act
    const result = await read(
      readerInput('statistics', 'knomad.csv', fixtureBytes('statistics/sdmx-2.0-semicolon.csv')),
    );
    const { rows, issues } = await contractIssues(result);

    // assess
    expect(issues).toEqual([]);
    expect(rows.every((row) => row.values.counterpart_iso3 !== undefined)).toBe(true);
  });

  it('a UN DESA workbook gives valid observations', async () => {
    // prepare
    const bytes = await workbookBytes([
      {
        name: 'Table 1',
        rows: [
          ['Table 1. International migrant stock at mid-year'],
          ['Suggested citation: United Nations (2013), POP/DB/MIG/Stock/Rev.2013'],
          ['Sort order', 'Country code', 'Type of data (a)', 2010, 2013],
          [1, 900, '', 220729300, 231522215],
          [2, 498, 'B', 129488, '..'],
        ],
      },
    ]);

    // act
    const { rows, issues } = await contractIssues(await read(readerInput('statistics', 'desa.xlsx', bytes)));

    // assess
    expect(issues).toEqual([]);
    expect(rows.map((row) => row.values.value)).toEqual([129488, null]);
  });

  it('a contract CSV of observations keeps .. as null in the nullable value', async () => {
    // prepare
    const text =
      'indicator_id,ref_area_iso3,time_period,value,unit,source,dataset_revision\nIMM_STOCK,MDA,2010,129488,persons,UNDESA_IMS,POP/DB/MIG/Stock/Rev.2019\nIMM_STOCK,MDA,2013,..,persons,UNDESA_IMS,POP/DB/MIG/Stock/Rev.2019\n';

    // act
    const result = await read(readerInput('statistics', 'observations.csv', text));
    const { rows, issues } = await contractIssues(result);

    // assess
    expect(result.format).toBe('csv');
    expect(issues).toEqual([]);
    expect(rows.map((row) => row.values.value)).toEqual([129488, null]);
  });

  it('leaves NA as absent and an unreadable number as text, for the contract to report', async () => {
    // act
    const { issues } = await contractIssues(
      await read(readerInput('pilot', 'pilots.csv', fixtureBytes('csv/pilots-semicolon-hxl.csv'))),
    );

    // assess
    expect(issues).toEqual([
      expect.stringMatching(/^pilot line 8: participation_status /),
      expect.stringMatching(/^pilot line 9: budget_amount Invalid input: expected number, received string/),
    ]);
  });
});
