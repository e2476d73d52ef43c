import type { BriefingLineage, LineageSource, LocatorRange } from './provenance.ts';

/**
 * Row locators in ranges: how an item's lineage names every row it rests on without one string
 * per row (briefing_item 3.0.0). A range is consecutive rows of one table of one file whose
 * locators differ in one number only, counting up by one: `line 2` … `line 22`,
 * `sheet "Data" row 5` … `sheet "Data" row 9`, `/iati-activities/iati-activity[3]` …
 * `[7]`. Expanding the ranges of a list gives that list back, row for row and in order; a list
 * is cut into as few ranges as it can be (no two neighbours could be joined).
 *
 * The rule is on the locator text alone, so a range reads without the snapshot and resolves to
 * raw lines as each of its locators would: a locator is split into its digit runs (maximal
 * runs of 0-9); a range's `first` and `last` have the same text around exactly one run, which
 * holds a plain integer in both (no leading zero, at most 15 digits), `first`'s below `last`'s.
 * The range names the locators with every integer from the one to the other at that place.
 * `last` is absent when the range is one row. Pure functions of the contract, no zod: the
 * builder, the readers (CLI, API, book) and the tests share them.
 */

/** Digit runs that can count in a range: a plain integer, no leading zero, safely incremented. */
const PLAIN_INTEGER = /^(?:0|[1-9]\d{0,14})$/;
/** The largest integer a range counts to (15 digits, as PLAIN_INTEGER allows). */
export const MAX_COUNT = 999_999_999_999_999;

/** A locator's number at one place: the text before it, the integer, the text after it. */
export interface NumberAt {
  readonly before: string;
  readonly value: number;
  readonly after: string;
}

/** Every digit run of a locator that holds a plain integer, with the text around it. */
export function numbersOf(locator: string): NumberAt[] {
  const found: NumberAt[] = [];
  for (const match of locator.matchAll(/\d+/g)) {
    if (!PLAIN_INTEGER.test(match[0])) continue;
    found.push({
      before: locator.slice(0, match.index),
      value: Number(match[0]),
      after: locator.slice(match.index + match[0].length),
    });
  }
  return found;
}

/** A range's counting place, or undefined when `first` and `last` do not make a range. */
function countingPlace(first: string, last: string): NumberAt | undefined {
  const ends = numbersOf(last);
  for (const start of numbersOf(first)) {
    const end = ends.find((at) => at.before === start.before && at.after === start.after);
    if (end && end.value > start.value) return start;
  }
  return undefined;
}

/** A range that breaks the rule above. */
export class LocatorRangeError extends Error {
  override readonly name = 'LocatorRangeError';
}

/** True when `range` is a range by the rule above (one row, or first and last counting apart). */
export function isLocatorRange(range: LocatorRange): boolean {
  return range.last === undefined || countingPlace(range.first, range.last) !== undefined;
}

/**
 * Where a range of more than one row counts, and from which integer to which (its locators are
 * `${before}${n}${after}` for n from `from` to `to`); undefined for one row.
 */
export function rangeBounds(
  range: LocatorRange,
):
  | { readonly before: string; readonly from: number; readonly to: number; readonly after: string }
  | undefined {
  if (range.last === undefined) return undefined;
  const place = countingPlace(range.first, range.last);
  if (!place)
    throw new LocatorRangeError(`${formatLocatorRange(range)} is not a range of one counting number`);
  const to = Number(range.last.slice(place.before.length, range.last.length - place.after.length));
  return { before: place.before, from: place.value, to, after: place.after };
}

/** How many rows a range names. */
export function rangeRows(range: LocatorRange): number {
  const bounds = rangeBounds(range);
  return bounds ? bounds.to - bounds.from + 1 : 1;
}

/** The locators a range names, in order. */
export function* expandLocatorRange(range: LocatorRange): Generator<string> {
  const bounds = rangeBounds(range);
  if (!bounds) {
    yield range.first;
    return;
  }
  for (let value = bounds.from; value <= bounds.to; value += 1)
    yield `${bounds.before}${value}${bounds.after}`;
}

/** Every row a list of ranges names (`{ table, locator }`), in order. */
export function* expandLocatorRanges(
  ranges: readonly LocatorRange[],
): Generator<{ readonly table: string; readonly locator: string }> {
  for (const range of ranges) {
    for (const locator of expandLocatorRange(range)) yield { table: range.table, locator };
  }
}

/** True when the range names the row (`table`, `locator`). */
export function rangeHolds(range: LocatorRange, table: string, locator: string): boolean {
  if (range.table !== table) return false;
  const bounds = rangeBounds(range);
  if (!bounds) return locator === range.first;
  if (!locator.startsWith(bounds.before) || !locator.endsWith(bounds.after)) return false;
  const digits = locator.slice(bounds.before.length, locator.length - bounds.after.length);
  if (!PLAIN_INTEGER.test(digits)) return false;
  const value = Number(digits);
  return value >= bounds.from && value <= bounds.to;
}

/** `survey_response line 2 … line 22` (or `<table> <locator>` for one row), as people read it. */
export function formatLocatorRange(range: LocatorRange): string {
  return range.last === undefined
    ? `${range.table} ${range.first}`
    : `${range.table} ${range.first} … ${range.last}`;
}

/**
 * Cuts a list of row locators into ranges as they come (`add` each row in order, then
 * `ranges()`): each row joins the open range when it is that range's next row, else opens a new
 * one. Taking the longest range each time gives the fewest ranges, since any stretch of a range
 * is a range too; no two neighbours can be joined.
 */
export class LocatorRangeList {
  private readonly list: LocatorRange[] = [];
  private table = '';
  private first = '';
  private last = '';
  /** The open range's counting place once it has two rows. */
  private counting: NumberAt | undefined;
  /** The numbers of the open range's first locator, read once it is asked for its next row. */
  private firstNumbers: NumberAt[] | undefined;
  private value = 0;
  private open = false;
  private added = 0;

  /** Rows added so far. */
  get rows(): number {
    return this.added;
  }

  /** The next row of the list. */
  add(table: string, locator: string): void {
    this.added += 1;
    if (this.open && table === this.table) {
      if (this.counting) {
        const next = `${this.counting.before}${this.value + 1}${this.counting.after}`;
        if (locator === next && this.value < MAX_COUNT) {
          this.value += 1;
          this.last = locator;
          return;
        }
      } else {
        this.firstNumbers ??= numbersOf(this.first);
        for (const place of this.firstNumbers) {
          if (place.value < MAX_COUNT && locator === `${place.before}${place.value + 1}${place.after}`) {
            this.counting = place;
            this.value = place.value + 1;
            this.last = locator;
            return;
          }
        }
      }
    }
    this.close();
    this.open = true;
    this.table = table;
    this.first = locator;
    this.last = locator;
    this.counting = undefined;
    this.firstNumbers = undefined;
  }

  private close(): void {
    if (!this.open) return;
    this.list.push(
      this.counting
        ? { table: this.table, first: this.first, last: this.last }
        : { table: this.table, first: this.first },
    );
    this.open = false;
  }

  /** The ranges of every row added so far. */
  ranges(): LocatorRange[] {
    this.close();
    return this.list;
  }
}

/** The ranges of a list of rows, as `LocatorRangeList` cuts them. */
export function locatorRanges(
  rows: Iterable<{ readonly table: string; readonly locator: string }>,
): LocatorRange[] {
  const list = new LocatorRangeList();
  for (const row of rows) list.add(row.table, row.locator);
  return list.ranges();
}

/** A lineage source as briefing_item 2.x stored it: one `<table> <locator>` string per row. */
interface StoredLineageSourceV2 {
  readonly locators: readonly string[];
}

/**
 * A stored item's lineage as the current contract reads it: a 2.x lineage (`locators`, one
 * `<table> <locator>` string per row; table names hold no space) is cut into ranges, so versions
 * published before 3.0.0 stay readable (rollback, `hld lineage --version`).
 */
export function lineageFromStored(lineage: BriefingLineage): BriefingLineage {
  if (lineage.sources.every((source) => Array.isArray(source.ranges))) return lineage;
  return {
    sources: lineage.sources.map((source) => {
      if (Array.isArray(source.ranges)) return source;
      const { locators, ...rest } = source as unknown as LineageSource & StoredLineageSourceV2;
      const rows = locators.map((text) => {
        const space = text.indexOf(' ');
        return { table: text.slice(0, space), locator: text.slice(space + 1) };
      });
      return { ...rest, ranges: locatorRanges(rows) };
    }),
  };
}
