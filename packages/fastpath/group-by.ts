import { type Data, type Table, Type } from 'apache-arrow';
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
