import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBackend, startBackend } from '#packages/local/backends.ts';
import { sha256Of } from '#packages/local/disk-s3-store.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import { HLD_EMBEDDED_OUT_OF_PROCESS } from '#packages/settings/settings.ts';
import { s3Client } from '#packages/storage/client-factory.ts';
import { ObjectStore } from '#packages/storage/object-store.ts';
import { seededRandom, testSeed } from '../support/seed.ts';
import { propertyRuns } from '../unit/contracts/property-runs.ts';

/** Seeded bytes (incompressible, so a wrong slice cannot match by chance). */
function seededBytes(length: number, seed: number): Buffer {
  const next = seededRandom(seed);
  const bytes = Buffer.alloc(length);
  for (let at = 0; at < length; at += 1) bytes[at] = Math.floor(next() * 256);
  return bytes;
}

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** The record file of an object in a state folder's disk store. */
async function recordOf(stateDir: string, bucket: string, key: string): Promise<{ sha256: string }> {
  const folder = join(stateDir, 's3', 'objects', bucket);
  for (const name of await readdir(folder)) {
    const record = JSON.parse(await readFile(join(folder, name), 'utf8'));
    if (record.key === key) return record;
  }
  throw new Error(`no record of s3://${bucket}/${key}`);
}

/** PIDs of the embedded-server node processes started on this state folder (Linux /proc). */
function emulatorProcesses(stateDir: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const [program = '', ...args] = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
        // The watchdog shell (processes.ts) carries the same arguments: only the node process counts.
        return (
          program === process.execPath &&
          args.some((arg) => arg.endsWith('embedded-server.ts')) &&
          args.includes(stateDir)
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * The embedded backend on a state folder serves GetObject from the blob files on disk (a stream,
 * never the whole body in memory) and CopyObject by naming the same blob: what a client reads
 * must be byte for byte what S3 would give, ranges and damage included.
 */
describe('the embedded backend on a state folder: bodies served from disk', () => {
  let stateDir: string;
  let backend: RunningBackend;
  const big = seededBytes(24 * 2 ** 20 + 123, testSeed('embedded disk bodies'));

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'hld-disk-bodies-'));
    backend = await startBackend('embedded', { stateDir });
  }, 60_000);

  afterAll(async () => {
    await backend?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('gives back every byte of a 24 MiB multipart upload, and any Range of it as S3 does', async () => {
    const raw = pipelineContext().raw;
    await raw.putStream('bodies/big.bin', chunksOf(big, 1 << 20), { metadata: { origin: 'test' } });

    const whole = Buffer.from(await raw.get('bodies/big.bin'));
    const stat = await raw.stat('bodies/big.bin');

    expect(whole.equals(big)).toBe(true);
    expect(stat).toMatchObject({ size: big.length, metadata: { origin: 'test' } });
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: big.length - 1 }),
        fc.nat({ max: big.length + 10 }),
        async (start, length) => {
          const range = `bytes=${start}-${start + length}`;
          const end = Math.min(start + length, big.length - 1);
          const response = await s3Client().send(
            new GetObjectCommand({ Bucket: raw.bucket, Key: 'bodies/big.bin', Range: range }),
          );
          const bytes = Buffer.from(await response.Body!.transformToByteArray());
          expect(response.ContentRange).toBe(`bytes ${start}-${end}/${big.length}`);
          expect(bytes.equals(big.subarray(start, end + 1))).toBe(true);
        },
      ),
      propertyRuns('GET Range of a stored object = the same slice of its bytes', 25),
    );
  }, 120_000);

  it('gives back byte for byte an upload of any size, its part boundaries anywhere, with the SHA-256 and SHA-1 of what it was sent', async () => {
    const raw = pipelineContext().raw;
    const MIB = 2 ** 20;
    await fc.assert(
      fc.asyncProperty(
        // Around lib-storage's 5 MiB parts: below one, at a boundary ± a few bytes, several parts.
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: -3, max: 3 }),
        fc.integer({ min: 1, max: 3 * MIB }),
        fc.integer({ min: 1, max: 2 * MIB }),
        async (parts, nudge, small, chunk) => {
          const size = parts === 0 ? small : Math.max(1, parts * 5 * MIB + nudge);
          const body = big.subarray(0, size);
          const key = `bodies/any-${size}.bin`;

          await raw.putStream(key, chunksOf(body, chunk));

          expect(await raw.sha256(key)).toBe(sha256Of(body));
          expect((await recordOf(stateDir, raw.bucket, key)).sha256).toBe(sha256Of(body));
          // What ingest takes instead of reading the upload again: the hashes of the bytes received.
          expect(await raw.receivedDigests(key)).toEqual({
            sha256: sha256Of(body),
            sha1: createHash('sha1').update(body).digest('hex'),
          });
          expect(Buffer.from(await raw.get(key)).equals(body)).toBe(true);
        },
      ),
      propertyRuns('an upload reads back byte for byte through the emulator', 8),
    );
    expect(await readdir(join(stateDir, 's3', 'uploads'))).toEqual([]);
  }, 180_000);

  it('copies an object by naming the same blob: no second copy of the bytes, the metadata kept', async () => {
    const raw = pipelineContext().raw;
    await raw.put('bodies/small.csv', 'a,b\n1,2\n', { metadata: { sha256: 'kept' } });
    const blobsBefore = (await readdir(join(stateDir, 's3', 'blobs'))).length;

    await raw.copy('bodies/small.csv', 'bodies/copy.csv');

    expect(await raw.getText('bodies/copy.csv')).toBe('a,b\n1,2\n');
    expect((await raw.stat('bodies/copy.csv')).metadata).toEqual({ sha256: 'kept' });
    expect((await recordOf(stateDir, raw.bucket, 'bodies/copy.csv')).sha256).toBe(
      (await recordOf(stateDir, raw.bucket, 'bodies/small.csv')).sha256,
    );
    expect((await readdir(join(stateDir, 's3', 'blobs'))).length).toBe(blobsBefore);
  });

  it('refuses bytes changed on disk after they were read once, naming the object (a checked blob is checked again when its file changes)', async () => {
    const raw = pipelineContext().raw;
    await raw.put('bodies/damaged.txt', 'evidence that must not change\n');
    expect(await raw.getText('bodies/damaged.txt')).toBe('evidence that must not change\n');
    const { sha256 } = await recordOf(stateDir, raw.bucket, 'bodies/damaged.txt');
    await writeFile(join(stateDir, 's3', 'blobs', sha256), 'evidence that DID change\n');

    const readError = await raw.get('bodies/damaged.txt').catch((error: unknown) => error);
    const copyError = await raw
      .copy('bodies/damaged.txt', 'bodies/damaged-copy.txt')
      .catch((error: unknown) => error);

    expect(readError).toMatchObject({
      name: 'HldCorruptBlob',
      message: expect.stringContaining(`s3://${raw.bucket}/bodies/damaged.txt`),
    });
    expect(copyError).toMatchObject({ name: 'HldCorruptBlob' });
    expect(await raw.exists('bodies/damaged-copy.txt')).toBe(false);
  });
});

describe.runIf(existsSync('/proc'))('HLD_EMBEDDED_OUT_OF_PROCESS', () => {
  let stateDir: string;
  const previous = process.env[HLD_EMBEDDED_OUT_OF_PROCESS.name];

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'hld-out-of-process-'));
  });

  afterAll(async () => {
    if (previous === undefined) delete process.env[HLD_EMBEDDED_OUT_OF_PROCESS.name];
    else process.env[HLD_EMBEDDED_OUT_OF_PROCESS.name] = previous;
    await rm(stateDir, { recursive: true, force: true });
  });

  it('runs the emulators in a child process on the same state folder, and stops it with the backend', async () => {
    const inProcess = await startBackend('embedded', { stateDir });
    await pipelineContext().raw.put('kept/across.txt', 'written in process');
    await pipelineContext().ledger.recordFile({
      sha256: 'a'.repeat(64),
      kind: 'survey',
      sourceName: 'survey/x.csv',
      uploadKey: 'incoming/survey/x.csv',
      rawKey: 'raw/survey/x.csv',
      docId: 'DOC-x',
      sizeBytes: 1,
      receivedAt: '2013-01-01T00:00:00Z',
      status: 'accepted',
      rowsAccepted: 1,
      rowsQuarantined: 0,
    });
    await inProcess.stop();
    process.env[HLD_EMBEDDED_OUT_OF_PROCESS.name] = '1';

    const child = await startBackend('embedded', { stateDir });
    const running = emulatorProcesses(stateDir);
    const text = await new ObjectStore(pipelineContext().config.rawBucket).getText('kept/across.txt');
    const file = await pipelineContext().ledger.getFile('a'.repeat(64));
    await child.stop();

    expect(running).toHaveLength(1);
    expect(running).not.toContain(process.pid);
    expect(text).toBe('written in process');
    expect(file?.sourceName).toBe('survey/x.csv');
    expect(emulatorProcesses(stateDir)).toEqual([]);
  }, 120_000);
});
