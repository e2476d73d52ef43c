import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendUnavailableError } from './errors.ts';
import {
  currentProcess,
  identifyProcess,
  isProcessIdentity,
  type ProcessIdentity,
  processRuns,
  processStartMark,
} from './process-identity.ts';

/** A free TCP port on 127.0.0.1 (below 32768 is not guaranteed; the OS picks from its range). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when `command args…` runs and exits 0 (used to probe for python3+moto and java). */
export function commandWorks(command: string, args: readonly string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 15_000 });
  return result.status === 0;
}

/** Poll an HTTP endpoint until it answers (any status) or the timeout passes. */
export async function waitForHttp(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`the process exited with code ${child.exitCode} before ${url} answered`);
    }
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch (error) {
      lastError = error;
      // Short: the emulator's start is on every command's path (a Node process opens its port
      // in well under a second).
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`, { cause: lastError });
}

/** A child process we started: its own process group, stopped as a whole. */
export interface ManagedProcess {
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Runs the emulator under a small shell that watches hld: the watcher reads the standard input,
 * a pipe from hld, which closes when hld exits however it dies (kill -9 included); the watcher
 * then stops the emulator. The shell itself exits when the emulator does, never before (so a
 * failed start is seen at once, and its exit means the emulator is gone). Nothing started by hld
 * outlives it.
 */
const WATCHDOG = [
  'exec 3<&0',
  '"$@" </dev/null 3<&- & child=$!',
  '{ cat <&3 >/dev/null; kill -TERM "$child" 2>/dev/null; } &',
  'exec 3<&-',
  'trap \'kill -TERM "$child" 2>/dev/null\' TERM INT HUP',
  'wait "$child"; status=$?',
  // A signal ends the wait early (the trap): wait until the emulator is gone, so that this
  // shell's exit means the emulator's.
  'while kill -0 "$child" 2>/dev/null; do wait "$child"; status=$?; done',
  'exit "$status"',
].join('\n');

/** Registry of emulators hld started, so the next start can stop those an earlier hld left. */
function registryFolder(): string {
  return join(tmpdir(), `hld-emulators-${process.getuid?.() ?? 'user'}`);
}

interface RegisteredEmulator {
  readonly backend: string;
  readonly command: string;
  readonly emulator: ProcessIdentity;
  readonly owner: ProcessIdentity;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How long an emulator may take to stop on SIGTERM before its whole group is killed. */
const STOP_GRACE_MS = 3000;

/** True when `promise` settles within `ms` milliseconds. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function stopGroup(pid: number, graceMs = STOP_GRACE_MS): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (groupAlive(pid)) signal('SIGKILL');
}

/**
 * Stop emulators that an earlier hld started and did not stop (its process is gone). Returns
 * one notice per emulator stopped.
 */
export async function stopOrphanedEmulators(): Promise<string[]> {
  const folder = registryFolder();
  const notices: string[] = [];
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return notices;
  }
  for (const name of names.filter((entry) => entry.endsWith('.json'))) {
    const path = join(folder, name);
    let entry: RegisteredEmulator;
    try {
      entry = JSON.parse(await readFile(path, 'utf8')) as RegisteredEmulator;
      if (!isProcessIdentity(entry.emulator) || !isProcessIdentity(entry.owner)) throw new Error('malformed');
    } catch {
      await rm(path, { force: true });
      continue;
    }
    if (processRuns(entry.owner)) continue;
    // The group is ours if its leader is the process we started, or if the leader is gone but
    // members remain (a process group's id is not given to a new process while it has members).
    const leader = processStartMark(entry.emulator.pid);
    const ours =
      leader === entry.emulator.startedAt || (leader === undefined && groupAlive(entry.emulator.pid));
    if (ours) {
      await stopGroup(entry.emulator.pid);
      notices.push(
        `Stopped a ${entry.backend} emulator (${entry.command}, PID ${entry.emulator.pid}) left running by an earlier hld (PID ${entry.owner.pid}) that did not stop it`,
      );
    }
    await rm(path, { force: true });
  }
  return notices;
}

export async function startProcess(
  backend: string,
  command: string,
  args: readonly string[],
  readyUrl: string,
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<ManagedProcess> {
  // Its own process group (detached): a Ctrl-C in the terminal reaches hld, which stops the
  // group; the watchdog stops it when hld cannot.
  const child = spawn('sh', ['-c', WATCHDOG, 'hld-watchdog', command, ...args], {
    cwd: options.cwd,
    stdio: ['pipe', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  // hld must not wait for its emulators (nor for the watchdog pipe) to exit.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  const pid = child.pid;
  if (pid === undefined) throw new BackendUnavailableError(backend, `could not start ${command}`);
  const registration = join(registryFolder(), `${pid}.json`);
  const emulator = identifyProcess(pid);
  if (emulator) {
    await mkdir(registryFolder(), { recursive: true, mode: 0o700 });
    const entry: RegisteredEmulator = { backend, command, emulator, owner: currentProcess() };
    await writeFile(registration, JSON.stringify(entry));
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      // The watchdog's own way: its pipe closes, it sends the emulator one SIGTERM, waits for it
      // to exit and exits itself; its exit, seen here at once, means the emulator is gone. Not
      // the group's exit: the members left as zombies wait for init to reap them, which took
      // 1-2 s per command on a VM whose init reaps lazily (BENCHMARKS.md, "The whole hld ingest").
      child.stdin?.destroy();
      if (!(await settlesWithin(exited, STOP_GRACE_MS))) await stopGroup(pid);
      await rm(registration, { force: true });
    })();
    return stopped;
  };
  try {
    await waitForHttp(readyUrl, options.timeoutMs ?? 30_000, child);
  } catch (error) {
    await stop();
    throw new BackendUnavailableError(
      backend,
      `${command} did not become ready: ${(error as Error).message}\n${stderr}`,
      {
        cause: error,
      },
    );
  }
  return { pid, stop };
}
