import type { z } from 'zod';
import { ByteInterner } from '#packages/columnar/byte-interner.ts';
import { coerceCell } from '#packages/formats/contract-tables.ts';
import { isCommaNumber, isGroupingLikePoint } from '#packages/formats/numbers.ts';
import {
  type BoolColumnOutput,
  type ColumnOutput,
  type DictionaryColumnOutput,
  daysOf,
  type ListColumnOutput,
  type NumberColumnOutput,
  type TimestampColumnOutput,
  type Utf8ColumnOutput,
} from './arrow-output.ts';
import type { EnumCheck, FieldPlan, Filler, StringCheck } from './contract-plan.ts';
import { cellText } from './csv-tokenizer.ts';
import type { PrimaryKeySet } from './primary-keys.ts';
import { equalsAsciiIgnoreCase, isAscii, trimEnd, trimStart, utf16Length } from './text-bytes.ts';

/**
 * One contract field of the rows of a block: `scan` checks every cell of the column and stages
 * its value (typed arrays, byte spans into the block, dictionary indices); `appendRows` copies
 * the staged values of the accepted rows into the batch's Arrow buffers.
 *
 * A cell the compiled check passes is staged FAST. Any other cell goes through the field's zod
 * schema, exactly as the reference does (reader conversion, provenance filler, zod): its output is
 * staged GENERIC, or its issues are reported as a failure of the row.
 */

const NULL = 0;
const FAST = 1;
/** Row states the engine reads: no value, and a value passed by the compiled check. */
export const NULL_STATE = NULL;
export const FAST_STATE = FAST;
const GENERIC = 2;
const CONSTANT = 3;
const LOCATOR = 4;

const PIPE = 0x7c;
const UPPER_N = 0x4e;
const UPPER_A = 0x41;

/** The cells of one block, as the columns read them. */
export interface BlockView {
  readonly bytes: Uint8Array;
  /** The same bytes as a Buffer, for decoding. */
  readonly buffer: Buffer;
  /** The same bytes as a DataView, for copying four at a time. */
  readonly view: DataView;
  readonly cellStart: Int32Array;
  readonly cellEnd: Int32Array;
  /** Cell index of the first cell of each data row. */
  readonly rowBase: Int32Array;
  readonly rowLine: Int32Array;
  readonly rows: number;
}

/** A cell zod rejected: the issues (paths relative to the field) and the reader's value. */
export interface FieldFailure {
  readonly field: string;
  readonly issues: readonly z.core.$ZodIssue[];
  readonly readerValue: unknown;
}

export interface FailureSink {
  fail(row: number, failure: FieldFailure): void;
  /**
   * A number cell written with a comma (`12,5`), or one that reads as a decimal but may be
   * thousands-grouped (`1.500`): the reader judges the second by the first (formats/numbers.ts).
   */
  noteNumberStyle(row: number, field: FieldPlan, kind: 'comma' | 'grouping', text?: string): void;
}

type ExactResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly issues: readonly z.core.$ZodIssue[]; readonly readerValue: unknown };

const EXACT_CACHE_LIMIT = 4096;
/** Distinct date or time texts remembered per column (then the memory starts again). */
const TEMPORAL_CACHE_LIMIT = 1 << 16;
const MISSING_KEY = '\u0000missing';

/** Bytes `[start, end)` equal bytes `[otherStart, otherEnd)` of the same array. */
function sameBytes(
  bytes: Uint8Array,
  start: number,
  end: number,
  otherStart: number,
  otherEnd: number,
): boolean {
  if (end - start !== otherEnd - otherStart) return false;
  for (let index = 0; index < end - start; index += 1) {
    if (bytes[start + index] !== bytes[otherStart + index]) return false;
  }
  return true;
}

/** `isMissingCell` on bytes: empty after `trim()`, or `NA`. */
export function isMissingBytes(bytes: Uint8Array, start: number, end: number): boolean {
  if (start === end) return true;
  const first = bytes[start]!;
  if (first > 0x20 && first < 0x80 && first !== UPPER_N) return false;
  const from = trimStart(bytes, start, end);
  if (from === end) return true;
  const to = trimEnd(bytes, from, end);
  return to - from === 2 && bytes[from] === UPPER_N && bytes[from + 1] === UPPER_A;
}

function growInt(array: Int32Array<ArrayBuffer>, needed: number): Int32Array<ArrayBuffer> {
  return needed <= array.length ? array : new Int32Array(Math.max(needed, array.length * 2));
}

function growFloat(array: Float64Array<ArrayBuffer>, needed: number): Float64Array<ArrayBuffer> {
  return needed <= array.length ? array : new Float64Array(Math.max(needed, array.length * 2));
}

const encoder = new TextEncoder();

export abstract class FieldColumn {
  /** Per row of the block: NULL, FAST, GENERIC, CONSTANT or LOCATOR. */
  state = new Uint8Array(1024);
  /** Some row of the block holds a value that did not come from the compiled check. */
  unsure = false;
  protected readonly generic = new Map<number, unknown>();
  private readonly exactCache = new Map<string, ExactResult>();
  /** Output of a missing cell when it is the same for every row (a default or a filler). */
  protected constant: unknown;
  protected missingState = NULL;
  protected block!: BlockView;
  readonly plan: FieldPlan;
  /** Where accepted rows are appended; undefined when the file is only validated. */
  readonly output: ColumnOutput | undefined;
  protected readonly filler: Filler | undefined;
  protected readonly failures: FailureSink;

  constructor(
    plan: FieldPlan,
    output: ColumnOutput | undefined,
    filler: Filler | undefined,
    failures: FailureSink,
  ) {
    this.plan = plan;
    this.output = output;
    this.filler = filler;
    this.failures = failures;
    if (filler?.kind === 'locator') {
      this.missingState = this.locatorPasses() ? LOCATOR : -1;
    } else if (filler?.kind === 'constant') {
      const result = plan.schema.safeParse(filler.value);
      this.missingState = result.success ? CONSTANT : -1;
      if (result.success) this.constant = result.data;
    } else if (plan.absent.ok) {
      this.constant = plan.absent.value;
      this.missingState = this.constant === undefined ? NULL : CONSTANT;
    } else {
      this.missingState = -1;
    }
  }

  /** Check and stage the column's cells (`column` is the cell position, -1 when absent). */
  scan(block: BlockView, column: number): void {
    this.block = block;
    if (this.state.length < block.rows)
      this.state = new Uint8Array(Math.max(block.rows, this.state.length * 2));
    this.generic.clear();
    this.unsure = false;
    this.prepare(block.rows);
    if (column < 0) {
      for (let row = 0; row < block.rows; row += 1) this.missing(row);
      return;
    }
    this.scanCells(block, column);
  }

  protected abstract prepare(rows: number): void;
  protected abstract scanCells(block: BlockView, column: number): void;
  /** Append the staged value of a FAST row to the output. */
  protected abstract appendFast(row: number): void;
  /** The output value of a FAST row (what zod returned for it). */
  protected abstract fastValue(row: number): unknown;

  /**
   * Why the output column cannot hold this row's value (the reference writer would throw on it),
   * or undefined. Only dictionary and timestamp columns can refuse a value.
   */
  unwritable(row: number): string | undefined {
    const state = this.state[row];
    if (state === FAST) return this.fastUnwritable(row);
    if (state === GENERIC || state === CONSTANT) return this.cannotWrite(this.valueOf(row));
    return undefined;
  }

  /** Whether `unwritable` can ever answer. */
  get guarded(): boolean {
    return false;
  }

  protected fastUnwritable(_row: number): string | undefined {
    return undefined;
  }

  protected cannotWrite(_value: unknown): string | undefined {
    return undefined;
  }

  protected missing(row: number): void {
    const state = this.missingState;
    if (state === NULL) this.state[row] = NULL;
    else if (state > 0) {
      this.state[row] = state;
      this.unsure = true;
    } else this.exact(row, undefined);
  }

  /** Decide a cell the way the reference does: reader conversion, provenance filler, zod. */
  protected exact(row: number, text: string | undefined): void {
    const key = text ?? MISSING_KEY;
    const perRow = text === undefined && this.filler?.kind === 'locator';
    let result = perRow ? undefined : this.exactCache.get(key);
    if (!result) {
      let readerValue =
        text === undefined
          ? this.plan.nullable
            ? null
            : undefined
          : coerceCell(text, this.plan.readerType, this.plan.nullable);
      if (readerValue === undefined && this.filler) {
        readerValue = this.filler.kind === 'constant' ? this.filler.value : `line ${this.block.rowLine[row]}`;
      }
      const parsed = this.plan.schema.safeParse(readerValue);
      result = parsed.success
        ? { ok: true, value: parsed.data }
        : { ok: false, issues: parsed.error.issues, readerValue };
      if (!perRow) {
        if (this.exactCache.size >= EXACT_CACHE_LIMIT) this.exactCache.clear();
        this.exactCache.set(key, result);
      }
    }
    if (result.ok) {
      if (result.value === undefined) this.state[row] = NULL;
      else {
        this.state[row] = GENERIC;
        this.generic.set(row, result.value);
        this.unsure = true;
      }
    } else {
      this.state[row] = NULL;
      this.failures.fail(row, {
        field: this.plan.name,
        issues: result.issues,
        readerValue: result.readerValue,
      });
    }
  }

  protected text(start: number, end: number): string {
    return this.block.buffer.toString('utf8', start, end);
  }

  /** The value zod returns for this row's cell (undefined for an absent one). */
  valueOf(row: number): unknown {
    switch (this.state[row]) {
      case FAST:
        return this.fastValue(row);
      case GENERIC:
        return this.generic.get(row);
      case CONSTANT:
        return this.constant;
      case LOCATOR:
        return `line ${this.block.rowLine[row]}`;
      default:
        return undefined;
    }
  }

  /** The cell holds a value (the reference's `row[field] !== undefined`). */
  present(row: number): boolean {
    return this.state[row] !== NULL;
  }

  /** Whether zod's output for this row came from the compiled check (FAST). */
  isFast(row: number): boolean {
    return this.state[row] === FAST;
  }

  /** Set key part `part` to `String(value ?? '')` of this row. */
  setKeyPart(keys: PrimaryKeySet, part: number, row: number): void {
    if (this.state[row] === FAST && this.setFastKeyPart(keys, part, row)) return;
    const value = this.valueOf(row);
    const bytes = encoder.encode(String(value ?? ''));
    keys.setPart(part, bytes, 0, bytes.length);
  }

  /** Key part of a FAST row straight from the bytes; false when the generic route must be used. */
  protected setFastKeyPart(_keys: PrimaryKeySet, _part: number, _row: number): boolean {
    return false;
  }

  /** Append the values of rows `rows[from]` … `rows[to - 1]` to the output column. */
  abstract appendRows(rows: Int32Array, from: number, to: number): void;

  /** Append a row that is not FAST. */
  protected appendOther(row: number, state: number): void {
    switch (state) {
      case NULL:
        this.output!.appendNull();
        break;
      case GENERIC:
        this.output!.appendValue(this.generic.get(row));
        break;
      case CONSTANT:
        this.appendConstant();
        break;
      case LOCATOR:
        (this.output as Utf8ColumnOutput).appendAsciiNumber('line ', this.block.rowLine[row]!);
        break;
      default:
        this.appendFast(row);
    }
  }

  protected appendConstant(): void {
    this.output!.appendValue(this.constant);
  }

  private locatorPasses(): boolean {
    const check = this.plan.check;
    return (
      this.plan.spec.type.kind === 'utf8' &&
      check?.kind === 'string' &&
      check.patterns.length === 0 &&
      check.minLength <= 6 &&
      check.maxLength >= 16
    );
  }
}

/**
 * A string check on bytes `[start, end)`: the value's span (trimmed when the check trims) or
 * undefined when zod must decide. `decode` is only called when a pattern must be tested.
 */
function checkString(
  check: StringCheck,
  bytes: Uint8Array,
  start: number,
  end: number,
  decode: (start: number, end: number) => string,
): boolean {
  const length = end - start;
  // UTF-16 length ≤ UTF-8 bytes ≤ 3 × UTF-16 length (4-byte sequences are 2 units).
  if (length > check.maxLength && utf16Length(bytes, start, end) > check.maxLength) return false;
  if (
    check.minLength > 0 &&
    length < 3 * check.minLength &&
    utf16Length(bytes, start, end) < check.minLength
  ) {
    return false;
  }
  if (check.patterns.length > 0) {
    const text = decode(start, end);
    for (const pattern of check.patterns) if (!pattern.test(text)) return false;
  }
  return true;
}

/** Utf8 columns (free text, identifiers, open vocabularies). */
export class Utf8FieldColumn extends FieldColumn {
  private spanStart = new Int32Array(1024);
  private spanEnd = new Int32Array(1024);
  private readonly decode = (start: number, end: number) => this.text(start, end);

  protected prepare(rows: number): void {
    this.spanStart = growInt(this.spanStart, rows);
    this.spanEnd = growInt(this.spanEnd, rows);
  }

  protected scanCells(block: BlockView, column: number): void {
    const { bytes, cellStart, cellEnd, rowBase, rows } = block;
    const check = this.plan.check;
    const state = this.state;
    const spanStart = this.spanStart;
    const spanEnd = this.spanEnd;
    const enumLookup = check?.kind === 'enum' ? this.plan.enumLookup : undefined;
    const stringCheck = check?.kind === 'string' ? check : undefined;
    const trim = stringCheck?.trim === true;
    const simple =
      stringCheck !== undefined && !trim && stringCheck.patterns.length === 0 && stringCheck.minLength <= 1;
    const maxLength = stringCheck?.maxLength ?? 0;
    for (let row = 0; row < rows; row += 1) {
      const cell = rowBase[row]! + column;
      let start = cellStart[cell]!;
      let end = cellEnd[cell]!;
      if (end < 0) {
        this.exact(row, cellText(block.buffer, start, end));
        continue;
      }
      if (isMissingBytes(bytes, start, end)) {
        this.missing(row);
        continue;
      }
      if (simple) {
        // A present cell is never empty; only a long one needs its UTF-16 length.
        if (end - start > maxLength && utf16Length(bytes, start, end) > maxLength) {
          this.exact(row, this.text(start, end));
          continue;
        }
      } else if (stringCheck) {
        const rawStart = start;
        const rawEnd = end;
        if (trim) {
          start = trimStart(bytes, start, end);
          end = trimEnd(bytes, start, end);
        }
        if (!checkString(stringCheck, bytes, start, end, this.decode)) {
          this.exact(row, this.text(rawStart, rawEnd));
          continue;
        }
      } else if (!enumLookup || enumLookup.find(bytes, start, end) < 0) {
        this.exact(row, this.text(start, end));
        continue;
      }
      state[row] = FAST;
      spanStart[row] = start;
      spanEnd[row] = end;
    }
  }

  protected appendFast(row: number): void {
    (this.output as Utf8ColumnOutput).appendBytes(this.block.bytes, this.spanStart[row]!, this.spanEnd[row]!);
  }

  appendRows(rows: Int32Array, from: number, to: number): void {
    const output = this.output as Utf8ColumnOutput;
    const state = this.state;
    const spanStart = this.spanStart;
    const spanEnd = this.spanEnd;
    const bytes = this.block.bytes;
    const view = this.block.view;
    let total = 0;
    for (let index = from; index < to; index += 1) {
      const row = rows[index]!;
      if (state[row] === FAST) total += spanEnd[row]! - spanStart[row]!;
    }
    output.reserve(to - from, total);
    for (let index = from; index < to; index += 1) {
      const row = rows[index]!;
      const rowState = state[row]!;
      if (rowState === FAST) {
        output.pushBytes(bytes, view, spanStart[row]!, spanEnd[row]!);
        total -= spanEnd[row]! - spanStart[row]!;
      } else {
        this.appendOther(row, rowState);
        // That value took room of its own: keep room for the FAST values still to come.
        output.reserve(to - index, total);
      }
    }
  }

  private constantBytes: Uint8Array | undefined;

  protected override appendConstant(): void {
    this.constantBytes ??= encoder.encode(String(this.constant));
    (this.output as Utf8ColumnOutput).appendBytes(this.constantBytes, 0, this.constantBytes.length);
  }

  protected fastValue(row: number): unknown {
    return this.text(this.spanStart[row]!, this.spanEnd[row]!);
  }

  protected override setFastKeyPart(keys: PrimaryKeySet, part: number, row: number): boolean {
    keys.setPart(part, this.block.bytes, this.spanStart[row]!, this.spanEnd[row]!);
    return true;
  }
}

/** Dictionary columns: closed vocabularies and country codes, looked up on bytes. */
export class DictionaryFieldColumn extends FieldColumn {
  private index = new Int32Array(1024);
  private readonly values: readonly string[];
  private readonly valueBytes: Uint8Array[];
  /** The dictionary, for values that did not come from the compiled check (as the writer looks them up). */
  private readonly valueSet: ReadonlySet<string>;

  constructor(
    plan: FieldPlan,
    output: ColumnOutput | undefined,
    filler: Filler | undefined,
    failures: FailureSink,
  ) {
    super(plan, output, filler, failures);
    this.values = plan.spec.type.kind === 'dictionary' ? (plan.spec.type.values ?? []) : [];
    this.valueBytes = this.values.map((value) => encoder.encode(value));
    this.valueSet = new Set(this.values);
  }

  protected prepare(rows: number): void {
    this.index = growInt(this.index, rows);
  }

  protected scanCells(block: BlockView, column: number): void {
    const { bytes, cellStart, cellEnd, rowBase, rows } = block;
    const passing = this.plan.passingDictionary!;
    const lookup = passing.lookup;
    const indexOf = passing.indexOf;
    const state = this.state;
    const index = this.index;
    // Consecutive rows mostly repeat the value: compare with the last one before hashing.
    let lastStart = 0;
    let lastEnd = -1;
    let lastIndex = 0;
    for (let row = 0; row < rows; row += 1) {
      const cell = rowBase[row]! + column;
      const start = cellStart[cell]!;
      const end = cellEnd[cell]!;
      if (end < 0) {
        this.exact(row, cellText(block.buffer, start, end));
        continue;
      }
      if (sameBytes(bytes, start, end, lastStart, lastEnd)) {
        state[row] = FAST;
        index[row] = lastIndex;
        continue;
      }
      const id = lookup.find(bytes, start, end);
      if (id >= 0) {
        state[row] = FAST;
        lastIndex = indexOf[id]!;
        index[row] = lastIndex;
        lastStart = start;
        lastEnd = end;
      } else if (isMissingBytes(bytes, start, end)) this.missing(row);
      else this.exact(row, this.text(start, end));
    }
  }

  override get guarded(): boolean {
    return true;
  }

  protected override cannotWrite(value: unknown): string | undefined {
    if (value === undefined || value === null) return undefined;
    return !this.valueSet.has(String(value))
      ? `'${String(value)}' is not in the ${this.plan.name} dictionary`
      : undefined;
  }

  protected appendFast(row: number): void {
    (this.output as DictionaryColumnOutput).appendIndex(this.index[row]!);
  }

  appendRows(rows: Int32Array, from: number, to: number): void {
    const output = this.output as DictionaryColumnOutput;
    const state = this.state;
    const index = this.index;
    for (let position = from; position < to; position += 1) {
      const row = rows[position]!;
      const rowState = state[row]!;
      if (rowState === FAST) output.appendIndex(index[row]!);
      else this.appendOther(row, rowState);
    }
  }

  protected fastValue(row: number): unknown {
    return this.values[this.index[row]!];
  }

  protected override setFastKeyPart(keys: PrimaryKeySet, part: number, row: number): boolean {
    const bytes = this.valueBytes[this.index[row]!]!;
    keys.setPart(part, bytes, 0, bytes.length);
    return true;
  }
}

/** Int32 and Float64 columns. */
export class NumberFieldColumn extends FieldColumn {
  private values = new Float64Array(1024);
  private readonly digits = new Uint8Array(32);

  protected prepare(rows: number): void {
    this.values = growFloat(this.values, rows);
  }

  protected scanCells(block: BlockView, column: number): void {
    const { bytes, cellStart, cellEnd, rowBase, rows } = block;
    const check = this.plan.check?.kind === 'number' ? this.plan.check : undefined;
    const integerReader = this.plan.readerType === 'integer';
    const state = this.state;
    const values = this.values;
    for (let row = 0; row < rows; row += 1) {
      const cell = rowBase[row]! + column;
      const rawStart = cellStart[cell]!;
      const rawEnd = cellEnd[cell]!;
      if (rawEnd < 0) {
        this.exact(row, cellText(block.buffer, rawStart, rawEnd));
        continue;
      }
      if (isMissingBytes(bytes, rawStart, rawEnd)) {
        this.missing(row);
        continue;
      }
      if (!check) {
        this.exact(row, this.text(rawStart, rawEnd));
        continue;
      }
      const start = trimStart(bytes, rawStart, rawEnd);
      const end = trimEnd(bytes, start, rawEnd);
      // [+-]?digits, or [+-]?digits.digits for a number reader; anything else goes to zod.
      let at = start;
      let negative = false;
      const sign = bytes[at]!;
      if (sign === 0x2d || sign === 0x2b) {
        negative = sign === 0x2d;
        at += 1;
      }
      const digitsFrom = at;
      let groupingLike = false;
      let value = 0;
      let integerDigits = 0;
      while (at < end) {
        const digit = bytes[at]! - 0x30;
        if (digit < 0 || digit > 9) break;
        value = value * 10 + digit;
        integerDigits += 1;
        at += 1;
      }
      let ok = integerDigits > 0 && integerDigits <= 15;
      if (ok && at < end) {
        ok = false;
        if (!integerReader && bytes[at] === 0x2e && at + 1 < end) {
          let fraction = at + 1;
          while (fraction < end && bytes[fraction]! >= 0x30 && bytes[fraction]! <= 0x39) fraction += 1;
          if (fraction === end) {
            value = Number(this.block.buffer.toString('latin1', start, end));
            negative = false;
            ok = true;
            // `1.500`: one to three digits (not led by 0), a point, exactly three digits.
            groupingLike = integerDigits <= 3 && bytes[digitsFrom] !== 0x30 && fraction - at === 4;
          }
        }
      }
      if (ok) {
        if (negative) value = -value;
        ok =
          (!check.integer || Number.isInteger(value)) &&
          (check.minInclusive ? value >= check.min : value > check.min) &&
          (check.maxInclusive ? value <= check.max : value < check.max);
      }
      if (!ok) {
        this.exact(row, this.text(rawStart, rawEnd));
        continue;
      }
      if (groupingLike) this.failures.noteNumberStyle(row, this.plan, 'grouping');
      state[row] = FAST;
      values[row] = value;
    }
  }

  /** Cells decided by zod are checked for the number styles the reader judges (they are rare). */
  protected override exact(row: number, text: string | undefined): void {
    if (text !== undefined) {
      if (isCommaNumber(text)) this.failures.noteNumberStyle(row, this.plan, 'comma', text);
      else if (isGroupingLikePoint(text)) this.failures.noteNumberStyle(row, this.plan, 'grouping');
    }
    super.exact(row, text);
  }

  protected appendFast(row: number): void {
    (this.output as NumberColumnOutput).appendNumber(this.values[row]!);
  }

  appendRows(rows: Int32Array, from: number, to: number): void {
    const output = this.output as NumberColumnOutput;
    const state = this.state;
    const values = this.values;
    for (let position = from; position < to; position += 1) {
      const row = rows[position]!;
      const rowState = state[row]!;
      if (rowState === FAST) output.appendNumber(values[row]!);
      else if (rowState === NULL) output.appendNull();
      else this.appendOther(row, rowState);
    }
  }

  protected fastValue(row: number): unknown {
    return this.values[row];
  }

  protected override setFastKeyPart(keys: PrimaryKeySet, part: number, row: number): boolean {
    const value = this.values[row]!;
    if (!Number.isSafeInteger(value)) return false;
    // String(value) of an integer, without allocating a string (String(-0) is "0").
    let magnitude = Math.abs(value);
    let at = this.digits.length;
    do {
      at -= 1;
      this.digits[at] = 0x30 + (magnitude % 10);
      magnitude = Math.floor(magnitude / 10);
    } while (magnitude > 0);
    if (value < 0) {
      at -= 1;
      this.digits[at] = 0x2d;
    }
    keys.setPart(part, this.digits, at, this.digits.length);
    return true;
  }
}

export class BoolFieldColumn extends FieldColumn {
  private values = new Uint8Array(1024);

  protected prepare(rows: number): void {
    if (this.values.length < rows) this.values = new Uint8Array(Math.max(rows, this.values.length * 2));
  }

  protected scanCells(block: BlockView, column: number): void {
    const { bytes, cellStart, cellEnd, rowBase, rows } = block;
    const state = this.state;
    const values = this.values;
    const checked = this.plan.check?.kind === 'boolean';
    for (let row = 0; row < rows; row += 1) {
      const cell = rowBase[row]! + column;
      const rawStart = cellStart[cell]!;
      const rawEnd = cellEnd[cell]!;
      if (rawEnd < 0) {
        this.exact(row, cellText(block.buffer, rawStart, rawEnd));
        continue;
      }
      if (isMissingBytes(bytes, rawStart, rawEnd)) {
        this.missing(row);
        continue;
      }
      const start = trimStart(bytes, rawStart, rawEnd);
      const end = trimEnd(bytes, start, rawEnd);
      let value = -1;
      if (checked) {
        if (
          equalsAsciiIgnoreCase(bytes, start, end, 'true') ||
          equalsAsciiIgnoreCase(bytes, start, end, 'yes')
        )
          value = 1;
        else if (
          equalsAsciiIgnoreCase(bytes, start, end, 'false') ||
          equalsAsciiIgnoreCase(bytes, start, end, 'no')
        )
          value = 0;
        else if (end - start === 1 && (bytes[start] === 0x31 || bytes[start] === 0x30))
          value = bytes[start]! - 0x30;
      }
      if (value < 0) {
        this.exact(row, this.text(rawStart, rawEnd));
        continue;
      }
      state[row] = FAST;
      values[row] = value;
    }
  }

  protected appendFast(row: number): void {
    (this.output as BoolColumnOutput).appendBool(this.values[row] === 1);
  }

  appendRows(rows: Int32Array, from: number, to: number): void {
    const output = this.output as BoolColumnOutput;
    const state = this.state;
    const values = this.values;
    for (let position = from; position < to; position += 1) {
      const row = rows[position]!;
      const rowState = state[row]!;
      if (rowState === FAST) output.appendBool(values[row] === 1);
      else this.appendOther(row, rowState);
    }
  }

  protected fastValue(row: number): unknown {
    return this.values[row] === 1;
  }
}

/** DateDay and Timestamp columns: a text checked by zod's pattern, converted as ArrowTableWriter does. */
export class TemporalFieldColumn extends FieldColumn {
  private spanStart = new Int32Array(1024);
  private spanEnd = new Int32Array(1024);
  private values = new Float64Array(1024);
  private seen = new ByteInterner();
  private seenValues = new Float64Array(256);
  private seenPasses = new Uint8Array(256);
  private readonly isDate: boolean;

  constructor(
    plan: FieldPlan,
    output: ColumnOutput | undefined,
    filler: Filler | undefined,
    failures: FailureSink,
  ) {
    super(plan, output, filler, failures);
    this.isDate = plan.spec.type.kind === 'date';
  }

  protected prepare(rows: number): void {
    this.spanStart = growInt(this.spanStart, rows);
    this.spanEnd = growInt(this.spanEnd, rows);
    this.values = growFloat(this.values, rows);
  }

  protected scanCells(block: BlockView, column: number): void {
    const { bytes, cellStart, cellEnd, rowBase, rows } = block;
    const check = this.plan.check?.kind === 'string' ? this.plan.check : undefined;
    const state = this.state;
    let lastStart = 0;
    let lastEnd = -1;
    let lastValue = 0;
    for (let row = 0; row < rows; row += 1) {
      const cell = rowBase[row]! + column;
      const rawStart = cellStart[cell]!;
      const rawEnd = cellEnd[cell]!;
      if (rawEnd < 0) {
        this.exact(row, cellText(block.buffer, rawStart, rawEnd));
        continue;
      }
      if (isMissingBytes(bytes, rawStart, rawEnd)) {
        this.missing(row);
        continue;
      }
      let start = rawStart;
      let end = rawEnd;
      if (check?.trim) {
        start = trimStart(bytes, start, end);
        end = trimEnd(bytes, start, end);
      }
      // Dates and times repeat: the verdict and value of each distinct text are kept by its bytes,
      // and the last one is compared first.
      if (sameBytes(bytes, start, end, lastStart, lastEnd)) {
        state[row] = FAST;
        this.spanStart[row] = start;
        this.spanEnd[row] = end;
        this.values[row] = lastValue;
        continue;
      }
      let id = this.seen.find(bytes, start, end);
      if (id < 0) {
        const text =
          check && isAscii(bytes, start, end) ? this.block.buffer.toString('latin1', start, end) : undefined;
        const passes = text !== undefined && this.passes(check!, text);
        const value = passes ? (this.isDate ? daysOf(text) : Date.parse(text)) : Number.NaN;
        if (this.seen.size >= TEMPORAL_CACHE_LIMIT) this.seen = new ByteInterner();
        id = this.seen.intern(bytes, start, end);
        if (id >= this.seenValues.length) {
          const grown = new Float64Array(this.seenValues.length * 2);
          grown.set(this.seenValues);
          this.seenValues = grown;
          const grownPasses = new Uint8Array(this.seenPasses.length * 2);
          grownPasses.set(this.seenPasses);
          this.seenPasses = grownPasses;
        }
        this.seenValues[id] = value;
        this.seenPasses[id] = passes ? 1 : 0;
      }
      if (this.seenPasses[id] === 0) {
        this.exact(row, this.text(rawStart, rawEnd));
        continue;
      }
      const value = this.seenValues[id]!;
      if (!this.isDate && Number.isNaN(value)) this.unsure = true;
      else {
        lastStart = start;
        lastEnd = end;
        lastValue = value;
      }
      state[row] = FAST;
      this.spanStart[row] = start;
      this.spanEnd[row] = end;
      this.values[row] = value;
    }
  }

  /** The string check on an ASCII text (its length is its byte count). */
  private passes(check: StringCheck, text: string): boolean {
    if (text.length < check.minLength || text.length > check.maxLength) return false;
    for (const pattern of check.patterns) if (!pattern.test(text)) return false;
    return true;
  }

  override get guarded(): boolean {
    return !this.isDate;
  }

  protected override fastUnwritable(row: number): string | undefined {
    return this.isDate || !Number.isNaN(this.values[row]) ? undefined : 'a time JavaScript cannot read';
  }

  protected override cannotWrite(value: unknown): string | undefined {
    if (this.isDate || value === undefined || value === null) return undefined;
    return Number.isNaN(Date.parse(String(value)))
      ? `'${String(value)}' is a time JavaScript cannot read`
      : undefined;
  }

  protected appendFast(row: number): void {
    if (this.isDate) (this.output as NumberColumnOutput).appendNumber(this.values[row]!);
    else (this.output as TimestampColumnOutput).appendMillis(this.values[row]!);
  }

  appendRows(rows: Int32Array, from: number, to: number): void {
    const state = this.state;
    for (let position = from; position < to; position += 1) {
      const row = rows[position]!;
      const rowState = state[row]!;
      if (rowState === FAST) this.appendFast(row);
      else if (rowState === NULL) this.output!.appendNull();
      else this.appendOther(row, rowState);
    }
  }

  protected fastValue(row: number): unknown {
    return this.block.buffer.toString('latin1', this.spanStart[row]!, this.spanEnd[row]!);
  }

  protected override setFastKeyPart(keys: PrimaryKeySet, part: number, row: number): boolean {
    keys.setPart(part, this.block.bytes, this.spanStart[row]!, this.spanEnd[row]!);
    return true;
  }
}

/** List<Utf8> columns: `a|b|c` cells, items trimmed, empty items dropped (the reader's split). */
export class ListFieldColumn extends FieldColumn {
  private rowFrom = new Int32Array(1024);
  private rowTo = new Int32Array(1024);
  private itemStart = new Int32Array(4096);
  private itemEnd = new Int32Array(4096);
  private items = 0;
  private readonly decode = (start: number, end: number) => this.text(start, end);

  protected prepare(rows: number): void {
    this.rowFrom = growInt(this.rowFrom, rows);
    this.rowTo = growInt(this.rowTo, rows);
    this.items = 0;
  }

  protected scanCells(block: BlockView, column: number): void {
    const { bytes, cellStart, cellEnd, rowBase, rows } = block;
    const check = this.plan.check?.kind === 'array' ? this.plan.check : undefined;
    const element = check?.element;
    // Country lists pass only with every code in the country reference (validate.ts checks them).
    const enumLookup = this.plan.countryField
      ? this.plan.countryLookup
      : element?.kind === 'enum'
        ? this.plan.enumLookup
        : undefined;
    const state = this.state;
    for (let row = 0; row < rows; row += 1) {
      const cell = rowBase[row]! + column;
      const start = cellStart[cell]!;
      const end = cellEnd[cell]!;
      if (end < 0) {
        this.exact(row, cellText(block.buffer, start, end));
        continue;
      }
      if (isMissingBytes(bytes, start, end)) {
        this.missing(row);
        continue;
      }
      if (!element || (this.plan.countryField && !enumLookup)) {
        this.exact(row, this.text(start, end));
        continue;
      }
      const first = this.items;
      let ok = true;
      let itemFrom = start;
      while (itemFrom <= end) {
        let itemTo = itemFrom;
        while (itemTo < end && bytes[itemTo] !== PIPE) itemTo += 1;
        const from = trimStart(bytes, itemFrom, itemTo);
        const to = trimEnd(bytes, from, itemTo);
        if (to > from) {
          if (!this.itemPasses(element, enumLookup, bytes, from, to)) {
            ok = false;
            break;
          }
          if (this.items >= this.itemStart.length) {
            const grownStart = new Int32Array(this.itemStart.length * 2);
            const grownEnd = new Int32Array(this.itemStart.length * 2);
            grownStart.set(this.itemStart);
            grownEnd.set(this.itemEnd);
            this.itemStart = grownStart;
            this.itemEnd = grownEnd;
          }
          this.itemStart[this.items] = from;
          this.itemEnd[this.items] = to;
          this.items += 1;
        }
        itemFrom = itemTo + 1;
      }
      if (!ok) {
        this.items = first;
        this.exact(row, this.text(start, end));
        continue;
      }
      state[row] = FAST;
      this.rowFrom[row] = first;
      this.rowTo[row] = this.items;
    }
  }

  private itemPasses(
    element: StringCheck | EnumCheck,
    enumLookup: FieldPlan['enumLookup'],
    bytes: Uint8Array,
    from: number,
    to: number,
  ): boolean {
    if (enumLookup) return enumLookup.find(bytes, from, to) >= 0;
    if (element.kind === 'enum') return false;
    // Items are already trimmed, so a trimming check sees the same span.
    return checkString(element, bytes, from, to, this.decode);
  }

  appendRows(rows: Int32Array, from: number, to: number): void {
    const state = this.state;
    for (let position = from; position < to; position += 1) {
      const row = rows[position]!;
      const rowState = state[row]!;
      if (rowState === FAST) this.appendFast(row);
      else this.appendOther(row, rowState);
    }
  }

  protected appendFast(row: number): void {
    const output = this.output as ListColumnOutput;
    output.beginList();
    const bytes = this.block.bytes;
    for (let item = this.rowFrom[row]!; item < this.rowTo[row]!; item += 1) {
      output.items.appendBytes(bytes, this.itemStart[item]!, this.itemEnd[item]!);
    }
    output.endList();
  }

  protected fastValue(row: number): unknown {
    const values: string[] = [];
    for (let item = this.rowFrom[row]!; item < this.rowTo[row]!; item += 1) {
      values.push(this.text(this.itemStart[item]!, this.itemEnd[item]!));
    }
    return values;
  }
}
