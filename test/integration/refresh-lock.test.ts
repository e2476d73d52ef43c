import { CreateStateMachineCommand, DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refresh } from '#packages/cli/commands/refresh.ts';
import type { Output } from '#packages/cli/output.ts';
import { type RunningBackend, startBackend } from '#packages/local/backends.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import type { RefreshState } from '#packages/pipeline/definition.ts';
import { RefreshInputError } from '#packages/pipeline/errors.ts';
import { acquireRefreshLock, lockContext, releaseRefreshLock } from '#packages/pipeline/refresh-lock.ts';
import { resetClients, stepFunctionsClient, stsClient } from '#packages/storage/client-factory.ts';
import { LockHeldError } from '#packages/storage/errors.ts';
import { integrationBackends } from '../support/backends.ts';

/** A property test's seed: fixed by FC_SEED to replay a failure, printed either way. */
const SEED = Number(process.env.FC_SEED ?? Date.now() % 2_147_483_647);

for (const backend of integrationBackends().filter((candidate) => candidate.available)) {
  describe(`refresh lock step on ${backend.name}`, () => {
    let running: RunningBackend;

    beforeAll(async () => {
      running = await startBackend(backend.name);
    });

    afterAll(async () => {
      await running?.stop();
    });

    it("generates the run id itself: an execution that names a running run's id as runId and lockToken is refused by the lock", async () => {
      const ctx = lockContext();
      const first = await acquireRefreshLock(
        { runId: 'ignored', dataset: ctx.config.dataset, requestedBy: 'first' },
        ctx,
      );

      const forged: RefreshState = {
        runId: first.runId,
        lockToken: first.runId,
        dataset: ctx.config.dataset,
        requestedBy: 'second',
      };
      try {
        const second = acquireRefreshLock(forged, ctx);

        await expect(second).rejects.toBeInstanceOf(LockHeldError);
        expect(first.runId).not.toBe('ignored');
        expect(first.runId).toMatch(/^run-\d{4}-\d{2}-\d{2}T\d{9}Z-[0-9a-f-]{36}$/);
      } finally {
        await releaseRefreshLock(first, ctx);
      }
    });

    it('keeps only dataset and requestedBy from the input; a smuggled lock token or version is dropped, and the lease generation is the lock’s own', async () => {
      const ctx = lockContext();
      const input = {
        runId: 'chosen',
        lockToken: 'chosen',
        version: 99,
        published: true,
        dataset: ctx.config.dataset,
        requestedBy: 'arn:aws:sts::111122223333:assumed-role/data-engineer/ana',
      } as RefreshState;

      const state = await acquireRefreshLock(input, ctx);

      expect(state).toEqual({
        runId: state.runId,
        lockToken: state.runId,
        lockGeneration: expect.any(Number),
        dataset: ctx.config.dataset,
        requestedBy: 'arn:aws:sts::111122223333:assumed-role/data-engineer/ana',
      });
      const run = (await ctx.ledger.listRuns()).find((record) => record.runId === state.runId);
      expect(run).toMatchObject({ status: 'running', requestedBy: input.requestedBy });
      await releaseRefreshLock(state, ctx);
    });

    it('refuses a dataset other than the configured one before taking the lock', async () => {
      const ctx = lockContext();

      const refused = acquireRefreshLock({ runId: '', dataset: 'other-dataset', requestedBy: 'x' }, ctx);

      await expect(refused).rejects.toBeInstanceOf(RefreshInputError);
      await expect(refused).rejects.toThrow(/other-dataset.*HLD_DATASET/);
      // Nothing was taken: the next refresh gets the lock.
      const next = await acquireRefreshLock({ runId: '', dataset: '', requestedBy: '' }, ctx);
      expect(next).toMatchObject({ dataset: ctx.config.dataset, requestedBy: 'unknown' });
      await releaseRefreshLock(next, ctx);
    });

    it('records any printable requestedBy of up to 256 characters and refuses every other one', async () => {
      const ctx = lockContext();
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
      const printable = (text: string) => text.length <= 256 && !/[\u0000-\u001f\u007f]/.test(text);
      console.info(`refresh-lock requestedBy property: seed ${SEED} (FC_SEED=${SEED} replays it)`);

      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.string({ minLength: 1, maxLength: 300, unit: 'grapheme' }),
            fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }),
          ),
          async (requestedBy) => {
            const attempt = acquireRefreshLock({ runId: '', dataset: ctx.config.dataset, requestedBy }, ctx);
            if (printable(requestedBy)) {
              const state = await attempt;
              expect(state.requestedBy).toBe(requestedBy);
              await releaseRefreshLock(state, ctx);
            } else {
              await expect(attempt).rejects.toBeInstanceOf(RefreshInputError);
            }
          },
        ),
        { seed: SEED, numRuns: 40 },
      );
    });
  });
}

/**
 * `hld refresh --backend aws` starts the state machine; moto serves Step Functions and STS, so the
 * real CLI code path runs against an emulator over HTTP (no Lambda behind the state machine: only
 * the start and its input are checked).
 */
for (const backend of integrationBackends().filter(
  (candidate) => candidate.available && candidate.name === 'moto',
)) {
  describe('hld refresh --backend aws (Step Functions and STS on moto)', () => {
    let running: RunningBackend;
    const saved = { endpoint: process.env.AWS_ENDPOINT_URL, arn: process.env.HLD_STATE_MACHINE_ARN };
    const messages: string[] = [];
    const out: Output = { json: false, info: (message) => messages.push(message), result: () => {} };

    beforeAll(async () => {
      running = await startBackend(backend.name);
      // Every other service (Step Functions, STS) goes to the same moto server.
      process.env.AWS_ENDPOINT_URL = running.env.AWS_ENDPOINT_URL_S3;
      resetClients();
      const machine = await (await stepFunctionsClient()).send(
        new CreateStateMachineCommand({
          name: 'hld-evidence-test-refresh',
          definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
          roleArn: 'arn:aws:iam::123456789012:role/refresh',
        }),
      );
      process.env.HLD_STATE_MACHINE_ARN = machine.stateMachineArn;
    });

    afterAll(async () => {
      for (const [name, value] of [
        ['AWS_ENDPOINT_URL', saved.endpoint],
        ['HLD_STATE_MACHINE_ARN', saved.arn],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      resetClients();
      await running?.stop();
    });

    it('starts the refresh with the caller’s identity as requestedBy and no run id of its own', async () => {
      const session = {
        backend: { ...running, name: 'aws' as const },
        ctx: pipelineContext(),
        stateDir: undefined,
        onInterrupt: () => () => false,
      };
      const caller = await (await stsClient()).send(new GetCallerIdentityCommand({}));

      await refresh(session, out, 'hld refresh');

      const executionArn = /Started (\S+)/.exec(messages.join('\n'))?.[1];
      const execution = await (await stepFunctionsClient()).send(
        new DescribeExecutionCommand({ executionArn }),
      );
      expect(caller.Arn).toMatch(/^arn:aws:(iam|sts)::/);
      expect(JSON.parse(execution.input ?? '{}')).toEqual({
        dataset: session.ctx.config.dataset,
        requestedBy: caller.Arn,
      });
    });
  });
}
