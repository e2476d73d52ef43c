import {
  type Bool,
  type Data,
  type Dictionary,
  Field,
  type Int8,
  type Int16,
  type Int32,
  type List,
  makeData,
  Schema,
  type TimestampMillisecond,
  Utf8,
  type Vector,
} from '#packages/arrow/arrow-writing.ts';
import { arrowColumnType } from '#packages/arrow/table-writer.ts';
import type { ColumnSpec } from '#packages/contracts/columns.ts';
import { viewOf } from './text-bytes.ts';

/**
 * Growable column buffers of one record batch, flushed with `makeData` into exactly the Data the
 * reference `ArrowTableWriter` builds for the same values: the same types and index widths, a
 * validity bitmap only when the batch has nulls, zeros under nulls, shared fixed dictionaries.
 */

const encoder = new TextEncoder();

/** The Arrow schema of contract columns (same fields as ArrowTableWriter) and the dictionaries. */
export function arrowSchema(
  specs: readonly ColumnSpec[],
  metadata: Readonly<Record<string, string>>,
): { schema: Schema; dictionaries: Map<string, Vector<Utf8>> } {
  const dictionaries = new Map<string, Vector<Utf8>>();
  let nextId = 0;
  const fields = specs.map(
    (spec) =>
      new Field(
        spec.name,
        arrowColumnType(spec.type, dictionaries, () => nextId++),
        true,
      ),
  );
  return { schema: new Schema(fields, new Map(Object.entries(metadata))), dictionaries };
}

/**
 * Validity of the rows of a batch, kept as the list of null rows: valid rows cost nothing, and
 * the bitmap is built at flush only when the batch has nulls (as ArrowTableWriter gives it).
 */
class Validity {
  private nulls = new Int32Array(256);
  nullCount = 0;

  addNull(index: number): void {
    if (this.nullCount >= this.nulls.length) {
      const grown = new Int32Array(this.nulls.length * 2);
      grown.set(this.nulls);
      this.nulls = grown;
    }
    this.nulls[this.nullCount] = index;
    this.nullCount += 1;
  }

  /** The null rows of the batch, handed over; the list starts again empty. */
  takeNulls(): Int32Array {
    const nulls = this.nulls.slice(0, this.nullCount);
    this.nullCount = 0;
    return nulls;
  }

  take(length: number): { nullBitmap: Uint8Array | undefined; nullCount: number } {
    const nullCount = this.nullCount;
    this.nullCount = 0;
    if (nullCount === 0) return { nullBitmap: undefined, nullCount };
    const nullBitmap = new Uint8Array((length + 7) >> 3).fill(0xff);
    // Bits past the last row stay 0, as the reference writer leaves them.
    if ((length & 7) !== 0) nullBitmap[nullBitmap.length - 1] = (1 << (length & 7)) - 1;
    const nulls = this.nulls;
    for (let index = 0; index < nullCount; index += 1) {
      const row = nulls[index]!;
      nullBitmap[row >> 3]! &= ~(1 << (row & 7));
    }
    return { nullBitmap, nullCount };
  }
}

export function growBytes(bytes: Uint8Array<ArrayBuffer>, needed: number): Uint8Array<ArrayBuffer> {
  if (needed <= bytes.length) return bytes;
  const grown = new Uint8Array(Math.max(needed, bytes.length * 2));
  grown.set(bytes);
  return grown;
}

/**
 * `bytes` with room for `needed` bytes, the new room not zero-filled: text bytes are written
 * before they are read, and only the written `[0, size)` is ever handed out.
 */
function growText(bytes: Uint8Array<ArrayBuffer>, needed: number): Uint8Array<ArrayBuffer> {
  if (needed <= bytes.length) return bytes;
  const grown = uninitialisedBytes(Math.max(needed, bytes.length * 2));
  grown.set(bytes);
  return grown;
}

/** A byte array of its own buffer, not zero-filled (Node's `Buffer.allocUnsafeSlow`: no pool). */
function uninitialisedBytes(length: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.allocUnsafeSlow(length).buffer as ArrayBuffer, 0, length);
}

/** Offsets + bytes of a Utf8 column (or of the items of a list column). */
export class Utf8Output {
  offsets = new Int32Array(1025);
  data = new Uint8Array(16_384);
  /** The same bytes, for copying four at a time. */
  private view = new DataView(this.data.buffer);
  count = 0;
  size = 0;

  /** Room for `values` more values of `bytes` bytes in total. */
  reserve(values: number, bytes: number): void {
    if (this.count + values >= this.offsets.length) {
      const grown = new Int32Array(Math.max(this.offsets.length * 2, this.count + values + 1));
      grown.set(this.offsets);
      this.offsets = grown;
    }
    if (this.size + bytes > this.data.length) {
      this.data = growText(this.data, this.size + bytes);
      this.view = new DataView(this.data.buffer);
    }
  }

  /**
   * Append bytes `[start, end)` of `source` (`sourceView` is a DataView of the same bytes, from
   * offset 0), room reserved. Four bytes at a time: 2–3× faster than a byte loop for short cells,
   * with no allocation (a subarray per cell would be one).
   */
  pushBytes(source: Uint8Array, sourceView: DataView, start: number, end: number): void {
    const view = this.view;
    let at = this.size;
    let from = start;
    if (end - from <= 256) {
      while (from + 4 <= end) {
        view.setUint32(at, sourceView.getUint32(from, true), true);
        from += 4;
        at += 4;
      }
      const data = this.data;
      while (from < end) data[at++] = source[from++]!;
    } else {
      this.data.set(source.subarray(start, end), at);
      at += end - start;
    }
    this.size = at;
    this.count += 1;
    this.offsets[this.count] = at;
  }

  /** Append bytes `[start, end)` of `source`. */
  appendBytes(source: Uint8Array, start: number, end: number): void {
    this.reserve(1, end - start);
    this.pushBytes(source, viewOf(source), start, end);
  }

  appendString(text: string): void {
    const bytes = encoder.encode(text);
    this.appendBytes(bytes, 0, bytes.length);
  }

  /** Append values `from` … `to - 1` of the piece `offsets` + `data` (another Utf8Output's `take`). */
  appendRange(offsets: Int32Array, data: Uint8Array, from: number, to: number): void {
    const start = offsets[from]!;
    const bytes = offsets[to]! - start;
    this.reserve(to - from, bytes);
    this.data.set(data.subarray(start, start + bytes), this.size);
    const shift = this.size - start;
    const target = this.offsets;
    let count = this.count;
    for (let index = from + 1; index <= to; index += 1) {
      count += 1;
      target[count] = offsets[index]! + shift;
    }
    this.count = count;
    this.size += bytes;
  }

  /** Append `prefix` followed by the decimal digits of a non-negative integer (ASCII only). */
  appendAsciiNumber(prefix: string, value: number): void {
    let digits = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits += 1;
    this.reserve(1, prefix.length + digits);
    const data = this.data;
    let at = this.size;
    for (let index = 0; index < prefix.length; index += 1) data[at++] = prefix.charCodeAt(index);
    let rest = value;
    for (let index = at + digits - 1; index >= at; index -= 1) {
      data[index] = 0x30 + (rest % 10);
      rest = Math.floor(rest / 10);
    }
    this.size = at + digits;
    this.count += 1;
    this.offsets[this.count] = this.size;
  }

  appendEmpty(): void {
    this.reserve(1, 0);
    this.count += 1;
    this.offsets[this.count] = this.size;
  }

  /**
   * The batch's offsets and bytes. The buffers are handed over (views, no copy) and fresh ones
   * of the same capacity take their place.
   */
  take(): { valueOffsets: Int32Array; data: Uint8Array } {
    const valueOffsets = this.offsets.subarray(0, this.count + 1);
    const data = this.data.subarray(0, this.size);
    this.offsets = new Int32Array(this.offsets.length);
    this.data = uninitialisedBytes(this.data.length);
    this.view = new DataView(this.data.buffer);
    this.count = 0;
    this.size = 0;
    return { valueOffsets, data };
  }
}

/** A column's values for the rows of one batch, as `ColumnOutput.takePiece` hands them over. */
export interface ColumnPiece {
  /** Rows that are null, ascending. */
  readonly nulls: Int32Array;
  /** Utf8: value offsets; list: list offsets. */
  readonly offsets?: Int32Array;
  /** Utf8: the bytes; list: the items' offsets and bytes are `itemOffsets` and `data`. */
  readonly data?: Uint8Array;
  readonly itemOffsets?: Int32Array;
  /** Dictionary indices, numbers, days, milliseconds (BigInt64), or bool bits. */
  readonly values?: Int32Array | Float64Array | BigInt64Array | Uint8Array;
}

/** The buffers of a piece, to transfer it to another thread. */
export function pieceBuffers(piece: ColumnPiece): ArrayBuffer[] {
  return [piece.nulls, piece.offsets, piece.data, piece.itemOffsets, piece.values].flatMap((array) =>
    array ? [array.buffer as ArrayBuffer] : [],
  );
}

/** One column of the batch being built: append values row by row, then `flush`. */
export abstract class ColumnOutput {
  protected readonly validity = new Validity();
  /** Rows appended to the current batch. */
  rows = 0;
  readonly field: Field;
  constructor(field: Field) {
    this.field = field;
  }

  abstract appendNull(): void;
  /** Append the value the reference writer would receive for this column (zod's output). */
  abstract appendValue(value: unknown): void;
  abstract flush(length: number): Data;
  /**
   * The batch's values as plain typed arrays instead of Arrow Data (a segment read by a worker
   * thread hands them to the main thread, csv-segments.ts); the column starts again empty.
   */
  abstract takePiece(length: number): ColumnPiece;
  /** Append rows `from` … `to - 1` of a piece `takePiece` gave for a column of the same type. */
  abstract appendPiece(piece: ColumnPiece, from: number, to: number): void;

  /** Append the nulls of rows `from` … `to - 1` of a piece; `rows` is advanced by the caller. */
  protected appendPieceNulls(piece: ColumnPiece, from: number, to: number): void {
    const nulls = piece.nulls;
    if (nulls.length === 0) return;
    // Null rows are in ascending order.
    let low = 0;
    let high = nulls.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (nulls[middle]! < from) low = middle + 1;
      else high = middle;
    }
    for (let index = low; index < nulls.length && nulls[index]! < to; index += 1) {
      this.validity.addNull(this.rows + nulls[index]! - from);
    }
  }

  protected markNull(): void {
    this.validity.addNull(this.rows);
    this.rows += 1;
  }

  protected takeValidity(): { nullBitmap: Uint8Array | undefined; nullCount: number } {
    const bits = this.validity.take(this.rows);
    this.rows = 0;
    return bits;
  }
}

export class Utf8ColumnOutput extends ColumnOutput {
  readonly text = new Utf8Output();

  /** Room for `values` more values of `bytes` bytes in total (then `pushBytes`). */
  reserve(values: number, bytes: number): void {
    this.text.reserve(values, bytes);
  }

  /** Append a present value (room reserved; `sourceView` as for Utf8Output.pushBytes). */
  pushBytes(source: Uint8Array, sourceView: DataView, start: number, end: number): void {
    this.text.pushBytes(source, sourceView, start, end);
    this.rows += 1;
  }

  appendBytes(source: Uint8Array, start: number, end: number): void {
    this.text.appendBytes(source, start, end);
    this.rows += 1;
  }

  appendNull(): void {
    this.markNull();
    this.text.appendEmpty();
  }

  appendValue(value: unknown): void {
    if (value === undefined || value === null) {
      this.appendNull();
      return;
    }
    this.text.appendString(String(value));
    this.rows += 1;
  }

  /** `line N` and the like. */
  appendAsciiNumber(prefix: string, value: number): void {
    this.text.appendAsciiNumber(prefix, value);
    this.rows += 1;
  }

  flush(length: number): Data {
    const bits = this.takeValidity();
    return makeData({ type: this.field.type as Utf8, length, ...bits, ...this.text.take() });
  }

  takePiece(_length: number): ColumnPiece {
    this.rows = 0;
    const { valueOffsets, data } = this.text.take();
    return { nulls: this.validity.takeNulls(), offsets: valueOffsets, data };
  }

  appendPiece(piece: ColumnPiece, from: number, to: number): void {
    this.appendPieceNulls(piece, from, to);
    this.text.appendRange(piece.offsets!, piece.data!, from, to);
    this.rows += to - from;
  }
}

type TypedValues = Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer> | BigInt64Array<ArrayBuffer>;

/**
 * A column whose batch values sit in one typed array (dictionary indices, numbers, days,
 * milliseconds): growth and the pieces worker threads hand over are the same for all of them.
 */
abstract class TypedArrayColumnOutput<Values extends TypedValues> extends ColumnOutput {
  protected values: Values;
  private readonly allocate: (length: number) => Values;

  constructor(field: Field, allocate: (length: number) => Values) {
    super(field);
    this.allocate = allocate;
    this.values = allocate(1024);
  }

  /** Room for `count` more rows. */
  protected reserveRows(count: number): void {
    if (this.rows + count <= this.values.length) return;
    const grown = this.allocate(Math.max(this.values.length * 2, this.rows + count));
    grown.set(this.values as never);
    this.values = grown;
  }

  takePiece(length: number): ColumnPiece {
    this.rows = 0;
    return { nulls: this.validity.takeNulls(), values: this.values.slice(0, length) };
  }

  appendPiece(piece: ColumnPiece, from: number, to: number): void {
    this.appendPieceNulls(piece, from, to);
    this.reserveRows(to - from);
    this.values.set((piece.values as Values).subarray(from, to) as never, this.rows);
    this.rows += to - from;
  }
}

export class DictionaryColumnOutput extends TypedArrayColumnOutput<Int32Array<ArrayBuffer>> {
  private readonly indexOf: Map<string, number>;
  private readonly dictionary: Vector<Utf8>;

  constructor(field: Field, values: readonly string[], dictionary: Vector<Utf8>) {
    super(field, (length) => new Int32Array(length));
    this.dictionary = dictionary;
    this.indexOf = new Map(values.map((value, index) => [value, index]));
  }

  appendIndex(index: number): void {
    if (this.rows >= this.values.length) this.reserveRows(1);
    this.values[this.rows] = index;
    this.rows += 1;
  }

  appendNull(): void {
    if (this.rows >= this.values.length) this.reserveRows(1);
    this.values[this.rows] = 0;
    this.markNull();
  }

  appendValue(value: unknown): void {
    if (value === undefined || value === null) {
      this.appendNull();
      return;
    }
    const index = this.indexOf.get(String(value));
    if (index === undefined)
      throw new RangeError(`'${String(value)}' is not in the ${this.field.name} dictionary`);
    this.appendIndex(index);
  }

  /** Dictionary index of a value, or -1. */
  lookup(value: string): number {
    return this.indexOf.get(value) ?? -1;
  }

  flush(length: number): Data {
    const type = this.field.type as Dictionary<Utf8, Int8 | Int16 | Int32>;
    const ArrayType = type.indices.ArrayType as Int32ArrayConstructor;
    const data = ArrayType.from(this.values.subarray(0, length));
    const bits = this.takeValidity();
    return makeData({ type, length, ...bits, data, dictionary: this.dictionary });
  }
}

/** Int32, Float64 and DateDay columns: numbers under a typed array. */
export class NumberColumnOutput extends TypedArrayColumnOutput<
  Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer>
> {
  private readonly kind: 'int32' | 'float64' | 'date';

  constructor(field: Field, kind: 'int32' | 'float64' | 'date') {
    super(
      field,
      kind === 'float64' ? (length) => new Float64Array(length) : (length) => new Int32Array(length),
    );
    this.kind = kind;
  }

  /** Append a number (an Int32 or DateDay column stores it the way `Int32Array.from` does). */
  appendNumber(value: number): void {
    if (this.rows >= this.values.length) this.reserveRows(1);
    this.values[this.rows] = value;
    this.rows += 1;
  }

  appendNull(): void {
    if (this.rows >= this.values.length) this.reserveRows(1);
    this.values[this.rows] = 0;
    this.markNull();
  }

  appendValue(value: unknown): void {
    if (value === undefined || value === null) {
      this.appendNull();
      return;
    }
    if (this.kind === 'date') this.appendNumber(daysOf(String(value)));
    else this.appendNumber(Number(value));
  }

  flush(length: number): Data {
    const data = this.values.slice(0, length);
    const bits = this.takeValidity();
    return makeData({ type: this.field.type as Int32, length, ...bits, data: data as Int32Array });
  }
}

const MS_PER_DAY = 86_400_000;

/** Days since the epoch of a `YYYY-MM-DD` text, computed as ArrowTableWriter does. */
export function daysOf(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / MS_PER_DAY);
}

export class TimestampColumnOutput extends TypedArrayColumnOutput<BigInt64Array<ArrayBuffer>> {
  /** The last time appended, as a BigInt too: times repeat, and BigInt() allocates. */
  private lastMillis = Number.NaN;
  private lastBig = 0n;

  constructor(field: Field) {
    super(field, (length) => new BigInt64Array(length));
  }

  /** Append milliseconds since the epoch (`BigInt` throws on NaN, as in ArrowTableWriter). */
  appendMillis(value: number): void {
    if (this.rows >= this.values.length) this.reserveRows(1);
    if (value !== this.lastMillis) {
      this.lastBig = BigInt(value);
      this.lastMillis = value;
    }
    this.values[this.rows] = this.lastBig;
    this.rows += 1;
  }

  appendNull(): void {
    if (this.rows >= this.values.length) this.reserveRows(1);
    this.values[this.rows] = 0n;
    this.markNull();
  }

  appendValue(value: unknown): void {
    if (value === undefined || value === null) {
      this.appendNull();
      return;
    }
    this.appendMillis(Date.parse(String(value)));
  }

  flush(length: number): Data {
    const data = this.values.slice(0, length);
    const bits = this.takeValidity();
    return makeData({ type: this.field.type as TimestampMillisecond, length, ...bits, data: data as never });
  }
}

export class BoolColumnOutput extends ColumnOutput {
  private bits = new Uint8Array(128);

  appendBool(value: boolean): void {
    const index = this.rows;
    if (index >> 3 >= this.bits.length) this.bits = growBytes(this.bits, (index >> 3) + 1);
    if (value) this.bits[index >> 3]! |= 1 << (index & 7);
    this.rows += 1;
  }

  appendNull(): void {
    const index = this.rows;
    if (index >> 3 >= this.bits.length) this.bits = growBytes(this.bits, (index >> 3) + 1);
    this.markNull();
  }

  appendValue(value: unknown): void {
    if (value === undefined || value === null) {
      this.appendNull();
      return;
    }
    this.appendBool(value === true);
  }

  flush(length: number): Data {
    const bytes = (length + 7) >> 3;
    const data = this.bits.slice(0, bytes);
    this.bits.fill(0, 0, Math.min(bytes, this.bits.length));
    const bits = this.takeValidity();
    return makeData({ type: this.field.type as Bool, length, ...bits, data });
  }

  takePiece(length: number): ColumnPiece {
    const bytes = (length + 7) >> 3;
    const values = this.bits.slice(0, bytes);
    this.bits.fill(0, 0, Math.min(bytes, this.bits.length));
    this.rows = 0;
    return { nulls: this.validity.takeNulls(), values };
  }

  appendPiece(piece: ColumnPiece, from: number, to: number): void {
    this.appendPieceNulls(piece, from, to);
    const bits = piece.values as Uint8Array;
    const last = this.rows + to - from - 1;
    if (last >> 3 >= this.bits.length) this.bits = growBytes(this.bits, (last >> 3) + 1);
    for (let row = from; row < to; row += 1) {
      const index = this.rows + row - from;
      if ((bits[row >> 3]! & (1 << (row & 7))) !== 0) this.bits[index >> 3]! |= 1 << (index & 7);
    }
    this.rows += to - from;
  }
}

export class ListColumnOutput extends ColumnOutput {
  readonly items = new Utf8Output();
  private offsets = new Int32Array(1025);

  /** Start a present list; add its items with `items.appendBytes`, then call `endList`. */
  beginList(): void {
    this.rows += 1;
  }

  endList(): void {
    if (this.rows >= this.offsets.length) this.grow();
    this.offsets[this.rows] = this.items.count;
  }

  appendNull(): void {
    this.markNull();
    this.endList();
  }

  appendValue(value: unknown): void {
    if (!Array.isArray(value)) {
      this.appendNull();
      return;
    }
    this.beginList();
    for (const item of value) this.items.appendString(String(item));
    this.endList();
  }

  private grow(): void {
    const grown = new Int32Array(this.offsets.length * 2);
    grown.set(this.offsets);
    this.offsets = grown;
  }

  takePiece(length: number): ColumnPiece {
    const offsets = this.offsets.slice(0, length + 1);
    this.offsets.fill(0, 0, length + 1);
    this.rows = 0;
    const items = this.items.take();
    return { nulls: this.validity.takeNulls(), offsets, itemOffsets: items.valueOffsets, data: items.data };
  }

  appendPiece(piece: ColumnPiece, from: number, to: number): void {
    this.appendPieceNulls(piece, from, to);
    const offsets = piece.offsets!;
    const shift = this.items.count - offsets[from]!;
    this.items.appendRange(piece.itemOffsets!, piece.data!, offsets[from]!, offsets[to]!);
    for (let row = from + 1; row <= to; row += 1) {
      this.rows += 1;
      if (this.rows >= this.offsets.length) this.grow();
      this.offsets[this.rows] = offsets[row]! + shift;
    }
  }

  flush(length: number): Data {
    const childLength = this.items.count;
    const child = makeData({ type: new Utf8(), length: childLength, nullCount: 0, ...this.items.take() });
    const valueOffsets = this.offsets.slice(0, length + 1);
    this.offsets.fill(0, 0, length + 1);
    const bits = this.takeValidity();
    return makeData({ type: this.field.type as List<Utf8>, length, ...bits, valueOffsets, child });
  }
}

/** The output column for one field of the schema. */
export function columnOutput(
  spec: ColumnSpec,
  field: Field,
  dictionaries: Map<string, Vector<Utf8>>,
): ColumnOutput {
  switch (spec.type.kind) {
    case 'utf8':
      return new Utf8ColumnOutput(field);
    case 'dictionary':
      return new DictionaryColumnOutput(
        field,
        spec.type.values ?? [],
        dictionaries.get(spec.type.vocabulary) as Vector<Utf8>,
      );
    case 'int32':
    case 'float64':
    case 'date':
      return new NumberColumnOutput(field, spec.type.kind);
    case 'timestamp':
      return new TimestampColumnOutput(field);
    case 'bool':
      return new BoolColumnOutput(field);
    case 'list-utf8':
      return new ListColumnOutput(field);
  }
}
