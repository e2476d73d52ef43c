import { type DataType, type Dictionary, type Field, type Table, Type } from 'apache-arrow';
import { LOCATOR_COLUMN } from '#contracts/curated-columns.ts';
import type { RegisteredDocument } from '#contracts/source-registry.ts';
import { CONFIDENCE } from '#contracts/vocabularies.ts';
import { plainValue } from '#packages/arrow/read.ts';
import {
  ColumnCodesBuilder,
  columnCodes,
  GroupByColumnError,
  type ListCodes,
  ListCodesBuilder,
  listCodes,
  type NumberColumn,
  NumberColumnBuilder,
  numberColumn,
  StringColumnBuilder,
  stringColumn,
} from '#packages/columnar/group-by.ts';
import {
  addLocators,
  type LocatorCodes,
  LocatorCodesBuilder,
  locatorCodes,
} from '#packages/columnar/locator-codes.ts';
import { DocumentRegistry } from './document-registry.ts';
import type { CuratedRow, CuratedTables } from './model.ts';

/**
 * The curated tables as the briefing builder reads them: columns, not row objects.
 *
 * A curated table is one Arrow table per source file (its snapshot), with that file's lineage.
 * The builder asks for a column as codes (dictionary indices and interned strings, one code space
 * over every file), lists, numbers, and the provenance of each row as typed arrays; it turns a row
 * into an object only when that row appears in an item's body. The same view over row objects
 * (`curatedTablesFromRows`) lets hand-made tables in tests go through the same builder.
 */

type Row = Readonly<Record<string, unknown>>;

/** One curated Arrow table of one source file, with the lineage the ledger gives for the file. */
export interface CuratedSegment {
  readonly table: string;
  readonly arrow: Table;
  /** SHA-256 of the uploaded file (its raw object's address). */
  readonly file_sha256: string;
  /** '' when the ledger has no record of the file. */
  readonly raw_key: string;
  /** The file's document, for rows that name none. */
  readonly doc_id?: string;
  /** The file's document as its sidecar registered it at ingest (source-registry.ts). */
  readonly document?: RegisteredDocument;
}

/** A column as codes: `values[codes[row]]`, -1 where the row has no value. */
export interface ValueCodes {
  readonly codes: Int32Array;
  readonly values: readonly unknown[];
}

/** Where rows come from: the table name as cited, the file and its raw object. */
export interface RefOrigin {
  readonly table: string;
  readonly file_sha256: string;
  readonly raw_key: string;
  /** Index of `file_sha256` in `CuratedTableSet.files`. */
  readonly file: number;
}

/** The provenance of every row of a table (what `SourceRef` holds, as columns). */
export interface CuratedRefs {
  /** Index into `CuratedTableSet.docs`: the document the row states. */
  readonly doc: Int32Array;
  /** Index into `CuratedTableSet.origins`. */
  readonly origin: Int32Array;
  /**
   * 1 where the row can only be cited with confidence 'low': it says so, states none, or its
   * document is illustrative.
   */
  readonly low: Uint8Array;
  /** The row's effective confidence as an index of CONFIDENCE (0 high, 1 medium, 2 low). */
  readonly rank: Uint8Array;
  /** 1 where the row's document is illustrative. */
  readonly illustrative: Uint8Array;
  /** The row locators (`locators.text(row)`), as templates and numbers. */
  readonly locators: LocatorCodes;
}

export interface CuratedTable {
  readonly name: string;
  readonly length: number;
  /** A scalar column as codes (cached). */
  codes(column: string): ValueCodes;
  /** A list column (what `list(value)` gives per row: strings, empty when absent). */
  lists(column: string): ListCodes;
  /** A column's values that are numbers. */
  numbers(column: string): NumberColumn;
  /** Reads one column's plain value of a row (undefined when absent), as a row object holds it. */
  column(column: string): (row: number) => unknown;
  /** Row `index` as an object: the given columns, or all of them (absent values left out). */
  row(index: number, columns?: readonly string[]): Row;
  refs(): CuratedRefs;
  /** The same rows in another set (its own provenance codes), less the rows in `held`. */
  copyTo(set: CuratedTableSet, held?: ReadonlySet<number>): CuratedTable;
  /**
   * Reads `reads` and the provenance once more (cached), then lets go of the file bytes they were
   * read from: afterwards only what was read can be read again (anything else throws
   * CuratedTableReleasedError). For a builder that knows what it still needs.
   */
  release(reads: TableReads): void;
}

/** What a builder still reads from a table: columns through `column`/`row`, and as codes or lists. */
export interface TableReads {
  readonly columns?: readonly string[];
  readonly codes?: readonly string[];
  readonly lists?: readonly string[];
  readonly numbers?: readonly string[];
}

/** A table's file bytes were let go (`release`) before a column they still held was read. */
export class CuratedTableReleasedError extends Error {
  override readonly name = 'CuratedTableReleasedError';
}

/** Every curated table of one briefing, in the order they were read, with shared provenance codes. */
export class CuratedTableSet {
  readonly docs: string[] = [];
  readonly files: string[] = [];
  readonly origins: RefOrigin[] = [];
  private readonly docIndex = new Map<string, number>();
  private readonly fileIndex = new Map<string, number>();
  private readonly originIndex = new Map<string, number>();
  private readonly byName = new Map<string, CuratedTable>();
  private documents: DocumentRegistry | undefined;
  private readonly docIllustrative: boolean[] = [];

  readonly registered: readonly RegisteredDocument[];

  /** @param registered documents registered at ingest by a sidecar (source-registry.ts). */
  constructor(registered: readonly RegisteredDocument[] = []) {
    this.registered = registered;
  }

  /** The document registry: `source_document` rows and sidecar registrations (document-registry.ts). */
  registry(): DocumentRegistry {
    if (!this.documents) {
      const table = this.table('source_document');
      const rows = Array.from({ length: table.length }, (_, row) => table.row(row));
      this.documents = new DocumentRegistry(rows, this.registered);
    }
    return this.documents;
  }

  /** True when the document of a doc code is illustrative. */
  illustrativeDoc(code: number): boolean {
    let flag = this.docIllustrative[code];
    if (flag === undefined) {
      flag = this.registry().illustrative(this.docs[code]!);
      this.docIllustrative[code] = flag;
    }
    return flag;
  }

  /** Effective confidence ranks and flags of rows, once their doc codes and stated ranks are known. */
  markRows(doc: Int32Array, rank: Uint8Array): Pick<CuratedRefs, 'low' | 'illustrative'> {
    const low = new Uint8Array(doc.length);
    const illustrative = new Uint8Array(doc.length);
    for (let row = 0; row < doc.length; row += 1) {
      if (this.illustrativeDoc(doc[row]!)) {
        illustrative[row] = 1;
        rank[row] = LOW_RANK;
      }
      low[row] = rank[row] === LOW_RANK ? 1 : 0;
    }
    return { low, illustrative };
  }

  docCode(doc: string): number {
    let code = this.docIndex.get(doc);
    if (code === undefined) {
      code = this.docs.length;
      this.docs.push(doc);
      this.docIndex.set(doc, code);
    }
    return code;
  }

  originCode(table: string, fileSha256: string, rawKey: string): number {
    const key = `${table}\u0000${fileSha256}\u0000${rawKey}`;
    let code = this.originIndex.get(key);
    if (code === undefined) {
      let file = this.fileIndex.get(fileSha256);
      if (file === undefined) {
        file = this.files.length;
        this.files.push(fileSha256);
        this.fileIndex.set(fileSha256, file);
      }
      code = this.origins.length;
      this.origins.push({ table, file_sha256: fileSha256, raw_key: rawKey, file });
      this.originIndex.set(key, code);
    }
    return code;
  }

  add(table: CuratedTable): void {
    this.byName.set(table.name, table);
  }

  /** The named table; an empty one when no source has it. */
  table(name: string): CuratedTable {
    return this.byName.get(name) ?? new RowCuratedTable(this, name, []);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Every table, in the order they were read. */
  all(): CuratedTable[] {
    return [...this.byName.values()];
  }

  /**
   * Lets go of the file bytes of the named tables once `reads` are read from them (see
   * `CuratedTable.release`); tables not named keep theirs.
   */
  release(reads: Readonly<Record<string, TableReads>>): void {
    for (const [name, table] of this.byName) {
      if (Object.hasOwn(reads, name)) table.release(reads[name]!);
    }
  }

  /**
   * The same tables without some rows (per table name, row numbers): rows held back from the
   * briefing (key-conflicts.ts). Tables without held rows keep their columns as they are.
   */
  without(held: ReadonlyMap<string, ReadonlySet<number>>): CuratedTableSet {
    const set = new CuratedTableSet(this.registered);
    for (const table of this.all()) set.add(table.copyTo(set, held.get(table.name)));
    return set;
  }
}

/** Row objects of a table with their provenance, less some rows (a table copied into another set). */
function keptRows(
  from: CuratedTableSet,
  table: CuratedTable,
  held: ReadonlySet<number>,
  whole: (row: number) => Row,
): CuratedRow[] {
  const refs = table.refs();
  const rows: CuratedRow[] = [];
  for (let row = 0; row < table.length; row += 1) {
    if (held.has(row)) continue;
    const values = whole(row);
    const origin = from.origins[refs.origin[row]!]!;
    rows.push({
      row: values,
      ref: {
        table: origin.table,
        locator: refs.locators.text(row),
        file_sha256: origin.file_sha256,
        raw_key: origin.raw_key,
        source_doc_id: from.docs[refs.doc[row]!]!,
        ...(typeof values.confidence === 'string' ? { confidence: values.confidence } : {}),
      },
    });
  }
  return rows;
}

const LOW_RANK = CONFIDENCE.indexOf('low');

/** A stated confidence as an index of CONFIDENCE; a row that states none is 'low'. */
function statedRank(value: unknown): number {
  const rank = (CONFIDENCE as readonly unknown[]).indexOf(value);
  return rank < 0 ? LOW_RANK : rank;
}

/** Interns arbitrary values (by identity, as a Map does) into codes. */
function internValues(values: Iterable<unknown>, length: number): ValueCodes {
  const codes = new Int32Array(length);
  const distinct: unknown[] = [];
  const index = new Map<unknown, number>();
  let row = 0;
  for (const value of values) {
    if (value === undefined) {
      codes[row++] = -1;
      continue;
    }
    let code = index.get(value);
    if (code === undefined) {
      code = distinct.length;
      distinct.push(value);
      index.set(value, code);
    }
    codes[row++] = code;
  }
  return { codes, values: distinct };
}

function internLists(values: Iterable<unknown>, length: number): ListCodes {
  const offsets = new Int32Array(length + 1);
  const valid = new Uint8Array(length);
  const codes: number[] = [];
  const distinct: string[] = [];
  const index = new Map<string, number>();
  let row = 0;
  for (const value of values) {
    if (Array.isArray(value)) {
      valid[row] = 1;
      for (const item of value) {
        const text = String(item);
        let code = index.get(text);
        if (code === undefined) {
          code = distinct.length;
          distinct.push(text);
          index.set(text, code);
        }
        codes.push(code);
      }
    }
    offsets[++row] = codes.length;
  }
  return { offsets, codes: Int32Array.from(codes), values: distinct, valid };
}

function numbersOf(values: Iterable<unknown>, length: number): NumberColumn {
  const numbers = new Float64Array(length);
  const valid = new Uint8Array(length);
  let row = 0;
  for (const value of values) {
    if (typeof value === 'number') {
      numbers[row] = value;
      valid[row] = 1;
    }
    row += 1;
  }
  return { values: numbers, valid };
}

function locatorCodesOf(locators: readonly string[]): LocatorCodes {
  const builder = new LocatorCodesBuilder(locators.length);
  for (const locator of locators) builder.addText(locator);
  return builder.build();
}

function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    cache.set(key, value);
  }
  return value;
}

/** Hand-made row objects (tests) behind the same view. */
class RowCuratedTable implements CuratedTable {
  readonly length: number;
  private readonly codeCache = new Map<string, ValueCodes>();
  private readonly listCache = new Map<string, ListCodes>();
  private readonly numberCache = new Map<string, NumberColumn>();
  private refColumns: CuratedRefs | undefined;
  private readonly set: CuratedTableSet;
  readonly name: string;
  private readonly rows: readonly CuratedRow[];

  constructor(set: CuratedTableSet, name: string, rows: readonly CuratedRow[]) {
    this.set = set;
    this.name = name;
    this.rows = rows;
    this.length = rows.length;
  }

  private values(column: string): Iterable<unknown> {
    return this.rows.map((row) => row.row[column]);
  }

  codes(column: string): ValueCodes {
    return cached(this.codeCache, column, () => internValues(this.values(column), this.length));
  }

  lists(column: string): ListCodes {
    return cached(this.listCache, column, () => internLists(this.values(column), this.length));
  }

  numbers(column: string): NumberColumn {
    return cached(this.numberCache, column, () => numbersOf(this.values(column), this.length));
  }

  column(column: string): (row: number) => unknown {
    return (row) => this.rows[row]!.row[column];
  }

  row(index: number): Row {
    return this.rows[index]!.row;
  }

  /** Row objects are not file bytes: nothing to let go. */
  release(): void {}

  copyTo(set: CuratedTableSet, held?: ReadonlySet<number>): CuratedTable {
    return new RowCuratedTable(
      set,
      this.name,
      held?.size ? this.rows.filter((_, row) => !held.has(row)) : this.rows,
    );
  }

  refs(): CuratedRefs {
    if (!this.refColumns) {
      const doc = new Int32Array(this.length);
      const origin = new Int32Array(this.length);
      const rank = new Uint8Array(this.length);
      this.rows.forEach(({ ref }, index) => {
        doc[index] = this.set.docCode(ref.source_doc_id);
        origin[index] = this.set.originCode(ref.table, ref.file_sha256, ref.raw_key);
        rank[index] = statedRank(ref.confidence);
      });
      this.refColumns = {
        doc,
        origin,
        rank,
        ...this.set.markRows(doc, rank),
        locators: locatorCodesOf(this.rows.map(({ ref }) => ref.locator)),
      };
    }
    return this.refColumns;
  }
}

/** Where a row lives: its segment and batch, and the batch's first row number. */
interface BatchSlot {
  readonly segment: number;
  readonly batch: number;
  readonly start: number;
}

/** What decides how a column is read: its type, and a list's or dictionary's value type. */
function kindOf(type: DataType): string {
  const inner =
    type.typeId === Type.List
      ? type.children[0]?.typeId
      : type.typeId === Type.Dictionary
        ? (type as Dictionary).dictionary.typeId
        : '';
  return `${type.typeId}:${inner}`;
}

/** The column in the files that have it (null: none has it; undefined: they store it differently). */
function sharedField(segments: readonly CuratedSegment[], column: string): Field | null | undefined {
  let shared: Field | null = null;
  for (const segment of segments) {
    const field = segment.arrow.schema.fields.find((candidate) => candidate.name === column);
    if (!field) continue;
    if (shared && kindOf(shared.type) !== kindOf(field.type)) return undefined;
    shared ??= field;
  }
  return shared;
}

/** Curated Arrow tables (one per source file) behind the view; columns read by the kernels. */
class ArrowCuratedTable implements CuratedTable {
  readonly length: number;
  private arrows: Table[];
  /** Set by `release`: why the Arrow tables are gone. */
  private released: string | undefined;
  /** Columns read through Arrow's own `get` (see `cell`). */
  private readonly cellColumns = new Set<string>();
  private readonly slots: BatchSlot[] = [];
  /** Per segment: the names of every column but the locator, in schema order (a whole row). */
  private readonly allColumns: string[][];
  private readonly codeCache = new Map<string, ValueCodes>();
  private readonly listCache = new Map<string, ListCodes>();
  private readonly numberCache = new Map<string, NumberColumn>();
  private readonly stringCache = new Map<string, readonly unknown[]>();
  private readonly readers = new Map<string, (row: number) => unknown>();
  private refColumns: CuratedRefs | undefined;
  private readonly set: CuratedTableSet;
  readonly name: string;
  private segments: readonly CuratedSegment[];

  constructor(set: CuratedTableSet, name: string, segments: readonly CuratedSegment[]) {
    this.set = set;
    this.name = name;
    this.segments = segments;
    this.arrows = segments.map((segment) => segment.arrow);
    this.allColumns = segments.map((segment) =>
      segment.arrow.schema.fields.map((field) => field.name).filter((column) => column !== LOCATOR_COLUMN),
    );
    let start = 0;
    segments.forEach((segment, index) => {
      segment.arrow.batches.forEach((batch, batchIndex) => {
        this.slots.push({ segment: index, batch: batchIndex, start });
        start += batch.numRows;
      });
    });
    this.length = start;
  }

  /** Plain values of one column, row by row (the slow path, for column types without a kernel). */
  private *plainValues(column: string): Iterable<unknown> {
    this.live(column);
    for (const segment of this.segments) {
      const index = segment.arrow.schema.fields.findIndex((field) => field.name === column);
      const field = segment.arrow.schema.fields[index];
      for (const batch of segment.arrow.batches) {
        const vector = index < 0 ? undefined : batch.getChildAt(index);
        const typeId = field?.typeId === Type.Dictionary ? Type.Utf8 : (field?.typeId ?? Type.Null);
        for (let row = 0; row < batch.numRows; row += 1) yield plainValue(vector?.get(row), typeId);
      }
    }
  }

  codes(column: string): ValueCodes {
    return cached(this.codeCache, column, () => {
      try {
        return columnCodes(this.live(column), column);
      } catch (error) {
        if (!(error instanceof GroupByColumnError)) throw error;
        return internValues(this.plainValues(column), this.length);
      }
    });
  }

  lists(column: string): ListCodes {
    return cached(this.listCache, column, () => {
      try {
        return listCodes(this.live(column), column);
      } catch (error) {
        if (!(error instanceof GroupByColumnError)) throw error;
        return internLists(this.plainValues(column), this.length);
      }
    });
  }

  numbers(column: string): NumberColumn {
    return cached(this.numberCache, column, () => {
      try {
        return numberColumn(this.live(column), column);
      } catch (error) {
        if (!(error instanceof GroupByColumnError)) throw error;
        return numbersOf(this.plainValues(column), this.length);
      }
    });
  }

  /** A Utf8 column as one string per row (undefined where null). */
  private strings(column: string): readonly unknown[] {
    return cached(this.stringCache, column, () => stringColumn(this.live(column), column));
  }

  private slotOf(index: number): BatchSlot {
    let low = 0;
    let high = this.slots.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.slots[middle]!.start <= index) low = middle;
      else high = middle - 1;
    }
    return this.slots[low]!;
  }

  /** One cell through Arrow's own `get` (dates, timestamps, and columns whose type differs by file). */
  private cell(index: number, column: string): unknown {
    this.live(column);
    const slot = this.slotOf(index);
    const fields = this.segments[slot.segment]!.arrow.schema.fields;
    const at = fields.findIndex((field) => field.name === column);
    if (at < 0) return undefined;
    const batch = this.segments[slot.segment]!.arrow.batches[slot.batch]!;
    const typeId = fields[at]!.typeId === Type.Dictionary ? Type.Utf8 : fields[at]!.typeId;
    return plainValue(batch.getChildAt(at)?.get(index - slot.start), typeId);
  }

  /**
   * Reads a column from the column kernels (cached per table), which give the same plain values
   * as `vector.get` without walking Arrow's visitors per cell.
   */
  column(column: string): (row: number) => unknown {
    return cached(this.readers, column, () => {
      this.live(column);
      const field = sharedField(this.segments, column);
      if (field === null) return () => undefined;
      const typeId = field?.typeId;
      const valueType = field ? kindOf(field.type).split(':')[1] : '';
      if (typeId === Type.Utf8) {
        const strings = this.strings(column);
        return (row) => strings[row];
      }
      if ((typeId === Type.Dictionary && valueType === String(Type.Utf8)) || typeId === Type.Bool) {
        return codeReader(this.codes(column));
      }
      if (typeId === Type.Int || typeId === Type.Float) return numberReader(this.numbers(column));
      if (typeId === Type.List && valueType === String(Type.Utf8)) return listReader(this.lists(column));
      this.cellColumns.add(column);
      return (row) => this.cell(row, column);
    });
  }

  row(index: number, columns?: readonly string[]): Row {
    const row: Record<string, unknown> = {};
    for (const column of columns ?? this.allColumns[this.slotOf(index).segment]!) {
      const value = this.column(column)(index);
      if (value !== undefined) row[column] = value;
    }
    return row;
  }

  copyTo(set: CuratedTableSet, held?: ReadonlySet<number>): CuratedTable {
    this.live('every column');
    if (!held?.size) return new ArrowCuratedTable(set, this.name, this.segments);
    return new RowCuratedTable(
      set,
      this.name,
      keptRows(this.set, this, held, (row) => this.row(row)),
    );
  }

  /** The locator column as codes (from the bytes; through plain values when a file stores it otherwise). */
  private locatorCodes(): LocatorCodes {
    try {
      return locatorCodes(this.arrows, LOCATOR_COLUMN);
    } catch (error) {
      if (!(error instanceof GroupByColumnError)) throw error;
      const readLocator = this.column(LOCATOR_COLUMN);
      return locatorCodesOf(Array.from({ length: this.length }, (_, row) => String(readLocator(row))));
    }
  }

  /** The Arrow tables, or CuratedTableReleasedError once they were let go. */
  private live(column: string): Table[] {
    if (this.released !== undefined) {
      throw new CuratedTableReleasedError(
        `${this.name}: column '${column}' was not read before the table's file bytes were let go (${this.released})`,
      );
    }
    return this.arrows;
  }

  release(reads: TableReads): void {
    if (this.released !== undefined) return;
    this.refs();
    for (const column of reads.codes ?? []) this.codes(column);
    for (const column of reads.lists ?? []) this.lists(column);
    for (const column of reads.numbers ?? []) this.numbers(column);
    for (const column of reads.columns ?? []) {
      const read = this.column(column);
      // A column read cell by cell through Arrow is copied out, value by value.
      if (this.cellColumns.has(column)) {
        const values = Array.from({ length: this.length }, (_, row) => read(row));
        this.readers.set(column, (row) => values[row]);
      }
    }
    this.arrows = [];
    this.segments = [];
    this.released = `kept: ${[...new Set([...(reads.columns ?? []), ...(reads.codes ?? []), ...(reads.lists ?? []), ...(reads.numbers ?? [])])].join(', ') || 'provenance only'}`;
  }

  refs(): CuratedRefs {
    if (this.refColumns) return this.refColumns;
    this.refColumns = provenanceRefs(
      this.set,
      this.name,
      this.length,
      this.codes('source_doc_id'),
      this.codes('confidence'),
      this.segments.map((segment) => ({ ...segment, doc_id: segment.doc_id, rows: segment.arrow.numRows })),
      this.locatorCodes(),
    );
    return this.refColumns;
  }
}

/** How a column is read for `column`: through which kernel, or cell by cell. */
type ReaderKind = 'strings' | 'codes' | 'numbers' | 'lists' | 'cells';

function readerKind(field: Field): ReaderKind {
  const valueType = kindOf(field.type).split(':')[1];
  if (field.typeId === Type.Utf8) return 'strings';
  if ((field.typeId === Type.Dictionary && valueType === String(Type.Utf8)) || field.typeId === Type.Bool)
    return 'codes';
  if (field.typeId === Type.Int || field.typeId === Type.Float) return 'numbers';
  if (field.typeId === Type.List && valueType === String(Type.Utf8)) return 'lists';
  return 'cells';
}

/** A row's value of a coded column: its code's value, or undefined for a null. */
function codeReader({ codes, values }: ValueCodes): (row: number) => unknown {
  return (row) => {
    const code = codes[row]!;
    return code < 0 ? undefined : values[code];
  };
}

/** A row's value of a numeric column, or undefined for a null. */
function numberReader({ values, valid }: NumberColumn): (row: number) => unknown {
  return (row) => (valid[row] ? values[row] : undefined);
}

/** A row's list of a list column, as strings, or undefined for a null. */
function listReader(lists: ListCodes): (row: number) => unknown {
  return (row) => {
    if (!lists.valid[row]) return undefined;
    const items: string[] = [];
    for (let item = lists.offsets[row]!; item < lists.offsets[row + 1]!; item += 1)
      items.push(lists.values[lists.codes[item]!]!);
    return items;
  };
}

/**
 * A column of a table read file by file (`CuratedTableLoader`) is stored differently by two of its
 * files, so it cannot be read into one kernel as the files come. The contracts give every file of a
 * table one schema; a file written with another is to be normalised again.
 */
export class CuratedColumnKindError extends Error {
  override readonly name = 'CuratedColumnKindError';
}

/** One file's part of a table read file by file: its lineage and how many rows it gave. */
interface FilePart {
  readonly file_sha256: string;
  readonly raw_key: string;
  readonly doc_id: string | undefined;
  readonly rows: number;
}

/**
 * The provenance of every row of a table whose files come in order (`parts`, each `rows` long):
 * the document it states (or its file's), the file it came from, and its effective confidence.
 */
function provenanceRefs(
  set: CuratedTableSet,
  table: string,
  length: number,
  docs: ValueCodes,
  confidence: ValueCodes,
  parts: readonly FilePart[],
  locators: LocatorCodes,
): CuratedRefs {
  const doc = new Int32Array(length);
  const origin = new Int32Array(length);
  const rank = new Uint8Array(length);
  const docCodes = docs.values.map((value) => set.docCode(String(value)));
  const rankCodes = confidence.values.map(statedRank);
  let row = 0;
  for (const part of parts) {
    const originCode = set.originCode(table, part.file_sha256, part.raw_key);
    const fallback = set.docCode(String(part.doc_id ?? ''));
    for (let end = row + part.rows; row < end; row += 1) {
      const docCode = docs.codes[row]!;
      doc[row] = docCode < 0 ? fallback : docCodes[docCode]!;
      origin[row] = originCode;
      const confidenceCode = confidence.codes[row]!;
      rank[row] = confidenceCode >= 0 ? rankCodes[confidenceCode]! : LOW_RANK;
    }
  }
  return { doc, origin, rank, ...set.markRows(doc, rank), locators };
}

/** What a table read file by file has kept, once every file is in. */
interface StreamedColumns {
  readonly length: number;
  readonly parts: readonly FilePart[];
  readonly reads: TableReads;
  /** The columns `column` reads, in the order of the first file's schema. */
  readonly columns: readonly string[];
  readonly kinds: ReadonlyMap<string, ReaderKind>;
  readonly codes: ReadonlyMap<string, ValueCodes>;
  readonly lists: ReadonlyMap<string, ListCodes>;
  readonly numbers: ReadonlyMap<string, NumberColumn>;
  readonly strings: ReadonlyMap<string, readonly unknown[]>;
  readonly cells: ReadonlyMap<string, readonly unknown[]>;
  readonly locators: LocatorCodes;
}

/** Provenance columns every table is read with (see `refs`). */
const PROVENANCE_CODES = ['source_doc_id', 'confidence'];

/**
 * Reads the declared columns of one table's files as they come (`add`), each file's Arrow table
 * let go before the next is read: the kernels' builders keep codes, numbers, lists and strings,
 * never the file bytes. `finish` gives the table.
 */
class StreamedTableReader {
  private length = 0;
  private readonly parts: FilePart[] = [];
  private readonly kinds = new Map<string, ReaderKind>();
  private columnOrder: string[] | undefined;
  private readonly codes = new Map<string, ColumnCodesBuilder>();
  private readonly lists = new Map<string, ListCodesBuilder>();
  private readonly numbers = new Map<string, NumberColumnBuilder>();
  private readonly strings = new Map<string, StringColumnBuilder>();
  private readonly cells = new Map<string, unknown[]>();
  private readonly locators = new LocatorCodesBuilder();
  readonly name: string;
  private readonly reads: TableReads;

  constructor(name: string, reads: TableReads) {
    this.name = name;
    this.reads = reads;
    for (const column of [...PROVENANCE_CODES, ...(reads.codes ?? [])]) this.codeBuilder(column);
    for (const column of reads.lists ?? []) this.listBuilder(column);
    for (const column of reads.numbers ?? []) this.numberBuilder(column);
  }

  private codeBuilder(column: string): ColumnCodesBuilder {
    return this.builder(this.codes, column, () => new ColumnCodesBuilder(column));
  }

  private listBuilder(column: string): ListCodesBuilder {
    return this.builder(this.lists, column, () => new ListCodesBuilder(column));
  }

  private numberBuilder(column: string): NumberColumnBuilder {
    return this.builder(this.numbers, column, () => new NumberColumnBuilder(column));
  }

  /** A builder made once the rows before it are known: they are rows without the column. */
  private builder<T extends { absent(rows: number): void }>(
    builders: Map<string, T>,
    column: string,
    make: () => T,
  ): T {
    let builder = builders.get(column);
    if (!builder) {
      builder = make();
      builder.absent(this.length);
      builders.set(column, builder);
    }
    return builder;
  }

  /** Reads one file's table: what `reads` name, its locators and its lineage. */
  add(segment: CuratedSegment): void {
    const arrow = segment.arrow;
    const fields = arrow.schema.fields;
    this.columnOrder ??= fields.map((field) => field.name).filter((column) => column !== LOCATOR_COLUMN);
    // `column` reads each column the way the first file that has it stores it.
    for (const column of this.reads.columns ?? []) {
      const field = fields.find((candidate) => candidate.name === column);
      if (!field) continue;
      const kind = readerKind(field);
      const known = this.kinds.get(column);
      if (known === undefined) this.kinds.set(column, kind);
      else if (known !== kind) {
        throw new CuratedColumnKindError(
          `${this.name}: column '${column}' of file ${segment.file_sha256.slice(0, 12)} is stored as ${String(field.type)}, unlike the table's earlier files: normalise the file again with the current contract`,
        );
      }
      if (kind === 'codes') this.codeBuilder(column);
      else if (kind === 'numbers') this.numberBuilder(column);
      else if (kind === 'lists') this.listBuilder(column);
      // A Utf8 column also read as codes is read through them: one string per distinct value, not
      // one per row (ids: 250k strings each at 1M rows).
      else if (kind === 'strings' && !this.codes.has(column))
        this.builder(this.strings, column, () => new StringColumnBuilder(column));
    }
    for (const builders of [this.codes, this.lists, this.numbers, this.strings] as const) {
      for (const builder of builders.values()) builder.add(arrow);
    }
    for (const column of this.reads.columns ?? []) {
      if (this.kinds.get(column) !== 'cells') continue;
      let values = this.cells.get(column);
      if (!values) {
        values = new Array(this.length).fill(undefined);
        this.cells.set(column, values);
      }
      appendCells(values, arrow, column);
    }
    addLocators(this.locators, arrow, LOCATOR_COLUMN);
    this.parts.push({
      file_sha256: segment.file_sha256,
      raw_key: segment.raw_key,
      doc_id: segment.doc_id,
      rows: arrow.numRows,
    });
    this.length += arrow.numRows;
  }

  finish(): StreamedColumns {
    const built = <B, T>(builders: Map<string, B>, build: (builder: B) => T) =>
      new Map([...builders].map(([column, builder]) => [column, build(builder)] as const));
    const order = this.columnOrder ?? [];
    const columns = this.reads.columns ?? [];
    return {
      length: this.length,
      parts: this.parts,
      reads: this.reads,
      columns: [
        ...order.filter((column) => columns.includes(column)),
        ...columns.filter((column) => !order.includes(column)),
      ],
      kinds: this.kinds,
      codes: built(this.codes, (builder) => builder.build()),
      lists: built(this.lists, (builder) => builder.build()),
      numbers: built(this.numbers, (builder) => builder.build()),
      strings: built(this.strings, (builder) => builder.build()),
      cells: this.cells,
      locators: this.locators.build(),
    };
  }
}

/** Plain values of a column, row by row, as Arrow's own `get` gives them (dates, timestamps). */
function appendCells(values: unknown[], arrow: Table, column: string): void {
  const index = arrow.schema.fields.findIndex((field) => field.name === column);
  const field = arrow.schema.fields[index];
  const typeId = field?.typeId === Type.Dictionary ? Type.Utf8 : (field?.typeId ?? Type.Null);
  for (const batch of arrow.batches) {
    const vector = index < 0 ? undefined : batch.getChildAt(index);
    for (let row = 0; row < batch.numRows; row += 1) values.push(plainValue(vector?.get(row), typeId));
  }
}

/**
 * A table read file by file (`CuratedTableLoader`): the columns its reads declared, as codes,
 * lists, numbers and strings, and its provenance. Any other column throws
 * CuratedTableReleasedError: its files' bytes were let go as they were read.
 */
class StreamedCuratedTable implements CuratedTable {
  readonly length: number;
  private readonly readers = new Map<string, (row: number) => unknown>();
  private refColumns: CuratedRefs | undefined;
  private kept: StreamedColumns;
  /** Set by `release`: what it kept. */
  private released: string | undefined;
  private readonly set: CuratedTableSet;
  readonly name: string;

  constructor(set: CuratedTableSet, name: string, columns: StreamedColumns) {
    this.set = set;
    this.name = name;
    this.kept = columns;
    this.length = columns.length;
  }

  private missing(column: string): CuratedTableReleasedError {
    return new CuratedTableReleasedError(
      `${this.name}: column '${column}' was not read while the table's files were read one by one (${this.released ?? `read: ${describeReads(this.kept.reads)}`})`,
    );
  }

  private from<T>(map: ReadonlyMap<string, T>, column: string): T {
    const value = map.get(column);
    if (value === undefined) throw this.missing(column);
    return value;
  }

  codes(column: string): ValueCodes {
    return this.from(this.kept.codes, column);
  }

  lists(column: string): ListCodes {
    return this.from(this.kept.lists, column);
  }

  numbers(column: string): NumberColumn {
    return this.from(this.kept.numbers, column);
  }

  column(column: string): (row: number) => unknown {
    return cached(this.readers, column, () => {
      if (!this.kept.columns.includes(column)) throw this.missing(column);
      switch (this.kept.kinds.get(column)) {
        case undefined:
          return () => undefined;
        case 'strings': {
          const strings = this.kept.strings.get(column);
          if (strings) return (row) => strings[row];
          return codeReader(this.codes(column));
        }
        case 'codes':
          return codeReader(this.codes(column));
        case 'numbers':
          return numberReader(this.numbers(column));
        case 'lists':
          return listReader(this.lists(column));
        case 'cells': {
          const values = this.from(this.kept.cells, column);
          return (row) => values[row];
        }
      }
    });
  }

  row(index: number, columns?: readonly string[]): Row {
    if (!columns) throw this.missing('every column');
    const row: Record<string, unknown> = {};
    for (const column of columns) {
      const value = this.column(column)(index);
      if (value !== undefined) row[column] = value;
    }
    return row;
  }

  /**
   * The same rows in another set. Less held rows, the table becomes row objects of the columns it
   * kept (as ArrowCuratedTable.copyTo gives them, with its other columns): what is read is the same.
   */
  copyTo(set: CuratedTableSet, held?: ReadonlySet<number>): CuratedTable {
    if (!held?.size) return new StreamedCuratedTable(set, this.name, this.kept);
    const columns = [
      ...new Set([
        ...this.kept.columns,
        ...this.kept.codes.keys(),
        ...this.kept.lists.keys(),
        ...this.kept.numbers.keys(),
      ]),
    ];
    const readers = columns.map((column) => [column, this.anyReader(column)] as const);
    return new RowCuratedTable(
      set,
      this.name,
      keptRows(this.set, this, held, (index) => {
        const row: Record<string, unknown> = {};
        for (const [column, read] of readers) {
          const value = read(index);
          if (value !== undefined) row[column] = value;
        }
        return row;
      }),
    );
  }

  /** A column's plain values from whichever kernel kept it. */
  private anyReader(column: string): (row: number) => unknown {
    if (this.kept.columns.includes(column)) return this.column(column);
    const codes = this.kept.codes.get(column);
    if (codes) return codeReader(codes);
    const numbers = this.kept.numbers.get(column);
    if (numbers) return numberReader(numbers);
    return listReader(this.from(this.kept.lists, column));
  }

  /** Keeps `reads` and the provenance; the rest of what was read while loading goes. */
  release(reads: TableReads): void {
    if (this.released !== undefined) return;
    this.refs();
    const keep = <T>(map: ReadonlyMap<string, T>, columns: readonly string[]) =>
      new Map([...map].filter(([column]) => columns.includes(column)));
    const columns = reads.columns ?? [];
    for (const column of columns) this.column(column);
    this.kept = {
      ...this.kept,
      reads,
      columns: this.kept.columns.filter((column) => columns.includes(column)),
      codes: keep(this.kept.codes, [...(reads.codes ?? []), ...columns]),
      lists: keep(this.kept.lists, [...(reads.lists ?? []), ...columns]),
      numbers: keep(this.kept.numbers, [...(reads.numbers ?? []), ...columns]),
      strings: keep(this.kept.strings, columns),
      cells: keep(this.kept.cells, columns),
    };
    this.released = `kept: ${describeReads(reads)}`;
  }

  refs(): CuratedRefs {
    if (this.refColumns) return this.refColumns;
    this.refColumns = provenanceRefs(
      this.set,
      this.name,
      this.length,
      this.codes('source_doc_id'),
      this.codes('confidence'),
      this.kept.parts,
      this.kept.locators,
    );
    return this.refColumns;
  }
}

function describeReads(reads: TableReads): string {
  return (
    [
      ...new Set([
        ...(reads.columns ?? []),
        ...(reads.codes ?? []),
        ...(reads.lists ?? []),
        ...(reads.numbers ?? []),
      ]),
    ].join(', ') || 'provenance only'
  );
}

/**
 * Builds a CuratedTableSet from curated files given one at a time (`add`), as assemble reads them:
 * the tables named in `reads` keep only what the briefing reads from them (TableReads) and their
 * provenance, read from each file's Arrow table before the next file is read, so a caller that
 * lets go of each file after `add` never holds two large files at once. Other tables keep their
 * Arrow tables (they are small). `finish` gives the same set, and the same items, as
 * `curatedTablesFromArrow` over every file.
 */
export class CuratedTableLoader {
  private readonly tables = new Map<string, StreamedTableReader | CuratedSegment[]>();
  private readonly documents: RegisteredDocument[] = [];
  private readonly reads: Readonly<Record<string, TableReads>>;

  constructor(reads: Readonly<Record<string, TableReads>>) {
    this.reads = reads;
  }

  add(segment: CuratedSegment): void {
    if (segment.document) this.documents.push(segment.document);
    let table = this.tables.get(segment.table);
    if (!table) {
      table = Object.hasOwn(this.reads, segment.table)
        ? new StreamedTableReader(segment.table, this.reads[segment.table]!)
        : [];
      this.tables.set(segment.table, table);
    }
    if (Array.isArray(table)) table.push(segment);
    else table.add(segment);
  }

  /**
   * The columns `add` reads from a file of `table` (a large table: the rest of the file is never
   * looked at, so a caller may read only these), or undefined when the whole file is kept.
   */
  columnsOf(table: string): ReadonlySet<string> | undefined {
    if (!Object.hasOwn(this.reads, table)) return undefined;
    const reads = this.reads[table]!;
    return new Set([
      ...PROVENANCE_CODES,
      LOCATOR_COLUMN,
      ...(reads.columns ?? []),
      ...(reads.codes ?? []),
      ...(reads.lists ?? []),
      ...(reads.numbers ?? []),
    ]);
  }

  finish(): CuratedTableSet {
    const set = new CuratedTableSet(this.documents);
    for (const [name, table] of this.tables) {
      set.add(
        Array.isArray(table)
          ? new ArrowCuratedTable(set, name, table)
          : new StreamedCuratedTable(set, name, table.finish()),
      );
    }
    this.tables.clear();
    return set;
  }
}

/** The curated tables of the current snapshots, in the order given (sources by name, then tables). */
export function curatedTablesFromArrow(segments: readonly CuratedSegment[]): CuratedTableSet {
  const set = new CuratedTableSet(
    segments.flatMap((segment) => (segment.document ? [segment.document] : [])),
  );
  const byTable = new Map<string, CuratedSegment[]>();
  for (const segment of segments) {
    const list = byTable.get(segment.table) ?? [];
    list.push(segment);
    byTable.set(segment.table, list);
  }
  for (const [name, list] of byTable) set.add(new ArrowCuratedTable(set, name, list));
  return set;
}

/** Row objects (hand-made tables in tests, or rows read some other way) behind the same view. */
export function curatedTablesFromRows(
  tables: CuratedTables,
  registered: readonly RegisteredDocument[] = [],
): CuratedTableSet {
  const set = new CuratedTableSet(registered);
  for (const [name, rows] of Object.entries(tables)) set.add(new RowCuratedTable(set, name, rows));
  return set;
}
