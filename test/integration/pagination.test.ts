import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredBriefingItem } from '#contracts/briefing/item.ts';
import { type RunningBackend, startBackend } from '#packages/local/backends.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import { dynamoDocumentClient } from '#packages/storage/client-factory.ts';
import { queryAll } from '#packages/storage/query-all.ts';

/**
 * Listing and querying follow every page (the SDK's paginators): a prefix with more objects than
 * one ListObjectsV2 page (1,000) and a Query cut into pages of 3 give every object and item, once;
 * a briefing item larger than one Query page (1 MB) is read whole.
 */
describe('pagination (embedded backend)', () => {
  let backend: RunningBackend;

  beforeAll(async () => {
    backend = await startBackend('embedded');
  }, 60_000);

  afterAll(async () => {
    await backend?.stop();
  });

  it('lists every object under a prefix that spans two ListObjectsV2 pages, each once', async () => {
    const ctx = pipelineContext();
    const keys = Array.from(
      { length: 1_003 },
      (_unused, at) => `pagination/${String(at).padStart(4, '0')}.txt`,
    );
    for (let start = 0; start < keys.length; start += 50) {
      await Promise.all(keys.slice(start, start + 50).map((key) => ctx.curated.put(key, 'x')));
    }

    const listed = (await ctx.curated.list('pagination/')).map((object) => object.key);

    expect(listed).toHaveLength(keys.length);
    expect(new Set(listed)).toEqual(new Set(keys));
  }, 120_000);

  it('gives every item of a Query cut into pages of 3, in key order', async () => {
    const table = pipelineContext().config.ledgerTable;
    const client = dynamoDocumentClient();
    for (let at = 0; at < 10; at += 1) {
      await client.send(
        new PutCommand({ TableName: table, Item: { pk: 'PAGINATION#test', sk: `item-${at}` } }),
      );
    }

    const items = await queryAll(client, {
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'PAGINATION#test' },
      Limit: 3,
    });

    expect(items.map((item) => item.sk)).toEqual(Array.from({ length: 10 }, (_unused, at) => `item-${at}`));
  });

  it('reads a briefing item larger than one 1 MB Query page whole, by itself as in the full listing', async () => {
    // prepare: a country item of about 1.5 MB (five parts): a country with tens of thousands of figures
    const store = pipelineContext().briefings;
    const big = {
      type: 'country',
      id: 'MDA',
      hash: 'c'.repeat(64),
      body: { figures: Array.from({ length: 30_000 }, (_unused, at) => `figure ${at} `.padEnd(48, '.')) },
    } as unknown as StoredBriefingItem;

    // act
    await store.writeItems('pagination-test', 1, [big]);
    const read = await store.getItem('pagination-test', 1, 'country', 'MDA');
    const listed = await store.listItems('pagination-test', 1, 'country');

    // assess
    expect(read?.body).toEqual(big.body);
    expect(listed.map((item) => item.id)).toEqual(['MDA']);
    expect(listed[0]?.body).toEqual(big.body);
  });
});
