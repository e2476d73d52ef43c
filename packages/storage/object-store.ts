import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { s3Client } from './client-factory.ts';
import { isNotFound, ObjectNotFoundError, UnsafeObjectKeyError } from './errors.ts';

/** Objects above this size go through lib-storage's multipart Upload (parts are Buffers). */
const MULTIPART_THRESHOLD = 8 * 1024 * 1024;
/** Chunks handed on by `stream`: large enough that per-chunk work (tokenizer set-up) is noise. */
const STREAM_CHUNK_BYTES = 4 * 1024 * 1024;

export interface StoredObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified?: Date;
}

export interface PutOptions {
  readonly contentType?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Reject keys that could escape their prefix or confuse tools: `..` segments, control
 * characters, backslashes, leading slashes. S3 itself allows them; we do not.
 */
export function assertSafeKey(key: string): void {
  if (key.length === 0 || key.length > 1024)
    throw new UnsafeObjectKeyError(`Object key length ${key.length} is out of range`);
  if (key.startsWith('/')) throw new UnsafeObjectKeyError(`Object key '${key}' starts with '/'`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f\\]/.test(key)) {
    throw new UnsafeObjectKeyError(`Object key ${JSON.stringify(key)} contains control characters or '\\'`);
  }
  if (key.split('/').some((segment) => segment === '..' || segment === '.')) {
    throw new UnsafeObjectKeyError(`Object key '${key}' contains a '.' or '..' segment`);
  }
}

/** Byte-oriented access to one bucket. Bodies are Buffers (portable across emulators). */
export class ObjectStore {
  readonly bucket: string;
  private readonly client: S3Client;
  constructor(bucket: string, client: S3Client = s3Client()) {
    this.bucket = bucket;
    this.client = client;
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    assertSafeKey(key);
    const bytes =
      typeof body === 'string'
        ? Buffer.from(body, 'utf8')
        : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    if (bytes.byteLength > MULTIPART_THRESHOLD) {
      await new Upload({
        client: this.client,
        params: {
          Bucket: this.bucket,
          Key: key,
          Body: bytes,
          ContentType: options.contentType,
          Metadata: options.metadata ? { ...options.metadata } : undefined,
        },
      }).done();
      return;
    }
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: bytes,
        ContentType: options.contentType,
        Metadata: options.metadata ? { ...options.metadata } : undefined,
      }),
    );
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!response.Body) return new Uint8Array();
      const length = response.ContentLength;
      if (!(response.Body instanceof Readable) || length === undefined) {
        return await response.Body.transformToByteArray();
      }
      return await readInto(response.Body, length);
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(this.bucket, key, { cause: error });
      throw error;
    }
  }

  async getText(key: string): Promise<string> {
    return Buffer.from(await this.get(key)).toString('utf8');
  }

  /** Size in bytes, from HeadObject (no download). */
  async size(key: string): Promise<number> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return head.ContentLength ?? 0;
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(this.bucket, key, { cause: error });
      throw await this.headFailure(key, error);
    }
  }

  /**
   * Why a HeadObject failed. A HEAD answer has no body, so a server error reaches the SDK without
   * its message (`UnknownError`, status 5xx): the store's own reason (the embedded store's
   * `HldDamagedState`, naming the damaged record and `hld doctor`) is only in a GET's answer. Ask
   * for the object's first byte to get it; the HEAD's error stands if that GET succeeds.
   */
  private async headFailure(key: string, error: unknown): Promise<unknown> {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
    if (status < 500) return error;
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: 'bytes=0-0' }),
      );
      await response.Body?.transformToByteArray();
    } catch (reason) {
      return reason;
    }
    return error;
  }

  /** Size, last-modified time and user metadata, from HeadObject (no download). */
  async stat(
    key: string,
  ): Promise<{ size: number; lastModified?: Date; metadata?: Readonly<Record<string, string>> }> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        size: head.ContentLength ?? 0,
        ...(head.LastModified ? { lastModified: head.LastModified } : {}),
        ...(head.Metadata && Object.keys(head.Metadata).length > 0 ? { metadata: head.Metadata } : {}),
      };
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(this.bucket, key, { cause: error });
      throw await this.headFailure(key, error);
    }
  }

  /**
   * The SHA-256 and SHA-1 (hex) of an object as the store computed them from the bytes it
   * received (HeadObject with `ChecksumMode: ENABLED`), or undefined unless it has both as
   * full-object checksums. S3 never has both: an upload carries one checksum algorithm (and a
   * multipart upload's SHA checksum is composite, a hash of the parts' hashes); the embedded store
   * has both for every object it wrote. A caller that gets undefined reads the object to hash it
   * (`digests`): in AWS, always.
   */
  async receivedDigests(key: string): Promise<{ sha256: string; sha1: string } | undefined> {
    let head: HeadObjectCommandOutput;
    try {
      head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key, ChecksumMode: 'ENABLED' }),
      );
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(this.bucket, key, { cause: error });
      throw error;
    }
    if (head.ChecksumType !== 'FULL_OBJECT' || !head.ChecksumSHA256 || !head.ChecksumSHA1) return undefined;
    const sha256 = Buffer.from(head.ChecksumSHA256, 'base64').toString('hex');
    const sha1 = Buffer.from(head.ChecksumSHA1, 'base64').toString('hex');
    // A composite value ("…-N") or anything else that is not one digest is not the object's hash.
    if (!/^[0-9a-f]{64}$/.test(sha256) || !/^[0-9a-f]{40}$/.test(sha1)) return undefined;
    return { sha256, sha1 };
  }

  /** SHA-256 of an object, streamed: an oversize upload is hashed without being held in memory. */
  async sha256(key: string): Promise<string> {
    return (await this.digests(key, ['sha256'])).sha256 ?? '';
  }

  /** Hex digests of an object in one streamed read (e.g. `['sha256', 'sha1']`). */
  async digests<Algorithm extends string>(
    key: string,
    algorithms: readonly Algorithm[],
  ): Promise<Record<Algorithm, string>> {
    const hashes = algorithms.map((algorithm) => createHash(algorithm));
    // The body's own network chunks: a hash needs no gathering (`stream` would copy every byte once).
    const body = await this.body(key);
    if (body) for await (const chunk of body) for (const hash of hashes) hash.update(chunk as Buffer);
    return Object.fromEntries(
      algorithms.map((algorithm, index) => [algorithm, hashes[index]!.digest('hex')]),
    ) as Record<Algorithm, string>;
  }

  /**
   * The object's bytes as a stream of chunks of at least `chunkBytes` (the last may be shorter):
   * never the whole object in memory. Small network reads are gathered so consumers see few,
   * large chunks.
   */
  async *stream(key: string, chunkBytes = STREAM_CHUNK_BYTES): AsyncGenerator<Uint8Array> {
    const body = await this.body(key);
    if (!body) return;
    let parts: Buffer[] = [];
    let gathered = 0;
    for await (const chunk of body) {
      parts.push(chunk as Buffer);
      gathered += (chunk as Buffer).byteLength;
      if (gathered >= chunkBytes) {
        yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, gathered);
        parts = [];
        gathered = 0;
      }
    }
    if (gathered > 0) yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, gathered);
  }

  /** The object's body as the SDK gives it (a Node stream of network-sized chunks); undefined when empty. */
  private async body(key: string): Promise<Readable | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return response.Body ? (response.Body as Readable) : undefined;
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(this.bucket, key, { cause: error });
      throw error;
    }
  }

  /** The first `length` bytes of an object (a Range GET; fewer when the object is shorter). */
  async head(key: string, length: number): Promise<Uint8Array> {
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=0-${Math.max(0, length - 1)}` }),
      );
      if (!response.Body) return new Uint8Array();
      const announced = response.ContentLength;
      const bytes =
        response.Body instanceof Readable && announced !== undefined
          ? await readInto(response.Body, announced)
          : await response.Body.transformToByteArray();
      // A backend that ignores Range still sends the object; keep what was asked for.
      return bytes.byteLength > length ? bytes.subarray(0, length) : bytes;
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(this.bucket, key, { cause: error });
      throw error;
    }
  }

  /**
   * `length` bytes of an object from byte `start` on (a Range GET; fewer at the end of the
   * object): random access to a large object without holding it. With `into` (of `length`
   * bytes), the range is read into it and `into` is returned: a caller gathering many ranges
   * into one buffer avoids a copy and a buffer per range.
   */
  async range(key: string, start: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    if (length <= 0) return new Uint8Array();
    try {
      const response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Range: `bytes=${start}-${start + length - 1}`,
        }),
      );
      if (!response.Body) return new Uint8Array();
      const announced = response.ContentLength;
      const ranged = response.ContentRange !== undefined;
      if (into && ranged && announced === into.byteLength && response.Body instanceof Readable) {
        return await readInto(response.Body, announced, into);
      }
      const bytes =
        response.Body instanceof Readable && announced !== undefined
          ? await readInto(response.Body, announced)
          : await response.Body.transformToByteArray();
      // A backend that ignores Range sends the whole object (no Content-Range): cut the range out.
      const asked = !ranged && bytes.byteLength > length ? bytes.subarray(start, start + length) : bytes;
      if (!into) return asked;
      into.set(asked.subarray(0, into.byteLength));
      return into.subarray(0, asked.byteLength);
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(this.bucket, key, { cause: error });
      throw error;
    }
  }

  /**
   * Write a stream of chunks as one object without holding it: lib-storage's multipart Upload
   * (Buffer parts; a single PutObject when the whole body fits in one part). When the stream
   * throws, the upload is aborted and no object appears under the key.
   */
  async putStream(key: string, body: AsyncIterable<Uint8Array>, options: PutOptions = {}): Promise<void> {
    assertSafeKey(key);
    await new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: Readable.from(body, { objectMode: false }),
        ContentType: options.contentType,
        Metadata: options.metadata ? { ...options.metadata } : undefined,
      },
    }).done();
  }

  /** Server-side copy within the bucket (no bytes through this process). */
  async copy(fromKey: string, toKey: string): Promise<void> {
    assertSafeKey(toKey);
    await this.client.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: toKey,
        CopySource: `${this.bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}`,
      }),
    );
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Every object under a prefix (the SDK's paginator follows continuation tokens; KeyCount is never read). */
  async list(prefix: string): Promise<StoredObject[]> {
    const objects: StoredObject[] = [];
    for await (const page of paginateListObjectsV2(
      { client: this.client },
      { Bucket: this.bucket, Prefix: prefix },
    )) {
      for (const object of page.Contents ?? []) {
        if (object.Key) {
          objects.push({
            key: object.Key,
            size: object.Size ?? 0,
            ...(object.LastModified ? { lastModified: object.LastModified } : {}),
          });
        }
      }
    }
    return objects;
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += 1000) {
      const chunk = keys.slice(start, start + 1000);
      await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true },
        }),
      );
    }
  }
}

/**
 * The body read into one buffer of its announced length, chunk by chunk: the SDK's
 * `transformToByteArray` keeps every chunk and then copies them into a new array, so reading a
 * 215 MB curated table held twice its size at the end. `bytes` (of `length` bytes) is the buffer
 * to fill when the caller has one.
 */
async function readInto(
  body: Readable,
  length: number,
  bytes: Uint8Array = new Uint8Array(length),
): Promise<Uint8Array> {
  let filled = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    if (filled + chunk.length > length) {
      body.destroy();
      throw new Error(`Object body is longer than its Content-Length (${length} bytes)`);
    }
    bytes.set(chunk, filled);
    filled += chunk.length;
  }
  if (filled !== length)
    throw new Error(`Object body ended after ${filled} of its ${length} bytes (Content-Length)`);
  return bytes;
}
