import {
  actingPerson,
  describeHolder,
  holderIsDead,
  releaseLockOfDeadHolder,
} from '#packages/local/stale-lock.ts';
import { REFRESH_LOCK } from '#packages/pipeline/refresh-lock.ts';
import { EXIT, type Output, UsageError } from '../output.ts';
import type { Session } from '../session.ts';

export interface UnlockOptions {
  readonly force: boolean;
  readonly why: string | undefined;
  readonly who: string | undefined;
}

/**
 * `hld unlock`: release the refresh lock. A lock whose holder is a local process that no longer
 * runs is released at once. Any other holder is released only with `--force --why "…"`: the
 * release is recorded in the ledger (who, when, why) and the holder's run ends as failed. Works
 * on every backend, aws included (the lock is a ledger item).
 */
export async function unlockCommand(session: Session, out: Output, options: UnlockOptions): Promise<number> {
  const { ledger } = session.ctx;
  const lock = await ledger.getLock(REFRESH_LOCK);
  if (!lock) {
    out.result({ released: false, held: false }, () => 'No refresh lock is held; nothing to do.');
    return EXIT.ok;
  }
  if (holderIsDead(lock)) {
    const notice = await releaseLockOfDeadHolder(ledger, REFRESH_LOCK, options.who);
    out.result(
      { released: Boolean(notice), how: 'holder-died', lock },
      () => notice ?? 'The lock changed meanwhile; run hld unlock again.',
    );
    return notice ? EXIT.ok : EXIT.locked;
  }
  if (!options.force) {
    out.result({ released: false, held: true, lock }, () =>
      [
        `The refresh lock is held by ${describeHolder(lock)}.`,
        'If that run is dead or stuck (on AWS: its Step Functions execution failed, timed out or was stopped), release it with',
        `  hld unlock --force --why "<reason>"`,
      ].join('\n'),
    );
    return EXIT.locked;
  }
  if (!options.why?.trim())
    throw new UsageError('hld unlock --force needs --why "<reason>": the release is recorded');
  const who = actingPerson(options.who);
  const released = await ledger.releaseLockOf(lock, {
    how: 'force',
    who,
    why: options.why.trim(),
    at: new Date().toISOString(),
  });
  if (!released) {
    out.result(
      { released: false, held: true },
      () =>
        'The lock changed while it was being released (another refresh took it); look again with hld unlock.',
    );
    return EXIT.locked;
  }
  await ledger.failRunThatDied(
    lock.holder,
    `its lock was released by force by ${who}: ${options.why.trim()}`,
  );
  const stillRunning = lock.owner !== undefined || lock.expiresAt * 1000 > Date.now();
  out.result({ released: true, how: 'force', who, why: options.why.trim(), lock }, () =>
    [
      `Released the refresh lock of ${describeHolder(lock)}; recorded as released by ${who} ("${options.why?.trim()}"). Its run is recorded as failed.`,
      ...(stillRunning
        ? [
            'If that run is in fact still working, stop it (on AWS: stop its Step Functions execution) before the next refresh.',
          ]
        : []),
    ].join('\n'),
  );
  return EXIT.ok;
}
