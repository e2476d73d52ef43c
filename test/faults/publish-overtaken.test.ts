import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBriefing } from '#packages/briefing/build.ts';
import { type RunningBackend, startBackend } from '#packages/local/backends.ts';
import { pipelineConfig } from '#packages/pipeline/config.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import type { RefreshState } from '#packages/pipeline/definition.ts';
import { normalisePending } from '#packages/pipeline/normalise-pending.ts';
import { collectAbandonedVersions, hashVersion, publishVersion } from '#packages/pipeline/publish.ts';
import {
  acquireRefreshLock,
  type LockContext,
  lockContext,
  refreshFailed,
  refreshLease,
  releaseRefreshLock,
  takeRefreshLease,
} from '#packages/pipeline/refresh-lock.ts';
import { assembleBriefing } from '#packages/pipeline/stages/assemble-step.ts';
import { BriefingStore } from '#packages/storage/briefing-store.ts';
import { dynamoDocumentClient } from '#packages/storage/client-factory.ts';
import { LockHeldError } from '#packages/storage/errors.ts';
import { Ledger } from '#packages/storage/ledger.ts';
import { integrationBackends } from '../support/backends.ts';
import { expectCurrentIntact } from '../support/current-intact.ts';
import { publishStores, withMoldovaCaveat } from '../support/publish.ts';
import { TABLES } from '../unit/briefing/export-fixture.ts';

/**
 * Faults that could let a refresh overtake another: a writer stalled past its 1-second lease while
 * another run takes the lock and publishes, and the lost answer to a conditional put (the put was
 * made, the client saw an error and the SDK sent it again). After each, CURRENT names a complete
 * version whose items hash to its record, and it is the content of the run that held the lease.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const withCaveat = withMoldovaCaveat;

/** Take the refresh lock as soon as the holder's lease has expired (at most a few seconds). */
async function takeOverWhenExpired(ctx: LockContext, requestedBy: string): Promise<RefreshState> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await acquireRefreshLock({ runId: '', dataset: ctx.config.dataset, requestedBy }, ctx);
    } catch (error) {
      if (!(error instanceof LockHeldError) || Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}

/**
 * A document client whose answer to the first conditional put matching `lose` is lost: the put is
 * made, and the caller sees the answer to the same put sent again (as the SDK's retry would).
 */
function losingFirstAnswer(
  lose: (command: PutCommand) => boolean,
): DynamoDBDocumentClient & { readonly lostAnswers: () => number } {
  const real = dynamoDocumentClient();
  let lost = false;
  return new Proxy(real as DynamoDBDocumentClient & { readonly lostAnswers: () => number }, {
    get(target, property) {
      if (property === 'lostAnswers') return () => (lost ? 1 : 0);
      if (property !== 'send') return Reflect.get(target, property, target);
      return async (command: unknown) => {
        const answer = await target.send(command as never);
        if (lost || !(command instanceof PutCommand) || !lose(command)) return answer;
        lost = true;
        return target.send(command);
      };
    },
  });
}

for (const backend of integrationBackends().filter((candidate) => candidate.available)) {
  describe(`a refresh cannot be overtaken on ${backend.name}`, () => {
    let running: RunningBackend;
    const items = buildBriefing(TABLES);
    /** Refresh leases of 1 second: a stalled writer loses its lease to the next run. */
    const shortLease = () => lockContext({ ...pipelineConfig(), lockLeaseSeconds: 1 });

    beforeAll(async () => {
      running = await startBackend(backend.name);
    });

    afterAll(async () => {
      await running?.stop();
    });

    const stores = publishStores;

    it('a writer stalled after writing its items, whose 1-second lease another run took over, fails with LeaseLostError and never goes live; the next refresh keeps the other run’s version and collects nothing live', async () => {
      const dataset = 'overtaken-after-write';
      const ctx = shortLease();
      const older = withCaveat(items, 'Older input.');
      const newer = withCaveat(items, 'Newer input.');
      const stalled = await acquireRefreshLock(
        { runId: '', dataset: ctx.config.dataset, requestedBy: 'A' },
        ctx,
      );
      let takeover: RefreshState | undefined;

      const stalledPublish = publishVersion(stores(), {
        dataset,
        items: older,
        runId: stalled.runId,
        inputs: [],
        lease: refreshLease(stalled, ctx.ledger, 1)!,
        beforeMove: async () => {
          // A stalls here (items written, pointer not moved) until B has taken over and published.
          takeover = await takeOverWhenExpired(ctx, 'B');
          await publishVersion(stores(), {
            dataset,
            items: newer,
            runId: takeover.runId,
            inputs: [],
            lease: refreshLease(takeover, ctx.ledger, 900)!,
          });
        },
      });

      await expect(stalledPublish).rejects.toMatchObject({ name: 'LeaseLostError' });
      await expect(stalledPublish).rejects.toThrow(/lost the refresh lock .* to run run-/);
      const live = await expectCurrentIntact(stores().briefings, dataset);
      expect(live.contentHash).toBe(hashVersion(newer).contentHash);
      expect(live.runId).toBe(takeover?.runId);
      await releaseRefreshLock(takeover!, ctx);

      const next = await acquireRefreshLock(
        { runId: '', dataset: ctx.config.dataset, requestedBy: 'C' },
        lockContext(),
      );
      const lease = refreshLease(next, stores().ledger, 900)!;
      const again = await publishVersion(stores(), {
        dataset,
        items: newer,
        runId: next.runId,
        inputs: [],
        lease,
      });
      const collected = await collectAbandonedVersions(stores().briefings, dataset, {
        ...lease,
        runId: next.runId,
      });
      await releaseRefreshLock(next, lockContext());

      expect(again).toMatchObject({ published: false, version: live.version });
      expect(collected).toEqual([1]);
      expect(await stores().briefings.listItems(dataset, 1)).toEqual([]);
      expect((await expectCurrentIntact(stores().briefings, dataset)).version).toBe(live.version);
    });

    it('a writer stalled before it publishes, whose lease was taken over, writes nothing at all while the other run publishes', async () => {
      const dataset = 'overtaken-before-write';
      const ctx = shortLease();
      const stalled = await acquireRefreshLock(
        { runId: '', dataset: ctx.config.dataset, requestedBy: 'A' },
        ctx,
      );
      const takeover = await takeOverWhenExpired(ctx, 'B');
      const newer = withCaveat(items, 'Newer input.');

      const outcome = await publishVersion(stores(), {
        dataset,
        items: newer,
        runId: takeover.runId,
        inputs: [],
        lease: refreshLease(takeover, ctx.ledger, 900)!,
        beforeMove: async () => {
          // A wakes up while B is between writing its version and moving CURRENT.
          const late = publishVersion(stores(), {
            dataset,
            items: withCaveat(items, 'Older input.'),
            runId: stalled.runId,
            inputs: [],
            lease: refreshLease(stalled, ctx.ledger, 1)!,
          });
          await expect(late).rejects.toMatchObject({ name: 'LeaseLostError' });
        },
      });
      await releaseRefreshLock(takeover, ctx);
      await refreshFailed({ ...stalled, error: 'lease lost' }, ctx);

      expect(outcome).toMatchObject({ published: true, version: 1 });
      const reservations = await stores().briefings.listReservations(dataset);
      expect(reservations.map((record) => record.runId)).toEqual([takeover.runId]);
      expect((await expectCurrentIntact(stores().briefings, dataset)).contentHash).toBe(
        hashVersion(newer).contentHash,
      );
    });

    it('a refresh step (normalise-pending, assemble) whose 1-second lease was taken over stops with LeaseLostError before its work', async () => {
      const ctx = shortLease();
      const stalled = await acquireRefreshLock(
        { runId: '', dataset: ctx.config.dataset, requestedBy: 'A' },
        ctx,
      );
      const takeover = await takeOverWhenExpired(ctx, 'B');
      const stageContext = { ...pipelineContext(ctx.config), ledger: ctx.ledger };
      const before = await stageContext.briefings.listReservations(ctx.config.dataset);

      await expect(normalisePending(stalled, stageContext)).rejects.toMatchObject({ name: 'LeaseLostError' });
      await expect(assembleBriefing(stalled, stageContext)).rejects.toMatchObject({ name: 'LeaseLostError' });
      await releaseRefreshLock(takeover, ctx);

      expect(await stageContext.briefings.listReservations(ctx.config.dataset)).toEqual(before);
    });

    it('(mock: the answer to a conditional put is lost and the SDK sends it again) keeps the lease, the run and the version number that were in fact taken', async () => {
      const dataset = 'lost-answer';
      const client = losingFirstAnswer((command) => command.input.ConditionExpression !== undefined);
      const config = pipelineConfig();
      const ledger = new Ledger(config.ledgerTable, client);
      const ctx = { config, ledger };
      await publishVersion(stores(), { dataset, items, runId: 'run-1', inputs: [] });

      // The lease: the lost answer to the lock's put.
      const run = {
        runId: `lost-answer-${Date.now()}`,
        requestedBy: 'ops',
        startedAt: new Date().toISOString(),
      };
      const generation = await takeRefreshLease(ctx, run);
      expect((await ledger.getLock('refresh'))?.generation).toBe(generation);

      // The run record: the lost answer to the run's put (a fresh client loses the next answer).
      const runClient = losingFirstAnswer((command) => command.input.Item?.sk === 'RUN');
      const runLedger = new Ledger(config.ledgerTable, runClient);
      await releaseRefreshLock({ runId: run.runId, dataset: config.dataset, requestedBy: 'ops' }, ctx);
      const second = { runId: `${run.runId}-b`, requestedBy: 'ops', startedAt: new Date().toISOString() };
      const secondGeneration = await takeRefreshLease({ config, ledger: runLedger }, second);
      expect(secondGeneration).toBeGreaterThan(generation);

      // The version number: the lost answer to the reservation's put.
      const reservationClient = losingFirstAnswer((command) =>
        String(command.input.Item?.sk).startsWith('V#'),
      );
      const briefings = new BriefingStore(config.briefingsTable, reservationClient);
      const outcome = await publishVersion(
        { briefings, ledger: stores().ledger },
        {
          dataset,
          items: withCaveat(items, 'Second.'),
          runId: second.runId,
          inputs: [],
          lease: refreshLease(
            {
              runId: second.runId,
              lockToken: second.runId,
              lockGeneration: secondGeneration,
              dataset,
              requestedBy: 'ops',
            },
            runLedger,
            900,
          )!,
        },
      );
      await releaseRefreshLock(
        { runId: second.runId, dataset: config.dataset, requestedBy: 'ops' },
        { config, ledger: runLedger },
      );

      // Each answer was in fact lost once, and each put was recognised as the caller's own.
      expect([client.lostAnswers(), runClient.lostAnswers(), reservationClient.lostAnswers()]).toEqual([
        1, 1, 1,
      ]);
      expect(outcome).toMatchObject({ published: true, version: 2 });
      expect(
        (await stores().briefings.listReservations(dataset)).map((record) => [record.version, record.state]),
      ).toEqual([
        [1, 'complete'],
        [2, 'complete'],
      ]);
      await expectCurrentIntact(stores().briefings, dataset);
      const runs = (await stores().ledger.listRuns()).filter((record) => record.runId.startsWith(run.runId));
      expect(runs.map((record) => record.status).sort()).toEqual(['succeeded', 'succeeded']);
    });
  });
}
