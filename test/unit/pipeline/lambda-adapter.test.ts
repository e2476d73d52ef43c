import type { Context, SQSEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import type { EventStageRunner } from '#packages/pipeline/definition.ts';
import { sqsStageHandler } from '#packages/pipeline/lambda-adapter.ts';
import { INGEST_STAGE } from '#packages/pipeline/stages/ingest.stage.ts';

process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'HldEvidenceTest';

const context = {
  getRemainingTimeInMillis: () => 30_000,
  functionName: 'test',
  awsRequestId: 'r1',
} as unknown as Context;

function sqsEvent(keys: string[]): SQSEvent {
  return {
    Records: keys.map((key, index) => ({
      messageId: `m${index}`,
      receiptHandle: `h${index}`,
      body: JSON.stringify({
        id: `e${index}`,
        source: 'aws.s3',
        'detail-type': 'Object Created',
        time: '2026-01-01T00:00:00Z',
        detail: { bucket: { name: 'hld-raw' }, object: { key } },
      }),
      attributes: {} as never,
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
      awsRegion: 'us-east-1',
    })),
  };
}

describe('sqsStageHandler', () => {
  it('reports only the failing record as a batch item failure, so SQS redelivers just that one', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true); // EMF metric lines
    const seen: string[] = [];
    const run: EventStageRunner = async (event) => {
      const key = (event.detail as { object: { key: string } }).object.key;
      seen.push(key);
      if (key.endsWith('bad.csv')) throw new Error('boom');
      return [];
    };

    const response = await sqsStageHandler(INGEST_STAGE, run)(
      sqsEvent(['incoming/survey/a.csv', 'incoming/survey/bad.csv', 'incoming/survey/c.csv']),
      context,
    );

    expect(seen).toEqual(['incoming/survey/a.csv', 'incoming/survey/bad.csv', 'incoming/survey/c.csv']);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    vi.restoreAllMocks();
  });

  it('fails at init, naming the variable, when a pipeline setting is out of range', () => {
    process.env.HLD_KEEP_VERSIONS = 'abc';
    try {
      expect(() => sqsStageHandler(INGEST_STAGE, async () => [])).toThrowError(
        /HLD_KEEP_VERSIONS="abc" is not valid/,
      );
    } finally {
      delete process.env.HLD_KEEP_VERSIONS;
    }
  });
});
