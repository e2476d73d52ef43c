import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unlockCommand } from '#packages/cli/commands/unlock.ts';
import type { Output } from '#packages/cli/output.ts';
import type { Session } from '#packages/cli/session.ts';
import { type RunningBackend, startBackend } from '#packages/local/backends.ts';
import { releaseLockOfDeadHolder } from '#packages/local/stale-lock.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import { REFRESH_LOCK } from '#packages/pipeline/refresh-lock.ts';
import { LockHeldError } from '#packages/storage/errors.ts';
import { integrationBackends } from '../support/backends.ts';
import { refreshNow } from '../support/pipeline.ts';
import { deadProcess } from '../support/processes.ts';

/** An Output that keeps what a command printed. */
function capture(): Output & { results: unknown[] } {
  const results: unknown[] = [];
  return { json: true, info: () => {}, result: (value) => results.push(value), results };
}

for (const backend of integrationBackends().filter((candidate) => candidate.available)) {
  describe(`refresh locks on ${backend.name}`, () => {
    let running: RunningBackend;
    let session: Session;

    beforeAll(async () => {
      running = await startBackend(backend.name);
      session = {
        backend: running,
        ctx: pipelineContext(),
        stateDir: undefined,
        onInterrupt: () => () => {},
      };
    });

    afterAll(async () => {
      await running?.stop();
    });

    it('releases the lock of a dead local holder, records the release and fails its run', async () => {
      const { ledger } = pipelineContext();
      const owner = await deadProcess();
      await ledger.acquireLock(REFRESH_LOCK, 'run-dead', 900, undefined, owner);
      await ledger.startRun({
        runId: 'run-dead',
        status: 'running',
        requestedBy: 'test',
        startedAt: new Date().toISOString(),
      });

      const notice = await releaseLockOfDeadHolder(ledger, REFRESH_LOCK, 'tester');

      expect(notice).toContain(`PID ${owner.pid}`);
      expect(await ledger.getLock(REFRESH_LOCK)).toBeUndefined();
      expect((await ledger.listRuns()).find((run) => run.runId === 'run-dead')).toMatchObject({
        status: 'failed',
      });
      expect(await ledger.listLockReleases()).toContainEqual(
        expect.objectContaining({ holder: 'run-dead', how: 'holder-died', who: 'tester' }),
      );
      await expect(refreshNow()).resolves.toMatchObject({ dataset: 'hld2013' });
    });

    it('never releases a lock whose holder lives, nor one without a local process, unless forced with a reason', async () => {
      const { ledger } = pipelineContext();
      // No owner: a Step Functions execution holds it.
      await ledger.acquireLock(REFRESH_LOCK, 'run-cloud', 900);

      expect(await releaseLockOfDeadHolder(ledger, REFRESH_LOCK)).toBeUndefined();
      await expect(refreshNow()).rejects.toBeInstanceOf(LockHeldError);
      const asked = capture();
      expect(await unlockCommand(session, asked, { force: false, why: undefined, who: undefined })).toBe(4);

      const forced = capture();
      const code = await unlockCommand(session, forced, {
        force: true,
        why: 'execution stopped',
        who: 'operator',
      });

      expect(code).toBe(0);
      expect(forced.results[0]).toMatchObject({ released: true, who: 'operator', why: 'execution stopped' });
      expect(await ledger.getLock(REFRESH_LOCK)).toBeUndefined();
      expect(await ledger.listLockReleases()).toContainEqual(
        expect.objectContaining({
          holder: 'run-cloud',
          how: 'force',
          who: 'operator',
          why: 'execution stopped',
        }),
      );
    });

    it('does not release a lock taken again after it was looked at', async () => {
      const { ledger } = pipelineContext();
      await ledger.acquireLock(REFRESH_LOCK, 'run-old', 1, 1_000);
      const seen = (await ledger.getLock(REFRESH_LOCK))!;
      // The lease expired; another refresh takes the lock before the release goes through.
      await ledger.acquireLock(REFRESH_LOCK, 'run-new', 900);

      const released = await ledger.releaseLockOf(seen, {
        how: 'force',
        who: 'x',
        why: 'y',
        at: new Date().toISOString(),
      });

      expect(released).toBe(false);
      expect((await ledger.getLock(REFRESH_LOCK))?.holder).toBe('run-new');
      await ledger.releaseLock(REFRESH_LOCK, 'run-new');
    });
  });
}
