import { describe, expect, it } from 'vitest';
import { emptySummary, validateRows, validateSource } from '#packages/contracts/validate.ts';
import { readSource } from '#packages/formats/index.ts';
import type { SourceKind } from '#packages/pipeline/events.ts';
import { fixtureBytes, readerInput } from '../formats/reader-input.ts';

/**
 * The three mis-attributions seen in issue 10, each as the user met it: a problem charged to a
 * neighbouring row quarantined a flawless row and let the faulty one through.
 */

async function check(kind: SourceKind, fileName: string, content: Uint8Array | string) {
  const read = await readSource(readerInput(kind, fileName, content));
  const summary = emptySummary();
  const accepted: string[] = [];
  for await (const row of validateRows(read, fileName, summary)) accepted.push(row.locator);
  const quarantined = [
    ...new Set(summary.problems.filter((p) => p.rule !== 'ignored-columns').map((p) => p.locator)),
  ];
  return { summary, accepted, quarantined };
}

describe('exact attribution (issue 10 regressions)', () => {
  it('Kobo: quarantines only the third respondent’s `maybe` answer, not the first respondent', async () => {
    // prepare: the third submission answers a select_one outside its codebook list
    const text = new TextDecoder().decode(fixtureBytes('kobo/kobo-plain.csv'));
    const lines = text.split('\n');
    const header = (lines[0] ?? '').split(',');
    const column = header.indexOf('capacity/labour_migration');
    const last = lines.findIndex((line) => line.startsWith('Bangladesh,'));
    const cells = (lines[last] ?? '').split(',');
    cells[column] = 'maybe';
    lines[last] = cells.join(',');
    const clean = await check('survey', 'kobo.csv', text);

    // act
    const { summary, accepted, quarantined } = await check('survey', 'kobo.csv', lines.join('\n'));

    // assess
    expect(summary.rowsQuarantined).toBe(1);
    expect(summary.rowsAccepted).toBe(clean.summary.rowsAccepted - 1);
    expect(quarantined).toEqual([`line ${last + 1} column capacity/labour_migration`]);
    expect(summary.problems.find((problem) => problem.locator === quarantined[0])).toMatchObject({
      table: 'survey_response',
      rule: 'unknown-choice',
      value: 'maybe',
    });
    // The first respondent and every one of its answers stay accepted.
    expect(accepted.filter((locator) => locator.startsWith('line 2'))).toEqual(
      clean.accepted.filter((locator) => locator.startsWith('line 2')),
    );
  });

  it('WDI: quarantines only the non-numeric cell’s observation, and says why', async () => {
    // prepare
    const text = new TextDecoder()
      .decode(fixtureBytes('statistics/wdi-remittances.csv'))
      .replace('"1351000000"', '"1.351bn"');
    const clean = await check('statistics', 'wdi.csv', fixtureBytes('statistics/wdi-remittances.csv'));

    // act
    const { summary, accepted, quarantined } = await check('statistics', 'wdi.csv', text);

    // assess
    expect(
      quarantined.filter(
        (locator) => !summary.problems.some((p) => p.locator === locator && p.rule === 'area-excluded'),
      ),
    ).toEqual(['line 8 column 2010']);
    expect(summary.rowsQuarantined).toBe(1);
    expect(summary.problems).toContainEqual(
      expect.objectContaining({
        locator: 'line 8 column 2010',
        field: 'value',
        rule: 'not-a-number',
        value: '1.351bn',
      }),
    );
    expect(accepted).toEqual(clean.accepted.filter((locator) => locator !== 'line 8 column 2010'));
  });

  it('IATI: a participating-org with neither ref nor name quarantines that partner, not the first activity', async () => {
    // prepare: two activities; the second names a partner by neither ref nor name
    const activity = (id: string, country: string, extraOrg: string) => `
 <iati-activity default-currency="EUR" xml:lang="en">
  <iati-identifier>${id}</iati-identifier>
  <title>Project ${id}</title>
  <activity-status code="2"/>
  <participating-org role="Funding" ref="XI-IATI-EC_DEVCO">European Commission</participating-org>
  ${extraOrg}
  <recipient-country code="${country}" percentage="100"/>
  <sector vocabulary="RO" code="communities"/>
 </iati-activity>`;
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="1.02">${activity('XM-1', 'MD', '')}${activity('XM-2', 'SN', '<participating-org role="Implementing" type="21"/>')}
</iati-activities>`;

    // act
    const { summary, accepted, quarantined } = await check('stocktaking', 'two.xml', xml);

    // assess
    expect(accepted).toEqual([
      '/iati-activities/iati-activity[1]',
      '/iati-activities/iati-activity[1]/participating-org[1]',
      '/iati-activities/iati-activity[2]',
      '/iati-activities/iati-activity[2]/participating-org[1]',
    ]);
    expect(quarantined).toEqual(['/iati-activities/iati-activity[2]/participating-org[2]']);
    expect(summary.problems).toContainEqual(
      expect.objectContaining({ table: 'jmdi_partner', rule: 'partner-unidentified', field: 'org_id' }),
    );
  });

  it('holds back the rows that depend on a quarantined row by key, naming the parent', async () => {
    // prepare: a pilot with an invalid phase, and a milestone of that pilot
    const json = JSON.stringify({
      pilot: [
        {
          pilot_id: 'MM-MDA-P1',
          iso3: 'MDA',
          programme: 'Mainstreaming Migration',
          phase: 'P9',
          participation_status: 'active',
          status_as_of: '2012-02-09',
          source_doc_id: 'DOC-t',
          source_locator: 'p.1',
          extraction_method: 'manual',
          confidence: 'high',
        },
      ],
      pilot_milestone: [
        {
          milestone_id: 'MM-MDA-P1-M01',
          pilot_id: 'MM-MDA-P1',
          milestone_type: 'scoping_mission',
          status: 'achieved',
          description_en: 'Scoping mission',
          source_doc_id: 'DOC-t',
          source_locator: 'p.2',
          extraction_method: 'manual',
          confidence: 'high',
        },
      ],
    });

    // act
    const summary = await validateSource(await readSource(readerInput('pilot', 'p.json', json)), 'p.json');

    // assess
    expect(summary.rowsQuarantined).toBe(2);
    expect(summary.problems.map((problem) => [problem.locator, problem.rule])).toEqual([
      ['$.pilot[0]', 'invalid_value'],
      ['$.pilot_milestone[0]', 'parent-quarantined'],
    ]);
    expect(summary.problems[1]?.message).toContain("pilot 'MM-MDA-P1' ($.pilot[0])");
  });
});
