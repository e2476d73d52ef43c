import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CountryItem } from '#contracts/briefing/item.ts';
import { buildBriefing } from '#packages/briefing/build.ts';
import type { CuratedRow, CuratedTables } from '#packages/briefing/model.ts';
import { buildBriefingFromRows } from '../../support/reference-briefing.ts';
import { propertyRuns } from '../contracts/property-runs.ts';

/**
 * A country all of whose rows are held back as key conflicts keeps its brief, which says why it
 * is empty: a conflict is shown as a conflict, never as an absence (trial 2026-12-03-c, finding
 * 1: adding the whole UN DESA extract and a Kobo XLSX beside the bundled files removed ARM, KGZ,
 * MEX, NPL, SRB and ZWE from the briefing, the API (404) and the book).
 */

const FILES = ['a', 'b'] as const;

/** One observation row of a statistics file (`a.csv` or `b.csv`), at the line given. */
function observation(file: (typeof FILES)[number], line: number, iso3: string, year: string): CuratedRow {
  const sha = file.repeat(64);
  return {
    row: {
      indicator_id: 'IMM_STOCK',
      ref_area_iso3: iso3,
      time_period: year,
      value: 1000 + line,
      unit: 'persons',
      sex: '_T',
      source: 'UNDESA_IMS',
      dataset_revision: 'POP/DB/MIG/Stock/Rev.2019',
    },
    ref: {
      table: 'observation',
      locator: `line ${line}`,
      file_sha256: sha,
      raw_key: `raw/statistics/${sha}/${file}.csv`,
      source_doc_id: 'DOC-undesa-ims-rev2019',
      confidence: 'high',
    },
  };
}

const countryItems = (tables: CuratedTables) =>
  buildBriefing(tables).filter((item): item is CountryItem => item.type === 'country');

/** Observation rows as `[file, line, ISO3, year]`. */
const tablesOf = (rows: readonly [(typeof FILES)[number], number, string, string][]): CuratedTables => ({
  observation: rows.map(([file, line, iso3, year]) => observation(file, line, iso3, year)),
});

/** The row-based oracle builds the same items, byte for byte. */
const expectOracleAgrees = (tables: CuratedTables) =>
  expect(JSON.stringify(buildBriefing(tables))).toBe(JSON.stringify(buildBriefingFromRows(tables)));

describe('a country whose every row is held back', () => {
  it('keeps its country item, with the held-back caveat and no figure', () => {
    // prepare: Armenia's only figure is claimed by two files; Moldova's is in one
    const tables = tablesOf([
      ['a', 2, 'ARM', '2019'],
      ['b', 7, 'ARM', '2019'],
      ['a', 3, 'MDA', '2019'],
    ]);

    // act
    const items = countryItems(tables);

    // assess
    expect(items.map((item) => item.id)).toEqual(['ARM', 'MDA']);
    const armenia = items[0]!;
    expect(armenia.body.context_figures).toEqual([]);
    expect(armenia.body.caveats).toEqual([
      'Held back [key-conflict]: observation IMM_STOCK / ARM / 2019 / _T / UNDESA_IMS / POP/DB/MIG/Stock/Rev.2019 is claimed by 2 files, a.csv (SHA-256 aaaaaaaaaaaa, line 2) and b.csv (SHA-256 bbbbbbbbbbbb, line 7); neither row is shown or counted until one file is corrected or withdrawn.',
    ]);
    expectOracleAgrees(tables);
  });

  it('says once, not once per key, that many keys of one country are claimed by the same files', () => {
    // prepare: the whole UN DESA extract beside the bundled subset claims 42 keys per country
    const tables = tablesOf([
      ['a', 2, 'ARM', '2010'],
      ['a', 3, 'ARM', '2015'],
      ['a', 4, 'ARM', '2019'],
      ['b', 10, 'ARM', '2010'],
      ['b', 11, 'ARM', '2015'],
      ['b', 12, 'ARM', '2019'],
    ]);

    // act
    const [armenia] = countryItems(tables);

    // assess
    expect(armenia!.body.caveats).toEqual([
      "Held back [key-conflict]: 3 observation keys are each claimed by 2 files with different rows, a.csv (SHA-256 aaaaaaaaaaaa) and b.csv (SHA-256 bbbbbbbbbbbb): IMM_STOCK / ARM / 2010 / _T / UNDESA_IMS / POP/DB/MIG/Stock/Rev.2019; IMM_STOCK / ARM / 2015 / _T / UNDESA_IMS / POP/DB/MIG/Stock/Rev.2019; IMM_STOCK / ARM / 2019 / _T / UNDESA_IMS / POP/DB/MIG/Stock/Rev.2019 (every key with its rows: the sources item's key_conflicts); none of these rows is shown or counted until one file is corrected or withdrawn.",
    ]);
    expectOracleAgrees(tables);
  });

  it('every country a row names has an item, its held-back keys named in one caveat (property)', () => {
    const countries = ['ARM', 'KGZ', 'MDA', 'NPL'];
    const rowArbitrary = fc.record({
      file: fc.constantFrom(...FILES),
      iso3: fc.constantFrom(...countries),
      year: fc.constantFrom('2010', '2015', '2019'),
    });
    fc.assert(
      fc.property(fc.array(rowArbitrary, { minLength: 1, maxLength: 12 }), (specs) => {
        // One file never states a key twice (validation quarantines that): keep the first.
        const seen = new Set<string>();
        const rows = specs
          .filter((spec) => {
            const key = `${spec.file}|${spec.iso3}|${spec.year}`;
            if (seen.has(key)) return false;
            seen.add(key);
            return true;
          })
          .map((spec, index) => observation(spec.file, index + 2, spec.iso3, spec.year));
        const tables: CuratedTables = { observation: rows };
        const items = countryItems(tables);
        const named = [...new Set(rows.map((row) => String(row.row.ref_area_iso3)))].sort();
        expect(items.map((item) => item.id)).toEqual(named);
        for (const item of items) {
          const claims = rows.filter((row) => row.row.ref_area_iso3 === item.id);
          const years = [...new Set(claims.map((row) => String(row.row.time_period)))];
          const held = years.filter(
            (year) =>
              new Set(claims.filter((row) => row.row.time_period === year).map((row) => row.ref.file_sha256))
                .size > 1,
          );
          // One caveat per country (both files claim every held key), never one per key.
          const caveats = item.body.caveats.filter((text) => text.startsWith('Held back [key-conflict]'));
          if (held.length === 0) expect(caveats).toEqual([]);
          else if (held.length === 1)
            expect(caveats).toEqual([
              expect.stringContaining(`observation IMM_STOCK / ${item.id} / ${held[0]} / _T`),
            ]);
          else
            expect(caveats).toEqual([
              expect.stringContaining(
                `${held.length} observation keys are each claimed by 2 files with different rows, a.csv`,
              ),
            ]);
        }
        expectOracleAgrees(tables);
      }),
      propertyRuns('held-back countries keep their item', 60),
    );
  });
});
