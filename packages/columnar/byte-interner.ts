/**
 * Byte strings → dense ids (0, 1, 2 …), with an append-only arena and an open-addressing hash
 * table: the dictionary lookups and primary-key parts of the fast path, without one JavaScript
 * string per cell.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = FNV_OFFSET;
  for (let index = start; index < end; index += 1) hash = Math.imul(hash ^ bytes[index]!, FNV_PRIME);
  return hash >>> 0;
}

const encoder = new TextEncoder();

function signatureOf(bytes: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length === 0) return 0;
  return (length * 31 + bytes[start]! * 7 + bytes[end - 1]! * 131 + bytes[start + (length >> 1)]! * 17) & 255;
}

export class ByteInterner {
  private arena = new Uint8Array(4096);
  private used = 0;
  private starts = new Int32Array(64);
  private lengths = new Int32Array(64);
  private hashes = new Int32Array(64);
  /** Per id: 1 when the bytes contain U+001F (the reference's key separator). */
  private separators = new Uint8Array(64);
  /** Slot → id + 1 (0 = empty). */
  private table = new Int32Array(128);
  /**
   * A direct-mapped memory of recent ids by a cheap signature (length, first, middle and last
   * byte): a repeated value is confirmed by one comparison, without hashing all its bytes.
   */
  private readonly recent = new Int32Array(256).fill(-1);
  private mask = 127;
  size = 0;

  /** An interner holding `values` with ids 0 … n-1 in order (duplicates keep their first id). */
  static of(values: readonly string[]): ByteInterner {
    const interner = new ByteInterner();
    for (const value of values) {
      const bytes = encoder.encode(value);
      interner.intern(bytes, 0, bytes.length);
    }
    return interner;
  }

  /** The id of bytes `[start, end)`, or -1. */
  find(bytes: Uint8Array, start: number, end: number): number {
    const signature = signatureOf(bytes, start, end);
    const recent = this.recent[signature]!;
    if (recent >= 0 && this.equals(recent, bytes, start, end)) return recent;
    const id = this.findHashed(bytes, start, end);
    if (id >= 0) this.recent[signature] = id;
    return id;
  }

  private findHashed(bytes: Uint8Array, start: number, end: number): number {
    const hash = hashBytes(bytes, start, end) | 0;
    const table = this.table;
    const mask = this.mask;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = table[slot]!;
      if (entry === 0) return -1;
      const id = entry - 1;
      if (this.hashes[id] === hash && this.equals(id, bytes, start, end)) return id;
    }
  }

  /** The id of bytes `[start, end)`, adding them when new. */
  intern(bytes: Uint8Array, start: number, end: number): number {
    const signature = signatureOf(bytes, start, end);
    const recent = this.recent[signature]!;
    if (recent >= 0 && this.equals(recent, bytes, start, end)) return recent;
    const id = this.internHashed(bytes, start, end);
    this.recent[signature] = id;
    return id;
  }

  private internHashed(bytes: Uint8Array, start: number, end: number): number {
    const hash = hashBytes(bytes, start, end) | 0;
    const length = end - start;
    const table = this.table;
    const mask = this.mask;
    let slot = hash & mask;
    for (; ; slot = (slot + 1) & mask) {
      const entry = table[slot]!;
      if (entry === 0) break;
      const id = entry - 1;
      if (this.hashes[id] === hash && this.equals(id, bytes, start, end)) return id;
    }
    const id = this.size;
    if (id >= this.starts.length) {
      this.starts = growInt32(this.starts, id + 1);
      this.lengths = growInt32(this.lengths, id + 1);
      this.hashes = growInt32(this.hashes, id + 1);
      const separators = new Uint8Array(this.starts.length);
      separators.set(this.separators);
      this.separators = separators;
    }
    if (this.used + length > this.arena.length) {
      const grown = new Uint8Array(Math.max(this.arena.length * 2, this.used + length));
      grown.set(this.arena.subarray(0, this.used));
      this.arena = grown;
    }
    const arena = this.arena;
    let separator = 0;
    for (let index = start, at = this.used; index < end; index += 1, at += 1) {
      const byte = bytes[index]!;
      arena[at] = byte;
      if (byte === 0x1f) separator = 1;
    }
    this.starts[id] = this.used;
    this.lengths[id] = length;
    this.hashes[id] = hash;
    this.separators[id] = separator;
    this.used += length;
    this.size += 1;
    table[slot] = id + 1;
    if (this.size * 2 > this.mask) this.rehash();
    return id;
  }

  /** The bytes of this id contain U+001F. */
  hasSeparator(id: number): boolean {
    return this.separators[id] === 1;
  }

  /** The bytes of an id (a view into the arena: copy it before interning more). */
  /** The FNV-1a hash of the bytes of `id` (the table's own hash). */
  hashOf(id: number): number {
    return this.hashes[id]!;
  }

  bytesOf(id: number): Uint8Array {
    const start = this.starts[id]!;
    return this.arena.subarray(start, start + this.lengths[id]!);
  }

  /** Bytes `[start, end)` are those of id `id`. */
  equals(id: number, bytes: Uint8Array, start: number, end: number): boolean {
    const length = end - start;
    if (id < 0 || this.lengths[id] !== length) return false;
    const arena = this.arena;
    const at = this.starts[id]!;
    for (let index = 0; index < length; index += 1)
      if (arena[at + index] !== bytes[start + index]) return false;
    return true;
  }

  private rehash(): void {
    const size = (this.mask + 1) * 2;
    const table = new Int32Array(size);
    const mask = size - 1;
    for (let id = 0; id < this.size; id += 1) {
      let slot = this.hashes[id]! & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = id + 1;
    }
    this.table = table;
    this.mask = mask;
  }
}

export function growInt32(array: Int32Array<ArrayBuffer>, needed: number): Int32Array<ArrayBuffer> {
  if (needed <= array.length) return array;
  const grown = new Int32Array(Math.max(needed, array.length * 2));
  grown.set(array);
  return grown;
}
