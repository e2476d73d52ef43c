import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { BackendUnavailableError } from './errors.ts';

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
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`, { cause: lastError });
}

/** A child process we started, stopped by its PID. */
export interface ManagedProcess {
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startProcess(
  backend: string,
  command: string,
  args: readonly string[],
  readyUrl: string,
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<ManagedProcess> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: false,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const pid = child.pid;
  if (pid === undefined) throw new BackendUnavailableError(backend, `could not start ${command}`);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (child.exitCode === null) process.kill(pid, 'SIGKILL');
    }, 3000);
    await exited;
    clearTimeout(timer);
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
