import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { countryRecordsOf, countryTable, projectCountryRecords } from '#packages/formats/country-columns.ts';
import bundled from '../../../data-contracts/reference/country-codes.json' with { type: 'json' };

describe('bundled country data', () => {
  it('is exactly the used columns of the shipped country-codes.csv (regenerate both together)', async () => {
    const csv = await readFile(
      new URL('../../../data-contracts/reference/country-codes.csv', import.meta.url),
      'utf8',
    );
    const records = parse(csv, { columns: true, bom: true, skip_empty_lines: true }) as Record<
      string,
      string
    >[];

    expect(bundled).toEqual(countryTable(projectCountryRecords(records)));
    expect(countryRecordsOf(bundled)).toEqual(projectCountryRecords(records));
  });
});
