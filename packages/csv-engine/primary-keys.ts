import { ByteInterner, growInt32 } from '#packages/columnar/byte-interner.ts';

/**
 * Keys a table is sized for up front at most (a 64 MiB slot table); past them it grows as before.
 * A guess from the first rows' length can overshoot: this bounds what an overshoot costs.
 */
const MAX_PRESIZED_KEYS = 1 << 22;

/**
 * Records a file of `inputBytes` bytes likely holds, judged by the records of its first block
 * (`recordStarts` ascending: the byte offsets at which consecutive records start); 0 when unknown.
 */
export function expectedRecords(inputBytes: number | undefined, recordStarts: readonly number[]): number {
  if (!inputBytes || recordStarts.length < 2) return 0;
  const span = recordStarts.at(-1)! - recordStarts[0]!;
  if (span <= 0) return 0;
  return Math.ceil(inputBytes / (span / (recordStarts.length - 1)));
}

/**
 * The primary keys seen so far in a file, with the line each was first accepted on.
 *
 * The reference path keys a Map by `String(value)` of each key field joined with U+001F. Here
 * each part's text is interned to an id and the key is the tuple of ids, which is a few bytes
 * per row instead of a JavaScript string. Tuples and joined strings agree except when a part
 * itself contains U+001F (two different tuples can then join to one string); such keys are
 * kept as joined strings in a side map, which is what the reference does for every key.
 */
export class PrimaryKeySet {
  private readonly interners: ByteInterner[];
  private readonly width: number;
  private tuples: Int32Array<ArrayBuffer>;
  private lines: Int32Array<ArrayBuffer>;
  /** Open addressing, two Int32 per slot: the key's hash and its id + 1 (0 = empty). */
  private table: Int32Array<ArrayBuffer>;
  private mask: number;
  private size = 0;
  private readonly joined = new Map<string, number>();
  private lastHash = 0;
  private lastSlot = -1;
  /** Ids of the key being looked up. */
  readonly ids: Int32Array;
  /** Some part of the current key contains U+001F: use `findJoined` / `insertJoined`. */
  separatorInKey = false;
  /** Some key so far had a part containing U+001F. */
  joinedSeen = false;
  /**
   * With a log, every key inserted, and every key looked up but not inserted, is also recorded by
   * the content of its parts (two independent 32-bit hashes), so that the keys of the segments of
   * a file split over worker threads can be compared across segments (csv-segments.ts). A key
   * inserted is logged once, as inserted: the main thread checks and adds it in one probe.
   */
  readonly log: KeyLog | undefined;
  /** Per part: a second hash of each interned id's bytes (0 = not computed yet). */
  private readonly secondHashes: Int32Array<ArrayBuffer>[];
  private lastContent1 = 0;
  private lastContent2 = 0;
  /** Keys accepted before this table's input (by content, see `log`), with their line. */
  private prior: Map<string, number> | undefined;

  /**
   * @param expectedKeys Keys the file likely holds (see `expectedRecords`): the table is sized for
   *   them at once instead of doubling and rehashing as they come. @default grown as keys come
   */
  constructor(width: number, log = false, expectedKeys = 0) {
    this.width = width;
    this.log = log ? new KeyLog() : undefined;
    this.secondHashes = Array.from({ length: width }, () => new Int32Array(64));
    this.interners = Array.from({ length: width }, () => new ByteInterner());
    this.ids = new Int32Array(width).fill(-1);
    const capacity = Math.max(256, Math.min(Math.floor(expectedKeys), MAX_PRESIZED_KEYS));
    this.tuples = new Int32Array(capacity * width);
    this.lines = new Int32Array(capacity);
    // `insert` rehashes once more than half the slots are taken.
    let slots = 1024;
    while (slots - 1 < 2 * capacity) slots *= 2;
    this.table = new Int32Array(2 * slots);
    this.mask = slots - 1;
  }

  /**
   * Keys first accepted before this table's input (another segment of the file), as triples
   * (hash, hash, line) logged by content: `find` gives their line for a key not in the table.
   * Needs the log (the keys are compared by content).
   */
  setPrior(triples: Int32Array): void {
    if (!this.log) throw new Error('PrimaryKeySet: prior keys need the log (keys by content)');
    this.prior = new Map();
    for (let index = 0; index + 2 < triples.length; index += 3)
      this.prior.set(`${triples[index]},${triples[index + 1]}`, triples[index + 2]!);
  }

  /** Set part `index` of the current key to the UTF-8 text `[start, end)` (part 0 first). */
  setPart(index: number, bytes: Uint8Array, start: number, end: number): void {
    const interner = this.interners[index]!;
    // Key parts often repeat from one row to the next (every answer of a respondent).
    const last = this.ids[index]!;
    const id = interner.equals(last, bytes, start, end) ? last : interner.intern(bytes, start, end);
    this.ids[index] = id;
    if (index === 0) this.separatorInKey = false;
    if (interner.hasSeparator(id)) {
      this.separatorInKey = true;
      this.joinedSeen = true;
    }
  }

  /** The line the current key was first accepted on, or -1. */
  find(): number {
    if (this.log) this.logContent();
    const hash = this.hashIds();
    const ids = this.ids;
    const width = this.width;
    const table = this.table;
    const mask = this.mask;
    this.lastHash = hash;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = table[2 * slot + 1]!;
      if (entry === 0) {
        this.lastSlot = slot;
        return this.prior === undefined
          ? -1
          : (this.prior.get(`${this.lastContent1},${this.lastContent2}`) ?? -1);
      }
      if (table[2 * slot] !== hash) continue;
      const id = entry - 1;
      let same = true;
      for (let part = 0; part < width; part += 1) {
        if (this.tuples[id * width + part] !== ids[part]) {
          same = false;
          break;
        }
      }
      if (same) return this.lines[id]!;
    }
  }

  /** Record the current key (just looked up with `find`, not present) as first accepted on `line`. */
  insert(line: number): void {
    if (this.log) this.log.inserted(this.lastContent1, this.lastContent2, line);
    const id = this.size;
    if (id >= this.lines.length) {
      this.tuples = growInt32(this.tuples, (id + 1) * this.width);
      this.lines = growInt32(this.lines, id + 1);
    }
    const tuples = this.tuples;
    const ids = this.ids;
    const base = id * this.width;
    for (let part = 0; part < this.width; part += 1) tuples[base + part] = ids[part]!;
    this.lines[id] = line;
    this.size += 1;
    this.table[2 * this.lastSlot] = this.lastHash;
    this.table[2 * this.lastSlot + 1] = id + 1;
    if (this.size * 2 > this.mask) this.rehash();
  }

  /** Lookup for a key some part of which contains U+001F, by its joined text. */
  findJoined(key: string): number {
    return this.joined.get(key) ?? -1;
  }

  insertJoined(key: string, line: number): void {
    this.joined.set(key, line);
  }

  /** Hash the current key by the content of its parts and log it as looked up. */
  private logContent(): void {
    let first = 0x2545f491;
    let second = 0x6a09e667;
    for (let part = 0; part < this.width; part += 1) {
      const id = this.ids[part]!;
      const interner = this.interners[part]!;
      first = mix(first ^ interner.hashOf(id));
      let seconds = this.secondHashes[part]!;
      if (id >= seconds.length) {
        seconds = growInt32(seconds, id + 1);
        this.secondHashes[part] = seconds;
      }
      let other = seconds[id]!;
      if (other === 0) {
        other = secondHash(interner.bytesOf(id)) | 1;
        seconds[id] = other;
      }
      second = mix(second ^ other);
    }
    this.lastContent1 = first;
    this.lastContent2 = second;
    this.log!.looked(first, second);
  }

  /** The slot hash of the current key (every bit of every part mixed in). */
  private hashIds(): number {
    let hash = 0x7f4a7c15;
    for (let part = 0; part < this.width; part += 1) hash = mix(hash ^ this.ids[part]!);
    return hash;
  }

  private rehash(): void {
    const slots = (this.mask + 1) * 2;
    const table = new Int32Array(slots * 2);
    const mask = slots - 1;
    const old = this.table;
    for (let index = 0; index < old.length; index += 2) {
      const entry = old[index + 1]!;
      if (entry === 0) continue;
      const hash = old[index]!;
      let slot = hash & mask;
      while (table[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      table[2 * slot] = hash;
      table[2 * slot + 1] = entry;
    }
    this.table = table;
    this.mask = mask;
  }
}

/** Keys by content, in the order they were looked up (probes) and inserted (inserts): hash pairs. */
export class KeyLog {
  /** Keys looked up and not inserted (pairs of hashes). */
  probes = new Int32Array(1024);
  probeCount = 0;
  /** Keys inserted (triples: the hashes and the line the key was accepted on). */
  inserts = new Int32Array(1536);
  insertCount = 0;

  /** The key logged last as looked up (`first`, `second`) is accepted on `line`: move it to `inserts`. */
  inserted(first: number, second: number, line: number): void {
    this.probeCount -= 1;
    this.inserts = growInt32(this.inserts, 3 * this.insertCount + 3);
    this.inserts[3 * this.insertCount] = first;
    this.inserts[3 * this.insertCount + 1] = second;
    this.inserts[3 * this.insertCount + 2] = line;
    this.insertCount += 1;
  }

  /** A key looked up (`first`, `second`). */
  looked(first: number, second: number): void {
    this.probes = growInt32(this.probes, 2 * this.probeCount + 2);
    this.probes[2 * this.probeCount] = first;
    this.probes[2 * this.probeCount + 1] = second;
    this.probeCount += 1;
  }
}

/** A hash of the bytes independent of FNV-1a (murmur3-style mixing of each byte and the length). */
function secondHash(bytes: Uint8Array): number {
  let hash = 0x3c6ef372 ^ bytes.length;
  for (let index = 0; index < bytes.length; index += 1) {
    hash = Math.imul(hash ^ bytes[index]!, 0x5bd1e995);
    hash ^= hash >>> 15;
  }
  return mix(hash);
}

/** murmur3's 32-bit finaliser: every input bit reaches every output bit. */
function mix(value: number): number {
  let hash = Math.imul(value ^ (value >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) | 0;
}
