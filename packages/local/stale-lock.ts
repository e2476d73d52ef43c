import { hostname, userInfo } from 'node:os';
import type { Ledger, LockRecord } from '#packages/storage/ledger.ts';
import { processRuns } from './process-identity.ts';

/** Who is acting, for the audit trail: `--who`, else the OS user on this host. */
export function actingPerson(who?: string): string {
  if (who) return who;
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return `unknown@${hostname()}`;
  }
}

/** True when the lock was taken by a local process that no longer runs (PID and start time checked). */
export function holderIsDead(lock: LockRecord): boolean {
  return lock.owner !== undefined && !processRuns(lock.owner);
}

/** How a lock's holder reads to a person. */
export function describeHolder(lock: LockRecord): string {
  const owner = lock.owner
    ? `PID ${lock.owner.pid} on ${lock.owner.host}${holderIsDead(lock) ? ', no longer running' : ''}`
    : 'no local process: a Step Functions execution or a Lambda';
  return `run ${lock.holder} (${owner}; taken ${new Date(lock.acquiredAt * 1000).toISOString()}, lease until ${new Date(lock.expiresAt * 1000).toISOString()})`;
}

/**
 * Release a lock whose holder was a process on this machine that is gone (killed, crashed), and
 * record its run as failed: a dead refresh must not block the next one for its whole lease.
 * Returns the notice to show, or undefined when there was nothing to release.
 */
export async function releaseLockOfDeadHolder(
  ledger: Ledger,
  name: string,
  who?: string,
): Promise<string | undefined> {
  const lock = await ledger.getLock(name);
  if (!lock || !holderIsDead(lock)) return undefined;
  const person = actingPerson(who);
  const released = await ledger.releaseLockOf(lock, {
    how: 'holder-died',
    who: person,
    why: `its process (PID ${lock.owner?.pid} on ${lock.owner?.host}) is no longer running`,
    at: new Date().toISOString(),
  });
  if (!released) return undefined;
  await ledger.failRunThatDied(
    lock.holder,
    `the process running it (PID ${lock.owner?.pid}) died; its lock was released by ${person}`,
  );
  return `Released the ${name} lock of run ${lock.holder}: its process (PID ${lock.owner?.pid}) is no longer running; the run is recorded as failed`;
}
