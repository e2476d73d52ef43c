import { createHash } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { itemKey, storedItemJson } from '#contracts/briefing/hash.ts';
import {
  type BriefingItemType,
  isBriefingItemType,
  type StoredBriefingItem,
} from '#contracts/briefing/item.ts';
import { lineageFromStored } from '#contracts/briefing/locator-ranges.ts';
import type { BriefingLineage } from '#contracts/briefing/provenance.ts';
import { batchWrite, type WriteRequest } from './batch-write.ts';
import { dynamoDocumentClient } from './client-factory.ts';
import {
  IncompleteItemError,
  isConditionalCheckFailed,
  PointerFencedError,
  PointerMovedError,
  VersionAbandonedError,
} from './errors.ts';
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

/**
 * A version number as the table records it: `reserved` by a refresh (its items may be partly
 * written), `complete` (every item written; may go live), or `abandoned` (its refresh lost its
 * lease or failed; its items are garbage). A number is recorded once and never reused.
 */
export type VersionState = 'reserved' | 'complete' | 'abandoned';

export interface VersionReservation {
  readonly dataset: string;
  readonly version: number;
  readonly state: VersionState;
  readonly runId: string;
  /** The generation of the refresh lease under which the number was reserved. */
  readonly lockGeneration?: number;
  readonly reservedAt?: string;
}

export interface CurrentPointer {
  readonly version: number;
  readonly previousVersion: number;
  readonly movedAt: string;
  readonly contentHash?: string;
  /** Set when a person rolled CURRENT back (cleared by the next publish). */
  readonly rollback?: RollbackMark;
  /** The generation of the refresh lease that last claimed the pointer (its fence). */
  readonly fence?: number;
}

/** What a rollback left on the pointer: the version it moved away from, who and when. */
export interface RollbackMark {
  readonly from: number;
  /** The content hash of the version rolled back from. */
  readonly fromContentHash: string;
  readonly who: string;
  readonly why: string;
  readonly at: string;
}

/** How a pointer move is fenced and what it records. */
export interface PointerMoveOptions {
  /** Move only while the pointer's fence is this lease generation (a refresh's publish). */
  readonly fence?: number;
  /** Record the move as a rollback (a refresh's publish clears the mark). */
  readonly rollback?: RollbackMark;
}

/** An item stored with fewer parts than its header says, and the part numbers found. */
export interface DamagedItem {
  /** `type#id`. */
  readonly item: string;
  readonly found: readonly number[];
  readonly expected: number;
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
  readonly table: string;
  private readonly client: DynamoDBDocumentClient;
  constructor(table: string, client: DynamoDBDocumentClient = dynamoDocumentClient()) {
    this.table = table;
    this.client = client;
  }

  /**
   * Reserve a version number with a conditional put of its record (`attribute_not_exists`), before
   * any of its items is written: no two refreshes ever write under the same number. Returns false
   * when the number is taken. A put whose answer was lost (the SDK's retry then fails its
   * condition) is recognised by reading the record back: the number is ours if it names our run.
   */
  async reserveVersion(reservation: Omit<VersionReservation, 'state'>): Promise<boolean> {
    const item = { pk: datasetPk(reservation.dataset), sk: versionSk(reservation.version), ...reservation };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...item, state: 'reserved' },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const recorded = await this.getReservation(reservation.dataset, reservation.version);
      return recorded?.runId === reservation.runId && recorded.state === 'reserved';
    }
  }

  /**
   * Write the items of a reserved version, in chunks of `chunkItems`, calling `beforeChunk` (the
   * refresh's lease heartbeat: it throws when the lease is lost) before each.
   */
  async writeItems(
    dataset: string,
    version: number,
    items: readonly StoredBriefingItem[],
    beforeChunk: () => Promise<void> = async () => {},
    chunkItems = 500,
  ): Promise<void> {
    for (let start = 0; start < items.length || start === 0; start += chunkItems) {
      await beforeChunk();
      const requests: WriteRequest[] = [];
      for (const item of items.slice(start, start + chunkItems)) {
        const key = itemKey(item);
        const body = storedItemJson(item);
        const parts = Math.max(1, Math.ceil(body.length / PART_CHARS));
        for (let part = 0; part < parts; part += 1) {
          requests.push({
            PutRequest: {
              Item: {
                pk: versionPk(dataset, version, shardOf(key)),
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
      if (items.length === 0) break;
    }
  }

  /**
   * Mark a reserved version complete with its full record (content hash, item count), only while
   * it is still this run's reservation: a reservation abandoned meanwhile (its run lost the lease)
   * never becomes complete. Throws VersionAbandonedError then.
   */
  async completeVersion(record: VersionRecord): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: datasetPk(record.dataset),
            sk: versionSk(record.version),
            ...record,
            state: 'complete',
          },
          ConditionExpression: 'runId = :runId AND (#state = :reserved OR #state = :complete)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':runId': record.runId,
            ':reserved': 'reserved',
            ':complete': 'complete',
          },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new VersionAbandonedError(record.dataset, record.version, record.runId, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Reserve the next number, write every item, then complete the record: the whole write of a
   * version that nobody else can write under (tests and benchmarks; refreshes go through
   * publish.ts, which fences each step with the lease).
   */
  async writeVersion(record: VersionRecord, items: readonly StoredBriefingItem[]): Promise<void> {
    if (
      !(await this.reserveVersion({ dataset: record.dataset, version: record.version, runId: record.runId }))
    ) {
      throw new VersionAbandonedError(record.dataset, record.version, record.runId);
    }
    await this.writeItems(record.dataset, record.version, items);
    await this.completeVersion(record);
  }

  /**
   * Mark a number abandoned: it can never become (or, unless CURRENT names it, stay) a version.
   * Without `runId`, only a reservation in progress is abandoned (another run's, collected by the
   * lease holder); with it, that run's own number, reserved or complete (its run failed before
   * CURRENT moved). A number CURRENT names is never abandoned.
   */
  async abandonVersion(dataset: string, version: number, runId?: string): Promise<void> {
    if ((await this.current(dataset))?.version === version) return;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: datasetPk(dataset), sk: versionSk(version) },
          UpdateExpression: 'SET #state = :abandoned',
          ConditionExpression:
            runId === undefined
              ? '#state = :reserved'
              : 'runId = :runId AND (#state = :reserved OR #state = :complete)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':abandoned': 'abandoned',
            ':reserved': 'reserved',
            ...(runId === undefined ? {} : { ':runId': runId, ':complete': 'complete' }),
          },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /**
   * Move CURRENT from `expected` to `version` (0 = no version published yet). Throws
   * PointerMovedError when someone else moved it first, and LeaseLostError when `options.fence`
   * is given and a refresh holding a newer lease has claimed the pointer: the caller's version
   * stays unpublished either way.
   */
  async movePointer(
    dataset: string,
    version: number,
    expected: number,
    contentHashValue?: string,
    options: PointerMoveOptions = {},
  ): Promise<void> {
    const conditions = [expected === 0 ? 'attribute_not_exists(#version)' : '#version = :expected'];
    const values: Record<string, unknown> = {
      ':version': version,
      ':expected': expected,
      ':now': new Date().toISOString(),
      ':hash': contentHashValue ?? null,
    };
    if (options.fence !== undefined) {
      conditions.push('fence = :fence');
      values[':fence'] = options.fence;
    }
    let update = 'SET #version = :version, previousVersion = :expected, movedAt = :now, contentHash = :hash';
    if (options.rollback) {
      update += ', #rollback = :rollback';
      values[':rollback'] = options.rollback;
    } else {
      update += ' REMOVE #rollback';
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: datasetPk(dataset), sk: 'CURRENT' },
          UpdateExpression: update,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: { '#version': 'version', '#rollback': 'rollback' },
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const now = await this.current(dataset);
      if (options.fence !== undefined && now?.fence !== options.fence) {
        throw new PointerFencedError(dataset, options.fence, now?.fence, { cause: error });
      }
      throw new PointerMovedError(dataset, expected, { cause: error });
    }
  }

  /**
   * Claim the dataset's pointer for a refresh lease (its generation): from now on only a move
   * fenced with this generation succeeds, so a refresh whose lease was taken over can never move
   * CURRENT. Throws PointerFencedError when a newer lease has claimed it already.
   */
  async claimPointer(dataset: string, generation: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: datasetPk(dataset), sk: 'CURRENT' },
          UpdateExpression: 'SET fence = :generation',
          ConditionExpression: 'attribute_not_exists(fence) OR fence <= :generation',
          ExpressionAttributeValues: { ':generation': generation },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      throw new PointerFencedError(dataset, generation, (await this.current(dataset))?.fence, {
        cause: error,
      });
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
    // A pointer claimed by a refresh before its first publish holds a fence and no version yet.
    if (!result.Item || result.Item.version === undefined) return undefined;
    return {
      version: Number(result.Item.version),
      previousVersion: Number(result.Item.previousVersion ?? 0),
      movedAt: String(result.Item.movedAt),
      ...(result.Item.contentHash ? { contentHash: String(result.Item.contentHash) } : {}),
      ...(result.Item.rollback ? { rollback: result.Item.rollback as RollbackMark } : {}),
      ...(result.Item.fence === undefined ? {} : { fence: Number(result.Item.fence) }),
    };
  }

  /** The fence of the dataset's pointer (0 when never claimed). */
  async pointerFence(dataset: string): Promise<number> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: datasetPk(dataset), sk: 'CURRENT' },
        ConsistentRead: true,
      }),
    );
    return Number(result.Item?.fence ?? 0);
  }

  /** Every number on record: reservations, complete versions and abandoned ones. */
  async listReservations(dataset: string): Promise<VersionReservation[]> {
    const records = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': datasetPk(dataset), ':prefix': 'V#' },
      ConsistentRead: true,
    });
    return records.map((record) => reservationOf(record));
  }

  async getReservation(dataset: string, version: number): Promise<VersionReservation | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: datasetPk(dataset), sk: versionSk(version) },
        ConsistentRead: true,
      }),
    );
    return result.Item ? reservationOf(result.Item) : undefined;
  }

  /** The complete versions (reservations and abandoned numbers are not versions). */
  async listVersions(dataset: string): Promise<VersionRecord[]> {
    const versions = (
      await queryAll(this.client, {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': datasetPk(dataset), ':prefix': 'V#' },
      })
    ).filter((record) => reservationOf(record).state === 'complete') as unknown as VersionRecord[];
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
    if (!result.Item || reservationOf(result.Item).state !== 'complete') return undefined;
    const {
      pk: _pk,
      sk: _sk,
      state: _state,
      lockGeneration: _generation,
      reservedAt: _at,
      ...record
    } = result.Item;
    return record as VersionRecord;
  }

  async getItem(
    dataset: string,
    version: number,
    type: BriefingItemType,
    id: string,
  ): Promise<StoredBriefingItem | undefined> {
    const key = itemKey({ type, id });
    // Every page: an item over 1 MB (parts of 300,000 characters) spans pages of one Query, and
    // an item missing a part is refused with IncompleteItemError, never read as absent.
    const rows = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :key)',
      ExpressionAttributeValues: { ':pk': versionPk(dataset, version, shardOf(key)), ':key': key },
      ConsistentRead: true,
    });
    const items = assemble(dataset, version, rows);
    return items.find((item) => item.type === type && item.id === id);
  }

  /**
   * Every item of a version (all shards), optionally of one type. Throws IncompleteItemError when
   * an item has fewer parts than its header says: never a silently shortened list.
   */
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
    return assemble(dataset, version, shards.flat()).sort((a, b) => itemKey(a).localeCompare(itemKey(b)));
  }

  /**
   * The items of a version stored with fewer parts than their header says (a lost or deleted part
   * row), each with the part numbers found. Reads the keys and part numbers only, not the bodies.
   */
  async damagedItems(dataset: string, version: number): Promise<DamagedItem[]> {
    const shards = await Promise.all(
      Array.from({ length: SHARDS }, (_unused, shard) =>
        queryAll(this.client, {
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': versionPk(dataset, version, shard) },
          ProjectionExpression: '#type, id, part, parts',
          ExpressionAttributeNames: { '#type': 'type' },
        }),
      ),
    );
    return [...partsByItem(shards.flat()).entries()].flatMap(([item, parts]) => {
      const found = parts.map((part) => Number(part.part));
      const expected = Number(parts[0]?.parts);
      return found.length === expected ? [] : [{ item, found, expected }];
    });
  }

  /**
   * Delete every item and the record of a version (retention). Never the one CURRENT names, nor
   * a reservation still in progress (abandon it first).
   */
  async deleteVersion(dataset: string, version: number): Promise<void> {
    const current = await this.current(dataset);
    if (current?.version === version)
      throw new Error(`Refusing to delete ${dataset} v${version}: it is CURRENT`);
    if ((await this.getReservation(dataset, version))?.state === 'reserved')
      throw new Error(`Refusing to delete ${dataset} v${version}: a refresh has reserved it`);
    const keys = await this.itemKeys(dataset, version);
    keys.push({ DeleteRequest: { Key: { pk: datasetPk(dataset), sk: versionSk(version) } } });
    await batchWrite(this.client, this.table, keys);
  }

  /**
   * Delete the items of an abandoned version, keeping its record (a tombstone: the number is never
   * reused). Returns how many item rows were deleted (0 once collected).
   */
  async collectAbandoned(dataset: string, version: number): Promise<number> {
    if ((await this.getReservation(dataset, version))?.state !== 'abandoned')
      throw new Error(`Refusing to collect ${dataset} v${version}: it is not abandoned`);
    const keys = await this.itemKeys(dataset, version);
    await batchWrite(this.client, this.table, keys);
    return keys.length;
  }

  /** Delete a tombstone record whose items are gone (never the highest number on record). */
  async dropTombstone(dataset: string, version: number): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: datasetPk(dataset), sk: versionSk(version) },
          ConditionExpression: '#state = :abandoned',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':abandoned': 'abandoned' },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /** The keys of every item row of a version (all shards). */
  private async itemKeys(dataset: string, version: number): Promise<WriteRequest[]> {
    const keys: WriteRequest[] = [];
    await Promise.all(
      Array.from({ length: SHARDS }, async (_unused, shard) => {
        const items = await queryAll(this.client, {
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': versionPk(dataset, version, shard) },
          ProjectionExpression: 'pk, sk',
        });
        for (const item of items) keys.push({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } });
      }),
    );
    return keys;
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
 * The versions that were ever live: every version the audit trail moved CURRENT to or from, and
 * the pointer's own version and previous one (a move whose audit record a crash lost still shows
 * there). A complete version outside it was written by a refresh stopped before the pointer moved.
 */
export function versionsEverLive(
  pointer: CurrentPointer | undefined,
  audit: readonly Pick<AuditRecord, 'from' | 'to'>[],
): Set<number> {
  const live = new Set<number>();
  for (const move of audit) for (const version of [move.from, move.to]) if (version > 0) live.add(version);
  if (pointer)
    for (const version of [pointer.version, pointer.previousVersion]) if (version > 0) live.add(version);
  return live;
}

/** A version record as a reservation; records written before reservations existed are complete. */
function reservationOf(item: Record<string, unknown>): VersionReservation {
  const state = item.state === 'reserved' || item.state === 'abandoned' ? item.state : 'complete';
  return {
    dataset: String(item.dataset),
    version: Number(item.version),
    state,
    runId: String(item.runId ?? ''),
    ...(item.lockGeneration === undefined ? {} : { lockGeneration: Number(item.lockGeneration) }),
    ...(item.reservedAt === undefined ? {} : { reservedAt: String(item.reservedAt) }),
  };
}

/** The part rows of each item (`type#id`), in part order. */
function partsByItem(rows: readonly Record<string, unknown>[]): Map<string, Record<string, unknown>[]> {
  const byKey = new Map<string, Record<string, unknown>[]>();
  for (const row of rows) {
    const key = `${String(row.type)}#${String(row.id)}`;
    const parts = byKey.get(key) ?? [];
    parts.push(row);
    byKey.set(key, parts);
  }
  for (const parts of byKey.values()) parts.sort((a, b) => Number(a.part) - Number(b.part));
  return byKey;
}

/**
 * Items from their stored parts. An item with fewer parts than its header says is never shown,
 * nor skipped: it throws IncompleteItemError naming it (items are written before their version
 * is complete, so on a complete version a missing part is damage). Bodies are not re-checked:
 * they passed the briefing contract's check before the version was written.
 */
function assemble(
  dataset: string,
  version: number,
  rows: readonly Record<string, unknown>[],
): StoredBriefingItem[] {
  const items: StoredBriefingItem[] = [];
  for (const [key, parts] of partsByItem(rows)) {
    const first = parts[0];
    if (!first) continue;
    if (parts.length !== Number(first.parts))
      throw new IncompleteItemError(
        dataset,
        version,
        key,
        parts.map((part) => Number(part.part)),
        Number(first.parts),
      );
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
      ...(payload.lineage ? { lineage: lineageFromStored(payload.lineage) } : {}),
    } as StoredBriefingItem);
  }
  return items;
}
