import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * A process named so that it cannot be mistaken for another: PIDs are reused, so a PID alone
 * cannot tell a dead lock holder from a new process that happens to have its number. The start
 * time (clock ticks since boot, with the boot's id, from /proc on Linux; `ps -o lstart` elsewhere)
 * tells them apart.
 */
export interface ProcessIdentity {
  readonly pid: number;
  /** Opaque: equal for the same process, different for another one with the same PID. */
  readonly startedAt: string;
  readonly host: string;
}

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'boot';
  }
}

/** The start mark of a running process; undefined when no such process runs (zombies included). */
export function processStartMark(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields are read after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return `${bootId()}:${fields[19]}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && process.platform === 'linux') return undefined;
  }
  const ps = spawnSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 5000 });
  const started = ps.stdout?.trim();
  return ps.status === 0 && started ? started : undefined;
}

/** This process. */
export function currentProcess(): ProcessIdentity {
  return { pid: process.pid, startedAt: processStartMark(process.pid) ?? 'unknown', host: hostname() };
}

/** The identity of another process on this machine, if it runs. */
export function identifyProcess(pid: number): ProcessIdentity | undefined {
  const startedAt = processStartMark(pid);
  return startedAt ? { pid, startedAt, host: hostname() } : undefined;
}

/**
 * Whether the process still runs: same PID *and* same start mark. A process on another host
 * cannot be checked from here, so it counts as running (never release what may still be held).
 */
export function processRuns(identity: ProcessIdentity): boolean {
  if (identity.host !== hostname()) return true;
  const startedAt = processStartMark(identity.pid);
  if (!startedAt) return false;
  return identity.startedAt === 'unknown' || startedAt === identity.startedAt;
}

/** True for a value shaped like a ProcessIdentity (read back from a file or the ledger). */
export function isProcessIdentity(value: unknown): value is ProcessIdentity {
  const candidate = value as Partial<ProcessIdentity> | undefined;
  return (
    typeof candidate?.pid === 'number' &&
    typeof candidate.startedAt === 'string' &&
    typeof candidate.host === 'string'
  );
}
