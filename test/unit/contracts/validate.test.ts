import { describe, expect, it } from 'vitest';
import { emptySummary, validateRows, validateSource } from '#packages/contracts/validate.ts';
import { type SourceReadResult, SourceRefusedError, type SourceRow } from '#packages/formats/reader.ts';

const provenance = { source_doc_id: 'DOC-t', extraction_method: 'manual', confidence: 'high' } as const;
const pilot = (id: string, iso3: string, locator: string): SourceRow => ({
  table: 'pilot',
  locator,
  values: {
    pilot_id: id,
    iso3,
    programme: 'Mainstreaming Migration',
    phase: 'P1_2011_2013',
    participation_status: 'active',
    status_as_of: '2012-02-09',
    source_locator: 'p.1',
    ...provenance,
  },
});
const milestone = (id: string, pilotId: string, locator: string): SourceRow => ({
  table: 'pilot_milestone',
  locator,
  values: {
    milestone_id: id,
    pilot_id: pilotId,
    milestone_type: 'scoping_mission',
    status: 'achieved',
    description_en: 'Scoping mission',
    source_locator: 'p.2',
    ...provenance,
  },
});

function read(rows: SourceRow[], declaredContracts: Record<string, string> = {}): SourceReadResult {
  return { format: 'json', declaredContracts, rows, notices: [], metadata: {} };
}

describe('validateRows', () => {
  it('names the file, row, field, rule and value of every problem', async () => {
    const bad = pilot('MM-MDA-P1', 'MDA', '$.pilot[0]');
    const summary = await validateSource(
      read([{ ...bad, values: { ...bad.values, phase: 'P9' } }]),
      'pilots.json',
    );

    expect(summary.rowsQuarantined).toBe(1);
    expect(summary.problems[0]).toMatchObject({
      file: 'pilots.json',
      table: 'pilot',
      locator: '$.pilot[0]',
      field: 'phase',
      rule: 'invalid_value',
      value: 'P9',
    });
    expect(summary.problems[0]?.hint).toContain('P1_2011_2013');
  });

  it('refuses an unknown country code with a foreign-key problem', async () => {
    const summary = await validateSource(read([pilot('MM-XXX-P1', 'XXX', '$.pilot[0]')]), 'pilots.json');

    expect(summary.problems[0]).toMatchObject({ field: 'iso3', rule: 'foreign-key', value: 'XXX' });
  });

  it('quarantines the second row with a duplicate primary key and points at the first', async () => {
    const summary = await validateSource(
      read([pilot('MM-MDA-P1', 'MDA', '$.pilot[0]'), pilot('MM-MDA-P1', 'MDA', '$.pilot[1]')]),
      'pilots.json',
    );

    expect(summary).toMatchObject({ rowsAccepted: 1, rowsQuarantined: 1 });
    expect(summary.problems[0]).toMatchObject({ locator: '$.pilot[1]', rule: 'duplicate-key' });
    expect(summary.problems[0]?.message).toContain('$.pilot[0]');
  });

  it('accepts a child whose parent comes later in the file, and refuses one whose parent is missing', async () => {
    const summary = emptySummary();
    const accepted = [];
    for await (const row of validateRows(
      read([
        milestone('MM-MDA-P1-M01', 'MM-MDA-P1', '$.pilot_milestone[0]'),
        milestone('MM-JAM-P1-M01', 'MM-JAM-P1', '$.pilot_milestone[1]'),
        pilot('MM-MDA-P1', 'MDA', '$.pilot[0]'),
      ]),
      'pilots.json',
      summary,
    )) {
      accepted.push(row.locator);
    }

    expect(accepted.sort()).toEqual(['$.pilot[0]', '$.pilot_milestone[0]']);
    expect(summary.problems).toContainEqual(
      expect.objectContaining({ locator: '$.pilot_milestone[1]', field: 'pilot_id', rule: 'foreign-key' }),
    );
  });

  it('refuses a file that declares another major version of a contract, naming the expected one', async () => {
    const refused = validateSource(
      read([pilot('MM-MDA-P1', 'MDA', '$.pilot[0]')], { pilot: '2.0.0' }),
      'pilots.json',
    );

    await expect(refused).rejects.toBeInstanceOf(SourceRefusedError);
    await expect(refused).rejects.toThrow(/pilot@2\.0\.0.*pilot@1\.1\.0/);
  });
});
