import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { forEachConcurrently } from './concurrently.ts';
import { BatchWriteIncompleteError } from './errors.ts';

/** BatchWriteItem accepts at most 25 requests per call (DynamoDB limit). */
export const BATCH_WRITE_LIMIT = 25;

export type WriteRequest =
  | { readonly PutRequest: { readonly Item: Record<string, unknown> } }
  | { readonly DeleteRequest: { readonly Key: Record<string, unknown> } };

export interface BatchWriteOptions {
  /** Calls in flight at once. @default 8 */
  readonly concurrency?: number;
  /** Attempts per chunk before giving up on unprocessed items. @default 8 */
  readonly maxAttempts?: number;
  /** First backoff delay in ms (doubled per attempt, with full jitter). @default 50 */
  readonly baseDelayMs?: number;
  /** Names of the key attributes, for de-duplication. @default ['pk', 'sk'] */
  readonly keyAttributes?: readonly string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function requestKey(request: WriteRequest, keyAttributes: readonly string[]): string {
  const source = 'PutRequest' in request ? request.PutRequest.Item : request.DeleteRequest.Key;
  return keyAttributes.map((name) => String(source[name])).join('\u001f');
}

/**
 * Write any number of items with BatchWriteItem: de-duplicated by key (the last request for a
 * key wins, as AWS rejects duplicate keys in one call), chunked to 25, retried with exponential
 * backoff while DynamoDB returns UnprocessedItems.
 */
export async function batchWrite(
  client: DynamoDBDocumentClient,
  table: string,
  requests: readonly WriteRequest[],
  options: BatchWriteOptions = {},
): Promise<void> {
  const keyAttributes = options.keyAttributes ?? ['pk', 'sk'];
  const unique = new Map<string, WriteRequest>();
  for (const request of requests) unique.set(requestKey(request, keyAttributes), request);
  const all = [...unique.values()];
  const chunks: WriteRequest[][] = [];
  for (let start = 0; start < all.length; start += BATCH_WRITE_LIMIT) {
    chunks.push(all.slice(start, start + BATCH_WRITE_LIMIT));
  }
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 50;

  const writeChunk = async (chunk: WriteRequest[]) => {
    let pending = chunk;
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      if (attempt > maxAttempts) throw new BatchWriteIncompleteError(table, pending.length, maxAttempts);
      if (attempt > 1) await sleep(Math.random() * baseDelayMs * 2 ** (attempt - 2));
      const result = await client.send(
        new BatchWriteCommand({ RequestItems: { [table]: pending as WriteRequest[] as never } }),
      );
      pending = (result.UnprocessedItems?.[table] ?? []) as WriteRequest[];
    }
  };

  // After a chunk fails no other starts, and the call rejects only once none is in flight.
  await forEachConcurrently(chunks, options.concurrency ?? 8, writeChunk);
}
