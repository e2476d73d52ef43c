import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListBucketsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDiskS3Store } from '#packages/local/disk-s3-store.ts';
import { type FauxqsOnDemand, startFauxqsOnDemand } from '#packages/local/fauxqs-on-demand.ts';
import { resetClients, s3Client } from '#packages/storage/client-factory.ts';
import { propertyRuns } from '../unit/contracts/property-runs.ts';

const BUCKETS = ['hld-raw', 'hld-curated', 'hld-exports'];
const SAVED = ['AWS_ENDPOINT_URL_S3', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION'] as const;

/** Point the production client factory at `endpoint` (as backends.ts does for the embedded backend). */
function useEndpoint(endpoint: string): void {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
  });
  resetClients();
}

/** True when something accepts a TCP connection on the endpoint's port. */
function portOpen(endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(Number(new URL(endpoint).port), '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** One S3 call a first request may be: every kind reaches the emulator before it is built. */
type FirstRequest =
  | { readonly kind: 'list' }
  | { readonly kind: 'put'; readonly key: string; readonly body: string };

const firstRequest: fc.Arbitrary<FirstRequest> = fc.oneof(
  fc.constant({ kind: 'list' as const }),
  fc.record({
    kind: fc.constant('put' as const),
    key: fc.stringMatching(/^[a-z0-9][a-z0-9/_-]{0,40}$/),
    body: fc.string({ minLength: 1, maxLength: 200 }),
  }),
);

describe('the embedded S3 endpoint, fauxqs built on the first request', () => {
  const saved = new Map(SAVED.map((name) => [name, process.env[name]]));
  const started: FauxqsOnDemand[] = [];
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'hld-s3-on-demand-'));
  });

  afterEach(async () => {
    for (const s3 of started.splice(0)) await s3.stop();
    resetClients();
  });

  afterAll(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    resetClients();
    await rm(root, { recursive: true, force: true });
  });

  it('answers concurrent first requests after one build, all seeing the same buckets (property)', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(firstRequest, { minLength: 2, maxLength: 8 }),
        fc.boolean(),
        async (requests, onDisk) => {
          round += 1;
          const store = onDisk ? await openDiskS3Store(join(root, `round-${round}`)) : undefined;
          const s3 = await startFauxqsOnDemand({ ...(store ? { store } : {}), buckets: BUCKETS });
          started.push(s3);
          useEndpoint(s3.endpoint);
          const stateBefore = s3.state;

          const answers = await Promise.all(
            requests.map((request) =>
              request.kind === 'list'
                ? s3Client().send(new ListBucketsCommand({}))
                : s3Client().send(
                    new PutObjectCommand({ Bucket: 'hld-raw', Key: request.key, Body: request.body }),
                  ),
            ),
          );
          const listed = await s3Client().send(new ListBucketsCommand({}));
          const stored = new Map(
            requests.flatMap((r) => (r.kind === 'put' ? [[r.key, r.body] as const] : [])),
          );
          const readBack = await Promise.all(
            [...stored.keys()].map(async (key) =>
              (
                await s3Client().send(new GetObjectCommand({ Bucket: 'hld-raw', Key: key }))
              ).Body?.transformToString(),
            ),
          );

          expect(stateBefore).toBe('idle');
          expect(s3.state).toBe('ready');
          const names = (answer: { Buckets?: { Name?: string }[] }) =>
            (answer.Buckets ?? []).map((bucket) => bucket.Name).sort();
          for (const answer of answers) expect(answer.$metadata.httpStatusCode).toBe(200);
          for (const [index, request] of requests.entries()) {
            if (request.kind === 'list')
              expect(names(answers[index] as { Buckets?: { Name?: string }[] })).toEqual(names(listed));
          }
          expect(names(listed)).toEqual([...BUCKETS].sort());
          // Concurrent PUTs of one key: one of them is last; every body read back is one that was sent.
          for (const [index, key] of [...stored.keys()].entries()) {
            const sent = requests.flatMap((r) => (r.kind === 'put' && r.key === key ? [r.body] : []));
            expect(sent).toContain(readBack[index]);
          }
          await s3.stop();
        },
      ),
      propertyRuns('s3 on demand: concurrent first requests', 12),
    );
  }, 120_000);

  it('stops cleanly while fauxqs is being built: the waiting request fails, nothing is left listening', async () => {
    // fauxqs is already loaded in this process: its loading is held back until stop is under way,
    // as a slow first load (a loaded machine) would hold it.
    let loadFauxqs = () => {};
    const loading = new Promise<void>((resolve) => {
      loadFauxqs = resolve;
    });
    const s3 = await startFauxqsOnDemand({
      buckets: BUCKETS,
      load: async () => {
        await loading;
        return import('fauxqs');
      },
    });
    started.push(s3);
    useEndpoint(s3.endpoint);
    const waiting = s3Client()
      .send(new ListBucketsCommand({}))
      .then(
        () => 'answered',
        (error: unknown) => error,
      );
    while (s3.state === 'idle') await new Promise((resolve) => setTimeout(resolve, 5));
    const stateAtStop = s3.state;

    const stopped = s3.stop();
    loadFauxqs();
    await stopped;
    const outcome = await waiting;

    expect(stateAtStop).toBe('building');
    expect(outcome).toBeInstanceOf(Error);
    expect(await portOpen(s3.endpoint)).toBe(false);
  }, 60_000);

  it('answers S3 InternalError when fauxqs cannot be built, and builds again on the next request', async () => {
    const folder = join(root, 'unwritable');
    const store = await openDiskS3Store(folder);
    // Bucket folders cannot be made under a file: creating the buckets, part of the build, fails.
    await rm(join(folder, 'objects'), { recursive: true });
    await writeFile(join(folder, 'objects'), 'not a folder');
    const s3 = await startFauxqsOnDemand({ store, buckets: BUCKETS });
    started.push(s3);
    useEndpoint(s3.endpoint);

    const failed = await s3Client()
      .send(new ListBucketsCommand({}))
      .catch((error: unknown) => error);
    const stateAfterFailure = s3.state;
    await rm(join(folder, 'objects'));
    await mkdir(join(folder, 'objects'));
    const listed = await s3Client().send(new ListBucketsCommand({}));

    expect(failed).toMatchObject({
      name: 'InternalError',
      message: expect.stringContaining('could not start'),
      $metadata: { httpStatusCode: 500 },
    });
    expect(stateAfterFailure).toBe('failed');
    expect((listed.Buckets ?? []).map((bucket) => bucket.Name).sort()).toEqual([...BUCKETS].sort());
  }, 60_000);
});
