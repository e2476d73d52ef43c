import { type Data, type Dictionary, type Table, Type } from 'apache-arrow';
import { ByteInterner } from './byte-interner.ts';

/**
 * Group-by over the columns of an Arrow table (PERFORMANCE.md lesson 3: aggregate on columns).
 *
 * Each key column gives every row an integer code: dictionary indices map through a small table
 * per batch (so batches with different dictionaries agree), booleans are 0/1, Utf8 bytes and
 * integers are interned without building strings. The codes of all key columns combine, column
 * by column, into one group number per row (mixed radix); counts and sums then accumulate in
 * typed arrays indexed by that number, in tight loops over each batch. No row objects and no
 * `vector.get(i)` (which costs 135 ms per million rows).
 */

export type GroupKeyValue = string | number | boolean | null;

export interface GroupByOptions {
  /** Columns to group by, in order. */
  readonly keys: readonly string[];
  /** Numeric columns to sum per group (nulls skipped). @default none */
  readonly sums?: readonly string[];
}

export interface Group {
  /** The key values, one per key column (null for a null key). */
  readonly key: readonly GroupKeyValue[];
  /** Rows in the group. */
  readonly count: number;
  /** Per summed column: the sum of its non-null values (0 when there are none). */
  readonly sums: readonly number[];
  /** Per summed column: how many values were not null. */
  readonly summed: readonly number[];
}

export class GroupByColumnError extends Error {
  override readonly name = 'GroupByColumnError';
}

/** Up to this many key combinations, groups live in dense arrays indexed by combination. */
const DENSE_LIMIT = 1 << 22;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function hasNulls(data: Data): boolean {
  return data.nullCount > 0 && data.nullBitmap !== undefined && data.nullBitmap.length > 0;
}

function isValid(data: Data, row: number): boolean {
  const index = data.offset + row;
  return ((data.nullBitmap![index >> 3] ?? 0) & (1 << (index & 7))) !== 0;
}

/**
 * One key column: its number of codes (`values.length`) and a function that adds each row's
 * code to the running group numbers of a batch (`groups[i] = groups[i] * radix + code`).
 */
interface KeyColumn {
  readonly values: GroupKeyValue[];
  addCodes(batch: number, groups: Int32Array, radix: number): void;
  /** Dictionary keys: the batch's indices and their codes, when the batch has no null key. */
  plainCodes?(
    batch: number,
  ): { indices: Int8Array | Int16Array | Int32Array; offset: number; codes: Int32Array } | undefined;
}

function columnIndex(table: Table, name: string): number {
  const index = table.schema.fields.findIndex((field) => field.name === name);
  if (index < 0) throw new GroupByColumnError(`No column '${name}' in the table`);
  return index;
}

function columnData(table: Table, batch: number, column: number): Data {
  return table.batches[batch]!.getChildAt(column)!.data[0]!;
}

/** Dictionary keys: the codes are known before any row is read (all dictionaries, then null). */
function dictionaryKey(table: Table, column: number): KeyColumn {
  const interner = new ByteInterner();
  const values: GroupKeyValue[] = [];
  // Batches usually share one dictionary (a contract's fixed vocabulary): map it once.
  const mapped = new Map<unknown, Int32Array>();
  const toCode = table.batches.map((batch) => {
    const vector = batch.getChildAt(column)!.data[0]!.dictionary;
    const known = mapped.get(vector);
    if (known) return known;
    const dictionary = vector?.toArray() ?? [];
    const codes = Int32Array.from(dictionary, (value) => {
      const bytes = encoder.encode(String(value));
      const before = interner.size;
      const code = interner.intern(bytes, 0, bytes.length);
      if (code === before) values.push(String(value));
      return code;
    });
    mapped.set(vector, codes);
    return codes;
  });
  const nullCode = values.length;
  values.push(null);
  return {
    values,
    plainCodes(batch) {
      const data = columnData(table, batch, column);
      if (hasNulls(data)) return undefined;
      return {
        indices: data.values as Int8Array | Int16Array | Int32Array,
        offset: data.offset,
        codes: toCode[batch]!,
      };
    },
    addCodes(batch, groups, radix) {
      const data = columnData(table, batch, column);
      const indices = data.values as Int8Array | Int16Array | Int32Array;
      const codes = toCode[batch]!;
      const offset = data.offset;
      if (!hasNulls(data)) {
        for (let row = 0; row < data.length; row += 1)
          groups[row] = groups[row]! * radix + codes[indices[offset + row]!]!;
        return;
      }
      for (let row = 0; row < data.length; row += 1) {
        const code = isValid(data, row) ? codes[indices[offset + row]!]! : nullCode;
        groups[row] = groups[row]! * radix + code;
      }
    },
  };
}

function boolKey(table: Table, column: number): KeyColumn {
  return {
    values: [false, true, null],
    addCodes(batch, groups, radix) {
      const data = columnData(table, batch, column);
      const bits = data.values as Uint8Array;
      const nulls = hasNulls(data);
      for (let row = 0; row < data.length; row += 1) {
        const index = data.offset + row;
        const code = nulls && !isValid(data, row) ? 2 : (bits[index >> 3]! >> (index & 7)) & 1;
        groups[row] = groups[row]! * radix + code;
      }
    },
  };
}

/** Utf8 and integer keys: codes are interned in a first pass over the column. */
function internedKey(table: Table, column: number): KeyColumn {
  const field = table.schema.fields[column]!;
  const values: GroupKeyValue[] = [];
  const codes = table.batches.map((batch) => new Int32Array(batch.numRows));
  let nullCode = -1;
  const codeOfNull = () => {
    if (nullCode < 0) {
      nullCode = values.length;
      values.push(null);
    }
    return nullCode;
  };
  if (field.typeId === Type.Utf8) {
    const interner = new ByteInterner();
    table.batches.forEach((_batch, batch) => {
      const data = columnData(table, batch, column);
      const bytes = data.values as Uint8Array;
      const offsets = data.valueOffsets as Int32Array;
      const out = codes[batch]!;
      const nulls = hasNulls(data);
      for (let row = 0; row < data.length; row += 1) {
        if (nulls && !isValid(data, row)) {
          out[row] = -1;
          continue;
        }
        const start = offsets[data.offset + row]!;
        const end = offsets[data.offset + row + 1]!;
        const before = interner.size;
        const code = interner.intern(bytes, start, end);
        if (code === before) values.push(decoder.decode(bytes.subarray(start, end)));
        out[row] = code;
      }
    });
  } else {
    const codeOf = new Map<number, number>();
    table.batches.forEach((_batch, batch) => {
      const data = columnData(table, batch, column);
      const numbers = data.values as Int32Array;
      const out = codes[batch]!;
      const nulls = hasNulls(data);
      for (let row = 0; row < data.length; row += 1) {
        if (nulls && !isValid(data, row)) {
          out[row] = -1;
          continue;
        }
        const value = Number(numbers[data.offset + row]);
        let code = codeOf.get(value);
        if (code === undefined) {
          code = values.length;
          codeOf.set(value, code);
          values.push(value);
        }
        out[row] = code;
      }
    });
  }
  // Null rows get their own code, after every value.
  for (const out of codes)
    for (let row = 0; row < out.length; row += 1) if (out[row] === -1) out[row] = codeOfNull();
  return {
    values,
    addCodes(batch, groups, radix) {
      const out = codes[batch]!;
      for (let row = 0; row < out.length; row += 1) groups[row] = groups[row]! * radix + out[row]!;
    },
  };
}

function keyColumn(table: Table, name: string): KeyColumn {
  const column = columnIndex(table, name);
  const field = table.schema.fields[column]!;
  switch (field.typeId) {
    case Type.Dictionary:
      return dictionaryKey(table, column);
    case Type.Bool:
      return boolKey(table, column);
    case Type.Utf8:
    case Type.Int:
      return internedKey(table, column);
    default:
      throw new GroupByColumnError(`Column '${name}' (${String(field.type)}) cannot be a group key`);
  }
}

function sumColumn(table: Table, name: string): number {
  const column = columnIndex(table, name);
  const field = table.schema.fields[column]!;
  if (field.typeId !== Type.Float && field.typeId !== Type.Int) {
    throw new GroupByColumnError(`Column '${name}' (${String(field.type)}) cannot be summed`);
  }
  return column;
}

function compareKeys(a: readonly GroupKeyValue[], b: readonly GroupKeyValue[]): number {
  for (let index = 0; index < a.length; index += 1) {
    const x = a[index] ?? null;
    const y = b[index] ?? null;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : 1;
    return Number(x) < Number(y) ? -1 : 1;
  }
  return 0;
}

/** Accumulators over group numbers: dense arrays, or a map to dense slots when too many. */
class Accumulators {
  counts: Float64Array;
  readonly sums: Float64Array[];
  readonly summed: Float64Array[];
  /** Sparse mode: group number → slot, and slot → group number. */
  private readonly slotOf: Map<number, number> | undefined;
  readonly numbers: number[] = [];

  constructor(combinations: number, sumColumns: number) {
    const dense = combinations <= DENSE_LIMIT;
    const size = dense ? combinations : 1024;
    this.slotOf = dense ? undefined : new Map();
    this.counts = new Float64Array(size);
    this.sums = Array.from({ length: sumColumns }, () => new Float64Array(size));
    this.summed = Array.from({ length: sumColumns }, () => new Float64Array(size));
  }

  /** Replace group numbers by slots (sparse mode only). */
  toSlots(groups: Int32Array | Float64Array, length: number): void {
    const slotOf = this.slotOf;
    if (!slotOf) return;
    for (let row = 0; row < length; row += 1) {
      const number = groups[row]!;
      let slot = slotOf.get(number);
      if (slot === undefined) {
        slot = this.numbers.length;
        slotOf.set(number, slot);
        this.numbers.push(number);
        if (slot >= this.counts.length) this.grow();
      }
      groups[row] = slot;
    }
  }

  private grow(): void {
    const size = this.counts.length * 2;
    const grow = (array: Float64Array) => {
      const grown = new Float64Array(size);
      grown.set(array);
      return grown;
    };
    this.counts = grow(this.counts);
    this.sums.forEach((array, index) => {
      this.sums[index] = grow(array);
    });
    this.summed.forEach((array, index) => {
      this.summed[index] = grow(array);
    });
  }

  /** Slot → group number, and the number of slots. */
  slots(): { count: number; number: (slot: number) => number } {
    if (this.slotOf) return { count: this.numbers.length, number: (slot) => this.numbers[slot]! };
    return { count: this.counts.length, number: (slot) => slot };
  }
}

interface FusedSum {
  readonly values: Float64Array | Int32Array;
  readonly offset: number;
  readonly sums: Float64Array;
  readonly summed: Float64Array;
}

/**
 * The common shape in one pass: one or two dictionary keys without nulls in this batch, and at
 * most one summed column without nulls. Group numbers, counts and the sum come straight from the
 * indices and values. False when the batch has another shape.
 */
function fusedPass(
  keys: readonly KeyColumn[],
  radixes: readonly number[],
  batch: number,
  length: number,
  groups: Int32Array,
  counts: Float64Array,
  sum: FusedSum | undefined,
): boolean {
  if (keys.length === 0 || keys.length > 2) return false;
  const first = keys[0]!.plainCodes?.(batch);
  const second = keys.length === 2 ? keys[1]!.plainCodes?.(batch) : undefined;
  if (!first || (keys.length === 2 && !second)) return false;
  const { indices: a, offset: offsetA, codes: codesA } = first;
  const b = second?.indices ?? a;
  const offsetB = second?.offset ?? 0;
  const codesB = second?.codes ?? codesA;
  const radix = second ? radixes[1]! : 0;
  const single = second === undefined;
  if (sum) {
    const { values, offset, sums, summed } = sum;
    for (let row = 0; row < length; row += 1) {
      const group = single
        ? codesA[a[offsetA + row]!]!
        : codesA[a[offsetA + row]!]! * radix + codesB[b[offsetB + row]!]!;
      groups[row] = group;
      counts[group]! += 1;
      sums[group]! += values[offset + row]!;
      summed[group]! += 1;
    }
    return true;
  }
  for (let row = 0; row < length; row += 1) {
    const group = single
      ? codesA[a[offsetA + row]!]!
      : codesA[a[offsetA + row]!]! * radix + codesB[b[offsetB + row]!]!;
    groups[row] = group;
    counts[group]! += 1;
  }
  return true;
}

/**
 * Count rows (and sum columns) per combination of key values. Groups come sorted by key (nulls
 * last, strings by code unit), so the result does not depend on row or batch order.
 */
export function groupByColumns(table: Table, options: GroupByOptions): Group[] {
  const keys = options.keys.map((name) => keyColumn(table, name));
  const sumColumns = (options.sums ?? []).map((name) => sumColumn(table, name));
  const radixes = keys.map((key) => Math.max(1, key.values.length));
  const combinations = radixes.reduce((product, radix) => product * radix, 1);
  if (combinations > 2 ** 31) {
    throw new GroupByColumnError(`Too many key combinations (${combinations}) to group in one pass`);
  }
  const accumulators = new Accumulators(combinations, sumColumns.length);
  const dense = combinations <= DENSE_LIMIT;
  let groups = new Int32Array(0);

  table.batches.forEach((batch, index) => {
    const length = batch.numRows;
    if (groups.length < length) groups = new Int32Array(length);
    // The first summed column joins the fused pass when it has no nulls in this batch.
    const firstSum = sumColumns.length > 0 ? columnData(table, index, sumColumns[0]!) : undefined;
    const fusedSum: FusedSum | undefined =
      firstSum && !hasNulls(firstSum)
        ? {
            values: firstSum.values as Float64Array | Int32Array,
            offset: firstSum.offset,
            sums: accumulators.sums[0]!,
            summed: accumulators.summed[0]!,
          }
        : undefined;
    const fused = dense && fusedPass(keys, radixes, index, length, groups, accumulators.counts, fusedSum);
    if (!fused) {
      groups.fill(0, 0, length);
      for (const [position, key] of keys.entries()) key.addCodes(index, groups, radixes[position]!);
      accumulators.toSlots(groups, length);
      const counts = accumulators.counts;
      for (let row = 0; row < length; row += 1) counts[groups[row]!]! += 1;
    }
    sumColumns.forEach((column, position) => {
      if (fused && position === 0 && fusedSum) return;
      const data = columnData(table, index, column);
      const values = data.values as Float64Array | Int32Array;
      const offset = data.offset;
      const sums = accumulators.sums[position]!;
      const summed = accumulators.summed[position]!;
      const nulls = hasNulls(data);
      for (let row = 0; row < length; row += 1) {
        if (nulls && !isValid(data, row)) continue;
        const group = groups[row]!;
        sums[group]! += values[offset + row]!;
        summed[group]! += 1;
      }
    });
  });

  const result: Group[] = [];
  const { count, number } = accumulators.slots();
  for (let slot = 0; slot < count; slot += 1) {
    if (accumulators.counts[slot] === 0) continue;
    let rest = number(slot);
    const key: GroupKeyValue[] = new Array(keys.length);
    for (let position = keys.length - 1; position >= 0; position -= 1) {
      const radix = radixes[position]!;
      key[position] = keys[position]!.values[rest % radix] ?? null;
      rest = Math.floor(rest / radix);
    }
    result.push({
      key,
      count: accumulators.counts[slot]!,
      sums: accumulators.sums.map((sums) => sums[slot]!),
      summed: accumulators.summed.map((summed) => summed[slot]!),
    });
  }
  return result.sort((a, b) => compareKeys(a.key, b.key));
}

/*
 * Kernels for assembling the briefing (PERFORMANCE.md lesson 3 again): a curated table is the
 * concatenation of one Arrow table per source file, so these read one column over several
 * tables, whose dictionaries may differ, into one code space. Rows are numbered 0 … n-1 across
 * the tables in order.
 */

/** A scalar column as codes: `values[codes[row]]`, or -1 where the value is null or the column absent. */
export interface ColumnCodes {
  readonly codes: Int32Array;
  /** Distinct values (strings for dictionaries and Utf8, numbers for integers, booleans). */
  readonly values: readonly (string | number | boolean)[];
}

/** A list-of-strings column: row `r` holds `values[codes[i]]` for `offsets[r] <= i < offsets[r + 1]`. */
export interface ListCodes {
  readonly offsets: Int32Array;
  readonly codes: Int32Array;
  readonly values: readonly string[];
  /** 1 where the row has a list (possibly empty), 0 where it is null. */
  readonly valid: Uint8Array;
}

/** A numeric column: `values[row]` where `valid[row]` is 1. */
export interface NumberColumn {
  readonly values: Float64Array;
  readonly valid: Uint8Array;
}

/** Rows by group, CSR-style: the rows of group `g` are `rows[offsets[g]] … rows[offsets[g + 1] - 1]`. */
export interface GroupedRows {
  readonly offsets: Int32Array;
  readonly rows: Int32Array;
}

function totalRows(tables: readonly Table[]): number {
  return tables.reduce((total, table) => total + table.numRows, 0);
}

function optionalColumnIndex(table: Table, name: string): number {
  return table.schema.fields.findIndex((field) => field.name === name);
}

/** Strings → codes shared by every table of a column (bytes interned, one string per value). */
class StringCodes {
  private readonly interner = new ByteInterner();
  private readonly codeOfId: number[] = [];
  private readonly values: (string | number | boolean)[];
  constructor(values: (string | number | boolean)[]) {
    this.values = values;
  }

  code(bytes: Uint8Array, start: number, end: number): number {
    const before = this.interner.size;
    const id = this.interner.intern(bytes, start, end);
    if (id === before) {
      this.codeOfId.push(this.values.length);
      this.values.push(decoder.decode(bytes.subarray(start, end)));
    }
    return this.codeOfId[id]!;
  }

  codeOf(text: string): number {
    const bytes = encoder.encode(text);
    return this.code(bytes, 0, bytes.length);
  }
}

/** A growable Int32Array: the codes of tables added one at a time. */
class Int32Column {
  array: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.array = new Int32Array(Math.max(1, capacity));
  }
  /** Room for `more` values after `length`. */
  reserve(more: number): Int32Array {
    if (this.length + more > this.array.length) {
      const grown = new Int32Array(Math.max(this.array.length * 2, this.length + more));
      grown.set(this.array.subarray(0, this.length));
      this.array = grown;
    }
    return this.array;
  }
  /** The values, trimmed (no copy when the capacity was exact). */
  done(): Int32Array {
    return this.length === this.array.length ? this.array : this.array.slice(0, this.length);
  }
}

/**
 * `columnCodes` one table at a time (a curated file read and let go before the next): the codes
 * of every table added so far, in one code space. Adding the tables one by one gives what
 * `columnCodes` gives for all of them at once; no table is held after `add` returns.
 */
export class ColumnCodesBuilder {
  private readonly out: Int32Column;
  private readonly values: (string | number | boolean)[] = [];
  private readonly strings = new StringCodes(this.values);
  private readonly numbers = new Map<number, number>();
  private readonly booleans: number[] = [-1, -1];
  readonly name: string;

  /** @param capacity rows expected (the codes grow past it). */
  constructor(name: string, capacity = 1024) {
    this.name = name;
    this.out = new Int32Column(capacity);
  }

  add(table: Table): void {
    const { name, values, strings, numbers, booleans } = this;
    const column = optionalColumnIndex(table, name);
    const codes = this.out.reserve(table.numRows);
    let at = this.out.length;
    if (column < 0) {
      codes.fill(-1, at, at + table.numRows);
      this.out.length += table.numRows;
      return;
    }
    const field = table.schema.fields[column]!;
    if (field.typeId === Type.Dictionary && (field.type as Dictionary).dictionary.typeId !== Type.Utf8) {
      throw new GroupByColumnError(`Column '${name}' (${String(field.type)}) is not a dictionary of strings`);
    }
    // Per table only: a dictionary is a view into its file's bytes, which must not outlive the table.
    const dictionaries = new Map<unknown, Int32Array>();
    for (const batch of table.batches) {
      if (batch.numRows === 0) continue;
      const data = batch.getChildAt(column)!.data[0]!;
      const nulls = hasNulls(data);
      const length = data.length;
      const offset = data.offset;
      switch (field.typeId) {
        case Type.Dictionary: {
          const vector = data.dictionary;
          let map = dictionaries.get(vector);
          if (!map) {
            const dictionary = vector?.toArray() ?? [];
            map = Int32Array.from(dictionary, (value) =>
              value === null || value === undefined ? -1 : strings.codeOf(String(value)),
            );
            dictionaries.set(vector, map);
          }
          const indices = data.values as Int8Array | Int16Array | Int32Array;
          for (let row = 0; row < length; row += 1)
            codes[at + row] = nulls && !isValid(data, row) ? -1 : map[indices[offset + row]!]!;
          break;
        }
        case Type.Utf8: {
          const bytes = data.values as Uint8Array;
          const offsets = data.valueOffsets as Int32Array;
          for (let row = 0; row < length; row += 1) {
            codes[at + row] =
              nulls && !isValid(data, row)
                ? -1
                : strings.code(bytes, offsets[offset + row]!, offsets[offset + row + 1]!);
          }
          break;
        }
        case Type.Int: {
          const ints = data.values as Int32Array;
          for (let row = 0; row < length; row += 1) {
            if (nulls && !isValid(data, row)) {
              codes[at + row] = -1;
              continue;
            }
            const value = Number(ints[offset + row]);
            let code = numbers.get(value);
            if (code === undefined) {
              code = values.length;
              numbers.set(value, code);
              values.push(value);
            }
            codes[at + row] = code;
          }
          break;
        }
        case Type.Bool: {
          const bits = data.values as Uint8Array;
          for (let row = 0; row < length; row += 1) {
            if (nulls && !isValid(data, row)) {
              codes[at + row] = -1;
              continue;
            }
            const index = offset + row;
            const bit = (bits[index >> 3]! >> (index & 7)) & 1;
            if (booleans[bit]! < 0) {
              booleans[bit] = values.length;
              values.push(bit === 1);
            }
            codes[at + row] = booleans[bit]!;
          }
          break;
        }
        default:
          throw new GroupByColumnError(`Column '${name}' (${String(field.type)}) has no codes`);
      }
      at += length;
    }
    this.out.length = at;
  }

  /** `rows` rows of a table without the column (no code). */
  absent(rows: number): void {
    this.out.reserve(rows).fill(-1, this.out.length, this.out.length + rows);
    this.out.length += rows;
  }

  build(): ColumnCodes {
    return { codes: this.out.done(), values: this.values };
  }
}

/**
 * Per-row codes of one column over several tables: dictionary indices go through one small
 * table per distinct dictionary, Utf8 bytes are interned without building a string per row,
 * integers and booleans map directly. Throws GroupByColumnError for other column types.
 */
export function columnCodes(tables: readonly Table[], name: string): ColumnCodes {
  const builder = new ColumnCodesBuilder(name, totalRows(tables));
  for (const table of tables) builder.add(table);
  return builder.build();
}

/** `listCodes` one table at a time, as `ColumnCodesBuilder` is `columnCodes`. */
export class ListCodesBuilder {
  private readonly offsets: Int32Column;
  private readonly valid: number[] = [];
  private readonly codes = new Int32Column(1024);
  private readonly values: string[] = [];
  private readonly strings = new StringCodes(this.values);
  readonly name: string;

  /** @param capacity rows expected (the arrays grow past it). */
  constructor(name: string, capacity = 1024) {
    this.name = name;
    this.offsets = new Int32Column(capacity + 1);
    this.offsets.length = 1;
  }

  add(table: Table): void {
    const { name, strings } = this;
    const column = optionalColumnIndex(table, name);
    const field = column < 0 ? undefined : table.schema.fields[column]!;
    if (field && (field.typeId !== Type.List || field.type.children[0]?.typeId !== Type.Utf8)) {
      throw new GroupByColumnError(`Column '${name}' (${String(field.type)}) is not a list of strings`);
    }
    const offsets = this.offsets.reserve(table.numRows);
    let at = this.offsets.length - 1;
    for (const batch of table.batches) {
      const length = batch.numRows;
      if (length === 0) continue;
      if (column < 0) {
        offsets.fill(this.codes.length, at + 1, at + length + 1);
        for (let row = 0; row < length; row += 1) this.valid.push(0);
        at += length;
        continue;
      }
      const data = batch.getChildAt(column)!.data[0]!;
      const nulls = hasNulls(data);
      const listOffsets = data.valueOffsets as Int32Array;
      const items = data.children[0]!;
      const itemNulls = hasNulls(items);
      const bytes = items.values as Uint8Array;
      const itemOffsets = items.valueOffsets as Int32Array;
      for (let row = 0; row < length; row += 1) {
        if (!(nulls && !isValid(data, row))) {
          this.valid.push(1);
          const first = listOffsets[data.offset + row]!;
          const last = listOffsets[data.offset + row + 1]!;
          const codes = this.codes.reserve(last - first);
          for (let item = first; item < last; item += 1) {
            codes[this.codes.length++] =
              itemNulls && !isValid(items, item)
                ? strings.codeOf('null')
                : strings.code(
                    bytes,
                    itemOffsets[items.offset + item]!,
                    itemOffsets[items.offset + item + 1]!,
                  );
          }
        } else this.valid.push(0);
        offsets[at + row + 1] = this.codes.length;
      }
      at += length;
    }
    this.offsets.length = at + 1;
  }

  /** `rows` rows of a table without the column (no list). */
  absent(rows: number): void {
    const offsets = this.offsets.reserve(rows);
    offsets.fill(this.codes.length, this.offsets.length, this.offsets.length + rows);
    this.offsets.length += rows;
    for (let row = 0; row < rows; row += 1) this.valid.push(0);
  }

  build(): ListCodes {
    return {
      offsets: this.offsets.done(),
      codes: this.codes.array.subarray(0, this.codes.length),
      values: this.values,
      valid: Uint8Array.from(this.valid),
    };
  }
}

/**
 * A List<Utf8> column over several tables, its strings interned. A null list is empty; a null
 * item reads as 'null' (what `String(item)` gives for the row objects). Throws GroupByColumnError
 * for other column types.
 */
export function listCodes(tables: readonly Table[], name: string): ListCodes {
  const builder = new ListCodesBuilder(name, totalRows(tables));
  for (const table of tables) builder.add(table);
  return builder.build();
}

/** `numberColumn` one table at a time, as `ColumnCodesBuilder` is `columnCodes`. */
export class NumberColumnBuilder {
  private values: Float64Array;
  private valid: Uint8Array;
  private length = 0;
  readonly name: string;

  /** @param capacity rows expected (the arrays grow past it). */
  constructor(name: string, capacity = 1024) {
    this.name = name;
    this.values = new Float64Array(Math.max(1, capacity));
    this.valid = new Uint8Array(Math.max(1, capacity));
  }

  add(table: Table): void {
    const { name } = this;
    const column = optionalColumnIndex(table, name);
    const field = column < 0 ? undefined : table.schema.fields[column]!;
    if (field && field.typeId !== Type.Float && field.typeId !== Type.Int) {
      throw new GroupByColumnError(`Column '${name}' (${String(field.type)}) is not numeric`);
    }
    this.reserve(table.numRows);
    const { values, valid } = this;
    let at = this.length;
    for (const batch of table.batches) {
      if (column >= 0 && batch.numRows > 0) {
        const data = batch.getChildAt(column)!.data[0]!;
        const nulls = hasNulls(data);
        const numbers = data.values as Float64Array | Int32Array;
        for (let row = 0; row < data.length; row += 1) {
          if (nulls && !isValid(data, row)) continue;
          values[at + row] = Number(numbers[data.offset + row]);
          valid[at + row] = 1;
        }
      }
      at += batch.numRows;
    }
    this.length = at;
  }

  /** `rows` rows of a table without the column (no number). */
  absent(rows: number): void {
    this.reserve(rows);
    this.length += rows;
  }

  /** Room for `rows` more rows (unwritten rows stay 0 and invalid). */
  private reserve(rows: number): void {
    if (this.length + rows <= this.values.length) return;
    const size = Math.max(this.values.length * 2, this.length + rows);
    const values = new Float64Array(size);
    values.set(this.values.subarray(0, this.length));
    const valid = new Uint8Array(size);
    valid.set(this.valid.subarray(0, this.length));
    this.values = values;
    this.valid = valid;
  }

  build(): NumberColumn {
    const exact = this.length === this.values.length;
    return {
      values: exact ? this.values : this.values.slice(0, this.length),
      valid: exact ? this.valid : this.valid.slice(0, this.length),
    };
  }
}

/** A Float or Int column over several tables as float64 values and a validity byte per row. */
export function numberColumn(tables: readonly Table[], name: string): NumberColumn {
  const builder = new NumberColumnBuilder(name, totalRows(tables));
  for (const table of tables) builder.add(table);
  return builder.build();
}

/**
 * The rows of each group, by a counting sort of the group codes (-1: in no group). Stable:
 * within a group, rows keep their order.
 */
export function groupRows(codes: Int32Array, groups: number): GroupedRows {
  const offsets = new Int32Array(groups + 1);
  for (let row = 0; row < codes.length; row += 1) {
    const code = codes[row]!;
    if (code >= 0) offsets[code + 1]! += 1;
  }
  for (let group = 0; group < groups; group += 1) offsets[group + 1]! += offsets[group]!;
  const next = offsets.slice(0, groups);
  const rows = new Int32Array(offsets[groups]!);
  for (let row = 0; row < codes.length; row += 1) {
    const code = codes[row]!;
    if (code >= 0) rows[next[code]!++] = row;
  }
  return { offsets, rows };
}

/**
 * Rows that may belong to several groups: (group, row) pairs added in any order, grouped by a
 * stable counting sort, so each group lists its rows in the order they were added.
 */
export class GroupMembers {
  private groupOf = new Int32Array(1024);
  private rowOf = new Int32Array(1024);
  private size = 0;

  add(group: number, row: number): void {
    if (this.size === this.groupOf.length) {
      const grow = (array: Int32Array) => {
        const grown = new Int32Array(array.length * 2);
        grown.set(array);
        return grown;
      };
      this.groupOf = grow(this.groupOf);
      this.rowOf = grow(this.rowOf);
    }
    this.groupOf[this.size] = group;
    this.rowOf[this.size] = row;
    this.size += 1;
  }

  /** The rows of every group `0 … groups - 1`. */
  build(groups: number): GroupedRows {
    const { offsets, rows: pairs } = groupRows(this.groupOf.subarray(0, this.size), groups);
    const rows = new Int32Array(pairs.length);
    for (let index = 0; index < pairs.length; index += 1) rows[index] = this.rowOf[pairs[index]!]!;
    return { offsets, rows };
  }
}

/** The rows of group `group`, as a view. */
export function rowsOf(grouped: GroupedRows, group: number): Int32Array {
  return grouped.rows.subarray(grouped.offsets[group]!, grouped.offsets[group + 1]!);
}

const latin1 = new TextDecoder('latin1');

/** `stringColumn` one table at a time, as `ColumnCodesBuilder` is `columnCodes`. */
export class StringColumnBuilder {
  private readonly strings: (string | undefined)[] = [];
  readonly name: string;

  constructor(name: string) {
    this.name = name;
  }

  add(table: Table): void {
    const { name, strings } = this;
    const column = optionalColumnIndex(table, name);
    const field = column < 0 ? undefined : table.schema.fields[column]!;
    if (field && field.typeId !== Type.Utf8) {
      throw new GroupByColumnError(`Column '${name}' (${String(field.type)}) is not Utf8`);
    }
    for (const batch of table.batches) {
      const length = batch.numRows;
      if (length === 0) continue;
      if (column < 0) {
        for (let row = 0; row < length; row += 1) strings.push(undefined);
        continue;
      }
      const data = batch.getChildAt(column)!.data[0]!;
      const nulls = hasNulls(data);
      const bytes = data.values as Uint8Array;
      const offsets = data.valueOffsets as Int32Array;
      const first = offsets[data.offset]!;
      const last = offsets[data.offset + length]!;
      const window = bytes.subarray(first, last);
      let ascii = true;
      for (let index = 0; index < window.length; index += 1) {
        if (window[index]! > 0x7f) {
          ascii = false;
          break;
        }
      }
      const whole = ascii ? latin1.decode(window) : '';
      for (let row = 0; row < length; row += 1) {
        if (nulls && !isValid(data, row)) {
          strings.push(undefined);
          continue;
        }
        const start = offsets[data.offset + row]!;
        const end = offsets[data.offset + row + 1]!;
        strings.push(
          ascii ? whole.slice(start - first, end - first) : decoder.decode(bytes.subarray(start, end)),
        );
      }
    }
  }

  /** `rows` rows of a table without the column (no string). */
  absent(rows: number): void {
    for (let row = 0; row < rows; row += 1) this.strings.push(undefined);
  }

  build(): (string | undefined)[] {
    return this.strings;
  }
}

/**
 * A Utf8 column over several tables as one string per row (undefined where null or absent),
 * for values that are mostly distinct (row locators). An all-ASCII batch is decoded once and
 * cut by its offsets. Throws GroupByColumnError for other column types.
 */
export function stringColumn(tables: readonly Table[], name: string): (string | undefined)[] {
  const builder = new StringColumnBuilder(name);
  for (const table of tables) builder.add(table);
  return builder.build();
}
