import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BuildAppOptions, buildApp } from 'fauxqs';
import { serveBodiesFromDisk } from './disk-s3-routes.ts';
import type { DiskS3Store } from './disk-s3-store.ts';

type FauxqsApp = ReturnType<typeof buildApp>;

/** The built app, boxed: a fastify instance is thenable, so a promise must not resolve to it. */
interface Built {
  readonly app: FauxqsApp;
}

export interface FauxqsOnDemandOptions {
  /** Objects on disk (the embedded state folder) in place of fauxqs's own store. @default fauxqs's in-memory store */
  readonly store?: DiskS3Store;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Buckets created when fauxqs is built, before the first request is answered. @default none */
  readonly buckets?: readonly string[];
  /**
   * How fauxqs's module is loaded (a test holds it back to stop the server in the middle of a
   * build). @default import('fauxqs')
   */
  readonly load?: () => Promise<{ readonly buildApp: typeof buildApp }>;
}

/** Where the emulator is: nothing built yet, being built, answering, or its last build failed. */
export type FauxqsState = 'idle' | 'building' | 'ready' | 'failed';

export interface FauxqsOnDemand {
  readonly endpoint: string;
  readonly state: FauxqsState;
  /**
   * Build fauxqs now rather than on the first request (a failed build is tried again by the next
   * request, as on demand).
   */
  build(): Promise<void>;
  /** Close the port, wait for a build under way, and close fauxqs if it was built. */
  stop(): Promise<void>;
}

/**
 * The embedded S3 endpoint, with fauxqs built on the first request: the port is open at once,
 * but fauxqs (fastify, ajv, its routes: about 300 ms of a read command's start, BENCHMARKS.md) is
 * loaded only when something asks S3 for something. A read command that only reads DynamoDB
 * never pays for it. Requests that arrive while it is built wait for that one build; a failed
 * build answers them with S3's `InternalError` (and the next request tries again).
 */
export async function startFauxqsOnDemand(options: FauxqsOnDemandOptions = {}): Promise<FauxqsOnDemand> {
  // Not `import … from 'node:http'`: the ESM facade of a built-in reads all its exports, and
  // node:http's lazy getters then load undici, TLS and HTTP/2 (checked with
  // process.moduleLoadList on Node 24); getBuiltinModule returns the CommonJS module as it is.
  const http = process.getBuiltinModule('node:http') as typeof import('node:http');
  let state: FauxqsState = 'idle';
  let build: Promise<Built> | undefined;
  let stopping = false;

  const built = (): Promise<Built> => {
    if (!build) {
      state = 'building';
      const current = buildFauxqs(options).then(
        (ready) => {
          state = 'ready';
          return ready;
        },
        (error: unknown) => {
          state = 'failed';
          // The next request builds again: a failure may pass (a full disk freed).
          if (build === current) build = undefined;
          throw error;
        },
      );
      build = current;
    }
    return build;
  };

  const server: Server = http.createServer((request: IncomingMessage, response: ServerResponse) => {
    built().then(
      ({ app }) => {
        if (stopping) response.destroy();
        else app.routing(request, response);
      },
      (error: unknown) => answerInternalError(request, response, error),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;

  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    get state() {
      return state;
    },
    build: () => built().then(() => undefined),
    stop: () => {
      stopped ??= (async () => {
        stopping = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        const ready = await build?.catch(() => undefined);
        await ready?.app.close();
        await closed;
      })();
      return stopped;
    },
  };
}

async function buildFauxqs(options: FauxqsOnDemandOptions): Promise<Built> {
  const { buildApp } = await (options.load ?? (() => import('fauxqs')))();
  // fauxqs's own store is in memory; the disk store has its methods (its type has private fields).
  const stores = options.store
    ? { stores: { s3Store: options.store } as unknown as BuildAppOptions['stores'] }
    : {};
  const app = buildApp({ logger: false, host: '127.0.0.1', ...stores });
  try {
    if (options.store) serveBodiesFromDisk(app, options.store);
    await app.ready();
    for (const bucket of options.buckets ?? []) {
      // Through fauxqs's own route (idempotent: an existing bucket answers 200 too).
      const created = await app.inject({ method: 'PUT', url: `/${encodeURIComponent(bucket)}` });
      if (created.statusCode !== 200) {
        throw new Error(`creating bucket ${bucket} answered ${created.statusCode}: ${created.body}`);
      }
    }
    return { app };
  } catch (error) {
    await app.close().catch(() => {});
    throw error;
  }
}

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);

function answerInternalError(request: IncomingMessage, response: ServerResponse, error: unknown): void {
  const message = `The embedded S3 emulator (fauxqs) could not start: ${
    error instanceof Error ? error.message : String(error)
  }. Run the command again; if it fails again, run 'hld doctor'`;
  const body = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<Error>',
    '  <Code>InternalError</Code>',
    `  <Message>${escapeXml(message)}</Message>`,
    `  <Resource>${escapeXml(request.url ?? '/')}</Resource>`,
    '</Error>',
  ].join('\n');
  // The request body (a PutObject's) is not read: drain it so the connection can end cleanly.
  request.resume();
  if (response.headersSent || response.destroyed) return;
  response.writeHead(500, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  response.end(body);
}
