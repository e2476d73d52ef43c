import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  expandLocatorRanges,
  isLocatorRange,
  lineageFromStored,
  locatorRanges,
  rangeHolds,
  rangeRows,
} from '#contracts/briefing/locator-ranges.ts';
import type { BriefingLineage, LocatorRange } from '#contracts/briefing/provenance.ts';
import { propertyRuns } from './property-runs.ts';

/**
 * Lineage names every row an item rests on as locator ranges (briefing_item 3.0.0). Nothing may
 * be lost: the ranges expand to exactly the list of rows the item was built from, in order, and
 * the list is cut into as few ranges as it can be.
 */

type Row = { table: string; locator: string };

/** Locator shapes the readers write (csv.ts, kobo.ts, iati.ts, workbooks), and some that cannot count. */
const SHAPES: readonly ((n: number) => string)[] = [
  (n) => `line ${n}`,
  (n) => `sheet "Data 2011" row ${n}`,
  (n) => `/iati-activities/iati-activity[${n}]`,
  (n) => `line ${n} column q1`,
  (n) => `line 7 column q${n}`,
  (n) => `row 0${n}`, // a leading zero never counts
  (n) => `p.${n}-${n + 1}`,
  () => 'https://example.org/doc#summary',
];

/** Stretches of rows: consecutive, skipping some, repeated, or one row. */
const stretch = fc.record({
  table: fc.constantFrom('survey_response', 'jmdi_project'),
  shape: fc.integer({ min: 0, max: SHAPES.length - 1 }),
  start: fc.oneof(fc.integer({ min: 0, max: 120 }), fc.constant(999_999_999_999_990)),
  length: fc.integer({ min: 1, max: 15 }),
  step: fc.constantFrom(1, 1, 1, 2, 0, -1),
});

const rowList = fc
  .array(stretch, { maxLength: 12 })
  .map((stretches) =>
    stretches.flatMap(({ table, shape, start, length, step }) =>
      Array.from({ length }, (_, at) => ({ table, locator: SHAPES[shape]!(Math.max(0, start + at * step)) })),
    ),
  );

const expanded = (ranges: readonly LocatorRange[]): Row[] =>
  [...expandLocatorRanges(ranges)].map(({ table, locator }) => ({ table, locator }));

/** True when two ranges, one after the other, name the rows of one range (from the rule, not the cutter). */
function joinable(before: LocatorRange, after: LocatorRange): boolean {
  if (before.table !== after.table) return false;
  const joined = { table: before.table, first: before.first, last: after.last ?? after.first };
  if (!isLocatorRange(joined) || rangeRows(joined) !== rangeRows(before) + rangeRows(after)) return false;
  return JSON.stringify(expanded([joined])) === JSON.stringify(expanded([before, after]));
}

describe('locator ranges (lineage, briefing_item 3.0.0)', () => {
  it('expand to exactly the rows they were cut from, in order, and no two neighbours could be one range (property)', () => {
    fc.assert(
      fc.property(rowList, (rows) => {
        const ranges = locatorRanges(rows);

        expect(expanded(ranges)).toEqual(rows);
        // The 2.x list (`<table> <locator>` per row) is what the ranges name.
        expect(expanded(ranges).map((row) => `${row.table} ${row.locator}`)).toEqual(
          rows.map((row) => `${row.table} ${row.locator}`),
        );
        expect(ranges.reduce((sum, range) => sum + rangeRows(range), 0)).toBe(rows.length);
        for (const range of ranges) expect(isLocatorRange(range)).toBe(true);
        for (let at = 1; at < ranges.length; at += 1) {
          const [before, after] = [ranges[at - 1]!, ranges[at]!];
          expect(joinable(before, after), JSON.stringify([before, after])).toBe(false);
        }
      }),
      propertyRuns('locator ranges expand to the rows, minimal', 400),
    );
  });

  it('reads a 2.x lineage (one string per row) as the same ranges (property)', () => {
    fc.assert(
      fc.property(rowList, (rows) => {
        const stored = {
          sources: [
            {
              source_doc_id: 'DOC-a',
              file_sha256: 'a'.repeat(64),
              raw_key: 'raw/x/f.csv',
              tables: [...new Set(rows.map((row) => row.table))].sort(),
              rows: rows.length,
              locators: rows.map((row) => `${row.table} ${row.locator}`),
            },
          ],
        } as unknown as BriefingLineage;

        const read = lineageFromStored(stored);

        expect(read.sources[0]).not.toHaveProperty('locators');
        expect(read.sources[0]?.ranges).toEqual(locatorRanges(rows));
      }),
      propertyRuns('2.x lineage read as ranges', 100),
    );
  });

  it('names consecutive CSV lines in one range, and breaks it only where a line holds no row', () => {
    const lines = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, at) => ({
        table: 'survey_response',
        locator: `line ${from + at}`,
      }));
    // Line 50,000 was quarantined; line 70,001 was the second line of a quoted field.
    const rows = [...lines(2, 49_999), ...lines(50_001, 70_000), ...lines(70_002, 100_001)];

    const ranges = locatorRanges(rows);

    expect(ranges).toEqual([
      { table: 'survey_response', first: 'line 2', last: 'line 49999' },
      { table: 'survey_response', first: 'line 50001', last: 'line 70000' },
      { table: 'survey_response', first: 'line 70002', last: 'line 100001' },
    ]);
    expect(rangeHolds(ranges[0]!, 'survey_response', 'line 12345')).toBe(true);
    expect(rangeHolds(ranges[0]!, 'survey_response', 'line 50000')).toBe(false);
    expect(rangeHolds(ranges[0]!, 'survey_response', 'line 012345')).toBe(false);
    expect(rangeHolds(ranges[0]!, 'jmdi_project', 'line 12345')).toBe(false);
  });

  it('refuses a range whose ends do not count apart at one place', () => {
    expect(isLocatorRange({ table: 't', first: 'line 9', last: 'line 10' })).toBe(true);
    expect(isLocatorRange({ table: 't', first: 'line 10', last: 'line 9' })).toBe(false);
    expect(isLocatorRange({ table: 't', first: 'line 2 column q1', last: 'line 3 column q2' })).toBe(false);
    expect(isLocatorRange({ table: 't', first: 'row 01', last: 'row 09' })).toBe(false);
    expect(isLocatorRange({ table: 't', first: 'line 2', last: 'line 2' })).toBe(false);
  });
});
