import type { ColumnSpec, ColumnType } from '#packages/contracts/columns.ts';
import {
  Bool,
  type Data,
  type DataType,
  DateDay,
  Dictionary,
  Field,
  Float64,
  type Int8,
  type Int16,
  Int32,
  List,
  makeData,
  makeVector,
  RecordBatch,
  RecordBatchFileWriter,
  Schema,
  Struct,
  TimestampMillisecond,
  Utf8,
  type Vector,
} from './arrow-writing.ts';
import { dictionaryIndexType } from './dictionary-index.ts';

/**
 * Writes contract rows into an Arrow IPC file, one record batch at a time.
 *
 * Values go straight into per-column buffers (typed arrays, UTF-8 bytes, dictionary indices);
 * every `batchSize` rows they become one RecordBatch via `makeData` and are handed to the IPC
 * writer. No row objects are kept: memory is one batch of column buffers plus the IPC output.
 * Dictionary columns use the contract vocabulary as a fixed dictionary shared by every batch,
 * so the file needs no dictionary deltas (see PERFORMANCE.md, lessons 1–2).
 */

const encoder = new TextEncoder();
const MS_PER_DAY = 86_400_000;

interface ColumnBuffer {
  readonly spec: ColumnSpec;
  readonly field: Field;
  push(value: unknown): void;
  /** Build the Data of the rows pushed since the last flush, and reset. */
  flush(length: number): Data;
}

class Validity {
  private bytes = new Uint8Array(1024);
  nullCount = 0;
  set(index: number, valid: boolean): void {
    const byte = index >> 3;
    if (byte >= this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, byte + 1));
      grown.set(this.bytes);
      this.bytes = grown;
    }
    if (valid) this.bytes[byte] = (this.bytes[byte] ?? 0) | (1 << (index & 7));
    else this.nullCount += 1;
  }
  take(length: number): { nullBitmap: Uint8Array | undefined; nullCount: number } {
    const nullCount = this.nullCount;
    const nullBitmap = nullCount > 0 ? this.bytes.slice(0, (length + 7) >> 3) : undefined;
    this.bytes = new Uint8Array(this.bytes.length);
    this.nullCount = 0;
    return { nullBitmap, nullCount };
  }
}

let nextDictionaryId = 0;

/**
 * A Utf8 vector of the strings, none null: what `vectorFromArray(values, new Utf8())` gives, built
 * with `makeData` instead of apache-arrow's builders, which a bundle then leaves out (~20 KB).
 */
function utf8Vector(values: readonly string[]): Vector<Utf8> {
  const encoded = values.map((value) => encoder.encode(value));
  const valueOffsets = new Int32Array(values.length + 1);
  for (const [index, bytes] of encoded.entries())
    valueOffsets[index + 1] = valueOffsets[index]! + bytes.length;
  const data = new Uint8Array(valueOffsets[values.length]!);
  for (const [index, bytes] of encoded.entries()) data.set(bytes, valueOffsets[index]);
  return makeVector(makeData({ type: new Utf8(), length: values.length, nullCount: 0, valueOffsets, data }));
}

/**
 * The Arrow type of a contract column. A dictionary column gets its vocabulary as the shared
 * dictionary (added to `dictionaries` once per vocabulary) and the id `dictionaryId()` gives.
 */
export function arrowColumnType(
  type: ColumnType,
  dictionaries: Map<string, Vector<Utf8>>,
  dictionaryId: () => number = () => nextDictionaryId++,
): DataType {
  switch (type.kind) {
    case 'utf8':
      return new Utf8();
    case 'dictionary': {
      const values = type.values ?? [];
      if (!dictionaries.has(type.vocabulary)) {
        dictionaries.set(type.vocabulary, utf8Vector(values));
      }
      return new Dictionary(new Utf8(), dictionaryIndexType(values.length), dictionaryId());
    }
    case 'int32':
      return new Int32();
    case 'float64':
      return new Float64();
    case 'bool':
      return new Bool();
    case 'date':
      return new DateDay();
    case 'timestamp':
      return new TimestampMillisecond('UTC');
    case 'list-utf8':
      return new List(new Field('item', new Utf8(), true));
  }
}

class Utf8Buffer {
  private offsets: number[] = [0];
  private chunks: Uint8Array[] = [];
  private size = 0;
  push(text: string | undefined): void {
    if (text !== undefined && text.length > 0) {
      const bytes = encoder.encode(text);
      this.chunks.push(bytes);
      this.size += bytes.length;
    }
    this.offsets.push(this.size);
  }
  take(): { valueOffsets: Int32Array; data: Uint8Array } {
    const data = new Uint8Array(this.size);
    let at = 0;
    for (const chunk of this.chunks) {
      data.set(chunk, at);
      at += chunk.length;
    }
    const valueOffsets = Int32Array.from(this.offsets);
    this.offsets = [0];
    this.chunks = [];
    this.size = 0;
    return { valueOffsets, data };
  }
}

function columnBuffer(spec: ColumnSpec, dictionaries: Map<string, Vector<Utf8>>): ColumnBuffer {
  const type = arrowColumnType(spec.type, dictionaries);
  const field = new Field(spec.name, type, true);
  const validity = new Validity();
  let count = 0;
  const track = (valid: boolean) => validity.set(count++, valid);
  const finish = (build: (bits: { nullBitmap: Uint8Array | undefined; nullCount: number }) => Data) => {
    const bits = validity.take(count);
    count = 0;
    return build(bits);
  };

  switch (spec.type.kind) {
    case 'utf8': {
      const text = new Utf8Buffer();
      return {
        spec,
        field,
        push: (value) => {
          const present = value !== undefined && value !== null;
          track(present);
          text.push(present ? String(value) : undefined);
        },
        flush: (length) =>
          finish((bits) => makeData({ type: type as Utf8, length, ...bits, ...text.take() })),
      };
    }
    case 'dictionary': {
      const values = spec.type.values ?? [];
      const indexOf = new Map(values.map((value, index) => [value, index]));
      const dictionary = dictionaries.get(spec.type.vocabulary) as Vector<Utf8>;
      const dictType = type as Dictionary<Utf8, Int8 | Int16 | Int32>;
      let indices: number[] = [];
      return {
        spec,
        field,
        push: (value) => {
          if (value === undefined || value === null) {
            track(false);
            indices.push(0);
            return;
          }
          const index = indexOf.get(String(value));
          if (index === undefined) {
            throw new RangeError(`'${String(value)}' is not in the ${spec.name} dictionary`);
          }
          track(true);
          indices.push(index);
        },
        flush: (length) =>
          finish((bits) => {
            const ArrayType = dictType.indices.ArrayType as Int8ArrayConstructor;
            const data = ArrayType.from(indices);
            indices = [];
            return makeData({ type: dictType, length, ...bits, data, dictionary });
          }),
      };
    }
    case 'int32':
    case 'float64':
    case 'date':
    case 'timestamp': {
      const kind = spec.type.kind;
      let numbers: (number | bigint)[] = [];
      return {
        spec,
        field,
        push: (value) => {
          if (value === undefined || value === null) {
            track(false);
            numbers.push(kind === 'timestamp' ? 0n : 0);
            return;
          }
          track(true);
          if (kind === 'date')
            numbers.push(Math.floor(Date.parse(`${String(value)}T00:00:00Z`) / MS_PER_DAY));
          else if (kind === 'timestamp') numbers.push(BigInt(Date.parse(String(value))));
          else numbers.push(Number(value));
        },
        flush: (length) =>
          finish((bits) => {
            const data =
              kind === 'float64'
                ? Float64Array.from(numbers as number[])
                : kind === 'timestamp'
                  ? BigInt64Array.from(numbers as bigint[])
                  : Int32Array.from(numbers as number[]);
            numbers = [];
            return makeData({ type: type as Int32, length, ...bits, data: data as Int32Array });
          }),
      };
    }
    case 'bool': {
      let bits = new Uint8Array(1024);
      return {
        spec,
        field,
        push: (value) => {
          const index = count;
          if (index >> 3 >= bits.length) {
            const grown = new Uint8Array(bits.length * 2);
            grown.set(bits);
            bits = grown;
          }
          if (value === undefined || value === null) {
            track(false);
            return;
          }
          track(true);
          if (value === true) bits[index >> 3] = (bits[index >> 3] ?? 0) | (1 << (index & 7));
        },
        flush: (length) =>
          finish((validityBits) => {
            const data = bits.slice(0, (length + 7) >> 3);
            bits = new Uint8Array(bits.length);
            return makeData({ type: type as Bool, length, ...validityBits, data });
          }),
      };
    }
    case 'list-utf8': {
      const child = new Utf8Buffer();
      let childCount = 0;
      let offsets: number[] = [0];
      const listType = type as List<Utf8>;
      return {
        spec,
        field,
        push: (value) => {
          if (!Array.isArray(value)) {
            track(false);
            offsets.push(childCount);
            return;
          }
          track(true);
          for (const item of value) {
            child.push(String(item));
            childCount += 1;
          }
          offsets.push(childCount);
        },
        flush: (length) =>
          finish((bits) => {
            const childData = makeData({
              type: new Utf8(),
              length: childCount,
              nullCount: 0,
              ...child.take(),
            });
            const valueOffsets = Int32Array.from(offsets);
            offsets = [0];
            childCount = 0;
            return makeData({ type: listType, length, ...bits, valueOffsets, child: childData });
          }),
      };
    }
  }
}

export interface ArrowTableWriterOptions {
  /** Rows per record batch. @default 65_536 */
  readonly batchSize?: number;
  /** Schema metadata (contract id and version, source SHA-256 …). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Column-buffered writer of one contract table into an Arrow IPC file. */
export class ArrowTableWriter {
  readonly schema: Schema;
  private readonly columns: ColumnBuffer[];
  private readonly writer: RecordBatchFileWriter;
  private readonly batchSize: number;
  private pending = 0;
  rows = 0;
  batches = 0;

  constructor(specs: readonly ColumnSpec[], options: ArrowTableWriterOptions = {}) {
    const dictionaries = new Map<string, Vector<Utf8>>();
    this.columns = specs.map((spec) => columnBuffer(spec, dictionaries));
    this.schema = new Schema(
      this.columns.map((column) => column.field),
      new Map(Object.entries(options.metadata ?? {})),
    );
    this.batchSize = options.batchSize ?? 65_536;
    this.writer = new RecordBatchFileWriter();
    this.writer.reset(undefined, this.schema);
  }

  /** Append one row (values by column name). */
  append(row: Readonly<Record<string, unknown>>): void {
    for (const column of this.columns) column.push(row[column.spec.name]);
    this.pending += 1;
    this.rows += 1;
    if (this.pending >= this.batchSize) this.flush();
  }

  private flush(): void {
    if (this.pending === 0) return;
    const length = this.pending;
    const children = this.columns.map((column) => column.flush(length));
    const data = makeData({ type: new Struct(this.schema.fields), length, nullCount: 0, children });
    this.writer.write(new RecordBatch(this.schema, data));
    this.pending = 0;
    this.batches += 1;
  }

  /** Flush the last batch and return the IPC file bytes. */
  async finish(): Promise<Uint8Array> {
    this.flush();
    this.writer.finish();
    return this.writer.toUint8Array(true);
  }
}
