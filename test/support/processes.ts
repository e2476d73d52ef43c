import { spawn } from 'node:child_process';
import { identifyProcess, type ProcessIdentity } from '#packages/local/process-identity.ts';

/** The identity of a process that ran and is gone (a killed hld, as a lock or a PID file names it). */
export async function deadProcess(): Promise<ProcessIdentity> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300)']);
  const identity = identifyProcess(child.pid!);
  await new Promise((resolve) => child.once('exit', resolve));
  if (!identity) throw new Error('could not identify the short-lived process');
  return identity;
}

/** True while any process of the group runs. */
export function groupRuns(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}
