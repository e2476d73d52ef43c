import { createReadStream } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import type { buildApp } from 'fauxqs';
import type { DiskS3Store, StoredObjectRecord } from './disk-s3-store.ts';

type FauxqsApp = ReturnType<typeof buildApp>;

/** What the hook reads of fastify's request and reply (fauxqs runs on fastify). */
interface HookRequest {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly params: unknown;
  readonly query: unknown;
  /** The Node request: its body not yet read in an `onRequest` hook. */
  readonly raw: AsyncIterable<Buffer>;
}

interface HookReply {
  header(name: string, value: string | number): HookReply;
  status(statusCode: number): HookReply;
  send(payload?: unknown): HookReply;
}

/** fauxqs's S3 error (disk-s3-store.ts loads the class); `toXml()` is the body S3 answers with. */
interface S3ErrorLike {
  readonly statusCode: number;
  toXml(): string;
}

/** Conditional GETs are left to fauxqs's own route (it reads the body whole; nothing here sends them). */
const CONDITIONAL_HEADERS = ['if-none-match', 'if-match', 'if-modified-since', 'if-unmodified-since'];

/**
 * Serve GetObject, CopyObject and UploadPart of the embedded disk store without holding bodies:
 * fauxqs's own routes take a whole Buffer from the store (a 200 MB upload read three times by
 * ingest is 600 MB of allocations) or gather a part's body into one, so these are answered
 * first, in an `onRequest` hook, with the same headers, status codes and XML as fauxqs. A GET
 * streams the blob file (a Range streams its slice) after the blob was checked against its
 * SHA-256 as a stream; a copy writes a record that names the same blob; a part is hashed and
 * written chunk by chunk as it arrives. Every other request goes on to fauxqs unchanged.
 */
export function serveBodiesFromDisk(app: FauxqsApp, store: DiskS3Store): void {
  app.addHook('onRequest', async (request: HookRequest, reply: HookReply) => {
    const params = request.params as { bucket?: string; '*'?: string } | undefined;
    const bucket = params?.bucket;
    const key = params?.['*'];
    if (!bucket || !key) return;
    try {
      const conditional = CONDITIONAL_HEADERS.some((name) => request.headers[name]);
      if (request.method === 'HEAD' && request.headers['x-amz-checksum-mode'] === 'ENABLED' && !conditional) {
        const record = store.hasBucket(bucket) ? store.recordOf(bucket, key) : undefined;
        if (record?.sha1) {
          headWithChecksums(reply, record);
          return reply;
        }
      }
      if (request.method === 'GET' && !conditional) {
        await getObject(request, reply, store, bucket, key);
        return reply;
      }
      const copySource = request.headers['x-amz-copy-source'];
      if (request.method === 'PUT' && typeof copySource === 'string') {
        await copyObject(request, reply, store, copySource, bucket, key);
        return reply;
      }
      const part = streamablePart(request);
      if (part) {
        const etag = await store.uploadPartFrom(part.uploadId, part.partNumber, part.size, request.raw);
        reply.header('etag', etag);
        reply.status(200).send();
        return reply;
      }
    } catch (error) {
      if (typeof (error as Partial<S3ErrorLike>).toXml !== 'function') throw error;
      reply.header('content-type', 'application/xml');
      reply.status((error as S3ErrorLike).statusCode).send((error as S3ErrorLike).toXml());
      return reply;
    }
    return;
  });
}

/** The headers a GET and a HEAD of an object share: type, ETag, time and user metadata. */
function objectHeaders(
  reply: HookReply,
  object: {
    readonly contentType: string;
    readonly etag: string;
    readonly lastModified: Date;
    readonly metadata: Readonly<Record<string, string>>;
  },
): void {
  reply.header('content-type', object.contentType);
  reply.header('etag', object.etag);
  reply.header('last-modified', object.lastModified.toUTCString());
  for (const [name, value] of Object.entries(object.metadata)) reply.header(`x-amz-meta-${name}`, value);
}

async function getObject(
  request: HookRequest,
  reply: HookReply,
  store: DiskS3Store,
  bucket: string,
  key: string,
): Promise<void> {
  const { object, path } = await store.openObject(bucket, key);
  objectHeaders(reply, object);
  const total = object.contentLength;
  const rangeHeader = request.headers.range;
  if (rangeHeader) {
    const range = parseRange(rangeHeader, total);
    if (!range) {
      reply.header('content-range', `bytes */${total}`);
      throw store.s3Error('InvalidRange', 'The requested range is not satisfiable', 416);
    }
    reply.header('content-length', range.end - range.start + 1);
    reply.header('content-range', `bytes ${range.start}-${range.end}/${total}`);
    reply.status(206).send(createReadStream(path, range));
    return;
  }
  reply.header('content-length', total);
  // An empty file gives a stream with no data, which is what a zero-length body is.
  reply.status(200).send(createReadStream(path));
}

/**
 * HeadObject with `ChecksumMode: ENABLED`: the object's SHA-256 and SHA-1, which the store
 * computed from the bytes as it received them, as S3's full-object checksums (base64 of the
 * digest, `x-amz-checksum-type: FULL_OBJECT`), so ingest need not read a large upload to hash it
 * (ObjectStore.receivedDigests). Only HEAD answers them: a GET that echoed them would have the SDK
 * hash every body it reads once more to validate it.
 */
function headWithChecksums(reply: HookReply, record: StoredObjectRecord): void {
  objectHeaders(reply, { ...record, lastModified: new Date(record.lastModified) });
  reply.header('accept-ranges', 'bytes');
  reply.header('content-length', record.size);
  reply.header('x-amz-checksum-sha256', Buffer.from(record.sha256, 'hex').toString('base64'));
  if (record.sha1) reply.header('x-amz-checksum-sha1', Buffer.from(record.sha1, 'hex').toString('base64'));
  reply.header('x-amz-checksum-type', 'FULL_OBJECT');
  reply.status(200).send();
}

async function copyObject(
  request: HookRequest,
  reply: HookReply,
  store: DiskS3Store,
  copySource: string,
  bucket: string,
  key: string,
): Promise<void> {
  const decoded = decodeURIComponent(copySource).replace(/^\//, '');
  const slash = decoded.indexOf('/');
  if (slash === -1) throw store.s3Error('InvalidArgument', 'Invalid copy source bucket name', 400);
  const replace = request.headers['x-amz-metadata-directive'] === 'REPLACE';
  const object = await store.copyObject(
    { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) },
    bucket,
    key,
    replace ? userMetadata(request.headers) : undefined,
  );
  reply.header('content-type', 'application/xml');
  reply
    .status(200)
    .send(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<CopyObjectResult>',
        `  <ETag>${object.etag}</ETag>`,
        `  <LastModified>${object.lastModified.toISOString()}</LastModified>`,
        '</CopyObjectResult>',
      ].join('\n'),
    );
}

/**
 * An UploadPart whose body can be written as it arrives: a plain body of a declared length.
 * UploadPartCopy, and a body in aws-chunked framing (a streamed PutObject's), go to fauxqs.
 */
function streamablePart(
  request: HookRequest,
): { uploadId: string; partNumber: number; size: number } | undefined {
  if (request.method !== 'PUT' || request.headers['x-amz-copy-source'] !== undefined) return undefined;
  if ((request.headers['content-encoding'] ?? '').includes('aws-chunked')) return undefined;
  const query = (request.query ?? {}) as { uploadId?: unknown; partNumber?: unknown };
  const size = Number(request.headers['content-length']);
  const partNumber = Number(query.partNumber);
  if (typeof query.uploadId !== 'string' || !Number.isInteger(partNumber) || partNumber < 1) return undefined;
  if (!Number.isSafeInteger(size) || size < 0) return undefined;
  return { uploadId: query.uploadId, partNumber, size };
}

function userMetadata(headers: HookRequest['headers']): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.toLowerCase().startsWith('x-amz-meta-') || !value) continue;
    metadata[name.toLowerCase().slice('x-amz-meta-'.length)] = Array.isArray(value)
      ? (value[0] ?? '')
      : value;
  }
  return metadata;
}

/** `bytes=N-M`, `bytes=N-` or `bytes=-N` within `total` bytes (fauxqs's rules), else undefined. */
export function parseRange(header: string, total: number): { start: number; end: number } | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header);
  if (!match) return undefined;
  const [, from = '', to = ''] = match;
  if (from === '' && to !== '') {
    const suffix = Number(to);
    if (suffix === 0 || suffix > total) return undefined;
    return { start: total - suffix, end: total - 1 };
  }
  if (from === '') return undefined;
  const start = Number(from);
  if (start >= total) return undefined;
  if (to === '') return { start, end: total - 1 };
  const end = Number(to);
  if (start > end) return undefined;
  return { start, end: Math.min(end, total - 1) };
}
