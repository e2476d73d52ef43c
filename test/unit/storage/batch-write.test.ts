import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { BATCH_WRITE_LIMIT, batchWrite, type WriteRequest } from '#packages/storage/batch-write.ts';
import { BatchWriteIncompleteError } from '#packages/storage/errors.ts';

// No emulator ever returns UnprocessedItems or throttles (EMULATORS.md §5.4), so these paths
// are exercised with aws-sdk-client-mock; everything else runs against real emulators.
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const mock = mockClient(client);

const put = (pk: string, sk = 'a', value = 1): WriteRequest => ({ PutRequest: { Item: { pk, sk, value } } });

afterEach(() => mock.reset());

describe('batchWrite', () => {
  it('splits 60 items into calls of at most 25', async () => {
    mock.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });

    await batchWrite(
      client,
      't',
      Array.from({ length: 60 }, (_, i) => put(`k${i}`)),
      { concurrency: 1 },
    );

    const sizes = mock
      .commandCalls(BatchWriteCommand)
      .map((call) => call.args[0].input.RequestItems?.t?.length);
    expect(sizes).toEqual([25, 25, 10]);
    expect(Math.max(...(sizes as number[]))).toBeLessThanOrEqual(BATCH_WRITE_LIMIT);
  });

  it('retries UnprocessedItems (mocked) until every item is written', async () => {
    const first = put('k1');
    mock
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { t: [first as never] } })
      .resolvesOnce({ UnprocessedItems: { t: [first as never] } })
      .resolves({ UnprocessedItems: {} });

    await batchWrite(client, 't', [first, put('k2')], { baseDelayMs: 1 });

    const calls = mock
      .commandCalls(BatchWriteCommand)
      .map((call) => call.args[0].input.RequestItems?.t?.length);
    expect(calls).toEqual([2, 1, 1]);
  });

  it('gives up with a named error when items stay unprocessed (mocked throttling)', async () => {
    mock.on(BatchWriteCommand).callsFake((input) => ({ UnprocessedItems: input.RequestItems }));

    const writing = batchWrite(client, 't', [put('k1')], { baseDelayMs: 1, maxAttempts: 3 });

    await expect(writing).rejects.toBeInstanceOf(BatchWriteIncompleteError);
    expect(mock.commandCalls(BatchWriteCommand)).toHaveLength(3);
  });

  it('sends one request per key, the last one winning, since DynamoDB rejects duplicate keys in a batch', async () => {
    mock.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });

    await batchWrite(client, 't', [put('k1', 'a', 1), put('k1', 'a', 2), put('k1', 'b', 3)]);

    const sent = mock.commandCalls(BatchWriteCommand)[0]?.args[0].input.RequestItems?.t ?? [];
    expect(sent).toHaveLength(2);
    expect(sent).toContainEqual({ PutRequest: { Item: { pk: 'k1', sk: 'a', value: 2 } } });
  });
});
