import { type Data, type Table, Type } from 'apache-arrow';
import { ByteInterner } from './byte-interner.ts';

/**
 * Group-by over the columns of an Arrow table (PERFORMANCE.md lesson 3: aggregate on columns).
 *
 * Each key column becomes one integer code per row: dictionary indices are used as they are
 * (mapped through each batch's dictionary, so batches with different dictionaries agree), Utf8
 * bytes are interned without decoding, booleans and integers map to small codes. The codes of
 * all key columns combine into one group index: dense (an array slot per combination) when the
 * combinations are few, hashed otherwise. Counts and sums then accumulate in typed arrays. No
 * row objects and no `vector.get(i)` (which costs 135 ms per million rows).
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

function isValid(data: Data, row: number): boolean {
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return true;
  const index = data.offset + row;
  return ((bitmap[index >> 3] ?? 0) & (1 << (index & 7))) !== 0;
}

/** One key column turned into per-row codes, with the value of each code. */
interface KeyCodes {
  readonly codes: Int32Array;
  /** Value of each code (the last one may be null). */
  readonly values: GroupKeyValue[];
}

function columnIndex(table: Table, name: string): number {
  const index = table.schema.fields.findIndex((field) => field.name === name);
  if (index < 0) throw new GroupByColumnError(`No column '${name}' in the table`);
  return index;
}

/** Codes for a key column: 0 … values.length - 1, null rows included as their own code. */
function keyCodes(table: Table, column: number): KeyCodes {
  const codes = new Int32Array(table.numRows);
  const field = table.schema.fields[column]!;
  const values: GroupKeyValue[] = [];
  let nullCode = -1;
  const codeOfNull = () => {
    if (nullCode < 0) {
      nullCode = values.length;
      values.push(null);
    }
    return nullCode;
  };
  let at = 0;
  switch (field.typeId) {
    case Type.Dictionary: {
      // Dictionary values are interned once per batch; each index maps to a global code.
      const global = new ByteInterner();
      const encoder = new TextEncoder();
      for (const batch of table.batches) {
        const data = batch.getChildAt(column)!.data[0]!;
        const dictionary = data.dictionary?.toArray() ?? [];
        const toCode = Int32Array.from(dictionary, (value) => {
          const bytes = encoder.encode(String(value));
          const before = global.size;
          const code = global.intern(bytes, 0, bytes.length);
          if (code === before) values.push(String(value));
          return code;
        });
        const indices = data.values as Int8Array | Int16Array | Int32Array;
        const { length, offset } = data;
        const nullable = data.nullCount > 0;
        for (let row = 0; row < length; row += 1) {
          codes[at++] = nullable && !isValid(data, row) ? -1 : toCode[indices[offset + row]!]!;
        }
      }
      // Null rows get a code after every dictionary value.
      for (let row = 0; row < codes.length; row += 1) if (codes[row] === -1) codes[row] = codeOfNull();
      break;
    }
    case Type.Utf8: {
      const interner = new ByteInterner();
      for (const batch of table.batches) {
        const data = batch.getChildAt(column)!.data[0]!;
        const bytes = data.values as Uint8Array;
        const offsets = data.valueOffsets as Int32Array;
        const nullable = data.nullCount > 0;
        for (let row = 0; row < data.length; row += 1) {
          if (nullable && !isValid(data, row)) {
            codes[at++] = -1;
            continue;
          }
          const start = offsets[data.offset + row]!;
          const end = offsets[data.offset + row + 1]!;
          const before = interner.size;
          const code = interner.intern(bytes, start, end);
          if (code === before) values.push(decoder.decode(bytes.subarray(start, end)));
          codes[at++] = code;
        }
      }
      for (let row = 0; row < codes.length; row += 1) if (codes[row] === -1) codes[row] = codeOfNull();
      break;
    }
    case Type.Bool:
    case Type.Int: {
      const codeOf = new Map<GroupKeyValue, number>();
      const isBool = field.typeId === Type.Bool;
      for (const batch of table.batches) {
        const data = batch.getChildAt(column)!.data[0]!;
        for (let row = 0; row < data.length; row += 1) {
          let value: GroupKeyValue = null;
          if (isValid(data, row)) {
            const index = data.offset + row;
            value = isBool
              ? ((data.values as Uint8Array)[index >> 3]! & (1 << (index & 7))) !== 0
              : Number((data.values as Int32Array)[index]);
          }
          let code = codeOf.get(value);
          if (code === undefined) {
            code = values.length;
            codeOf.set(value, code);
            values.push(value);
          }
          codes[at++] = code;
        }
      }
      break;
    }
    default:
      throw new GroupByColumnError(`Column '${field.name}' (${String(field.type)}) cannot be a group key`);
  }
  return { codes, values };
}

/** The values of a numeric column per row, with NaN for nulls. */
function numbers(table: Table, column: number): Float64Array {
  const field = table.schema.fields[column]!;
  if (field.typeId !== Type.Float && field.typeId !== Type.Int) {
    throw new GroupByColumnError(`Column '${field.name}' (${String(field.type)}) cannot be summed`);
  }
  const out = new Float64Array(table.numRows);
  let at = 0;
  for (const batch of table.batches) {
    const data = batch.getChildAt(column)!.data[0]!;
    const values = data.values as Float64Array | Int32Array;
    const nullable = data.nullCount > 0;
    for (let row = 0; row < data.length; row += 1) {
      out[at++] = nullable && !isValid(data, row) ? Number.NaN : Number(values[data.offset + row]);
    }
  }
  return out;
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

/**
 * Count rows (and sum columns) per combination of key values. Groups come sorted by key (nulls
 * last, strings by code unit), so the result does not depend on row or batch order.
 */
export function groupByColumns(table: Table, options: GroupByOptions): Group[] {
  const keys = options.keys.map((name) => keyCodes(table, columnIndex(table, name)));
  const sumColumns = (options.sums ?? []).map((name) => numbers(table, columnIndex(table, name)));
  const rows = table.numRows;

  // Combine the key codes into one group id per row.
  const groupOf = new Int32Array(rows);
  const groupKeys: number[][] = [];
  let combinations = 1;
  for (const key of keys) combinations *= Math.max(1, key.values.length);
  if (combinations <= DENSE_LIMIT) {
    const slot = new Int32Array(combinations).fill(-1);
    for (let row = 0; row < rows; row += 1) {
      let index = 0;
      for (const key of keys) index = index * Math.max(1, key.values.length) + key.codes[row]!;
      let group = slot[index]!;
      if (group < 0) {
        group = groupKeys.length;
        slot[index] = group;
        groupKeys.push(keys.map((key) => key.codes[row]!));
      }
      groupOf[row] = group;
    }
  } else {
    const slot = new Map<string, number>();
    for (let row = 0; row < rows; row += 1) {
      const codes = keys.map((key) => key.codes[row]!);
      const id = codes.join(',');
      let group = slot.get(id);
      if (group === undefined) {
        group = groupKeys.length;
        slot.set(id, group);
        groupKeys.push(codes);
      }
      groupOf[row] = group;
    }
  }

  const groups = groupKeys.length;
  const counts = new Float64Array(groups);
  const sums = sumColumns.map(() => new Float64Array(groups));
  const summed = sumColumns.map(() => new Float64Array(groups));
  for (let row = 0; row < rows; row += 1) counts[groupOf[row]!]! += 1;
  sumColumns.forEach((values, index) => {
    const total = sums[index]!;
    const present = summed[index]!;
    for (let row = 0; row < rows; row += 1) {
      const value = values[row]!;
      if (Number.isNaN(value)) continue;
      total[groupOf[row]!]! += value;
      present[groupOf[row]!]! += 1;
    }
  });

  const result: Group[] = groupKeys.map((codes, group) => ({
    key: codes.map((code, index) => keys[index]!.values[code] ?? null),
    count: counts[group]!,
    sums: sums.map((total) => total[group]!),
    summed: summed.map((present) => present[group]!),
  }));
  return result.sort((a, b) => compareKeys(a.key, b.key));
}
