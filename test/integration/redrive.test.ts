import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redriveCommand } from '#packages/cli/commands/redrive.ts';
import type { Output } from '#packages/cli/output.ts';
import { type RunningBackend, startBackend } from '#packages/local/backends.ts';
import { LocalDeadLetters } from '#packages/local/dead-letters.ts';
import { createLocalEventRouter } from '#packages/local/event-router.ts';
import { redriveLocal } from '#packages/local/redrive-local.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import type { EventStageDefinition, PipelineDefinition } from '#packages/pipeline/definition.ts';
import { PIPELINE } from '#packages/pipeline/definition.ts';
import { PIPELINE_EVENT_SOURCE, type PipelineEvent } from '#packages/pipeline/events.ts';
import { stageQueuePairs } from '#packages/pipeline/redrive.ts';
import { resetClients, sqsClient } from '#packages/storage/client-factory.ts';
import { integrationBackends } from '../support/backends.ts';

const moto = integrationBackends().find((backend) => backend.name === 'moto');

/** Every message of a queue (short polls until three come back empty). */
async function drain(queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (let empty = 0; empty < 3; ) {
    const page = await (await sqsClient()).send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 300 }),
    );
    if (!page.Messages?.length) empty += 1;
    for (const message of page.Messages ?? []) bodies.push(message.Body ?? '');
  }
  return bodies.sort();
}

describe.skipIf(!moto?.available)(
  `hld redrive --backend aws on moto (SQS) ${moto?.available ? '' : `— SKIPPED: ${moto?.reason}`}`,
  () => {
    let running: RunningBackend;
    const saved = { endpoint: process.env.AWS_ENDPOINT_URL, prefix: process.env.HLD_NAME_PREFIX };
    const prefix = 'hld-redrive-test';
    const urls = new Map<string, string>();

    beforeAll(async () => {
      running = await startBackend('moto');
      // SQS goes to the same moto server as S3 and DynamoDB.
      process.env.AWS_ENDPOINT_URL = running.env.AWS_ENDPOINT_URL_S3;
      process.env.HLD_NAME_PREFIX = prefix;
      resetClients();
      for (const pair of stageQueuePairs(PIPELINE, prefix)) {
        for (const name of [pair.queueName, pair.deadLetterQueueName]) {
          urls.set(
            name,
            String((await (await sqsClient()).send(new CreateQueueCommand({ QueueName: name }))).QueueUrl),
          );
        }
      }
    });

    afterAll(async () => {
      for (const [name, value] of [
        ['AWS_ENDPOINT_URL', saved.endpoint],
        ['HLD_NAME_PREFIX', saved.prefix],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      resetClients();
      await running?.stop();
    });

    it('moves every message of each stage’s DLQ into that stage’s own queue, byte for byte, and empties the DLQ (moto has no message move tasks: hld moves them itself)', async () => {
      const ingestDlq = urls.get(`${prefix}-ingest-dlq`) ?? '';
      const normaliseDlq = urls.get(`${prefix}-normalise-dlq`) ?? '';
      const bodies = Array.from({ length: 13 }, (_unused, n) =>
        JSON.stringify({ id: `event-${n}`, detail: { n } }),
      );
      for (const body of bodies)
        await (await sqsClient()).send(new SendMessageCommand({ QueueUrl: ingestDlq, MessageBody: body }));
      await (await sqsClient()).send(
        new SendMessageCommand({ QueueUrl: normaliseDlq, MessageBody: '{"id":"n-1"}' }),
      );
      const messages: string[] = [];
      const out: Output = {
        json: true,
        info: () => {},
        result: (value) => messages.push(JSON.stringify(value)),
      };
      const session = {
        backend: { ...running, name: 'aws' as const },
        ctx: pipelineContext(),
        stateDir: undefined,
        onInterrupt: () => () => false,
      };

      const code = await redriveCommand(session, out, { stage: undefined });

      expect(code).toBe(0);
      const result = JSON.parse(messages[0] ?? '{}') as {
        stages: { stage: string; how: string; moved?: number }[];
      };
      expect(result.stages.map((stage) => [stage.stage, stage.how, stage.moved])).toEqual([
        ['ingest', 'moved', 13],
        ['normalise', 'moved', 1],
        ['parquet-copy', 'empty', 0],
      ]);
      expect(await drain(urls.get(`${prefix}-ingest`) ?? '')).toEqual([...bodies].sort());
      expect(await drain(urls.get(`${prefix}-normalise`) ?? '')).toEqual(['{"id":"n-1"}']);
      const left = await (await sqsClient()).send(
        new GetQueueAttributesCommand({
          QueueUrl: ingestDlq,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      expect(Number(left.Attributes?.ApproximateNumberOfMessages)).toBe(0);
    });

    it('redrives one stage only with --stage, and refuses a stage without a DLQ as a usage error', async () => {
      const ingestDlq = urls.get(`${prefix}-ingest-dlq`) ?? '';
      const normaliseDlq = urls.get(`${prefix}-normalise-dlq`) ?? '';
      await (await sqsClient()).send(new SendMessageCommand({ QueueUrl: ingestDlq, MessageBody: 'i' }));
      await (await sqsClient()).send(new SendMessageCommand({ QueueUrl: normaliseDlq, MessageBody: 'n' }));
      const out: Output = { json: true, info: () => {}, result: () => {} };
      const session = {
        backend: { ...running, name: 'aws' as const },
        ctx: pipelineContext(),
        stateDir: undefined,
        onInterrupt: () => () => false,
      };

      await redriveCommand(session, out, { stage: 'normalise' });

      expect(await drain(urls.get(`${prefix}-normalise`) ?? '')).toEqual(['n']);
      expect(await drain(ingestDlq)).toEqual(['i']);
      await expect(redriveCommand(session, out, { stage: 'assemble' })).rejects.toMatchObject({
        name: 'UsageError',
        message: expect.stringMatching(/No event stage 'assemble'/),
      });
    });
  },
);

describe('local redrive of the router’s failed deliveries (embedded)', () => {
  let running: RunningBackend;

  beforeAll(async () => {
    running = await startBackend('embedded');
  });

  afterAll(async () => {
    await running?.stop();
  });

  /** A pipeline of one event stage that fails while `failing` says so, and counts its runs. */
  function flakyPipeline(state: { failing: boolean; runs: string[] }): PipelineDefinition {
    const stage: EventStageDefinition = {
      kind: 'event',
      id: 'flaky',
      description: 'fails on demand',
      entry: 'functions/none.ts',
      trigger: { type: 'pipeline-event', detailType: 'SnapshotWritten' },
      emits: [],
      access: { buckets: {}, tables: {} },
      load: async () => async (event) => {
        state.runs.push(event.id);
        if (state.failing) throw new Error(`the stage is down (${event.id})`);
        return [];
      },
    };
    return { name: 'flaky', dataset: 'flaky', stages: [stage] };
  }

  const event = (id: string): PipelineEvent => ({
    id,
    source: PIPELINE_EVENT_SOURCE,
    detailType: 'SnapshotWritten',
    detail: { sha256: 'a'.repeat(64), kind: 'pilot', tables: [] },
    time: new Date().toISOString(),
  });

  it('keeps each failed delivery, delivers it again on redrive, and forgets it once it succeeds; one that fails again stays kept with its attempts counted', async () => {
    const state = { failing: true, runs: [] as string[] };
    const definition = flakyPipeline(state);
    const letters = new LocalDeadLetters();
    const router = createLocalEventRouter(definition);

    const first = await router.dispatch(event('e-1'));
    await router.dispatch(event('e-2'));
    expect(first).toMatchObject([{ stage: 'flaky', kept: true }]);
    expect((await letters.list('flaky')).map((letter) => letter.event.id).sort()).toEqual(['e-1', 'e-2']);

    const stillDown = await redriveLocal(letters, { definition });
    expect(stillDown).toEqual([
      expect.objectContaining({
        stage: 'flaky',
        waiting: 2,
        redelivered: 0,
        stillFailing: expect.any(Array),
      }),
    ]);
    expect((await letters.list('flaky')).map((letter) => letter.attempts)).toEqual([2, 2]);

    state.failing = false;
    const redriven = await redriveLocal(letters, { definition, stage: 'flaky' });

    expect(redriven).toEqual([{ stage: 'flaky', waiting: 2, redelivered: 2, stillFailing: [] }]);
    expect(await letters.list('flaky')).toEqual([]);
    expect(state.runs.filter((id) => id === 'e-1')).toHaveLength(3);
  });
});
