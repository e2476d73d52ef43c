import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { eventStages, PIPELINE } from '#packages/pipeline/definition.ts';
import { RedriveError, redriveProgress, redriveStages, stageQueuePairs } from '#packages/pipeline/redrive.ts';

// No emulator implements SQS message move tasks (moto 5.2.1 answers 500, fauxqs 1.9.2 lists them
// as unsupported), so the calls hld makes to start and follow one are checked against a mock here;
// the messages themselves are moved on moto in test/integration/redrive.test.ts.
const client = new SQSClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});
const mock = mockClient(client);
afterEach(() => mock.reset());

const arnOf = (name: string) => `arn:aws:sqs:eu-west-1:111122223333:${name}`;

function queues(waiting: Record<string, number>) {
  mock.on(GetQueueUrlCommand).callsFake((input: { QueueName: string }) => ({
    QueueUrl: `https://sqs.eu-west-1.amazonaws.com/111122223333/${input.QueueName}`,
  }));
  mock.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => {
    const name = input.QueueUrl.split('/').at(-1) ?? '';
    return { Attributes: { QueueArn: arnOf(name), ApproximateNumberOfMessages: String(waiting[name] ?? 0) } };
  });
}

describe('stageQueuePairs', () => {
  it('names one queue pair per event stage of the pipeline definition, as the stack names them', () => {
    const pairs = stageQueuePairs(PIPELINE, 'hld-evidence-prod');

    expect(pairs.map((pair) => pair.stage)).toEqual(eventStages(PIPELINE).map((stage) => stage.id));
    expect(pairs[0]).toEqual({
      stage: 'ingest',
      queueName: 'hld-evidence-prod-ingest',
      deadLetterQueueName: 'hld-evidence-prod-ingest-dlq',
    });
  });

  it('refuses a stage that has no dead-letter queue, naming those that do', () => {
    expect(() => stageQueuePairs(PIPELINE, 'hld-evidence-prod', 'assemble')).toThrowError(RedriveError);
    expect(() => stageQueuePairs(PIPELINE, 'hld-evidence-prod', 'assemble')).toThrow(
      /No event stage 'assemble'.*ingest, normalise, parquet-copy/,
    );
  });
});

describe('redriveStages with SQS message move tasks', () => {
  it('(mock: no emulator implements StartMessageMoveTask) moves each non-empty DLQ into its own stage queue, and leaves a DLQ with a running task or no message alone', async () => {
    queues({ 'p-ingest-dlq': 3, 'p-normalise-dlq': 2, 'p-parquet-copy-dlq': 0 });
    mock.on(ListMessageMoveTasksCommand).callsFake((input: { SourceArn: string }) => ({
      Results: input.SourceArn === arnOf('p-normalise-dlq') ? [{ Status: 'RUNNING' }] : [],
    }));
    mock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });

    const outcomes = await redriveStages(client, stageQueuePairs(PIPELINE, 'p'));

    expect(outcomes.map((outcome) => [outcome.stage, outcome.how, outcome.waiting])).toEqual([
      ['ingest', 'message-move-task', 3],
      ['normalise', 'already-running', 2],
      ['parquet-copy', 'empty', 0],
    ]);
    expect(mock.commandCalls(StartMessageMoveTaskCommand).map((call) => call.args[0].input)).toEqual([
      { SourceArn: arnOf('p-ingest-dlq'), DestinationArn: arnOf('p-ingest') },
    ]);
  });

  it('(mock: no emulator implements ListMessageMoveTasks) reports the latest task of each DLQ', async () => {
    queues({});
    mock.on(ListMessageMoveTasksCommand).resolves({
      Results: [
        {
          Status: 'COMPLETED',
          ApproximateNumberOfMessagesMoved: 3,
          ApproximateNumberOfMessagesToMove: 3,
          StartedTimestamp: Date.UTC(2026, 11, 2),
        },
      ],
    });

    const progress = await redriveProgress(client, stageQueuePairs(PIPELINE, 'p', 'ingest'));

    expect(progress).toEqual([
      { stage: 'ingest', status: 'COMPLETED', moved: 3, toMove: 3, startedAt: '2026-12-02T00:00:00.000Z' },
    ]);
  });
});
