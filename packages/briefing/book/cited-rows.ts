import { numbersOf, rangeBounds } from '#contracts/briefing/locator-ranges.ts';
import type { LocatorRange, SourceLink } from '#contracts/briefing/provenance.ts';

/**
 * The rows the book's statements link to, found again inside lineage ranges: a lineage page
 * lists an item's rows as ranges (`line 2 … line 22`), and a figure whose row lies inside one
 * still needs an element of its own to land on (its raw line, named). Indexed by document,
 * table and the text around each number of the locator, with the numbers sorted, so finding
 * the cited rows of a range is a binary search whatever the number of ranges.
 */
export class CitedRows {
  private readonly byPlace = new Map<string, number[]>();
  private sorted = true;

  /** Adds every statement source (`{ source_doc_id, table, locator }`) found anywhere in `value`. */
  addFrom(value: unknown): void {
    if (Array.isArray(value)) {
      for (const inner of value) this.addFrom(inner);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const record = value as Record<string, unknown>;
    if (
      typeof record.source_doc_id === 'string' &&
      typeof record.table === 'string' &&
      typeof record.locator === 'string'
    ) {
      this.add(record as unknown as Pick<SourceLink, 'source_doc_id' | 'table' | 'locator'>);
    }
    for (const inner of Object.values(record)) if (typeof inner === 'object') this.addFrom(inner);
  }

  add(link: Pick<SourceLink, 'source_doc_id' | 'table' | 'locator'>): void {
    for (const place of numbersOf(link.locator)) {
      const key = placeKey(link.source_doc_id, link.table, place.before, place.after);
      let values = this.byPlace.get(key);
      if (!values) {
        values = [];
        this.byPlace.set(key, values);
      }
      values.push(place.value);
      this.sorted = false;
    }
  }

  /** The cited locators inside a range of a document's rows, but its first (in order, once each). */
  within(docId: string, range: LocatorRange): string[] {
    const bounds = rangeBounds(range);
    if (!bounds) return [];
    if (!this.sorted) {
      for (const [key, values] of this.byPlace)
        this.byPlace.set(
          key,
          [...new Set(values)].sort((a, b) => a - b),
        );
      this.sorted = true;
    }
    const values = this.byPlace.get(placeKey(docId, range.table, bounds.before, bounds.after));
    if (!values) return [];
    let low = 0;
    let high = values.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (values[middle]! <= bounds.from) low = middle + 1;
      else high = middle;
    }
    const found: string[] = [];
    for (let at = low; at < values.length && values[at]! <= bounds.to; at += 1)
      found.push(`${bounds.before}${values[at]}${bounds.after}`);
    return found;
  }
}

function placeKey(docId: string, table: string, before: string, after: string): string {
  return `${docId}\u0000${table}\u0000${before}\u0000${after}`;
}
