import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { SourceKind } from '#contracts/source-kinds.ts';
import type { AuditRecord } from './briefing-store.ts';
import { dynamoDocumentClient } from './client-factory.ts';
import { isConditionalCheckFailed, LockHeldError } from './errors.ts';
import { queryAll } from './query-all.ts';

/** What the ledger knows about one file, keyed by the SHA-256 of its bytes. */
export interface FileRecord {
  readonly sha256: string;
  readonly kind: SourceKind;
  /** `<kind>/<file name>`: the logical source; a newer file with the same name supersedes it. */
  readonly sourceName: string;
  readonly uploadKey: string;
  readonly rawKey: string;
  readonly docId: string;
  readonly sizeBytes: number;
  readonly receivedAt: string;
  readonly status: 'accepted' | 'refused';
  readonly format?: string;
  readonly rowsAccepted: number;
  readonly rowsQuarantined: number;
  readonly quarantineKey?: string;
  readonly refusal?: { readonly rule: string; readonly message: string; readonly hint?: string };
  readonly contracts?: Readonly<Record<string, string>>;
}

export interface SnapshotTable {
  readonly table: string;
  readonly key: string;
  readonly rows: number;
  readonly contract: string;
}

export interface SnapshotRecord {
  readonly sha256: string;
  readonly snapshotId: string;
  readonly tables: readonly SnapshotTable[];
  readonly writtenAt: string;
}

export interface SourcePointer {
  readonly sourceName: string;
  readonly kind: SourceKind;
  readonly sha256: string;
  readonly receivedAt: string;
}

export interface RunRecord {
  readonly runId: string;
  readonly status: 'running' | 'succeeded' | 'failed';
  readonly requestedBy: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly version?: number;
  readonly normalised?: number;
  readonly error?: string;
}

/** A change to a dataset's CURRENT pointer made by a person (rollback) or a run (publish). */
export interface PointerAuditRecord extends AuditRecord {
  readonly dataset: string;
}

const FILE = (sha: string) => `FILE#${sha}`;

/** The ledger table: every file, snapshot, source pointer, run and lock. */
export class Ledger {
  constructor(
    readonly table: string,
    private readonly client: DynamoDBDocumentClient = dynamoDocumentClient(),
  ) {}

  /** Record a file once. Returns false when these bytes were already recorded (a no-op). */
  async recordFile(record: FileRecord): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: FILE(record.sha256),
            sk: 'META',
            gsi1pk: 'FILE',
            gsi1sk: `${record.receivedAt}#${record.sha256}`,
            ...record,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async getFile(sha256: string): Promise<FileRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: FILE(sha256), sk: 'META' }, ConsistentRead: true }),
    );
    return result.Item as FileRecord | undefined;
  }

  async listFiles(): Promise<FileRecord[]> {
    return (await this.queryIndex('FILE')) as unknown as FileRecord[];
  }

  /**
   * Point a logical source at a file, unless a file received later already holds the pointer
   * (a re-delivered old event must not roll a source back).
   */
  async pointSource(pointer: SourcePointer): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: `SOURCE#${pointer.sourceName}`,
            sk: 'CURRENT',
            gsi1pk: 'SOURCE',
            gsi1sk: pointer.sourceName,
            ...pointer,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR receivedAt <= :receivedAt',
          ExpressionAttributeValues: { ':receivedAt': pointer.receivedAt },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async listSources(): Promise<SourcePointer[]> {
    return (await this.queryIndex('SOURCE')) as unknown as SourcePointer[];
  }

  /** Record the curated tables of a file; idempotent for a given snapshot id. */
  async recordSnapshot(snapshot: SnapshotRecord): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: FILE(snapshot.sha256), sk: `SNAPSHOT#${snapshot.snapshotId}`, ...snapshot },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async getSnapshot(sha256: string, snapshotId: string): Promise<SnapshotRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: FILE(sha256), sk: `SNAPSHOT#${snapshotId}` },
        ConsistentRead: true,
      }),
    );
    return result.Item as SnapshotRecord | undefined;
  }

  /** The most recently written snapshot of a file, whatever contracts it was written with. */
  async latestSnapshot(sha256: string): Promise<SnapshotRecord | undefined> {
    const snapshots = (await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': FILE(sha256), ':prefix': 'SNAPSHOT#' },
      ConsistentRead: true,
    })) as unknown as SnapshotRecord[];
    return snapshots.sort((a, b) => a.writtenAt.localeCompare(b.writtenAt)).at(-1);
  }

  /**
   * Take a named lease. Succeeds when nobody holds it or the holder's lease expired (a crashed
   * refresh cannot block the next one forever). Throws LockHeldError otherwise.
   */
  async acquireLock(
    name: string,
    holder: string,
    leaseSeconds: number,
    nowSeconds = Math.floor(Date.now() / 1000),
  ): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: `LOCK#${name}`,
            sk: 'LOCK',
            holder,
            acquiredAt: nowSeconds,
            expiresAt: nowSeconds + leaseSeconds,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR holder = :holder',
          ExpressionAttributeValues: { ':now': nowSeconds, ':holder': holder },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const current = await this.client.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: `LOCK#${name}`, sk: 'LOCK' },
          ConsistentRead: true,
        }),
      );
      throw new LockHeldError(
        name,
        String(current.Item?.holder ?? 'unknown'),
        Number(current.Item?.expiresAt ?? 0),
      );
    }
  }

  /** Release a lease if (and only if) `holder` still holds it. */
  async releaseLock(name: string, holder: string): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: `LOCK#${name}`, sk: 'LOCK' },
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeValues: { ':holder': holder },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async startRun(run: RunRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: `RUN#${run.runId}`,
          sk: 'RUN',
          gsi1pk: 'RUN',
          gsi1sk: `${run.startedAt}#${run.runId}`,
          ...run,
        },
      }),
    );
  }

  async finishRun(
    runId: string,
    outcome: Pick<RunRecord, 'status' | 'version' | 'error' | 'normalised'>,
  ): Promise<void> {
    const names: Record<string, string> = { '#status': 'status', '#finishedAt': 'finishedAt' };
    const values: Record<string, unknown> = {
      ':status': outcome.status,
      ':finishedAt': new Date().toISOString(),
    };
    const sets = ['#status = :status', '#finishedAt = :finishedAt'];
    for (const field of ['version', 'error', 'normalised'] as const) {
      if (outcome[field] !== undefined) {
        names[`#${field}`] = field;
        values[`:${field}`] = outcome[field];
        sets.push(`#${field} = :${field}`);
      }
    }
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `RUN#${runId}`, sk: 'RUN' },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  /** Record who moved a dataset's pointer, when and why (rollbacks and publishes). */
  async recordPointerChange(audit: PointerAuditRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: `AUDIT#${audit.dataset}`,
          sk: `${audit.at}#${audit.action}#${audit.to}`,
          gsi1pk: 'AUDIT',
          gsi1sk: audit.at,
          ...audit,
        },
      }),
    );
  }

  async listPointerChanges(): Promise<PointerAuditRecord[]> {
    return (await this.queryIndex('AUDIT')) as unknown as PointerAuditRecord[];
  }

  async listRuns(): Promise<RunRecord[]> {
    return (await this.queryIndex('RUN')) as unknown as RunRecord[];
  }

  private async queryIndex(type: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.client, {
      TableName: this.table,
      IndexName: 'byType',
      KeyConditionExpression: 'gsi1pk = :type',
      ExpressionAttributeValues: { ':type': type },
    });
  }
}
