import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningBackend, startBackend } from '#packages/local/backends.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import type { RefreshState } from '#packages/pipeline/definition.ts';
import type { RefreshStepInput } from '#packages/pipeline/refresh-step-adapter.ts';
import { sampleBytes } from '../support/pipeline.ts';

/**
 * Every Lambda handler logs through the one Powertools logger (packages/pipeline/lambda-logger.ts):
 * each JSON line names the service, the deployment stage, the invocation (function_request_id)
 * and what it works on (correlation_id: API Gateway request id, EventBridge event id, Step
 * Functions execution name). The handlers run here against the embedded emulators; only the
 * Lambda context object is made up.
 */

// Read when the logger module loads: set before the handlers are imported.
process.env.HLD_STAGE = 'test';
process.env.POWERTOOLS_SERVICE_NAME = 'hld-evidence';
process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'HldEvidenceTest';

interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly [key: string]: unknown;
}

function lambdaContext(functionName: string, awsRequestId: string): Context {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 60_000,
  } as Context;
}

/** The Powertools log lines `body` writes (stdout, and stderr for WARN and ERROR; EMF metric lines left out). */
async function logLinesOf<T>(body: () => Promise<T>): Promise<{ result: T; lines: LogLine[] }> {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(capture),
    vi.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  try {
    const result = await body();
    const lines = written
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line): line is LogLine => typeof line.level === 'string' && !('_aws' in line));
    return { result, lines };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

function sqsEventOf(records: readonly { eventId: string; key: string }[], bucket: string): SQSEvent {
  return {
    Records: records.map(({ eventId, key }, index) => ({
      messageId: `message-${index}`,
      receiptHandle: `receipt-${index}`,
      body: JSON.stringify({
        id: eventId,
        source: 'aws.s3',
        'detail-type': 'Object Created',
        time: '2026-12-02T12:00:00Z',
        detail: { bucket: { name: bucket }, object: { key, size: 1 } },
      }),
      attributes: {} as never,
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:hld-evidence-test-ingest',
      awsRegion: 'us-east-1',
    })),
  };
}

const identity = { service: 'hld-evidence', stage: 'test' };

describe('Lambda handler logs', () => {
  let backend: RunningBackend;

  beforeAll(async () => {
    backend = await startBackend('embedded');
  });
  afterAll(async () => {
    await backend.stop();
  });

  it('ingest: every line carries the request id, and each record its EventBridge event id', async () => {
    const ctx = pipelineContext();
    const key = 'incoming/stocktaking/jmdi-projects.csv';
    await ctx.raw.put(key, await sampleBytes('stocktaking/jmdi-projects.csv'));
    const { handler } = await import('#functions/ingest/handler.ts');

    const { result, lines } = await logLinesOf(() =>
      handler(
        sqsEventOf(
          [
            { eventId: 'event-good', key },
            { eventId: 'event-missing', key: 'incoming/stocktaking/not-uploaded.csv' },
          ],
          ctx.config.rawBucket,
        ),
        lambdaContext('hld-evidence-test-ingest', 'request-ingest'),
      ),
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'message-1' }]);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toMatchObject({
        ...identity,
        pipeline_stage: 'ingest',
        function_request_id: 'request-ingest',
        function_name: 'hld-evidence-test-ingest',
      });
    }
    const failed = lines.find((line) => line.message === 'record failed');
    expect(failed).toMatchObject({ level: 'ERROR', correlation_id: 'event-missing', messageId: 'message-1' });
    const recordLines = lines.filter((line) => line.message !== 'batch processed');
    expect(recordLines.some((line) => line.correlation_id === 'event-good')).toBe(true);
    expect(
      recordLines.every((line) => ['event-good', 'event-missing'].includes(String(line.correlation_id))),
    ).toBe(true);
    expect(lines.find((line) => line.message === 'batch processed')).toMatchObject({
      records: 2,
      failed: 1,
      correlationIds: ['event-good', 'event-missing'],
    });
  });

  it('a batch of one record: the whole invocation carries its event id; a larger batch lists its ids', async () => {
    const ctx = pipelineContext();
    const key = 'incoming/stocktaking/jmdi-lessons.csv';
    await ctx.raw.put(key, await sampleBytes('stocktaking/jmdi-lessons.csv'));
    const { handler } = await import('#functions/ingest/handler.ts');

    const one = await logLinesOf(() =>
      handler(
        sqsEventOf([{ eventId: 'event-one', key }], ctx.config.rawBucket),
        lambdaContext('hld-evidence-test-ingest', 'request-1'),
      ),
    );
    const two = await logLinesOf(() =>
      handler(
        sqsEventOf(
          [
            { eventId: 'event-again-1', key },
            { eventId: 'event-again-2', key },
          ],
          ctx.config.rawBucket,
        ),
        lambdaContext('hld-evidence-test-ingest', 'request-2'),
      ),
    );

    expect(one.lines.length).toBeGreaterThan(0);
    for (const line of one.lines) {
      expect(line).toMatchObject({
        ...identity,
        function_request_id: 'request-1',
        correlation_id: 'event-one',
      });
    }
    const summary = two.lines.find((line) => line.message === 'batch processed');
    expect(summary).toMatchObject({
      function_request_id: 'request-2',
      correlationIds: ['event-again-1', 'event-again-2'],
    });
    expect(summary).not.toHaveProperty('correlation_id');
  });

  it('refresh steps: every line of every step carries the execution name, from the lock to the unlock', async () => {
    const lock = (await import('#functions/refresh-lock/handler.ts')).handler;
    const failed = (await import('#functions/refresh-failed/handler.ts')).handler;
    const executionName = 'refresh-2026-12-02T12-00-00';
    const start: RefreshStepInput = {
      state: { runId: '', dataset: pipelineContext().config.dataset, requestedBy: 'test' },
      executionName,
    };

    const locked = await logLinesOf(() =>
      lock(start, lambdaContext('hld-evidence-test-lock', 'request-lock')),
    );
    const state: RefreshState = locked.result;
    const released = await logLinesOf(() =>
      failed(
        { state: { ...state, error: 'States.Timeout: assemble' }, executionName },
        lambdaContext('hld-evidence-test-refresh-failed', 'request-failed'),
      ),
    );

    expect(state.runId).not.toBe('');
    for (const [lines, stage, requestId] of [
      [locked.lines, 'lock', 'request-lock'],
      [released.lines, 'refresh-failed', 'request-failed'],
    ] as const) {
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        expect(line).toMatchObject({
          ...identity,
          pipeline_stage: stage,
          function_request_id: requestId,
          correlation_id: executionName,
        });
      }
    }
    expect(locked.lines.find((line) => line.message === 'step done')).toMatchObject({ runId: state.runId });
  });

  it('api: every line carries the API Gateway request id as the correlation id', async () => {
    const { handler } = await import('#functions/api/handler.ts');
    const event = {
      version: '2.0',
      rawPath: '/datasets/hld2013/countries/MDA',
      rawQueryString: '',
      headers: { host: 'api.example' },
      requestContext: {
        http: { method: 'GET', path: '/datasets/hld2013/countries/MDA' },
        stage: '$default',
        requestId: 'api-request-7',
      },
      isBase64Encoded: false,
    };

    const { result, lines } = await logLinesOf(() =>
      handler(event, lambdaContext('hld-evidence-test-api-handler', 'request-api')),
    );

    expect(result.statusCode).toBe(404); // nothing published in this file's store
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toMatchObject({
        ...identity,
        pipeline_stage: 'api',
        function_request_id: 'request-api',
        correlation_id: 'api-request-7',
      });
    }
  });
});
