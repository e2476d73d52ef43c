import { makeData } from 'apache-arrow/data';
import type { MetadataVersion } from 'apache-arrow/enum';
import { Footer } from 'apache-arrow/ipc/metadata/file';
import { type BufferRegion, type FieldNode, Message } from 'apache-arrow/ipc/metadata/message';
import { RecordBatch } from 'apache-arrow/recordbatch';
import { Schema } from 'apache-arrow/schema';
import { Table } from 'apache-arrow/table';
import { type DataType, Struct } from 'apache-arrow/type';
import { Vector } from 'apache-arrow/vector';
import { VectorLoader } from 'apache-arrow/visitor/vectorloader';

/** Random access to the bytes of a file: `length` bytes from `position` on. */
export interface ByteRanges {
  /** The file's length in bytes. */
  readonly size: number;
  /** `length` bytes from `position` on (fewer only at the end of the file). */
  read(position: number, length: number): Promise<Uint8Array>;
  /** `target.byteLength` bytes from `position` on, into `target`. @default - `read`, then a copy */
  readInto?(position: number, target: Uint8Array): Promise<void>;
}

/** `ARROW1` and the footer's length at the end of an IPC file (magic, padding, int32). */
const TRAILER_BYTES = 10;
const MAGIC = 'ARROW1';

/**
 * Two wanted buffers closer than this are fetched as one read (the bytes between come along):
 * a record batch's wanted columns become a few reads, not one per buffer.
 */
const GAP_BYTES = 64 * 1024;

/** Bytes read from a record batch's body, from body offset `start` on. */
interface Piece {
  readonly start: number;
  readonly bytes: Uint8Array;
}

/** The nodes, buffers and variadic counts one top-level field takes in a record batch. */
interface FieldSpan {
  readonly nodes: number;
  readonly buffers: number;
  readonly variadic: number;
}

/**
 * A VectorLoader that reads no bytes and counts: visiting a field takes its nodes, buffers and
 * variadic counts exactly as loading it would, so each field's span in a record batch is known.
 */
class SpanLoader extends VectorLoader {
  private nodesTaken = 0;
  private buffersTaken = 0;
  private variadicTaken = 0;
  constructor(nodes: FieldNode[], buffers: BufferRegion[], variadic: number[]) {
    super(new Uint8Array(0), nodes, buffers, new Map(), undefined, variadic);
  }
  protected override nextFieldNode(): FieldNode {
    this.nodesTaken += 1;
    return super.nextFieldNode();
  }
  protected override nextBufferRange(): BufferRegion {
    this.buffersTaken += 1;
    return super.nextBufferRange();
  }
  protected override nextVariadicBufferCount(): number {
    this.variadicTaken += 1;
    return super.nextVariadicBufferCount();
  }
  // A buffer not handed in is the next one, as VectorLoader's own readData takes it.
  protected override readData<T extends DataType>(_type: T, buffer = this.nextBufferRange()): Uint8Array {
    void buffer;
    return new Uint8Array(0);
  }
  /** The counts taken so far. */
  taken(): FieldSpan {
    return { nodes: this.nodesTaken, buffers: this.buffersTaken, variadic: this.variadicTaken };
  }
}

/** A VectorLoader whose buffers are served from the reads that hold them (`pieces`, by body offset). */
class PieceLoader extends VectorLoader {
  private readonly pieces: readonly Piece[];
  constructor(
    pieces: readonly Piece[],
    nodes: FieldNode[],
    buffers: BufferRegion[],
    dictionaries: Map<number, Vector>,
    metadataVersion: MetadataVersion,
    variadic: number[],
  ) {
    super(new Uint8Array(0), nodes, buffers, dictionaries, metadataVersion, variadic);
    this.pieces = pieces;
  }
  protected override readData<T extends DataType>(
    _type: T,
    { offset, length }: BufferRegion = this.nextBufferRange(),
  ): Uint8Array {
    if (length === 0) return new Uint8Array(0);
    const piece = this.pieces.find(
      (candidate) =>
        candidate.start <= offset && offset + length <= candidate.start + candidate.bytes.byteLength,
    );
    if (!piece) throw new Error(`Arrow buffer at body offset ${offset} was not read`);
    return piece.bytes.subarray(offset - piece.start, offset - piece.start + length);
  }
}

/** What to read of one record batch, and where its wanted fields' metadata is. */
interface BatchPlan {
  readonly bodyStart: number;
  readonly length: number;
  readonly nodes: FieldNode[];
  readonly buffers: BufferRegion[];
  readonly variadic: number[];
  readonly slices: readonly { from: FieldSpan; to: FieldSpan }[];
  readonly reads: readonly BufferRegion[];
}

/** The flatbuffer message of an IPC block's metadata (continuation marker and length first). */
function decodeMessage(metadata: Uint8Array): Message {
  const view = new DataView(metadata.buffer, metadata.byteOffset, metadata.byteLength);
  const continued = view.getInt32(0, true) === -1;
  const length = view.getInt32(continued ? 4 : 0, true);
  const start = continued ? 8 : 4;
  return Message.decode(metadata.subarray(start, start + length));
}

/** Wanted buffer regions in body order, neighbours closer than GAP_BYTES as one read. */
function coalesce(regions: readonly BufferRegion[]): BufferRegion[] {
  const sorted = regions.filter((region) => region.length > 0).sort((a, b) => a.offset - b.offset);
  const reads: { offset: number; length: number }[] = [];
  for (const region of sorted) {
    const last = reads.at(-1);
    if (last && region.offset <= last.offset + last.length + GAP_BYTES) {
      last.length = Math.max(last.length, region.offset + region.length - last.offset);
    } else reads.push({ offset: region.offset, length: region.length });
  }
  return reads;
}

/**
 * The named columns of an Arrow IPC file, read by range: the footer, then each record batch's
 * metadata, then only the bytes of the wanted columns' buffers (neighbours gathered into one
 * read). The table has the file's schema metadata and the wanted fields in the file's order;
 * its values are the ones the whole file gives. Dictionary batches are read whole (small). A file
 * with compressed batches, or that is not an IPC file, gives `undefined`: read it whole.
 */
export async function readArrowColumns(
  bytes: ByteRanges,
  columns: ReadonlySet<string>,
): Promise<Table | undefined> {
  if (bytes.size < TRAILER_BYTES * 2) return undefined;
  const trailer = await bytes.read(bytes.size - TRAILER_BYTES, TRAILER_BYTES);
  if (Buffer.from(trailer.subarray(4)).toString('latin1') !== MAGIC) return undefined;
  const footerLength = new DataView(trailer.buffer, trailer.byteOffset, 4).getInt32(0, true);
  const footer = Footer.decode(await bytes.read(bytes.size - TRAILER_BYTES - footerLength, footerLength));
  const { schema } = footer;
  const wanted = schema.fields.filter((field) => columns.has(field.name));
  const dictionaries = new Map<number, Vector>();
  for (const block of footer.dictionaryBatches()) {
    const message = decodeMessage(await bytes.read(block.offset, block.metaDataLength));
    if (!message.isDictionaryBatch()) return undefined;
    const header = message.header();
    if (header.data.compression != null) return undefined;
    const body = await bytes.read(block.offset + block.metaDataLength, Number(message.bodyLength));
    const type = schema.dictionaries.get(header.id);
    const loader = new VectorLoader(
      body,
      header.data.nodes,
      header.data.buffers,
      dictionaries,
      schema.metadataVersion,
      header.data.variadicBufferCounts,
    );
    if (!type) return undefined;
    const vector = new Vector(loader.visitMany([type]));
    const earlier = dictionaries.get(header.id);
    dictionaries.set(header.id, (earlier && header.isDelta ? earlier.concat(vector) : vector).memoize());
  }
  const projected = new Schema(wanted, schema.metadata, schema.dictionaries, schema.metadataVersion);
  // Every batch's metadata first: the wanted bytes of the whole file then go into one buffer
  // (as the whole file did), not a buffer per read (glibc keeps freed mid-size buffers resident).
  const plans: BatchPlan[] = [];
  for (const block of footer.recordBatches()) {
    const message = decodeMessage(await bytes.read(block.offset, block.metaDataLength));
    if (!message.isRecordBatch()) return undefined;
    const header = message.header();
    if (header.compression != null) return undefined;
    const { nodes, buffers } = header;
    const variadic = header.variadicBufferCounts ?? [];
    // Each wanted field's nodes, buffers and variadic counts (SpanLoader walks every field in order).
    const spans = new SpanLoader(nodes, buffers, variadic);
    const slices: { from: FieldSpan; to: FieldSpan }[] = [];
    for (const field of schema.fields) {
      const from = spans.taken();
      spans.visit(field);
      if (columns.has(field.name)) slices.push({ from, to: spans.taken() });
    }
    const reads = coalesce(slices.flatMap(({ from, to }) => buffers.slice(from.buffers, to.buffers)));
    plans.push({
      bodyStart: block.offset + block.metaDataLength,
      length: header.length,
      nodes,
      buffers,
      variadic,
      slices,
      reads,
    });
  }
  const wantedBytes = new Uint8Array(
    plans.reduce((total, plan) => total + plan.reads.reduce((sum, read) => sum + read.length, 0), 0),
  );
  let filled = 0;
  const batches: RecordBatch[] = [];
  for (const plan of plans) {
    const pieces = plan.reads.map((read) => {
      const piece = { start: read.offset, bytes: wantedBytes.subarray(filled, filled + read.length) };
      filled += read.length;
      return piece;
    });
    await Promise.all(
      pieces.map(async (piece) => {
        const position = plan.bodyStart + piece.start;
        if (bytes.readInto) await bytes.readInto(position, piece.bytes);
        else piece.bytes.set(await bytes.read(position, piece.bytes.byteLength));
      }),
    );
    const children = wanted.map((field, index) => {
      const { from, to } = plan.slices[index]!;
      const loader = new PieceLoader(
        pieces,
        plan.nodes.slice(from.nodes, to.nodes),
        plan.buffers.slice(from.buffers, to.buffers),
        dictionaries,
        schema.metadataVersion,
        plan.variadic.slice(from.variadic, to.variadic),
      );
      return loader.visit(field);
    });
    batches.push(
      new RecordBatch(projected, makeData({ type: new Struct(wanted), length: plan.length, children })),
    );
  }
  return new Table(projected, batches);
}
