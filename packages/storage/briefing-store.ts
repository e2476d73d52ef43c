import { createHash } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { canonicalJson, itemKey } from '#contracts/briefing/hash.ts';
import {
  type BriefingItemType,
  isBriefingItemType,
  type StoredBriefingItem,
} from '#contracts/briefing/item.ts';
import type { BriefingLineage } from '#contracts/briefing/provenance.ts';
import { batchWrite, type WriteRequest } from './batch-write.ts';
import { dynamoDocumentClient } from './client-factory.ts';
import { isConditionalCheckFailed, PointerMovedError } from './errors.ts';
import { queryAll } from './query-all.ts';

/**
 * Versioned briefing datasets in DynamoDB: stores the briefing items of data-contracts/briefing/
 * (their hashes and the version's content hash are computed by the caller, under that contract).
 *
 * Items of version N live under `B#<dataset>#v<N>#<shard>` (16 shards: one briefing is thousands
 * of items and a single partition key would cap writes at 1,000 WCU/s). Each item's body is JSON
 * split into parts well under the 400 KB item limit, never truncated. A version becomes visible
 * only when the dataset's CURRENT pointer is moved to it by a conditional update, so a crash
 * while writing N+1 leaves N live.
 */

export const SHARDS = 16;
/** Body characters per item part: far below DynamoDB's 400 KB item limit (and moto's 405,000 B). */
const PART_CHARS = 300_000;

export interface VersionRecord {
  readonly dataset: string;
  readonly version: number;
  readonly contentHash: string;
  readonly itemCount: number;
  readonly createdAt: string;
  readonly runId: string;
  readonly inputs: readonly { readonly sourceName: string; readonly sha256: string }[];
  readonly counts: Readonly<Record<string, number>>;
  /** The briefing contract its items follow (`briefing_item@1.1.0`); absent on versions written before it was recorded. */
  readonly contract?: string;
}

export interface CurrentPointer {
  readonly version: number;
  readonly previousVersion: number;
  readonly movedAt: string;
  readonly contentHash?: string;
}

export interface AuditRecord {
  readonly action: 'publish' | 'rollback';
  readonly from: number;
  readonly to: number;
  readonly who: string;
  readonly why: string;
  readonly at: string;
}

function shardOf(key: string): number {
  return createHash('sha1').update(key).digest().readUInt16BE(0) % SHARDS;
}

const versionPk = (dataset: string, version: number, shard: number) => `B#${dataset}#v${version}#${shard}`;
const datasetPk = (dataset: string) => `D#${dataset}`;
const versionSk = (version: number) => `V#${String(version).padStart(8, '0')}`;

export class BriefingStore {
  constructor(
    readonly table: string,
    private readonly client: DynamoDBDocumentClient = dynamoDocumentClient(),
  ) {}

  /** Write every item of a version, then its version record. Not visible until published. */
  async writeVersion(record: VersionRecord, items: readonly StoredBriefingItem[]): Promise<void> {
    const requests: WriteRequest[] = [];
    for (const item of items) {
      const key = itemKey(item);
      const body = canonicalJson({ body: item.body, lineage: item.lineage ?? null });
      const parts = Math.max(1, Math.ceil(body.length / PART_CHARS));
      for (let part = 0; part < parts; part += 1) {
        requests.push({
          PutRequest: {
            Item: {
              pk: versionPk(record.dataset, record.version, shardOf(key)),
              sk: part === 0 ? key : `${key}#~part${part}`,
              type: item.type,
              id: item.id,
              hash: item.hash,
              part,
              parts,
              body: body.slice(part * PART_CHARS, (part + 1) * PART_CHARS),
            },
          },
        });
      }
    }
    await batchWrite(this.client, this.table, requests);
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: datasetPk(record.dataset), sk: versionSk(record.version), ...record },
      }),
    );
  }

  /**
   * Move CURRENT from `expected` to `version` (0 = no version published yet). Throws
   * PointerMovedError when someone else moved it first: the caller's version stays unpublished.
   */
  async movePointer(
    dataset: string,
    version: number,
    expected: number,
    contentHashValue?: string,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: datasetPk(dataset), sk: 'CURRENT' },
          UpdateExpression:
            'SET #version = :version, previousVersion = :expected, movedAt = :now, contentHash = :hash',
          ConditionExpression: expected === 0 ? 'attribute_not_exists(pk)' : '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: {
            ':version': version,
            ':expected': expected,
            ':now': new Date().toISOString(),
            ':hash': contentHashValue ?? null,
          },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new PointerMovedError(dataset, expected, { cause: error });
      throw error;
    }
  }

  async current(dataset: string): Promise<CurrentPointer | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: datasetPk(dataset), sk: 'CURRENT' },
        ConsistentRead: true,
      }),
    );
    if (!result.Item) return undefined;
    return {
      version: Number(result.Item.version),
      previousVersion: Number(result.Item.previousVersion ?? 0),
      movedAt: String(result.Item.movedAt),
      ...(result.Item.contentHash ? { contentHash: String(result.Item.contentHash) } : {}),
    };
  }

  async listVersions(dataset: string): Promise<VersionRecord[]> {
    const versions = (await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': datasetPk(dataset), ':prefix': 'V#' },
    })) as unknown as VersionRecord[];
    return versions.map(
      ({ dataset: d, version, contentHash: h, itemCount, createdAt, runId, inputs, counts, contract }) => ({
        dataset: d,
        version,
        contentHash: h,
        itemCount,
        createdAt,
        runId,
        inputs,
        counts,
        ...(contract ? { contract } : {}),
      }),
    );
  }

  async getVersion(dataset: string, version: number): Promise<VersionRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: datasetPk(dataset), sk: versionSk(version) },
        ConsistentRead: true,
      }),
    );
    return result.Item as VersionRecord | undefined;
  }

  async getItem(
    dataset: string,
    version: number,
    type: BriefingItemType,
    id: string,
  ): Promise<StoredBriefingItem | undefined> {
    const key = itemKey({ type, id });
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :key)',
        ExpressionAttributeValues: { ':pk': versionPk(dataset, version, shardOf(key)), ':key': key },
        ConsistentRead: true,
      }),
    );
    const items = assemble(page.Items ?? []);
    return items.find((item) => item.type === type && item.id === id);
  }

  /** Every item of a version (all shards), optionally of one type. */
  async listItems(dataset: string, version: number, type?: BriefingItemType): Promise<StoredBriefingItem[]> {
    const shards = await Promise.all(
      Array.from({ length: SHARDS }, (_unused, shard) =>
        queryAll(this.client, {
          TableName: this.table,
          KeyConditionExpression: type ? 'pk = :pk AND begins_with(sk, :type)' : 'pk = :pk',
          ExpressionAttributeValues: {
            ':pk': versionPk(dataset, version, shard),
            ...(type ? { ':type': `${type}#` } : {}),
          },
        }),
      ),
    );
    return assemble(shards.flat()).sort((a, b) => itemKey(a).localeCompare(itemKey(b)));
  }

  /** Delete every item and the record of a version (retention). Never the CURRENT one. */
  async deleteVersion(dataset: string, version: number): Promise<void> {
    const current = await this.current(dataset);
    if (current?.version === version)
      throw new Error(`Refusing to delete ${dataset} v${version}: it is CURRENT`);
    const keys: WriteRequest[] = [];
    await Promise.all(
      Array.from({ length: SHARDS }, async (_unused, shard) => {
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await this.client.send(
            new QueryCommand({
              TableName: this.table,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': versionPk(dataset, version, shard) },
              ProjectionExpression: 'pk, sk',
              ExclusiveStartKey: startKey,
            }),
          );
          for (const item of page.Items ?? [])
            keys.push({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } });
          startKey = page.LastEvaluatedKey as Record<string, unknown> | undefined;
        } while (startKey);
      }),
    );
    keys.push({ DeleteRequest: { Key: { pk: datasetPk(dataset), sk: versionSk(version) } } });
    await batchWrite(this.client, this.table, keys);
  }

  async recordAudit(dataset: string, audit: AuditRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: datasetPk(dataset),
          sk: `AUDIT#${audit.at}#${Math.random().toString(36).slice(2, 8)}`,
          ...audit,
        },
      }),
    );
  }

  async listAudit(dataset: string): Promise<AuditRecord[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': datasetPk(dataset), ':prefix': 'AUDIT#' },
    });
    return items.map(
      ({ action, from, to, who, why, at }) => ({ action, from, to, who, why, at }) as AuditRecord,
    );
  }

  /** Every dataset ever published (registered under one small partition, so no Scan). */
  async listDatasets(): Promise<string[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'DATASETS' },
    });
    return items.map((item) => String(item.sk));
  }

  /** Register a dataset name so `listDatasets` finds it without a Scan. */
  async registerDataset(dataset: string): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.table, Item: { pk: 'DATASETS', sk: dataset } }));
  }
}

/**
 * Items from their stored parts. A half-written item is never shown. Bodies are not re-checked:
 * they passed the briefing contract's check before the version was written.
 */
function assemble(rows: readonly Record<string, unknown>[]): StoredBriefingItem[] {
  const byKey = new Map<string, Record<string, unknown>[]>();
  for (const row of rows) {
    const key = `${String(row.type)}#${String(row.id)}`;
    const parts = byKey.get(key) ?? [];
    parts.push(row);
    byKey.set(key, parts);
  }
  const items: StoredBriefingItem[] = [];
  for (const parts of byKey.values()) {
    parts.sort((a, b) => Number(a.part) - Number(b.part));
    const first = parts[0];
    if (!first || parts.length !== Number(first.parts)) continue;
    if (!isBriefingItemType(first.type)) continue; // not an item of the briefing contract
    const payload = JSON.parse(parts.map((part) => String(part.body)).join('')) as {
      body: StoredBriefingItem['body'];
      lineage: BriefingLineage | null;
    };
    items.push({
      type: first.type,
      id: String(first.id),
      hash: String(first.hash),
      body: payload.body,
      ...(payload.lineage ? { lineage: payload.lineage } : {}),
    } as StoredBriefingItem);
  }
  return items;
}
