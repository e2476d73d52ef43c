import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { SourceKind } from '#contracts/source-kinds.ts';
import type { RegisteredDocument } from '#contracts/source-registry.ts';
import type { AuditRecord } from './briefing-store.ts';
import { dynamoDocumentClient } from './client-factory.ts';
import { DuplicateRunError, isConditionalCheckFailed, LeaseLostError, LockHeldError } from './errors.ts';
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
  /** The document its sidecar registered (data-contracts/source-registry.ts); absent: an untitled upload. */
  readonly document?: RegisteredDocument;
  readonly sizeBytes: number;
  readonly receivedAt: string;
  /**
   * `pending`: a large upload whose file-level checks passed at ingest; normalise reads every row
   * and completes the verdict (`completePendingFile`). Until then no name points at it, and its
   * row counts are 0.
   */
  readonly status: 'accepted' | 'refused' | 'pending';
  readonly format?: string;
  readonly rowsAccepted: number;
  readonly rowsQuarantined: number;
  /**
   * The names waiting on a pending file (its own upload, and the same bytes uploaded under other
   * names meanwhile): normalise points each at the file once it is accepted. Kept after the
   * verdict, so a retry after a crash points them again (pointing is idempotent).
   */
  readonly waiting?: readonly WaitingName[];
  readonly quarantineKey?: string;
  readonly refusal?: { readonly rule: string; readonly message: string; readonly hint?: string };
  readonly contracts?: Readonly<Record<string, string>>;
  /** The text encoding the upload declared (`hld ingest --encoding`); normalise reads it so too. */
  readonly encoding?: string;
  /**
   * The same bytes were refused before under another reading (no or another encoding, a broken
   * sidecar) and were checked again: that refusal, kept so the history is not lost.
   */
  readonly refusedBefore?: {
    readonly receivedAt: string;
    readonly encoding?: string;
    readonly rule: string;
    readonly message: string;
  };
}

/** A name waiting on a pending file: pointed at it, as of its upload, once the file is accepted. */
export interface WaitingName {
  readonly sourceName: string;
  /** The upload's own time (SourcePointer.uploadedAt). */
  readonly uploadedAt: string;
}

/** The row verdict normalise gives a pending file. */
export interface PendingVerdict {
  readonly status: 'accepted' | 'refused';
  readonly format?: string;
  readonly rowsAccepted: number;
  readonly rowsQuarantined: number;
  readonly quarantineKey?: string;
  readonly refusal?: FileRecord['refusal'];
  readonly contracts?: FileRecord['contracts'];
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
  /** When the ledger first saw these bytes (the file's receivedAt). */
  readonly receivedAt: string;
  /**
   * When this upload of the name was made (the upload object's LastModified). The latest upload
   * of a name wins, whatever bytes it holds; absent on pointers written before it was recorded.
   */
  readonly uploadedAt?: string;
}

/** A process on a machine that holds a lock (recorded by local refreshes; Lambda records none). */
export interface LockOwner {
  readonly pid: number;
  /** Opaque process start mark: tells a dead holder from a new process with a reused PID. */
  readonly startedAt: string;
  readonly host: string;
}

/** A named lease in the ledger. */
export interface LockRecord {
  readonly name: string;
  readonly holder: string;
  readonly acquiredAt: number;
  readonly expiresAt: number;
  /**
   * The lock's fencing token: one more than the generation of every earlier acquisition of this
   * lock, never reused (absent on leases taken before generations were recorded).
   */
  readonly generation?: number;
  readonly owner?: LockOwner;
}

/** A lock released by someone other than its holder: who, when, why. */
export interface LockReleaseRecord {
  readonly lock: string;
  readonly holder: string;
  readonly how: 'force' | 'holder-died';
  readonly who: string;
  readonly why: string;
  readonly at: string;
  readonly owner?: LockOwner;
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
const LOCK = (name: string) => ({ pk: `LOCK#${name}`, sk: 'LOCK' });
const LOCK_GENERATION = (name: string) => ({ pk: `LOCK#${name}`, sk: 'GENERATION' });

/** BatchGetItem takes at most 100 keys per call (DynamoDB limit). */
const BATCH_GET_LIMIT = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The ledger table: every file, snapshot, source pointer, run and lock. */
/** A file record as stored: keyed by its bytes, indexed by the time they were received. */
function fileItem(record: FileRecord): Record<string, unknown> {
  return {
    pk: FILE(record.sha256),
    sk: 'META',
    gsi1pk: 'FILE',
    gsi1sk: `${record.receivedAt}#${record.sha256}`,
    ...record,
  };
}

export class Ledger {
  readonly table: string;
  private readonly client: DynamoDBDocumentClient;
  constructor(table: string, client: DynamoDBDocumentClient = dynamoDocumentClient()) {
    this.table = table;
    this.client = client;
  }

  /** Record a file once. Returns false when these bytes were already recorded (a no-op). */
  async recordFile(record: FileRecord): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: fileItem(record),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /**
   * Replace the record of refused bytes with the outcome of reading them again under other
   * settings (ingest.ts `readAgain`), only while it is still the very refused record that was
   * read (same `receivedAt`): of two deliveries re-reading at once, one wins. A refused file has
   * no source pointer and no snapshot, so nothing downstream refers to the record replaced.
   * Returns false when the record had changed.
   */
  async replaceRefusedFile(record: FileRecord, refused: FileRecord): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: fileItem(record),
          ConditionExpression: '#status = :refused AND receivedAt = :receivedAt',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':refused': 'refused', ':receivedAt': refused.receivedAt },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /**
   * Add a name to those waiting on a pending file (the same bytes uploaded under it while they
   * are checked), only while the file is still pending. Returns false when it is not pending (any
   * more): the caller then points the name itself if the file was accepted.
   */
  async waitForPendingFile(sha256: string, name: WaitingName): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: FILE(sha256), sk: 'META' },
          UpdateExpression: 'SET waiting = list_append(if_not_exists(waiting, :none), :name)',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':none': [], ':name': [name], ':pending': 'pending' },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /**
   * Give a pending file its verdict, only while it is still pending: of two normalisers completing
   * it at once (a redelivery, a refresh), exactly one wins. Returns the record as it stands after
   * the attempt (the winner's verdict, whichever won) and whether this call won; undefined when
   * the ledger has no such file.
   */
  async completePendingFile(
    sha256: string,
    verdict: PendingVerdict,
  ): Promise<{ readonly won: boolean; readonly record: FileRecord } | undefined> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':pending': 'pending' };
    const sets: string[] = [];
    for (const [field, value] of Object.entries(verdict)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: FILE(sha256), sk: 'META' },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { won: true, record: result.Attributes as FileRecord };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const record = await this.getFile(sha256);
      return record ? { won: false, record } : undefined;
    }
  }

  async getFile(sha256: string): Promise<FileRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: FILE(sha256), sk: 'META' }, ConsistentRead: true }),
    );
    return result.Item as FileRecord | undefined;
  }

  /** Every file record (read consistently, as `listSources`). */
  async listFiles(): Promise<FileRecord[]> {
    return (await this.readConsistently(await this.queryIndex('FILE'))) as unknown as FileRecord[];
  }

  /**
   * Point a logical source at a file, unless a later upload of the same name already holds the
   * pointer (a re-delivered old event must not roll a source back). Ordered by `uploadedAt`, the
   * upload's own time, not by when the bytes were first seen: uploading an earlier file again
   * makes it current again. Idempotent: the same upload pointed twice is a no-op that succeeds.
   */
  async pointSource(pointer: SourcePointer): Promise<boolean> {
    const uploadedAt = pointer.uploadedAt ?? pointer.receivedAt;
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
            uploadedAt,
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR uploadedAt <= :uploadedAt OR (attribute_not_exists(uploadedAt) AND receivedAt <= :uploadedAt)',
          ExpressionAttributeValues: { ':uploadedAt': uploadedAt },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async getSource(sourceName: string): Promise<SourcePointer | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: `SOURCE#${sourceName}`, sk: 'CURRENT' },
        ConsistentRead: true,
      }),
    );
    return result.Item as SourcePointer | undefined;
  }

  /**
   * Every source pointer, as the table holds it: the index names the sources, the items are then
   * read consistently (an index entry can lag or, after a kill of the embedded DynamoDB between
   * its index and item writes, name an item that was never written).
   */
  async listSources(): Promise<SourcePointer[]> {
    return (await this.readConsistently(await this.queryIndex('SOURCE'))) as unknown as SourcePointer[];
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

  /** Forget a snapshot record, so that the file is normalised again (`hld doctor` rebuilding a damaged table). */
  async forgetSnapshot(sha256: string, snapshotId: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.table, Key: { pk: FILE(sha256), sk: `SNAPSHOT#${snapshotId}` } }),
    );
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
   * refresh cannot block the next one forever); throws LockHeldError otherwise, even to the same
   * holder (a holder is one run, and a run takes its lease once). Returns the lease's generation:
   * its fencing token, greater than that of every earlier lease of this lock.
   */
  async acquireLock(
    name: string,
    holder: string,
    leaseSeconds: number,
    nowSeconds = Math.floor(Date.now() / 1000),
    owner?: LockOwner,
  ): Promise<number> {
    // The counter lives beside the lease (same partition), so releasing a lease (deleting it)
    // never resets it; a number taken by an acquisition that then fails is simply skipped.
    const counter = await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: LOCK_GENERATION(name),
        UpdateExpression: 'ADD generation :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const generation = Number(counter.Attributes?.generation);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...LOCK(name),
            name,
            holder,
            generation,
            acquiredAt: nowSeconds,
            expiresAt: nowSeconds + leaseSeconds,
            ...(owner ? { owner } : {}),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': nowSeconds },
        }),
      );
      return generation;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const current = await this.getLock(name);
      // Our own put, whose answer was lost and which the SDK sent again: the lease is ours.
      if (current?.holder === holder && current.generation === generation) return generation;
      throw new LockHeldError(name, current?.holder ?? 'unknown', current?.expiresAt ?? 0);
    }
  }

  /**
   * Renew a lease (the heartbeat of a long run): only while `holder` still holds it under the same
   * generation. Throws LeaseLostError when the lease was taken over or released by force, so the
   * caller stops before its next write.
   */
  async renewLock(
    name: string,
    holder: string,
    generation: number,
    leaseSeconds: number,
    nowSeconds = Math.floor(Date.now() / 1000),
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: LOCK(name),
          UpdateExpression: 'SET expiresAt = :expiresAt',
          ConditionExpression: 'holder = :holder AND generation = :generation',
          ExpressionAttributeValues: {
            ':expiresAt': nowSeconds + leaseSeconds,
            ':holder': holder,
            ':generation': generation,
          },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const current = await this.getLock(name);
      throw new LeaseLostError(
        name,
        holder,
        generation,
        current
          ? { holder: current.holder, ...(current.generation ? { generation: current.generation } : {}) }
          : {},
        { cause: error },
      );
    }
  }

  /** The lock as the table holds it now, if anyone holds it. */
  async getLock(name: string): Promise<LockRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.table, Key: LOCK(name), ConsistentRead: true }),
    );
    if (!result.Item) return undefined;
    const item = result.Item;
    return {
      name,
      holder: String(item.holder),
      acquiredAt: Number(item.acquiredAt),
      expiresAt: Number(item.expiresAt),
      ...(item.generation === undefined ? {} : { generation: Number(item.generation) }),
      ...(item.owner ? { owner: item.owner as LockOwner } : {}),
    };
  }

  /**
   * Release a lock someone else holds, only if it is still exactly the one that was looked at
   * (same holder, same acquisition): a lock taken again meanwhile is never released by mistake.
   * The release is recorded (who, when, why). Returns false when the lock had changed.
   */
  async releaseLockOf(
    lock: LockRecord,
    release: Omit<LockReleaseRecord, 'lock' | 'holder' | 'owner'>,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.table,
          Key: LOCK(lock.name),
          ConditionExpression: 'holder = :holder AND acquiredAt = :acquiredAt',
          ExpressionAttributeValues: { ':holder': lock.holder, ':acquiredAt': lock.acquiredAt },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
    const record: LockReleaseRecord = {
      lock: lock.name,
      holder: lock.holder,
      ...(lock.owner ? { owner: lock.owner } : {}),
      ...release,
    };
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: `AUDIT#lock#${lock.name}`,
          sk: `${record.at}#${record.holder}`,
          gsi1pk: 'LOCK-RELEASE',
          gsi1sk: record.at,
          ...record,
        },
      }),
    );
    return true;
  }

  /** Locks released by someone other than their holder, oldest first. */
  async listLockReleases(): Promise<LockReleaseRecord[]> {
    const records = (await this.queryIndex('LOCK-RELEASE')) as unknown as LockReleaseRecord[];
    return records.sort((a, b) => a.at.localeCompare(b.at));
  }

  /** Release a lease if (and only if) `holder` still holds it. */
  async releaseLock(name: string, holder: string): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.table,
          Key: LOCK(name),
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

  /** Record a new run. Throws DuplicateRunError when a run with this id is already on record. */
  async startRun(run: RunRecord): Promise<void> {
    try {
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
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // Our own put, whose answer was lost and which the SDK sent again, is no second run.
      const recorded = await this.client.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: `RUN#${run.runId}`, sk: 'RUN' },
          ConsistentRead: true,
        }),
      );
      const same =
        recorded.Item?.startedAt === run.startedAt && recorded.Item?.requestedBy === run.requestedBy;
      if (!same || recorded.Item?.status !== 'running')
        throw new DuplicateRunError(run.runId, { cause: error });
    }
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

  /**
   * End a run that died as `failed` (its process is gone, or its lock was released by force);
   * a run that already ended keeps its outcome. Returns false when it was not running.
   */
  async failRunThatDied(runId: string, reason: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `RUN#${runId}`, sk: 'RUN' },
          UpdateExpression: 'SET #status = :failed, #finishedAt = :now, #error = :reason',
          ConditionExpression: 'attribute_exists(pk) AND #status = :running',
          ExpressionAttributeNames: { '#status': 'status', '#finishedAt': 'finishedAt', '#error': 'error' },
          ExpressionAttributeValues: {
            ':failed': 'failed',
            ':running': 'running',
            ':now': new Date().toISOString(),
            ':reason': reason,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
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
    return (await this.readConsistently(await this.queryIndex('RUN'))) as unknown as RunRecord[];
  }

  /**
   * Index entries that do not match their item: the item is missing, or holds another index key.
   * The embedded DynamoDB (dynalite) writes an item's index entries before the item itself, so a
   * kill between the two leaves such a ghost; DynamoDB proper never does. `hld doctor` reports
   * and removes them.
   */
  async findIndexGhosts(): Promise<Record<string, unknown>[]> {
    const ghosts: Record<string, unknown>[] = [];
    for (const type of ['FILE', 'SOURCE', 'RUN', 'AUDIT', 'LOCK-RELEASE']) {
      const entries = await this.queryIndex(type);
      const items = await this.readConsistently(entries);
      const byKey = new Map(items.map((item) => [`${item.pk}\u001f${item.sk}`, item]));
      for (const entry of entries) {
        const item = byKey.get(`${entry.pk}\u001f${entry.sk}`);
        if (!item || item.gsi1pk !== entry.gsi1pk || item.gsi1sk !== entry.gsi1sk) ghosts.push(entry);
      }
    }
    return ghosts;
  }

  /**
   * Remove a ghost index entry through the API (an index cannot be written directly): write the
   * item with the ghost's index key, then restore the item as it was (or delete it if it never
   * existed); each write moves the index entry along with it.
   */
  async removeIndexGhost(ghost: Record<string, unknown>): Promise<void> {
    const key = { pk: ghost.pk, sk: ghost.sk };
    const current = (
      await this.client.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }))
    ).Item;
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...(current ?? ghost), gsi1pk: ghost.gsi1pk, gsi1sk: ghost.gsi1sk },
      }),
    );
    if (current) await this.client.send(new PutCommand({ TableName: this.table, Item: current }));
    else await this.client.send(new DeleteCommand({ TableName: this.table, Key: key }));
  }

  /**
   * The items of index entries, read from the table with consistent reads (BatchGetItem in
   * chunks of 100, unprocessed keys retried with backoff). Entries whose item is gone are left out.
   */
  private async readConsistently(
    entries: readonly Record<string, unknown>[],
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    const keys = [
      ...new Map(
        entries.map((entry) => [`${entry.pk}\u001f${entry.sk}`, { pk: entry.pk, sk: entry.sk }]),
      ).values(),
    ];
    for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
      let pending: Record<string, unknown>[] = keys.slice(start, start + BATCH_GET_LIMIT);
      for (let attempt = 1; pending.length > 0; attempt += 1) {
        if (attempt > 8)
          throw new Error(`${pending.length} ledger items were still unprocessed after 8 attempts`);
        if (attempt > 1) await sleep(Math.random() * 50 * 2 ** (attempt - 2));
        const result = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending, ConsistentRead: true } } }),
        );
        items.push(...((result.Responses?.[this.table] ?? []) as Record<string, unknown>[]));
        pending = (result.UnprocessedKeys?.[this.table]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    // Index order (by gsi1sk) is what callers saw before; BatchGetItem answers in any order.
    const order = new Map(entries.map((entry, index) => [`${entry.pk}\u001f${entry.sk}`, index]));
    return items.sort(
      (a, b) => (order.get(`${a.pk}\u001f${a.sk}`) ?? 0) - (order.get(`${b.pk}\u001f${b.sk}`) ?? 0),
    );
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
