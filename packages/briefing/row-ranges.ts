import { MAX_COUNT, type NumberAt, numbersOf } from '#contracts/briefing/locator-ranges.ts';
import type { LocatorRange } from '#contracts/briefing/provenance.ts';
import type { LocatorCodes } from '#packages/columnar/locator-codes.ts';

/**
 * Rows cut into locator ranges as they come, by the rule of `LocatorRangeList`
 * (data-contracts/briefing/locator-ranges.ts) and with the same ranges, but fed rows of a
 * table's `LocatorCodes` instead of locator strings: a row that carries on the open range at
 * its template's number (`line 3` after `line 2`) is recognised by its template code and number
 * alone, so lineage over a million rows makes a string only where a range begins or ends. Any
 * other row is compared as text, exactly as `LocatorRangeList` compares it.
 */
export class RowRangeList {
  private readonly list: LocatorRange[] = [];
  private table = '';
  private firstCodes: LocatorCodes | undefined;
  private firstRow = 0;
  private lastCodes: LocatorCodes | undefined;
  private lastRow = 0;
  /** The open range's counting place once it has two rows. */
  private counting: NumberAt | undefined;
  /** The range counts at its first row's template number (rows of `firstCodes` can carry it on by code). */
  private atTemplate = false;
  private firstNumbers: NumberAt[] | undefined;
  /** The open range's last integer at its counting place (before it has one: the first row's template number). */
  private value = 0;
  private open = false;
  private added = 0;

  /** Rows added so far. */
  get rows(): number {
    return this.added;
  }

  /** The next row: row `row` of a table (`table` as cited) whose locators are `codes`. */
  add(table: string, codes: LocatorCodes, row: number): void {
    this.added += 1;
    if (this.open && table === this.table) {
      if (codes === this.firstCodes && (this.counting === undefined || this.atTemplate)) {
        const number = codes.number[row]!;
        if (
          this.value >= 0 &&
          this.value < MAX_COUNT &&
          number === this.value + 1 &&
          codes.template[row] === codes.template[this.firstRow]
        ) {
          if (!this.counting) {
            const template = codes.template[row]!;
            this.counting = {
              before: codes.befores[template]!,
              value: this.value,
              after: codes.afters[template]!,
            };
            this.atTemplate = true;
          }
          this.value = number;
          this.lastCodes = codes;
          this.lastRow = row;
          return;
        }
      }
      // Within one set of codes a text has one template and number: when the open range can
      // count only at its template's number, the test above was the whole test.
      const settled =
        codes === this.firstCodes &&
        (this.atTemplate || (!this.counting && codes.onlyPlace[codes.template[this.firstRow]!] === 1));
      if (!settled && this.extendsAsText(codes.text(row))) {
        this.lastCodes = codes;
        this.lastRow = row;
        return;
      }
    }
    this.close();
    this.open = true;
    this.table = table;
    this.firstCodes = codes;
    this.firstRow = row;
    this.lastCodes = codes;
    this.lastRow = row;
    this.counting = undefined;
    this.atTemplate = false;
    this.firstNumbers = undefined;
    this.value = codes.number[row]!;
  }

  /** `LocatorRangeList`'s test on the text: the open range's next locator, at its counting place. */
  private extendsAsText(locator: string): boolean {
    if (this.counting) {
      if (this.value >= MAX_COUNT) return false;
      if (locator !== `${this.counting.before}${this.value + 1}${this.counting.after}`) return false;
      this.value += 1;
      return true;
    }
    this.firstNumbers ??= numbersOf(this.firstCodes!.text(this.firstRow));
    for (const place of this.firstNumbers) {
      if (place.value < MAX_COUNT && locator === `${place.before}${place.value + 1}${place.after}`) {
        this.counting = place;
        this.atTemplate = false;
        this.value = place.value + 1;
        return true;
      }
    }
    return false;
  }

  private close(): void {
    if (!this.open) return;
    const first = this.firstCodes!.text(this.firstRow);
    this.list.push(
      this.counting
        ? { table: this.table, first, last: this.lastCodes!.text(this.lastRow) }
        : { table: this.table, first },
    );
    this.open = false;
  }

  /** The ranges of every row added so far. */
  ranges(): LocatorRange[] {
    this.close();
    return this.list;
  }
}
