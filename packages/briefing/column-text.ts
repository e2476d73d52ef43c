import { groupRows } from '#packages/columnar/group-by.ts';
import type { ValueCodes } from './curated-tables.ts';

/**
 * Small pieces every item builder uses: a column read as text per dictionary code, stable sorts of
 * row numbers by text, and typed reads of row values (a curated row holds what its contract
 * allows: strings, numbers, booleans, lists of strings).
 */

/** Row numbers of one table. */
export type Rows = ArrayLike<number>;

/** A curated row as an object (only the columns asked for, absent values left out). */
export type Row = Readonly<Record<string, unknown>>;

/** Text order by UTF-16 code units (what `<` on strings gives), the order of every sorted list. */
export const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A non-empty string, else undefined. */
export const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

/** A string value as it is (empty included), else undefined. */
export const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** A number value, else undefined. */
export const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** A list value as strings; empty when absent. */
export const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** A list value as strings; undefined when absent. */
export const texts = (value: unknown): string[] | undefined =>
  Array.isArray(value) ? value.map(String) : undefined;

/** `String(value)` of a row's value, as the row objects gave it ('undefined' when absent). */
export class ColumnText {
  readonly codes: Int32Array;
  readonly values: readonly unknown[];
  /** Per code, shifted by one: index 0 is 'undefined' (the absent value). */
  readonly texts: readonly string[];
  constructor(column: ValueCodes) {
    this.codes = column.codes;
    this.values = column.values;
    this.texts = this.perCode(String);
  }
  /** The raw value of a row (undefined when absent). */
  value(row: number): unknown {
    const code = this.codes[row]!;
    return code < 0 ? undefined : this.values[code];
  }
  text(row: number): string {
    return this.texts[this.codes[row]! + 1]!;
  }
  /** Per code (shifted by one: index 0 is the absent value), what `compute` gives for the value. */
  perCode<T>(compute: (value: unknown) => T): T[] {
    // One array filled in place: not a mapped copy spread into another (250k distinct ids).
    const values = this.values;
    const out = new Array<T>(values.length + 1);
    out[0] = compute(undefined);
    for (let code = 0; code < values.length; code += 1) out[code + 1] = compute(values[code]);
    return out;
  }
}

/** Rows 0 … n-1 in a stable order of `String(value)` (UTF-16 code units, as `byText`). */
export function sortedByText(column: ColumnText): Int32Array {
  // Rank the distinct values once, then a counting sort of the rows by rank (stable).
  const texts = column.texts;
  const distinct = Array.from(texts.keys()).sort((a, b) => byText(texts[a]!, texts[b]!));
  const rank = new Int32Array(texts.length);
  let current = -1;
  distinct.forEach((code, position) => {
    if (position === 0 || texts[code] !== texts[distinct[position - 1]!]) current += 1;
    rank[code] = current;
  });
  const ranks = new Int32Array(column.codes.length);
  for (let row = 0; row < ranks.length; row += 1) ranks[row] = rank[column.codes[row]! + 1]!;
  return groupRows(ranks, current + 1).rows;
}

/** Rows in a stable order of precomputed keys. */
export function sortedByKeys(keys: readonly string[]): number[] {
  return Array.from(keys.keys()).sort((a, b) => byText(keys[a]!, keys[b]!));
}
