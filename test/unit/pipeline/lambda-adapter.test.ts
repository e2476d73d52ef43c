import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { EventStageRunner } from '#packages/pipeline/definition.ts';
import { recordCorrelationId, sqsStageHandler } from '#packages/pipeline/lambda-adapter.ts';
import { refreshCorrelationId, refreshStateOf } from '#packages/pipeline/refresh-step-adapter.ts';
import { INGEST_STAGE } from '#packages/pipeline/stages/ingest.stage.ts';
import { testSeed } from '../../support/seed.ts';

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
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true); // the failed record's ERROR line
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

describe('correlation ids', () => {
  const recordWith = (messageId: string, body: string) => ({ messageId, body }) as SQSRecord;

  it('a record is correlated by the EventBridge event id it carries, else by its SQS message id, whatever its body', () => {
    const seed = testSeed('record correlation id');
    const messageId = fc.uuid();
    const envelope = fc.record({ id: fc.string({ minLength: 1 }), detail: fc.jsonValue() });
    const notAnEnvelope = fc.oneof(
      fc.string(),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc
        .record({ id: fc.oneof(fc.constant(''), fc.integer(), fc.constant(null)) })
        .map((value) => JSON.stringify(value)),
    );

    fc.assert(
      fc.property(messageId, envelope, (message, event) => {
        expect(recordCorrelationId(recordWith(message, JSON.stringify(event)))).toBe(event.id);
      }),
      { seed },
    );
    fc.assert(
      fc.property(messageId, notAnEnvelope, (message, body) => {
        const parsed: unknown = (() => {
          try {
            return JSON.parse(body);
          } catch {
            return undefined;
          }
        })();
        const id = (parsed as { id?: unknown } | null)?.id;
        const expected = typeof id === 'string' && id.length > 0 ? id : message;
        expect(recordCorrelationId(recordWith(message, body))).toBe(expected);
      }),
      { seed },
    );
  });

  it('a refresh step takes its state and the execution name from the state machine, and still takes a bare state invoked by hand', () => {
    const seed = testSeed('refresh step input');
    const state = fc.record({
      runId: fc.string(),
      dataset: fc.string({ minLength: 1 }),
      requestedBy: fc.string(),
    });

    fc.assert(
      fc.property(state, fc.string({ minLength: 1, maxLength: 80 }), (bare, executionName) => {
        expect(refreshStateOf({ state: bare, executionName })).toEqual(bare);
        expect(refreshCorrelationId({ state: bare, executionName })).toBe(executionName);
        expect(refreshStateOf(bare)).toEqual(bare);
        expect(refreshCorrelationId(bare)).toBe(bare.runId === '' ? undefined : bare.runId);
      }),
      { seed },
    );
  });
});
