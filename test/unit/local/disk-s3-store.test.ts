import { createHash } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  adoptLegacyIndexes,
  type DiskS3Store,
  openDiskS3Store,
  type StoreFileSystem,
  sha256Of,
} from '#packages/local/disk-s3-store.ts';
import { testSeed } from '../../support/seed.ts';

const sha1Of = (bytes: Uint8Array) => createHash('sha1').update(bytes).digest('hex');

const BUCKET = 'hld-raw';

class SimulatedKill extends Error {
  override readonly name = 'SimulatedKill';
}

/**
 * node:fs, except that the process "dies" at the `killAt`-th call that changes the disk: that
 * call does nothing (or, for a write, only half of it) and every call after it throws, as
 * nothing runs after a kill -9.
 */
function dyingFileSystem(killAt: number): { fs: StoreFileSystem } {
  let calls = 0;
  let dead = false;
  const mutating = new Set([
    'openSync',
    'writeSync',
    'fsyncSync',
    'renameSync',
    'unlinkSync',
    'rmSync',
    'mkdirSync',
  ]);
  const realFs: StoreFileSystem = {
    openSync: nodeFs.openSync,
    writeSync: nodeFs.writeSync,
    fsyncSync: nodeFs.fsyncSync,
    closeSync: nodeFs.closeSync,
    renameSync: nodeFs.renameSync,
    unlinkSync: nodeFs.unlinkSync,
    readFileSync: nodeFs.readFileSync,
    readSync: nodeFs.readSync,
    mkdirSync: nodeFs.mkdirSync,
    readdirSync: nodeFs.readdirSync,
    statSync: nodeFs.statSync,
    rmSync: nodeFs.rmSync,
    existsSync: nodeFs.existsSync,
  };
  const wrapped: Record<string, unknown> = {};
  for (const [name, real] of Object.entries(realFs) as [string, (...args: unknown[]) => unknown][]) {
    wrapped[name] = (...args: unknown[]) => {
      if (dead) throw new SimulatedKill('the process is gone');
      if (mutating.has(name)) {
        calls += 1;
        if (calls === killAt) {
          dead = true;
          if (name === 'writeSync') {
            const [fd, bytes, offset = 0, length] = args as [number, Uint8Array, number?, number?];
            const total = length ?? bytes.byteLength - offset;
            nodeFs.writeSync(fd, bytes, offset, Math.floor(total / 2));
          }
          throw new SimulatedKill(`killed at ${name} (change ${calls})`);
        }
      }
      return real(...args);
    };
  }
  return { fs: wrapped as unknown as StoreFileSystem };
}

type Operation =
  | { type: 'put'; key: string; body: Buffer }
  | { type: 'delete'; key: string }
  | { type: 'multipart'; key: string; body: Buffer };

function apply(store: DiskS3Store, operation: Operation): void {
  if (operation.type === 'put')
    store.putObject(BUCKET, operation.key, operation.body, 'text/csv', { a: '1' });
  else if (operation.type === 'delete') store.deleteObject(BUCKET, operation.key);
  else {
    const id = store.createMultipartUpload(BUCKET, operation.key);
    const etag = store.uploadPart(id, 1, operation.body);
    store.completeMultipartUpload(id, [{ partNumber: 1, etag }]);
  }
}

function contentsOf(store: DiskS3Store): Map<string, string> {
  const contents = new Map<string, string>();
  for (const object of store.listObjects(BUCKET).objects) {
    contents.set(object.key, sha256Of(store.getObject(BUCKET, object.key).body));
  }
  return contents;
}

const key = fc.constantFrom('incoming/survey/a.csv', 'raw/x y/b.json', 'tables/é/ü.arrow', 'k');
const body = fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes));
const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ type: fc.constant('put' as const), key, body }),
  fc.record({ type: fc.constant('delete' as const), key }),
  fc.record({ type: fc.constant('multipart' as const), key, body }),
);

describe('DiskS3Store', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'hld-disk-s3-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps every object, its metadata and bytes across a restart, and lists keys in order', async () => {
    const first = await openDiskS3Store(root);
    first.createBucket(BUCKET);
    first.putObject(BUCKET, 'b/2.csv', Buffer.from('two'), 'text/csv', { 'upload-key': 'x' });
    first.putObject(BUCKET, 'a/1.csv', Buffer.from('one'));
    first.putObject(BUCKET, 'b/3.csv', Buffer.from('two'));

    const second = await openDiskS3Store(root);

    expect(second.listObjects(BUCKET).objects.map((object) => object.key)).toEqual([
      'a/1.csv',
      'b/2.csv',
      'b/3.csv',
    ]);
    const object = second.getObject(BUCKET, 'b/2.csv');
    expect(object.body.toString()).toBe('two');
    expect(object).toMatchObject({
      contentType: 'text/csv',
      metadata: { 'upload-key': 'x' },
      contentLength: 3,
    });
    expect(second.listObjects(BUCKET, { prefix: 'b/', delimiter: '/' }).objects).toHaveLength(2);
    expect(second.listObjects(BUCKET, { delimiter: '/' }).commonPrefixes).toEqual(['a/', 'b/']);
    // Same bytes under two keys are one blob.
    expect(second.blobNames()).toHaveLength(2);
  });

  it('after a kill at any write, a restart sees each object either as before or as after that operation, and every body intact', async () => {
    const seed = testSeed('DiskS3Store kill at any write');
    await fc.assert(
      fc.asyncProperty(
        fc.array(operation, { minLength: 1, maxLength: 8 }),
        fc.nat(80),
        async (operations, killAt) => {
          const folder = await mkdtemp(join(root, 'run-'));
          const setup = await openDiskS3Store(folder);
          setup.createBucket(BUCKET);
          const dying = dyingFileSystem(killAt + 1);
          const model = new Map<string, string>();
          let interrupted: Operation | undefined;
          try {
            const storeOnDyingDisk = await openDiskS3Store(folder, { fs: dying.fs });
            for (const step of operations) {
              interrupted = step;
              apply(storeOnDyingDisk, step);
              interrupted = undefined;
              if (step.type === 'delete') model.delete(step.key);
              else model.set(step.key, sha256Of(step.body));
            }
          } catch (error) {
            if (!(error instanceof SimulatedKill)) throw error;
          }

          const reopened = await openDiskS3Store(folder);
          const seen = contentsOf(reopened);

          const after = new Map(model);
          if (interrupted?.type === 'delete') after.delete(interrupted.key);
          else if (interrupted) after.set(interrupted.key, sha256Of(interrupted.body));
          expect(
            [model, after].some(
              (state) => JSON.stringify([...state].sort()) === JSON.stringify([...seen].sort()),
            ),
          ).toBe(true);
          expect(await readdir(join(folder, 'tmp'))).toEqual([]);
          // And the store goes on working.
          reopened.putObject(BUCKET, 'next', Buffer.from('after the kill'));
          expect(reopened.getObject(BUCKET, 'next').body.toString()).toBe('after the kill');
        },
      ),
      { seed, numRuns: 150 },
    );
  });

  it('refuses bytes that no longer match their SHA-256, naming the object and what to do', async () => {
    const store = await openDiskS3Store(root);
    store.createBucket(BUCKET);
    store.putObject(BUCKET, 'tables/jmdi_project/x.arrow', Buffer.from('budget 1114030'));
    const sha = sha256Of(Buffer.from('budget 1114030'));
    await writeFile(store.blobPath(sha), 'budget 2769940');

    expect(() => store.getObject(BUCKET, 'tables/jmdi_project/x.arrow')).toThrow(
      expect.objectContaining({
        name: expect.any(String),
        message: expect.stringMatching(/s3:\/\/hld-raw\/tables\/jmdi_project\/x\.arrow.*SHA-256.*hld doctor/),
      }),
    );
    // HEAD needs no body and still answers.
    expect(store.headObject(BUCKET, 'tables/jmdi_project/x.arrow').contentLength).toBe(14);
  });

  it('answers at once when a blob is missing, naming the object (no hang)', async () => {
    const store = await openDiskS3Store(root);
    store.createBucket(BUCKET);
    store.putObject(BUCKET, 'raw/pilot/a.json', Buffer.from('{}'));
    await rm(store.blobPath(sha256Of(Buffer.from('{}'))));

    expect(() => store.getObject(BUCKET, 'raw/pilot/a.json')).toThrow(
      /raw\/pilot\/a\.json.*missing.*hld doctor/,
    );
  });

  it('never rewrites a record it cannot parse, and says which one', async () => {
    const store = await openDiskS3Store(root);
    store.createBucket(BUCKET);
    store.putObject(BUCKET, 'a', Buffer.from('x'));
    const path = join(root, 'objects', BUCKET, nodeFs.readdirSync(join(root, 'objects', BUCKET))[0]!);
    await truncate(path, 5);
    const damaged = await readFile(path);

    const reopened = await openDiskS3Store(root);

    expect(() => reopened.listObjects(BUCKET)).toThrow(/cannot be read.*left as they are.*hld doctor/);
    expect(() => reopened.getObject(BUCKET, 'a')).toThrow(/cannot be read/);
    expect(await readFile(path)).toEqual(damaged);
  });

  it('refuses a write over its size limit, leaving nothing half-written', async () => {
    const store = await openDiskS3Store(root, { maxBytes: 10 });
    store.createBucket(BUCKET);
    store.putObject(BUCKET, 'small', Buffer.from('12345'));

    expect(() => store.putObject(BUCKET, 'large', Buffer.from('123456789'))).toThrow(
      /is full.*Nothing was half-written/,
    );
    expect(store.listObjects(BUCKET).objects.map((object) => object.key)).toEqual(['small']);
    expect(store.blobNames()).toHaveLength(1);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  it('writes a multipart upload from parts on disk, with the multipart ETag', async () => {
    const store = await openDiskS3Store(root);
    store.createBucket(BUCKET);
    const first = Buffer.alloc(5 * 1024 * 1024, 1);
    const second = Buffer.from('tail');
    const id = store.createMultipartUpload(BUCKET, 'big.arrow', 'application/vnd.apache.arrow.file');
    const etags = [store.uploadPart(id, 1, first), store.uploadPart(id, 2, second)];

    const object = store.completeMultipartUpload(id, [
      { partNumber: 1, etag: etags[0]! },
      { partNumber: 2, etag: etags[1]! },
    ]);

    expect(object.etag).toMatch(/-2"$/);
    expect(sha256Of(store.getObject(BUCKET, 'big.arrow').body)).toBe(
      sha256Of(Buffer.concat([first, second])),
    );
    expect(await readdir(join(root, 'uploads'))).toEqual([]);
  });

  it('gives back exactly the parts a complete names, in any arrival order, with parts sent again, before and after a restart', async () => {
    const seed = testSeed('DiskS3Store multipart in any order');
    const MIB = 1024 * 1024;
    // Non-last parts at S3's 5 MiB minimum plus a few bytes, so part boundaries fall anywhere.
    // Drawn as sizes and fill bytes (a counterexample stays readable), built in the property.
    const part = (last: boolean) =>
      fc.record({
        size: fc.nat(last ? 3 * MIB : 4096).map((extra) => (last ? 0 : 5 * MIB) + extra),
        fill: fc.integer({ min: 1, max: 255 }),
        head: fc.uint8Array({ maxLength: 16 }),
      });
    const build = ({ size, fill, head }: { size: number; fill: number; head: Uint8Array }) => {
      const bytes = Buffer.alloc(size, fill);
      Buffer.from(head).copy(bytes);
      return bytes;
    };
    const upload = fc.integer({ min: 1, max: 4 }).chain((count) =>
      fc.record({
        parts: fc.tuple(...Array.from({ length: count }, (_, index) => part(index === count - 1))),
        order: fc.shuffledSubarray(
          Array.from({ length: count }, (_, index) => index + 1),
          { minLength: count, maxLength: count },
        ),
        // Parts sent once more with other bytes, after all were sent once (the later ones count).
        again: fc.array(fc.integer({ min: 1, max: count }), { maxLength: 2 }),
        // Complete with every part, or leave the last ones out (S3 allows any ascending subset).
        kept: fc.integer({ min: 1, max: count }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(upload, async ({ parts, order, again, kept }) => {
        const folder = await mkdtemp(join(root, 'multipart-'));
        const store = await openDiskS3Store(folder);
        store.createBucket(BUCKET);
        const bodies = new Map(parts.map((spec, index) => [index + 1, build(spec)]));
        const id = store.createMultipartUpload(BUCKET, 'upload.bin');
        const etags = new Map<number, string>();
        for (const number of order) etags.set(number, store.uploadPart(id, number, bodies.get(number)!));
        for (const number of again) {
          const changed = Buffer.from(bodies.get(number)!);
          changed[0] = (changed[0]! + 1) % 256;
          bodies.set(number, changed);
          etags.set(number, store.uploadPart(id, number, changed));
        }
        const named = [...bodies.keys()].sort((a, b) => a - b).slice(0, kept);
        const expected = Buffer.concat(named.map((number) => bodies.get(number)!));

        const object = store.completeMultipartUpload(
          id,
          named.map((number) => ({ partNumber: number, etag: etags.get(number)! })),
        );

        expect(object.etag).toMatch(new RegExp(`-${named.length}"$`));
        expect(object.contentLength).toBe(expected.byteLength);
        const stored = store.getObject(BUCKET, 'upload.bin').body;
        expect(sha256Of(stored)).toBe(sha256Of(expected));
        expect(store.recordOf(BUCKET, 'upload.bin')?.sha256).toBe(sha256Of(expected));
        // The SHA-1 of the same bytes, hashed as they arrived (HeadObject's full-object checksum).
        expect(store.recordOf(BUCKET, 'upload.bin')?.sha1).toBe(sha1Of(expected));
        expect(await readdir(join(folder, 'uploads'))).toEqual([]);
        expect(store.blobNames()).toEqual([sha256Of(expected)]);
        const reopened = await openDiskS3Store(folder);
        expect(sha256Of(reopened.getObject(BUCKET, 'upload.bin').body)).toBe(sha256Of(expected));
        await rm(folder, { recursive: true, force: true });
      }),
      { seed, numRuns: 30 },
    );
  }, 120_000);

  it('gives back the parts streamed in at once, chunk by chunk, in any interleaving and with retries in flight', async () => {
    const seed = testSeed('DiskS3Store parts streamed concurrently');
    const MIB = 1024 * 1024;
    const upload = fc.integer({ min: 1, max: 4 }).chain((count) =>
      fc.record({
        // Sizes and fill bytes; non-last parts at the 5 MiB minimum plus a few bytes.
        parts: fc.tuple(
          ...Array.from({ length: count }, (_, index) =>
            fc.record({
              size: fc
                .nat(index === count - 1 ? MIB : 4096)
                .map((extra) => (index === count - 1 ? 0 : 5 * MIB) + extra),
              fill: fc.integer({ min: 1, max: 255 }),
            }),
          ),
        ),
        // Part numbers sent twice at the same time (a client's retry: the same bytes).
        retried: fc.uniqueArray(fc.integer({ min: 1, max: count }), { maxLength: 2 }),
        // How each part's body is cut, and the order in which chunks arrive across requests.
        chunkBytes: fc.integer({ min: 64 * 1024, max: 3 * MIB }),
        schedule: fc.array(fc.nat(), { minLength: 1, maxLength: 64 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(upload, async ({ parts, retried, chunkBytes, schedule }) => {
        const folder = await mkdtemp(join(root, 'streamed-'));
        const store = await openDiskS3Store(folder);
        store.createBucket(BUCKET);
        const bodies = parts.map(({ size, fill }, index) => {
          const bytes = Buffer.alloc(size, fill);
          if (size > 0) bytes[0] = index;
          return bytes;
        });
        const id = store.createMultipartUpload(BUCKET, 'streamed.bin');
        let turn = 0;
        // A request body that hands over one chunk per turn it is given (the schedule decides).
        async function* arriving(body: Buffer, request: number): AsyncGenerator<Buffer> {
          for (let at = 0; at < body.length; at += chunkBytes) {
            while ((schedule[turn % schedule.length] ?? 0) % 3 === request % 3 && turn < 1000) {
              turn += 1;
              await new Promise((resolve) => setImmediate(resolve));
            }
            turn += 1;
            yield body.subarray(at, at + chunkBytes);
          }
        }
        const requests = [...bodies.keys(), ...retried.map((number) => number - 1)];
        const etags = await Promise.all(
          requests.map((index, request) =>
            store.uploadPartFrom(id, index + 1, bodies[index]!.length, arriving(bodies[index]!, request)),
          ),
        );
        const expected = Buffer.concat(bodies);

        store.completeMultipartUpload(
          id,
          bodies.map((_, index) => ({ partNumber: index + 1, etag: etags[index]! })),
        );

        expect(sha256Of(store.getObject(BUCKET, 'streamed.bin').body)).toBe(sha256Of(expected));
        expect(store.recordOf(BUCKET, 'streamed.bin')?.sha256).toBe(sha256Of(expected));
        // The SHA-1 of the same bytes, hashed as they arrived (HeadObject's full-object checksum).
        expect(store.recordOf(BUCKET, 'streamed.bin')?.sha1).toBe(sha1Of(expected));
        expect(await readdir(join(folder, 'uploads'))).toEqual([]);
        await rm(folder, { recursive: true, force: true });
      }),
      { seed, numRuns: 30 },
    );
  }, 120_000);

  it('adopts the index files of the earlier layout, and leaves one it cannot parse as it is', async () => {
    const store = await openDiskS3Store(root);
    store.createBucket(BUCKET);
    const bytes = Buffer.from('kept by the old layout');
    store.putObject(BUCKET, 'scratch', bytes);
    store.deleteObject(BUCKET, 'scratch');
    await writeFile(
      join(root, `${BUCKET}.index.json`),
      JSON.stringify({ objects: { 'raw/a.csv': sha256Of(bytes) } }),
    );
    await writeFile(join(root, 'hld-curated.index.json'), '{"objects":{"tab');

    const result = adoptLegacyIndexes(store);

    expect(result).toEqual({ adopted: 1, unreadable: [join(root, 'hld-curated.index.json')] });
    expect(store.getObject(BUCKET, 'raw/a.csv').body.toString()).toBe('kept by the old layout');
    expect(await readFile(join(root, 'hld-curated.index.json'), 'utf8')).toBe('{"objects":{"tab');
  });
});
