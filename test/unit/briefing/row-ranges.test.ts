import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  expandLocatorRange,
  expandLocatorRanges,
  isLocatorRange,
  LocatorRangeList,
  rangeRows,
} from '#contracts/briefing/locator-ranges.ts';
import type { LocatorRange } from '#contracts/briefing/provenance.ts';
import { RowRangeList } from '#packages/briefing/row-ranges.ts';
import { type LocatorCodes, LocatorCodesBuilder, locatorCodes } from '#packages/columnar/locator-codes.ts';
import { propertyRuns } from '../contracts/property-runs.ts';

/**
 * Lineage cuts an item's rows into locator ranges from each table's locator codes (a template
 * and a number per row) instead of one string per row. The ranges must be exactly those the
 * contract's rule gives for the locator texts: checked against a naive cutter that tries each
 * row as the open range's last and keeps it when the range names exactly the rows so far.
 */

type Row = { table: string; locator: string };

/** Locator shapes the readers write, some with two numbers, and some that cannot count. */
const SHAPES: readonly ((n: number) => string)[] = [
  (n) => `line ${n}`,
  (n) => `sheet "Data 2011" row ${n}`,
  (n) => `/iati-activities/iati-activity[${n}]`,
  (n) => `line ${n} column q1`,
  (n) => `line 7 column q${n}`,
  (n) => `row 0${n}`, // a leading zero never counts
  (n) => `p.${n}-${n + 1}`,
  (n) => `ligne ${n} « é »`,
  () => 'https://example.org/doc#summary',
];

const stretch = fc.record({
  table: fc.constantFrom('survey_response', 'jmdi_project'),
  shape: fc.integer({ min: 0, max: SHAPES.length - 1 }),
  start: fc.oneof(
    fc.integer({ min: 0, max: 120 }),
    fc.constant(9),
    fc.constant(999_999_999_999_990),
    fc.constant(9_999_999_999_999_990),
  ),
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

/** The rule read naively: a row joins the open range when the range to it names exactly the rows so far. */
function naiveRanges(rows: readonly Row[]): LocatorRange[] {
  const ranges: LocatorRange[] = [];
  let open: { table: string; first: string; rows: string[] } | undefined;
  const close = () => {
    if (!open) return;
    ranges.push(
      open.rows.length === 1
        ? { table: open.table, first: open.first }
        : { table: open.table, first: open.first, last: open.rows.at(-1)! },
    );
  };
  for (const { table, locator } of rows) {
    if (open && open.table === table) {
      const candidate = { table, first: open.first, last: locator };
      if (
        isLocatorRange(candidate) &&
        rangeRows(candidate) === open.rows.length + 1 &&
        JSON.stringify([...expandLocatorRange(candidate)]) === JSON.stringify([...open.rows, locator])
      ) {
        open.rows.push(locator);
        continue;
      }
    }
    close();
    open = { table, first: locator, rows: [locator] };
  }
  close();
  return ranges;
}

/** Locator codes of some texts, read from Arrow bytes (two files of one table) or from strings. */
function codesOf(locators: readonly string[], fromArrow: boolean): LocatorCodes {
  if (fromArrow) {
    const half = locators.length >> 1;
    const file = (texts: readonly string[]) =>
      new Table({ _locator: vectorFromArray([...texts], new Utf8()) });
    return locatorCodes([file(locators.slice(0, half)), file(locators.slice(half))], '_locator');
  }
  const builder = new LocatorCodesBuilder();
  for (const locator of locators) builder.addText(locator);
  return builder.build();
}

describe('RowRangeList (lineage from locator codes)', () => {
  it('cuts rows into the ranges the naive rule and LocatorRangeList give, from codes read either way (property)', () => {
    fc.assert(
      fc.property(rowList, fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), (rows, picks) => {
        // Each table's rows are held by two code sets (Arrow bytes and strings), in reverse
        // order; each row is fed from one of them, as rows of two sets of one table would be.
        const holders = new Map<
          string,
          { arrow: LocatorCodes; text: LocatorCodes; row: Map<number, number> }
        >();
        for (const table of new Set(rows.map((row) => row.table))) {
          const positions = rows.flatMap((row, at) => (row.table === table ? [at] : [])).reverse();
          const texts = positions.map((at) => rows[at]!.locator);
          holders.set(table, {
            arrow: codesOf(texts, true),
            text: codesOf(texts, false),
            row: new Map(positions.map((at, index) => [at, index])),
          });
        }
        const list = new RowRangeList();
        rows.forEach((row, at) => {
          const holder = holders.get(row.table)!;
          list.add(row.table, picks[at % picks.length] ? holder.arrow : holder.text, holder.row.get(at)!);
        });
        const ranges = list.ranges();

        expect(ranges).toEqual(naiveRanges(rows));
        const strings = new LocatorRangeList();
        for (const row of rows) strings.add(row.table, row.locator);
        expect(ranges).toEqual(strings.ranges());
        expect([...expandLocatorRanges(ranges)]).toEqual(rows);
        expect(list.rows).toBe(rows.length);
      }),
      propertyRuns('row ranges from locator codes equal the naive rule', 400),
    );
  });

  it('gives back every locator from its codes, null locators as the row objects read them', () => {
    const texts = ['line 2', 'row 007', 'x[3] y 12 z', 'ligne 9 « é »', '', '12', 'line 999999999999999999'];
    const file = new Table({ _locator: vectorFromArray([...texts, null], new Utf8()) });

    const codes = locatorCodes([file], '_locator');

    expect(Array.from({ length: codes.length }, (_, row) => codes.text(row))).toEqual([
      ...texts,
      'undefined',
    ]);
    expect(codes.number[0]).toBe(2);
    expect(codes.number[1]).toBe(-1);
    expect(codes.number[2]).toBe(12);
  });
});
