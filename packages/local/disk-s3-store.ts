import { createHash, type Hash, randomUUID } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * The embedded backend's S3 objects, on disk: fauxqs (the S3 emulator) keeps objects in memory
 * only, so it is given this store in place of its own (its `buildApp({ stores })` option).
 *
 * Layout under the root folder:
 *   blobs/<sha256>                      each distinct body once, named by its SHA-256
 *   objects/<bucket>/<sha256(key)>.json one small record per object: key, blob, size, metadata
 *   tmp/, uploads/                      files being written; anything left there is a killed write
 *   damaged/                            what `hld doctor` moved aside (never deleted)
 *
 * Every file is written through: a temporary file, fsync, rename, fsync of the folder. A body is
 * written before the record that names it, so a kill at any instant leaves either the old
 * object or the new one (at worst an unreferenced blob, which `hld doctor` removes). There is no
 * index to disagree with the objects: a bucket's listing is read from its records. Nothing is
 * read at start; bodies are read from disk when asked for, and checked against their SHA-256.
 */

/**
 * Error codes the store answers with (they reach the SDK caller as the error's `name`): damage
 * or a full disk, each with a message that names the object and says what to do.
 */
export const LOCAL_STATE_ERRORS: ReadonlySet<string> = new Set([
  'HldCorruptBlob',
  'HldMissingBlob',
  'HldDamagedState',
  'HldStoreFull',
]);

/** The record of one object (objects/<bucket>/<sha256(key)>.json). */
export interface StoredObjectRecord {
  readonly key: string;
  readonly sha256: string;
  /**
   * SHA-1 of the bytes, computed on receipt with the SHA-256 (records written before it have
   * none): answered with the SHA-256 as full-object checksums to a HeadObject that asks
   * (disk-s3-routes.ts), so ingest does not read a large upload again to hash it.
   */
  readonly sha1?: string;
  readonly size: number;
  readonly etag: string;
  readonly contentType: string;
  readonly lastModified: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** The object shape fauxqs's S3 routes read (its S3Object). */
interface FauxqsObject {
  key: string;
  body: Buffer;
  contentType: string;
  contentLength: number;
  etag: string;
  lastModified: Date;
  metadata: Record<string, string>;
}

type S3ErrorClass = new (code: string, message: string, statusCode?: number, resource?: string) => Error;

/** The synchronous file operations the store uses (tests substitute a faulty file system). */
export type StoreFileSystem = Pick<
  typeof nodeFs,
  | 'openSync'
  | 'writeSync'
  | 'fsyncSync'
  | 'closeSync'
  | 'renameSync'
  | 'unlinkSync'
  | 'readFileSync'
  | 'readSync'
  | 'mkdirSync'
  | 'readdirSync'
  | 'statSync'
  | 'rmSync'
  | 'existsSync'
>;

export interface DiskS3StoreOptions {
  /** Refuse writes that would take the blobs over this many bytes (a disk-full stand-in). */
  readonly maxBytes?: number;
  /** @default node:fs */
  readonly fs?: StoreFileSystem;
}

/** Where a part's bytes are: its own file, or a range of the upload's assembly. */
interface StoredPart {
  readonly etag: string;
  readonly size: number;
  /** The part's SHA-1: its ETag (see openPart). */
  readonly digest: Buffer;
  readonly path: string;
  readonly offset: number;
}

/**
 * Parts 1, 2, 3 … appended to one file as they arrive in order, with the SHA-256 of what it
 * holds: a complete that names exactly those parts renames it into place as the blob, with no
 * second read, hash or copy of the bytes. A part that arrives early waits in a file of its own
 * until the parts before it are in.
 */
interface Assembly {
  /** uploads/<uploadId>/assembly */
  readonly path: string;
  /** The part number it takes next. */
  next: number;
  size: number;
  sha256: Hash;
  sha1: Hash;
  /** A part is being written at its end (a stream from the network). */
  writing: boolean;
  /** A part already in it was uploaded again (or an append failed): a complete copies the parts. */
  stale: boolean;
}

interface PendingUpload {
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  readonly metadata: Record<string, string>;
  readonly parts: Map<number, StoredPart>;
  readonly assembly: Assembly;
}

/** A multipart part below this size is refused unless it is the last one (as S3 does). */
const MIN_PART_BYTES = 5 * 1024 * 1024;
const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);
const HEX_SHA256 = /^[0-9a-f]{64}$/;
const HEX_SHA1 = /^[0-9a-f]{40}$/;

/** Where fauxqs's compiled modules are (its package exports only the app). */
const FAUXQS_DIST = new URL('../../node_modules/fauxqs/dist/', import.meta.url);

let s3ErrorClass: S3ErrorClass | undefined;

/** What tells a file's bytes unchanged since a check: the same file (inode), size and mtime. */
function fileStamp(stats: nodeFs.Stats): string {
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
}

/** fauxqs answers an S3 error only for its own S3Error class; anything else becomes a 500. */
async function loadS3Error(): Promise<S3ErrorClass> {
  s3ErrorClass ??= (
    (await import(new URL('common/errors.js', FAUXQS_DIST).href)) as { S3Error: S3ErrorClass }
  ).S3Error;
  return s3ErrorClass;
}

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function keyFileName(key: string): string {
  return `${sha256Of(Buffer.from(key, 'utf8'))}.json`;
}

/** Open the store under `root` (created when missing); leftovers of killed writes are removed. */
export async function openDiskS3Store(root: string, options: DiskS3StoreOptions = {}): Promise<DiskS3Store> {
  return new DiskS3Store(root, await loadS3Error(), options);
}

export class DiskS3Store {
  private readonly fs: StoreFileSystem;
  private readonly listings = new Map<string, Map<string, StoredObjectRecord>>();
  private readonly uploads = new Map<string, PendingUpload>();
  private usedBytes: number | undefined;
  /** Blobs whose bytes were checked against their name, with the file stamp they had then. */
  private readonly verified = new Map<string, string>();
  /** fauxqs's message spy hook; unused. */
  spy: undefined;

  readonly root: string;
  private readonly S3Error: S3ErrorClass;
  private readonly options: DiskS3StoreOptions;
  constructor(root: string, S3Error: S3ErrorClass, options: DiskS3StoreOptions = {}) {
    this.root = root;
    this.S3Error = S3Error;
    this.options = options;
    this.fs = options.fs ?? nodeFs;
    for (const folder of ['blobs', 'objects', 'tmp', 'uploads']) {
      this.fs.mkdirSync(join(root, folder), { recursive: true });
    }
    // A temporary file or part is a write that never finished: the object it was for was never
    // named, so dropping it loses nothing.
    for (const folder of ['tmp', 'uploads']) {
      for (const entry of this.fs.readdirSync(join(root, folder))) {
        this.fs.rmSync(join(root, folder, entry), { recursive: true, force: true });
      }
    }
  }

  // ---- buckets --------------------------------------------------------------------------------

  createBucket(name: string): void {
    this.fs.mkdirSync(this.bucketFolder(name), { recursive: true });
  }

  deleteBucket(name: string): void {
    this.requireBucket(name);
    if (this.records(name).size > 0) {
      throw new this.S3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty.', 409);
    }
    this.fs.rmSync(this.bucketFolder(name), { recursive: true, force: true });
    this.listings.delete(name);
  }

  hasBucket(name: string): boolean {
    return this.fs.existsSync(this.bucketFolder(name));
  }

  listBuckets(): { name: string; creationDate: Date }[] {
    return this.fs
      .readdirSync(join(this.root, 'objects'))
      .sort()
      .map((name) => ({ name, creationDate: this.fs.statSync(this.bucketFolder(name)).mtime }));
  }

  // ---- objects --------------------------------------------------------------------------------

  putObject(
    bucket: string,
    key: string,
    body: Buffer,
    contentType?: string,
    metadata?: Record<string, string>,
  ): FauxqsObject {
    this.requireBucket(bucket);
    const sha256 = sha256Of(body);
    this.writeBlob(sha256, (fd) => this.writeAll(fd, body), body.byteLength);
    const record = this.writeRecord(bucket, {
      key,
      sha256,
      sha1: createHash('sha1').update(body).digest('hex'),
      size: body.byteLength,
      etag: `"${createHash('md5').update(body).digest('hex')}"`,
      contentType: contentType ?? 'application/octet-stream',
      lastModified: new Date().toISOString(),
      metadata: metadata ?? {},
    });
    return { ...this.toFauxqs(record), body };
  }

  getObject(bucket: string, key: string): FauxqsObject {
    const record = this.requireRecord(bucket, key);
    return { ...this.toFauxqs(record), body: this.readBlob(bucket, record) };
  }

  /**
   * An object's fields and where its checked bytes are, for a GET served as a stream from disk
   * (disk-s3-routes.ts): the body is never read into memory whole.
   */
  async openObject(
    bucket: string,
    key: string,
  ): Promise<{ object: Omit<FauxqsObject, 'body'>; path: string }> {
    const record = this.requireRecord(bucket, key);
    await this.verifyBlob(bucket, record);
    return { object: this.toFauxqs(record), path: this.blobPath(record.sha256) };
  }

  /**
   * CopyObject without moving bytes: the target's record names the source's blob (checked
   * first). Its metadata is the source's, or `metadata` when given (directive REPLACE).
   */
  async copyObject(
    source: { bucket: string; key: string },
    bucket: string,
    key: string,
    metadata?: Record<string, string>,
  ): Promise<Omit<FauxqsObject, 'body'>> {
    const from = this.requireRecord(source.bucket, source.key);
    await this.verifyBlob(source.bucket, from);
    const record = this.writeRecord(bucket, {
      ...from,
      key,
      lastModified: new Date().toISOString(),
      metadata: metadata ?? { ...from.metadata },
    });
    return this.toFauxqs(record);
  }

  headObject(bucket: string, key: string): FauxqsObject {
    // HEAD needs no body: the getter reads it only if someone asks.
    const record = this.requireRecord(bucket, key);
    const object = this.toFauxqs(record) as Omit<FauxqsObject, 'body'>;
    const readBody = () => this.readBlob(bucket, record);
    return Object.defineProperty(object, 'body', { get: readBody, enumerable: true }) as FauxqsObject;
  }

  deleteObject(bucket: string, key: string): void {
    this.requireBucket(bucket);
    const path = join(this.bucketFolder(bucket), keyFileName(key));
    // The blob stays: another key may name the same bytes (`hld doctor` removes unreferenced ones).
    this.fs.rmSync(path, { force: true });
    this.syncFolder(this.bucketFolder(bucket));
    this.listings.get(bucket)?.delete(key);
  }

  deleteObjects(bucket: string, keys: readonly string[]): string[] {
    for (const key of keys) this.deleteObject(bucket, key);
    return [...keys];
  }

  listObjects(
    bucket: string,
    options: {
      prefix?: string;
      delimiter?: string;
      maxKeys?: number;
      startAfter?: string;
      marker?: string;
    } = {},
  ): { objects: Omit<FauxqsObject, 'body'>[]; commonPrefixes: string[]; isTruncated: boolean } {
    this.requireBucket(bucket);
    const prefix = options.prefix ?? '';
    const maxKeys = options.maxKeys ?? 1000;
    const after = options.startAfter ?? options.marker ?? '';
    const keys = [...this.records(bucket).keys()]
      .filter((key) => key.startsWith(prefix) && (!after || key > after))
      .sort();
    const objects: Omit<FauxqsObject, 'body'>[] = [];
    const commonPrefixes = new Set<string>();
    let count = 0;
    let isTruncated = false;
    for (const key of keys) {
      const cut = options.delimiter ? key.indexOf(options.delimiter, prefix.length) : -1;
      if (cut >= 0) {
        const common = key.slice(0, cut + (options.delimiter?.length ?? 0));
        if (commonPrefixes.has(common) || (after && common <= after)) continue;
        if (count >= maxKeys) {
          isTruncated = true;
          break;
        }
        commonPrefixes.add(common);
        count += 1;
        continue;
      }
      if (count >= maxKeys) {
        isTruncated = true;
        break;
      }
      objects.push(this.toFauxqs(this.records(bucket).get(key)!));
      count += 1;
    }
    return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated };
  }

  // ---- multipart uploads: parts go to disk, never all in memory --------------------------------

  createMultipartUpload(
    bucket: string,
    key: string,
    contentType?: string,
    metadata?: Record<string, string>,
  ): string {
    this.requireBucket(bucket);
    const uploadId = randomUUID();
    this.fs.mkdirSync(join(this.root, 'uploads', uploadId));
    this.uploads.set(uploadId, {
      bucket,
      key,
      contentType: contentType ?? 'application/octet-stream',
      metadata: metadata ?? {},
      parts: new Map(),
      assembly: {
        path: join(this.root, 'uploads', uploadId, 'assembly'),
        next: 1,
        size: 0,
        sha256: createHash('sha256'),
        sha1: createHash('sha1'),
        writing: false,
        stale: false,
      },
    });
    return uploadId;
  }

  uploadPart(uploadId: string, partNumber: number, body: Buffer): string {
    const part = this.openPart(uploadId, partNumber, body.byteLength);
    try {
      part.write(body);
    } catch (error) {
      part.fail();
      throw error;
    }
    return part.finish();
  }

  /**
   * UploadPart from the request body as it arrives (disk-s3-routes.ts): each chunk is hashed and
   * written at once, so a part is never gathered into one Buffer (fauxqs's route concatenates
   * it first: about a quarter of the emulator's CPU for a 200 MB upload, with its GC).
   */
  async uploadPartFrom(
    uploadId: string,
    partNumber: number,
    size: number,
    chunks: AsyncIterable<Buffer>,
  ): Promise<string> {
    const part = this.openPart(uploadId, partNumber, size);
    try {
      for await (const chunk of chunks) part.write(chunk);
    } catch (error) {
      part.fail();
      throw error;
    }
    return part.finish();
  }

  completeMultipartUpload(
    uploadId: string,
    specs: readonly { partNumber: number; etag: string }[],
  ): FauxqsObject {
    const upload = this.requireUpload(uploadId);
    const invalidPart = () =>
      new this.S3Error('InvalidPart', 'One or more of the specified parts could not be found.', 400);
    const parts = specs.map((spec, index) => {
      const part = upload.parts.get(spec.partNumber);
      if (!part || part.etag.replaceAll('"', '') !== spec.etag.replaceAll('"', '')) throw invalidPart();
      if (index > 0 && spec.partNumber <= (specs[index - 1]?.partNumber ?? 0)) {
        throw new this.S3Error('InvalidPartOrder', 'The list of parts was not in ascending order.', 400);
      }
      if (index < specs.length - 1 && part.size < MIN_PART_BYTES) {
        throw new this.S3Error(
          'EntityTooSmall',
          'Your proposed upload is smaller than the minimum allowed size',
          400,
        );
      }
      return part;
    });
    const size = parts.reduce((total, part) => total + part.size, 0);
    const { assembly } = upload;
    const assembled =
      !assembly.stale &&
      !assembly.writing &&
      specs.length > 0 &&
      specs.length === assembly.next - 1 &&
      specs.every((spec, index) => spec.partNumber === index + 1);
    let sha256: string;
    let sha1: string;
    if (assembled) {
      sha256 = assembly.sha256.digest('hex');
      sha1 = assembly.sha1.digest('hex');
      this.placeBlob(sha256, assembly.path, size);
    } else {
      // Hash first (one part in memory at a time), then copy the parts into the blob.
      const hash = createHash('sha256');
      const hash1 = createHash('sha1');
      for (const part of parts) {
        const bytes = this.readPart(part);
        hash.update(bytes);
        hash1.update(bytes);
      }
      sha256 = hash.digest('hex');
      sha1 = hash1.digest('hex');
      this.writeBlob(
        sha256,
        (fd) => {
          for (const part of parts) this.writeAll(fd, this.readPart(part));
        },
        size,
      );
    }
    const etag = `"${createHash('md5')
      .update(Buffer.concat(parts.map((part) => part.digest)))
      .digest('hex')}-${parts.length}"`;
    const record = this.writeRecord(upload.bucket, {
      key: upload.key,
      sha256,
      sha1,
      size,
      etag,
      contentType: upload.contentType,
      lastModified: new Date().toISOString(),
      metadata: upload.metadata,
    });
    this.abortMultipartUpload(uploadId);
    return { ...this.toFauxqs(record), body: Buffer.alloc(0) };
  }

  abortMultipartUpload(uploadId: string): void {
    this.requireUpload(uploadId);
    this.uploads.delete(uploadId);
    this.fs.rmSync(join(this.root, 'uploads', uploadId), { recursive: true, force: true });
  }

  /** An error S3 clients understand (fauxqs answers it as S3's XML error body). */
  s3Error(code: string, message: string, statusCode: number): Error {
    return new this.S3Error(code, message, statusCode);
  }

  // ---- for `hld doctor` ------------------------------------------------------------------------

  /** Names of the buckets on disk. */
  bucketNames(): string[] {
    return this.fs.readdirSync(join(this.root, 'objects')).sort();
  }

  /**
   * Every record of a bucket, and the record files that cannot be read (never rewritten here:
   * `hld doctor` moves them aside).
   */
  scanBucket(bucket: string): { records: StoredObjectRecord[]; unreadable: string[] } {
    const records: StoredObjectRecord[] = [];
    const unreadable: string[] = [];
    const folder = this.bucketFolder(bucket);
    for (const name of this.fs.readdirSync(folder).sort()) {
      const record = this.parseRecord(join(folder, name));
      if (record) records.push(record);
      else unreadable.push(join(folder, name));
    }
    return { records, unreadable };
  }

  /** The object's record, or undefined when it has none (a damaged record throws). */
  recordOf(bucket: string, key: string): StoredObjectRecord | undefined {
    return this.readRecord(bucket, key);
  }

  /** Index files of the earlier layout still in place (adoption leaves only those it could not parse). */
  legacyIndexPaths(): string[] {
    return this.fs
      .readdirSync(this.root)
      .filter((name) => name.endsWith('.index.json'))
      .map((name) => join(this.root, name));
  }

  /** SHA-256 names of every blob on disk. */
  blobNames(): string[] {
    return this.fs.readdirSync(join(this.root, 'blobs')).filter((name) => HEX_SHA256.test(name));
  }

  blobPath(sha256: string): string {
    return join(this.root, 'blobs', sha256);
  }

  /** True when the blob is there and its bytes hash to its name. */
  blobIntact(sha256: string): boolean {
    try {
      return sha256Of(this.fs.readFileSync(this.blobPath(sha256))) === sha256;
    } catch {
      return false;
    }
  }

  /** Name an existing blob under a key again (the repair of a lost record). */
  linkObject(
    bucket: string,
    key: string,
    sha256: string,
    fields: { contentType?: string; metadata?: Record<string, string> } = {},
  ): void {
    const body = this.fs.readFileSync(this.blobPath(sha256));
    if (sha256Of(body) !== sha256) throw new Error(`blob ${sha256} does not hash to its name`);
    this.writeRecord(bucket, {
      key,
      sha256,
      size: body.byteLength,
      etag: `"${createHash('md5').update(body).digest('hex')}"`,
      contentType: fields.contentType ?? 'application/octet-stream',
      lastModified: new Date().toISOString(),
      metadata: fields.metadata ?? {},
    });
  }

  /** Move a damaged file into damaged/ (kept for inspection, out of the store's way). */
  moveAside(path: string): string {
    const target = join(
      this.root,
      'damaged',
      `${new Date().toISOString().replace(/[:.]/g, '')}-${basename(path)}`,
    );
    this.fs.mkdirSync(dirname(target), { recursive: true });
    this.fs.renameSync(path, target);
    this.listings.clear();
    this.usedBytes = undefined;
    return target;
  }

  /** Remove a blob no record names. */
  removeBlob(sha256: string): void {
    this.fs.rmSync(this.blobPath(sha256), { force: true });
    this.usedBytes = undefined;
  }

  // ---- internals ------------------------------------------------------------------------------

  private bucketFolder(bucket: string): string {
    return join(this.root, 'objects', bucket);
  }

  private requireBucket(bucket: string): void {
    if (!this.hasBucket(bucket)) {
      throw new this.S3Error('NoSuchBucket', `The specified bucket does not exist: ${bucket}`, 404);
    }
  }

  private requireUpload(uploadId: string): PendingUpload {
    const upload = this.uploads.get(uploadId);
    if (!upload) {
      throw new this.S3Error('NoSuchUpload', 'The specified multipart upload does not exist.', 404);
    }
    return upload;
  }

  private requireRecord(bucket: string, key: string): StoredObjectRecord {
    this.requireBucket(bucket);
    const record = this.readRecord(bucket, key);
    if (!record)
      throw new this.S3Error('NoSuchKey', 'The specified key does not exist.', 404, `/${bucket}/${key}`);
    return record;
  }

  private readRecord(bucket: string, key: string): StoredObjectRecord | undefined {
    const path = join(this.bucketFolder(bucket), keyFileName(key));
    if (!this.fs.existsSync(path)) return undefined;
    const record = this.parseRecord(path);
    if (!record || record.key !== key) {
      throw new this.S3Error(
        'HldDamagedState',
        `s3://${bucket}/${key}: its record ${path} cannot be read. It was left as it is; run 'hld doctor' to move it aside and re-link the object from the ledger`,
        500,
      );
    }
    return record;
  }

  private parseRecord(path: string): StoredObjectRecord | undefined {
    try {
      const record = JSON.parse(this.fs.readFileSync(path, 'utf8')) as Partial<StoredObjectRecord>;
      if (
        typeof record.key !== 'string' ||
        typeof record.sha256 !== 'string' ||
        !HEX_SHA256.test(record.sha256) ||
        (record.sha1 !== undefined && (typeof record.sha1 !== 'string' || !HEX_SHA1.test(record.sha1)))
      )
        return undefined;
      if (typeof record.size !== 'number' || typeof record.lastModified !== 'string') return undefined;
      return record as StoredObjectRecord;
    } catch {
      return undefined;
    }
  }

  /** A bucket's records by key, read from disk once and then kept in step with every write. */
  private records(bucket: string): Map<string, StoredObjectRecord> {
    let listing = this.listings.get(bucket);
    if (!listing) {
      const { records, unreadable } = this.scanBucket(bucket);
      if (unreadable.length > 0) {
        throw new this.S3Error(
          'HldDamagedState',
          `s3://${bucket}: ${unreadable.length} object record(s) cannot be read (${unreadable[0]}). They were left as they are; run 'hld doctor' to move them aside and re-link the objects from the ledger`,
          500,
        );
      }
      listing = new Map(records.map((record) => [record.key, record]));
      this.listings.set(bucket, listing);
    }
    return listing;
  }

  private readBlob(bucket: string, record: StoredObjectRecord): Buffer {
    const path = this.blobPath(record.sha256);
    let body: Buffer;
    try {
      body = this.fs.readFileSync(path);
    } catch (error) {
      throw this.missingBlob(bucket, record, error);
    }
    if (sha256Of(body) !== record.sha256) throw this.corruptBlob(bucket, record);
    return body;
  }

  private missingBlob(bucket: string, record: StoredObjectRecord, error: unknown): Error {
    return new this.S3Error(
      'HldMissingBlob',
      `s3://${bucket}/${record.key}: its bytes (${this.blobPath(record.sha256)}) are missing (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}). Run 'hld doctor': it rebuilds curated tables and re-links raw uploads from the ledger, and says which files must be ingested again`,
      500,
    );
  }

  private corruptBlob(bucket: string, record: StoredObjectRecord): Error {
    return new this.S3Error(
      'HldCorruptBlob',
      `s3://${bucket}/${record.key}: its bytes (${this.blobPath(record.sha256)}) no longer match their SHA-256 ${record.sha256}; the local state is damaged. Run 'hld doctor': it moves the damaged file aside, rebuilds curated tables from raw and says which uploads must be ingested again`,
      500,
    );
  }

  /**
   * Check a blob against its SHA-256 as a stream (never the whole body in memory). A blob checked
   * once is not hashed again while its file is the same one, unchanged (inode, size, mtime): a
   * stage that reads an upload three times hashes it once.
   */
  private async verifyBlob(bucket: string, record: StoredObjectRecord): Promise<void> {
    const path = this.blobPath(record.sha256);
    let stamp: string;
    try {
      stamp = fileStamp(await nodeFs.promises.stat(path));
    } catch (error) {
      throw this.missingBlob(bucket, record, error);
    }
    if (this.verified.get(record.sha256) === stamp) return;
    const hash = createHash('sha256');
    try {
      for await (const chunk of nodeFs.createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk);
    } catch (error) {
      throw this.missingBlob(bucket, record, error);
    }
    if (hash.digest('hex') !== record.sha256) throw this.corruptBlob(bucket, record);
    this.verified.set(record.sha256, stamp);
  }

  private toFauxqs(record: StoredObjectRecord): Omit<FauxqsObject, 'body'> {
    return {
      key: record.key,
      contentType: record.contentType,
      contentLength: record.size,
      etag: record.etag,
      lastModified: new Date(record.lastModified),
      metadata: { ...record.metadata },
    };
  }

  private writeRecord(bucket: string, record: StoredObjectRecord): StoredObjectRecord {
    this.requireBucket(bucket);
    const path = join(this.bucketFolder(bucket), keyFileName(record.key));
    this.writeDurably(
      path,
      (fd) => this.writeAll(fd, Buffer.from(JSON.stringify(record))),
      `s3://${bucket}/${record.key}`,
    );
    this.listings.get(bucket)?.set(record.key, record);
    return record;
  }

  /**
   * Start writing part `partNumber`: at the end of the assembly when it is the part the assembly
   * takes next and no other part is being written there, else to a file of its own. `finish`
   * records it (the last part of a number to finish is the one kept, as in S3) and moves parts
   * that arrived early into the assembly; `fail` drops what was written.
   */
  private openPart(
    uploadId: string,
    partNumber: number,
    size: number,
  ): { write(chunk: Buffer): void; finish(): string; fail(): void } {
    const upload = this.requireUpload(uploadId);
    this.reserve(size);
    const { assembly } = upload;
    const what = `part ${partNumber} of s3://${upload.bucket}/${upload.key}`;
    const intoAssembly = !assembly.stale && !assembly.writing && partNumber === assembly.next;
    const path = intoAssembly
      ? assembly.path
      : join(this.root, 'uploads', uploadId, `part-${partNumber}-${randomUUID()}`);
    // Only complete chunks reach the assembly's hash: a part that fails leaves it as it was.
    const sha256 = intoAssembly ? assembly.sha256.copy() : undefined;
    const sha1 = intoAssembly ? assembly.sha1.copy() : undefined;
    // The part's ETag is its SHA-1, not S3's MD5: nothing reads a part ETag but the complete
    // that names it back (docs/emulators.md §6: no client may rely on the multipart ETag
    // format), and MD5 took 0.28 s of CPU per 200 MB here against SHA-1's 0.11 s.
    const partHash = createHash('sha1');
    const offset = intoAssembly ? assembly.size : 0;
    let written = 0;
    let fd: number;
    try {
      fd = this.fs.openSync(path, intoAssembly ? 'a' : 'w');
    } catch (error) {
      throw this.storageError(error, what);
    }
    if (intoAssembly) assembly.writing = true;
    let open = true;
    const close = () => {
      if (!open) return;
      open = false;
      if (intoAssembly) assembly.writing = false;
      this.fs.closeSync(fd);
    };
    return {
      write: (chunk) => {
        try {
          this.writeAll(fd, chunk);
        } catch (error) {
          throw this.storageError(error, what);
        }
        partHash.update(chunk);
        sha256?.update(chunk);
        sha1?.update(chunk);
        written += chunk.byteLength;
      },
      finish: () => {
        close();
        const digest = partHash.digest();
        const etag = `"${digest.toString('hex')}"`;
        const previous = upload.parts.get(partNumber);
        upload.parts.set(partNumber, { etag, size: written, digest, path, offset });
        if (previous && previous.path !== assembly.path && previous.path !== path) {
          this.fs.rmSync(previous.path, { force: true });
        }
        if (intoAssembly && sha256 && sha1) {
          assembly.sha256 = sha256;
          assembly.sha1 = sha1;
          assembly.size += written;
          assembly.next += 1;
        } else if (partNumber < assembly.next) {
          // Sent again after it went into the assembly: the assembly no longer holds the upload.
          assembly.stale = true;
        }
        this.assembleEarlyParts(upload);
        return etag;
      },
      fail: () => {
        try {
          close();
        } catch {
          // the write's own error is the one to report
        }
        // Bytes past the parts the assembly holds: those stay valid, nothing more goes in.
        if (intoAssembly) assembly.stale = true;
        else this.fs.rmSync(path, { force: true });
      },
    };
  }

  /** Move parts that arrived before their turn (lib-storage sends four at a time) into the assembly. */
  private assembleEarlyParts(upload: PendingUpload): void {
    const { assembly } = upload;
    for (let early = upload.parts.get(assembly.next); early; early = upload.parts.get(assembly.next)) {
      if (assembly.stale || assembly.writing || early.path === assembly.path) return;
      const body = this.fs.readFileSync(early.path);
      try {
        const fd = this.fs.openSync(assembly.path, 'a');
        try {
          this.writeAll(fd, body);
        } finally {
          this.fs.closeSync(fd);
        }
      } catch (error) {
        assembly.stale = true;
        throw this.storageError(error, `part ${assembly.next} of s3://${upload.bucket}/${upload.key}`);
      }
      assembly.sha256.update(body);
      assembly.sha1.update(body);
      upload.parts.set(assembly.next, { ...early, path: assembly.path, offset: assembly.size });
      this.fs.rmSync(early.path, { force: true });
      assembly.size += body.byteLength;
      assembly.next += 1;
    }
  }

  /** The bytes of a stored part (its file, or its range of the assembly). */
  private readPart(part: StoredPart): Buffer {
    const bytes = Buffer.allocUnsafe(part.size);
    const fd = this.fs.openSync(part.path, 'r');
    try {
      for (let read = 0; read < part.size; ) {
        const count = this.fs.readSync(fd, bytes, read, part.size - read, part.offset + read);
        if (count === 0) throw new Error(`${part.path} ends before byte ${part.offset + part.size}`);
        read += count;
      }
    } finally {
      this.fs.closeSync(fd);
    }
    return bytes;
  }

  /**
   * Make a file whose bytes hash to `sha256` (written by this store, not yet synced) the blob of
   * that name, unless an intact one is already there: fsync, rename, fsync of the folder.
   */
  private placeBlob(sha256: string, path: string, size: number): void {
    if (this.blobIntact(sha256)) {
      this.markVerified(sha256);
      return;
    }
    const target = this.blobPath(sha256);
    const replacing = this.fs.existsSync(target);
    this.reserve(size);
    try {
      const fd = this.fs.openSync(path, 'r+');
      try {
        this.fs.fsyncSync(fd);
      } finally {
        this.fs.closeSync(fd);
      }
      this.fs.renameSync(path, target);
      this.syncFolder(dirname(target));
    } catch (error) {
      throw this.storageError(error, `blob ${sha256}`);
    }
    if (replacing) this.usedBytes = undefined;
    else if (this.usedBytes !== undefined) this.usedBytes += size;
    this.markVerified(sha256);
  }

  /**
   * Record a blob as checked: its bytes were hashed to its name as they were written, so the
   * first read of a fresh upload does not hash 200 MB again (verifyBlob).
   */
  private markVerified(sha256: string): void {
    try {
      this.verified.set(sha256, fileStamp(this.fs.statSync(this.blobPath(sha256))));
    } catch {
      // not there: nothing to remember
    }
  }

  /**
   * Write a blob unless an intact one is already there. A damaged blob of the same name is
   * written again, so putting the right bytes once more repairs it.
   */
  private writeBlob(sha256: string, write: (fd: number) => void, size: number): void {
    if (!this.blobIntact(sha256)) {
      const path = this.blobPath(sha256);
      const replacing = this.fs.existsSync(path);
      this.reserve(size);
      this.writeDurably(path, write, `blob ${sha256}`);
      if (replacing) this.usedBytes = undefined;
      else if (this.usedBytes !== undefined) this.usedBytes += size;
    }
    this.markVerified(sha256);
  }

  /** Refuse a write that would take the store over its size limit. */
  private reserve(bytes: number): void {
    const limit = this.options.maxBytes;
    if (limit === undefined) return;
    this.usedBytes ??= this.blobNames().reduce(
      (total, name) => total + this.fs.statSync(this.blobPath(name)).size,
      0,
    );
    if (this.usedBytes + bytes > limit) {
      throw new this.S3Error(
        'HldStoreFull',
        `The embedded store at ${this.root} is full: ${this.usedBytes} of ${limit} bytes used, ${bytes} more needed (HLD_EMBEDDED_S3_MAX_BYTES). Nothing was half-written; free space or raise the limit, then run the command again`,
        507,
      );
    }
  }

  /** Temporary file, fsync, rename over the target, fsync of the folder: all or nothing. */
  private writeDurably(path: string, write: (fd: number) => void, what: string): void {
    const temporary = join(this.root, 'tmp', `${randomUUID()}.tmp`);
    try {
      const fd = this.fs.openSync(temporary, 'wx');
      try {
        write(fd);
        this.fs.fsyncSync(fd);
      } finally {
        this.fs.closeSync(fd);
      }
      this.fs.renameSync(temporary, path);
      this.syncFolder(dirname(path));
    } catch (error) {
      this.fs.rmSync(temporary, { force: true });
      throw this.storageError(error, what);
    }
  }

  private writeAll(fd: number, bytes: Uint8Array): void {
    for (let offset = 0; offset < bytes.byteLength; ) {
      offset += this.fs.writeSync(fd, bytes, offset, bytes.byteLength - offset);
    }
  }

  private syncFolder(folder: string): void {
    const fd = this.fs.openSync(folder, 'r');
    try {
      this.fs.fsyncSync(fd);
    } finally {
      this.fs.closeSync(fd);
    }
  }

  private storageError(error: unknown, what: string): Error {
    if (error instanceof this.S3Error) return error;
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (DISK_FULL_CODES.has(code)) {
      return new this.S3Error(
        'HldStoreFull',
        `The disk under ${this.root} is full (${code}) while writing ${what}. Nothing was half-written; free space, then run the command again`,
        507,
      );
    }
    return error as Error;
  }
}

/**
 * Adopt the per-bucket index files of the earlier layout (`<bucket>.index.json`, saved only on
 * a clean exit) as object records: the blobs were already named by their SHA-256. An index that
 * cannot be parsed is left exactly as it is and reported; `hld doctor` moves it aside.
 */
export function adoptLegacyIndexes(
  store: DiskS3Store,
  fs: StoreFileSystem = nodeFs,
): { adopted: number; unreadable: string[] } {
  let adopted = 0;
  const unreadable: string[] = [];
  for (const name of fs.readdirSync(store.root)) {
    if (!name.endsWith('.index.json')) continue;
    const bucket = name.slice(0, -'.index.json'.length);
    const path = join(store.root, name);
    let objects: Record<string, unknown>;
    try {
      objects = (JSON.parse(fs.readFileSync(path, 'utf8')) as { objects: Record<string, unknown> }).objects;
      if (typeof objects !== 'object' || objects === null) throw new Error('no objects');
    } catch {
      unreadable.push(path);
      continue;
    }
    if (!store.hasBucket(bucket)) store.createBucket(bucket);
    for (const [key, digest] of Object.entries(objects)) {
      if (typeof digest !== 'string' || store.recordOf(bucket, key) || !store.blobIntact(digest)) continue;
      store.linkObject(bucket, key, digest);
      adopted += 1;
    }
    fs.renameSync(path, `${path}.adopted`);
  }
  return { adopted, unreadable };
}
