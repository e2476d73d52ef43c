import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  type BackendName,
  backendFromEnvironment,
  type RunningBackend,
  startBackend,
} from '#packages/local/backends.ts';
import { BackendUnavailableError } from '#packages/local/errors.ts';
import {
  currentProcess,
  isProcessIdentity,
  type ProcessIdentity,
  processRuns,
} from '#packages/local/process-identity.ts';
import type { PipelineContext } from '#packages/pipeline/context.ts';
import { HLD_EPHEMERAL, HLD_STATE_DIR, isSet, readSetting } from '#packages/settings/settings.ts';
import type { Ledger } from '#packages/storage/ledger.ts';

/** A read command found no local state to read (and, being a read command, made none). */
export class NoLocalStateError extends Error {
  override readonly name = 'NoLocalStateError';
}

/** Where the state folder is, and whether it exists yet. */
export interface StateLocation {
  readonly path: string;
  readonly exists: boolean;
  /** How it was found, for people: `HLD_STATE_DIR`, or the folders searched. */
  readonly how: string;
}

/** The folder that holds a project: the nearest one with a package.json or .git, if any. */
function projectRoot(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) || existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Find the state folder as git finds `.git`: `HLD_STATE_DIR` when set; else the nearest `.hld`
 * from the current folder up to the project root (the nearest folder with a package.json or
 * .git); else `.hld` in the project root (or the current folder outside a project), where a
 * command that writes will create it.
 */
export function locateStateDirectory(cwd: string = process.cwd()): StateLocation {
  if (isSet(HLD_STATE_DIR)) {
    const path = resolve(readSetting(HLD_STATE_DIR));
    return { path, exists: existsSync(join(path, 'embedded')), how: 'HLD_STATE_DIR' };
  }
  const root = projectRoot(cwd);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, '.hld');
    if (existsSync(join(candidate, 'embedded')))
      return { path: candidate, exists: true, how: `found from ${cwd}` };
    if (dir === root || dirname(dir) === dir) break;
  }
  const path = join(root ?? resolve(cwd), '.hld');
  return { path, exists: false, how: `looked from ${cwd} up to ${root ?? 'the file system root'}` };
}

/** Where local state lives between commands (embedded backend). */
export function stateDirectory(): string {
  return locateStateDirectory().path;
}

export interface Session {
  readonly backend: RunningBackend;
  readonly ctx: PipelineContext;
  /** The embedded backend's state folder (`.hld/embedded`); undefined for in-memory backends. */
  readonly stateDir: string | undefined;
  /**
   * Run `cleanup` if the command is interrupted (Ctrl-C, SIGTERM, SIGHUP) before it ends, e.g. to
   * record a refresh as failed and release its lock. Returns a function that forgets it.
   */
  onInterrupt(cleanup: (signal: NodeJS.Signals) => Promise<void>): () => void;
}

export interface SessionOptions {
  /**
   * The command writes (run, ingest, refresh): it may create the state folder. Read commands
   * never do; without state they fail with NoLocalStateError. @default true
   */
  readonly writes?: boolean;
  /** Where notices go (orphaned emulators stopped, dead lock holders). @default stderr */
  readonly notice?: (message: string) => void;
  /**
   * On Ctrl-C, SIGTERM or SIGHUP, run the interrupt cleanups, stop the backend and exit (130, 143,
   * 129). A command that ends itself on a signal (`hld serve`) turns this off. @default true
   */
  readonly exitOnSignal?: boolean;
  /**
   * Work to overlap with the backend's start, begun once its processes are spawned (StartBackendOptions).
   * @default none
   */
  readonly whileStarting?: () => void;
}

const EXIT_ON_SIGNAL: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * Start the chosen backend for one command and stop it afterwards, whatever happens (a signal
 * included). The embedded backend keeps its DynamoDB (leveldb) and S3 objects under
 * `.hld/embedded`, so `hld briefing show` works on what `npm start` built.
 */
export async function withSession<T>(
  flag: string | undefined,
  work: (session: Session) => Promise<T>,
  options: SessionOptions = {},
): Promise<T> {
  const notice = options.notice ?? ((message: string) => process.stderr.write(`hld: ${message}\n`));
  const name: BackendName = backendFromEnvironment(flag);
  let stateDir: string | undefined;
  if (name === 'embedded' && !readSetting(HLD_EPHEMERAL)) {
    const location = locateStateDirectory();
    if (!location.exists && options.writes === false) {
      throw new NoLocalStateError(
        `No local state (${location.how}; ${location.path} does not exist). Run 'npm start' (hld run) in the project first, or set HLD_STATE_DIR to the state folder`,
      );
    }
    stateDir = join(location.path, 'embedded');
  }
  const release = stateDir ? await lockStateDirectory(stateDir) : async () => {};
  const cleanups = new Set<(signal: NodeJS.Signals) => Promise<void>>();
  let backend: RunningBackend | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    // From here the command is abandoned: requests still in flight fail as the backend stops
    // (dynalite throws or rejects "Database is not open" / "Database is closed"), and nothing
    // awaits them any more. Without these listeners such an error ends the process at once with a
    // stack trace and exit 1, before the cleanups and the signal's own exit code.
    process.on('uncaughtException', ignoreAbandonedWork);
    process.on('unhandledRejection', ignoreAbandonedWork);
    process.stderr.write(`\nhld: ${signal}: stopping (the state is kept; run the command again to resume)\n`);
    const cleanupsDone = Promise.allSettled([...cleanups].map((cleanup) => cleanup(signal)));
    const timeout = new Promise((done) => setTimeout(done, 5000).unref());
    void Promise.race([cleanupsDone, timeout])
      .then(() => backend?.stop())
      .catch(() => {})
      .then(() => release())
      .finally(() => process.exit(EXIT_ON_SIGNAL[signal] ?? 1));
  };
  const signals = options.exitOnSignal === false ? [] : (Object.keys(EXIT_ON_SIGNAL) as NodeJS.Signals[]);
  for (const signal of signals) process.once(signal, onSignal);
  try {
    backend = await startBackend(name, {
      ...(stateDir ? { stateDir } : {}),
      ...(options.whileStarting ? { whileStarting: options.whileStarting } : {}),
    });
    for (const message of backend.notices) notice(message);
    // Loaded here, not with this module: the AWS SDK it brings loads after the backend started.
    const { pipelineContext } = await import('#packages/pipeline/context.ts');
    const ctx = pipelineContext();
    if (stateDir && options.writes !== false) await repairIndexGhosts(ctx.ledger, notice);
    try {
      return await work({
        backend,
        ctx,
        stateDir,
        onInterrupt: (cleanup) => {
          cleanups.add(cleanup);
          return () => cleanups.delete(cleanup);
        },
      });
    } finally {
      await backend.stop();
    }
  } finally {
    for (const signal of signals) process.removeListener(signal, onSignal);
    await release();
  }
}

/** An error of the work a signal abandoned: the state stays as each write left it (`hld doctor` checks it). */
function ignoreAbandonedWork(): void {}

/**
 * dynalite writes a global index entry before its item, in two LevelDB writes: a process killed
 * between them leaves an index entry that no item matches (a "ghost", which `hld doctor` also
 * finds). The state folder is this process's alone (its PID file), so a command that writes puts
 * the index back in line with the items before it starts, and says so.
 */
async function repairIndexGhosts(ledger: Ledger, notice: (message: string) => void): Promise<void> {
  const ghosts = await ledger.findIndexGhosts();
  for (const ghost of ghosts) await ledger.removeIndexGhost(ghost);
  if (ghosts.length > 0) {
    notice(
      `Repaired ${ghosts.length} ledger index entr${ghosts.length === 1 ? 'y' : 'ies'} left by an interrupted command (an index write without its item)`,
    );
  }
}

/** `withSession` for a command that only reads: it never creates the state folder. */
export function withReadSession<T>(
  flag: string | undefined,
  work: (session: Session) => Promise<T>,
  options: Omit<SessionOptions, 'writes'> = {},
): Promise<T> {
  return withSession(flag, work, { ...options, writes: false });
}

interface PidFile {
  readonly holder: ProcessIdentity;
  readonly command: string;
}

async function readPidFile(path: string): Promise<PidFile | 'missing' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<PidFile>;
    if (isProcessIdentity(parsed.holder))
      return { holder: parsed.holder, command: String(parsed.command ?? '') };
  } catch {
    // An older plain PID, or a file cut short by a kill: judged below.
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0
    ? { holder: { pid, startedAt: 'unknown', host: currentProcess().host }, command: '' }
    : 'unreadable';
}

function notWritable(stateDir: string, error: unknown): BackendUnavailableError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return new BackendUnavailableError(
    'embedded',
    `The state folder ${stateDir} is not writable (${code}). hld writes even to read: the embedded DynamoDB keeps a lock and a log there. Copy the folder somewhere writable and set HLD_STATE_DIR to it`,
    { cause: error },
  );
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Create `path` holding `content`, only if it does not exist: written in full under another name
 * first, then hard-linked into place (atomic, and EEXIST when taken), so nobody ever reads a
 * half-written lock file. Returns false when the file exists.
 */
async function createExclusively(path: string, content: string): Promise<boolean> {
  const temporary = `${path}.${process.pid}.${randomUUID()}`;
  await writeFile(temporary, content, { flag: 'wx' });
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temporary, { force: true });
  }
}

/**
 * One command at a time per state folder: the embedded DynamoDB (leveldb) allows one process.
 * The PID file is created atomically (hard link of a complete file), so of two commands exactly
 * one gets it. A file left by a
 * process that no longer runs (PID and start time checked) is taken over under a second such
 * file, the takeover gate: only the gate's holder may remove a stale PID file, so two commands
 * taking over at once cannot both succeed.
 */
export async function lockStateDirectory(stateDir: string): Promise<() => Promise<void>> {
  try {
    await mkdir(stateDir, { recursive: true });
  } catch (error) {
    throw notWritable(stateDir, error);
  }
  const pidFile = join(stateDir, 'hld.pid');
  const gate = `${pidFile}.takeover`;
  const mine: PidFile = { holder: currentProcess(), command: process.argv.slice(2).join(' ') };
  const releaseMine = async () => {
    const current = await readPidFile(pidFile).catch(() => 'unreadable' as const);
    if (typeof current === 'object' && current.holder.pid === process.pid) await rm(pidFile, { force: true });
  };
  for (let attempt = 0; attempt < 100; attempt += 1) {
    try {
      if (await createExclusively(pidFile, JSON.stringify(mine))) return releaseMine;
    } catch (error) {
      throw notWritable(stateDir, error);
    }
    const holder = await readPidFile(pidFile);
    if (holder === 'missing') continue;
    if (holder !== 'unreadable' && processRuns(holder.holder)) {
      throw new BackendUnavailableError(
        'embedded',
        `${stateDir} is in use by another hld command (PID ${holder.holder.pid}${holder.command ? `: hld ${holder.command}` : ''}); wait for it or stop it, or point HLD_STATE_DIR elsewhere`,
      );
    }
    // Stale: take it over, under the gate.
    if (!(await createExclusively(gate, JSON.stringify(mine)))) {
      await releaseDeadGate(gate);
      await sleep(5 + Math.random() * 20);
      continue;
    }
    try {
      // Still the same stale file? (Another command may have taken it over and released it meanwhile.)
      const again = await readPidFile(pidFile);
      if (JSON.stringify(again) === JSON.stringify(holder)) await rm(pidFile, { force: true });
    } finally {
      await rm(gate, { force: true });
    }
  }
  throw new BackendUnavailableError(
    'embedded',
    `Could not lock ${stateDir}: too many commands starting at once`,
  );
}

/**
 * A takeover gate left by a process killed inside the few microseconds it holds it: moved away
 * (rename is atomic) and dropped, unless the gate moved turns out to be a live one, which is put
 * back.
 */
async function releaseDeadGate(gate: string): Promise<void> {
  const holder = await readPidFile(gate).catch(() => 'unreadable' as const);
  if (holder === 'missing' || (typeof holder === 'object' && processRuns(holder.holder))) return;
  const aside = `${gate}.${process.pid}`;
  try {
    await rename(gate, aside);
  } catch {
    return;
  }
  const moved = await readPidFile(aside).catch(() => 'unreadable' as const);
  if (typeof moved === 'object' && processRuns(moved.holder)) {
    await rename(aside, gate).catch(() => {});
    return;
  }
  await rm(aside, { force: true });
}
