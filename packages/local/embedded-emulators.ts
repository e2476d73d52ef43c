import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { HLD_EMBEDDED_S3_MAX_BYTES, readSetting } from '#packages/settings/settings.ts';
import { adoptLegacyIndexes, type DiskS3Store, openDiskS3Store } from './disk-s3-store.ts';
import { startFauxqsOnDemand } from './fauxqs-on-demand.ts';

/*
 * The embedded emulators alone, apart from backends.ts: the emulator child process
 * (embedded-server.ts) loads this module and not the AWS SDK clients backends.ts needs, which
 * took about 0.3 s of its start.
 */

/**
 * dynalite appends each network chunk of a request body to the last with Buffer.concat, which
 * copies the whole body so far every time: a 16 MB BatchWriteItem arrives in about 250 chunks
 * and costs gigabytes of copying (13 % of a 1M-row refresh's CPU profile). Its request handler
 * gets the body here instead, gathered once and handed over as a single chunk.
 */
function gatherRequestBodies(server: Server): Server {
  const handlers = server.listeners('request') as ((
    request: IncomingMessage,
    response: ServerResponse,
  ) => void)[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('error', (error) => response.destroy(error));
    request.once('end', () => {
      const body = chunks.length === 1 ? chunks : chunks.length === 0 ? [] : [Buffer.concat(chunks)];
      // What dynalite's handler reads of a request: its events, headers, method and url.
      const whole = Object.assign(Readable.from(body, { objectMode: false }), {
        headers: request.headers,
        method: request.method,
        url: request.url,
      }) as unknown as IncomingMessage;
      for (const handler of handlers) handler(whole, response);
    });
  });
  return server;
}

async function startDynalite(
  path: string | undefined,
  port = 0,
): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const { default: dynalite } = await import('dynalite');
  const server = gatherRequestBodies(dynalite({ createTableMs: 0, ...(path ? { path } : {}) }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

/** The embedded store's size limit (a stand-in for a full disk in tests), if set. */
export function embeddedStoreLimit(): number | undefined {
  return readSetting(HLD_EMBEDDED_S3_MAX_BYTES);
}

/** The embedded emulators, listening: dynalite on its LevelDB folder, fauxqs on the disk store. */
export interface EmbeddedEmulators {
  readonly dynamoEndpoint: string;
  readonly s3Endpoint: string;
  readonly objectStore?: DiskS3Store;
  readonly notices: readonly string[];
  /** Build the S3 emulator now, not on the first S3 request. */
  buildS3(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Start dynalite and fauxqs in this process (ports 0: any free one), on the state folder when
 * there is one. fauxqs is built on the first S3 request, with `buckets` created then. `hld` runs
 * this itself, or in a child process (packages/local/embedded-server.ts) when
 * HLD_EMBEDDED_OUT_OF_PROCESS is set; the S3 port listens before the DynamoDB one, so an answer
 * on the DynamoDB port means both are open.
 */
export async function startEmbeddedEmulators(
  stateDir: string | undefined,
  ports: { readonly dynamo?: number; readonly s3?: number } = {},
  buckets: readonly string[] = [],
): Promise<EmbeddedEmulators> {
  const notices: string[] = [];
  let objectStore: DiskS3Store | undefined;
  if (stateDir) {
    await mkdir(join(stateDir, 'dynamodb'), { recursive: true });
    const limit = embeddedStoreLimit();
    objectStore = await openDiskS3Store(join(stateDir, 's3'), limit === undefined ? {} : { maxBytes: limit });
    const legacy = adoptLegacyIndexes(objectStore);
    if (legacy.adopted > 0) notices.push(`Adopted ${legacy.adopted} object(s) from the earlier state layout`);
    for (const path of legacy.unreadable) {
      notices.push(`${path} cannot be parsed; it was left as it is. Run 'hld doctor' to repair the state`);
    }
  }
  const s3 = await startFauxqsOnDemand({
    ...(objectStore ? { store: objectStore } : {}),
    ...(ports.s3 === undefined ? {} : { port: ports.s3 }),
    buckets,
  });
  let dynamo: { endpoint: string; stop: () => Promise<void> };
  try {
    dynamo = await startDynalite(stateDir ? join(stateDir, 'dynamodb') : undefined, ports.dynamo);
  } catch (error) {
    await s3.stop();
    throw error;
  }
  return {
    dynamoEndpoint: dynamo.endpoint,
    s3Endpoint: s3.endpoint,
    ...(objectStore ? { objectStore } : {}),
    notices,
    buildS3: () => s3.build(),
    stop: async () => {
      try {
        await s3.stop();
      } finally {
        await dynamo.stop();
      }
    },
  };
}
