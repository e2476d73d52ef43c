import { type Data, type Table, Type } from 'apache-arrow';
import { ByteInterner } from './byte-interner.ts';
import { GroupByColumnError } from './group-by.ts';

/**
 * Row locators (`line 2`, `sheet "Data" row 5`, `/iati-activities/iati-activity[3]`) as a
 * template and a number, not one string per row: a locator is split at its last digit run that
 * holds a plain integer (no leading zero, at most 15 digits: what a locator range counts,
 * data-contracts/briefing/locator-ranges.ts) into the text before it, the integer and the text
 * after it. Templates are few (one per file layout), so a million rows cost a template code and
 * a number each; the text of a row is made only when something prints it. A locator without
 * such a run is a template of its own, with no number.
 */
export class LocatorCodes {
  /** Per row: its template (an index of `befores` and `afters`). */
  readonly template: Int32Array;
  /** Per row: the integer at the template's place, -1 when the template has none. */
  readonly number: Float64Array;

  /**
   * Per template: 1 when the text around its number holds no other plain integer (`line 2`,
   * not `line 7 column q2`), so its number is the only place a locator range could count at.
   */
  readonly onlyPlace: Uint8Array;
  readonly befores: readonly string[];
  readonly afters: readonly string[];

  constructor(
    template: Int32Array,
    number: Float64Array,
    befores: readonly string[],
    afters: readonly string[],
  ) {
    this.template = template;
    this.number = number;
    this.befores = befores;
    this.afters = afters;
    this.onlyPlace = Uint8Array.from(befores, (before, at) =>
      hasPlainInteger(before) || hasPlainInteger(afters[at]!) ? 0 : 1,
    );
  }

  get length(): number {
    return this.template.length;
  }

  /** The locator of a row, as the curated file holds it. */
  text(row: number): string {
    const template = this.template[row]!;
    const number = this.number[row]!;
    return number < 0
      ? this.befores[template]!
      : `${this.befores[template]!}${number}${this.afters[template]!}`;
  }
}

/** True when a text holds a digit run that is a plain integer (no leading zero, at most 15 digits). */
function hasPlainInteger(text: string): boolean {
  for (const match of text.matchAll(/\d+/g)) {
    if (match[0].length <= MAX_DIGITS && (match[0].length === 1 || match[0][0] !== '0')) return true;
  }
  return false;
}

const ZERO = 0x30;
const NINE = 0x39;
/** A plain integer has at most 15 digits (PLAIN_INTEGER of the locator-range contract). */
const MAX_DIGITS = 15;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Collects locators row by row (as UTF-8 bytes or as strings) into `LocatorCodes`. */
export class LocatorCodesBuilder {
  private template: Int32Array;
  private number: Float64Array;
  private rows = 0;
  private readonly befores: string[] = [];
  private readonly afters: string[] = [];
  /** Template keys: a flag byte (1: has a number), the before's length (4 bytes), before, after. */
  private readonly interner = new ByteInterner();
  private readonly templateOfId: number[] = [];
  private scratch = new Uint8Array(256);

  /** @param capacity rows expected (the arrays grow past it). */
  constructor(capacity = 1024) {
    this.template = new Int32Array(Math.max(1, capacity));
    this.number = new Float64Array(Math.max(1, capacity));
  }

  /** The next row's locator as UTF-8 bytes `[start, end)`. */
  addBytes(bytes: Uint8Array, start: number, end: number): void {
    // The last digit run holding a plain integer; ASCII digits never occur inside a UTF-8
    // sequence, so the byte runs are the string's runs.
    let runStart = -1;
    let runEnd = -1;
    for (let at = end - 1; at >= start; at -= 1) {
      if (bytes[at]! < ZERO || bytes[at]! > NINE) continue;
      let first = at;
      while (first > start && bytes[first - 1]! >= ZERO && bytes[first - 1]! <= NINE) first -= 1;
      const digits = at + 1 - first;
      if (digits <= MAX_DIGITS && (digits === 1 || bytes[first] !== ZERO)) {
        runStart = first;
        runEnd = at + 1;
        break;
      }
      at = first;
    }
    let value = -1;
    if (runStart >= 0) {
      value = 0;
      for (let at = runStart; at < runEnd; at += 1) value = value * 10 + (bytes[at]! - ZERO);
    }
    const beforeEnd = runStart >= 0 ? runStart : end;
    const afterStart = runStart >= 0 ? runEnd : end;
    const keyLength = 5 + (beforeEnd - start) + (end - afterStart);
    if (keyLength > this.scratch.length) this.scratch = new Uint8Array(keyLength * 2);
    const key = this.scratch;
    key[0] = runStart >= 0 ? 1 : 0;
    const beforeLength = beforeEnd - start;
    key[1] = beforeLength & 0xff;
    key[2] = (beforeLength >>> 8) & 0xff;
    key[3] = (beforeLength >>> 16) & 0xff;
    key[4] = (beforeLength >>> 24) & 0xff;
    // Byte by byte: a `subarray` view per row and part costs more than the copy (a million rows).
    let at = 5;
    for (let index = start; index < beforeEnd; index += 1) key[at++] = bytes[index]!;
    for (let index = afterStart; index < end; index += 1) key[at++] = bytes[index]!;
    const before = this.interner.size;
    const id = this.interner.intern(key, 0, keyLength);
    if (id === before) {
      this.templateOfId.push(this.befores.length);
      this.befores.push(decoder.decode(bytes.subarray(start, beforeEnd)));
      this.afters.push(decoder.decode(bytes.subarray(afterStart, end)));
    }
    this.push(this.templateOfId[id]!, value);
  }

  /** The next row's locator as a string. */
  addText(locator: string): void {
    const bytes = encoder.encode(locator);
    this.addBytes(bytes, 0, bytes.length);
  }

  private push(template: number, value: number): void {
    if (this.rows === this.template.length) {
      const template = new Int32Array(this.rows * 2);
      template.set(this.template);
      this.template = template;
      const number = new Float64Array(this.rows * 2);
      number.set(this.number);
      this.number = number;
    }
    this.template[this.rows] = template;
    this.number[this.rows] = value;
    this.rows += 1;
  }

  build(): LocatorCodes {
    return new LocatorCodes(
      this.template.slice(0, this.rows),
      this.number.slice(0, this.rows),
      this.befores,
      this.afters,
    );
  }
}

function isNull(data: Data, row: number): boolean {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return false;
  const index = data.offset + row;
  return ((data.nullBitmap[index >> 3] ?? 0) & (1 << (index & 7))) === 0;
}

/**
 * A Utf8 locator column over several tables (rows numbered across them in order) as codes,
 * read from the bytes without a string per row. A null or absent locator reads as
 * `String(undefined)`, as the row objects gave it. Throws GroupByColumnError when the column
 * is not Utf8.
 */
export function locatorCodes(tables: readonly Table[], name: string): LocatorCodes {
  const rows = tables.reduce((total, table) => total + table.numRows, 0);
  const builder = new LocatorCodesBuilder(rows);
  for (const table of tables) addLocators(builder, table, name);
  return builder.build();
}

/**
 * Adds the locators of one table's column `name` to `builder` (what `locatorCodes` does for each
 * of its tables), so that tables can be read one at a time. Throws GroupByColumnError when the
 * column is not Utf8.
 */
export function addLocators(builder: LocatorCodesBuilder, table: Table, name: string): void {
  const column = table.schema.fields.findIndex((field) => field.name === name);
  const field = column < 0 ? undefined : table.schema.fields[column]!;
  if (field && field.typeId !== Type.Utf8) {
    throw new GroupByColumnError(`Column '${name}' (${String(field.type)}) is not Utf8`);
  }
  for (const batch of table.batches) {
    if (column < 0) {
      for (let row = 0; row < batch.numRows; row += 1) builder.addText(String(undefined));
      continue;
    }
    const data = batch.getChildAt(column)!.data[0]!;
    const bytes = data.values as Uint8Array;
    const offsets = data.valueOffsets as Int32Array;
    for (let row = 0; row < batch.numRows; row += 1) {
      if (isNull(data, row)) builder.addText(String(undefined));
      else builder.addBytes(bytes, offsets[data.offset + row]!, offsets[data.offset + row + 1]!);
    }
  }
}
