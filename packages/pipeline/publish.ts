import { BRIEFING_CONTRACT_ID, checkBriefingItem } from '#contracts/briefing/check.ts';
import { contentHash, itemHash, itemKey, withHash } from '#contracts/briefing/hash.ts';
import type { BriefingItem, StoredBriefingItem } from '#contracts/briefing/item.ts';
import { type ExportObjects, exportPrefix, exportsIntact } from '#packages/briefing/exports/layout.ts';
import {
  type AuditRecord,
  type BriefingStore,
  type CurrentPointer,
  type PointerMoveOptions,
  type VersionRecord,
  versionsEverLive,
} from '#packages/storage/briefing-store.ts';
import { IncompleteItemError } from '#packages/storage/errors.ts';
import type { Ledger } from '#packages/storage/ledger.ts';
import type { ObjectStore } from '#packages/storage/object-store.ts';

/**
 * Publishing a briefing version, and moving CURRENT back to an older one: the one protocol that
 * assemble (in Lambda and locally) and `hld briefing rollback` follow. A refresh publishes under
 * its lease (the refresh lock, with its generation as fencing token):
 *
 *   1. check every item against the briefing contract, hash it, and hash the version;
 *   2. claim the dataset's pointer for the lease's generation: from then on a refresh whose lease
 *      was taken over can neither claim nor move it (PointerFencedError);
 *   3. judge the live version BEFORE writing anything: equal content publishes nothing — but only
 *      if the live version's stored items still hash to its record (else it is republished); a
 *      live version set by a rollback stays live against the content it was rolled back from,
 *      unless the refresh is forced;
 *   4. reserve the next number with a conditional put of its record (no two refreshes ever write
 *      under one number; an abandoned number is never reused);
 *   5. write the items, renewing the lease before each chunk (LeaseLostError stops the writer),
 *      then mark the record complete (only if still this run's reservation); `alongsideWrite`
 *      (the exports) runs meanwhile, and both must succeed;
 *   6. run `beforeMove` (test hooks): a failure there leaves N live;
 *   7. renew the lease, then move CURRENT from N to N+1, fenced by the generation;
 *   8. audit the move, once.
 *
 * A failure after step 4 marks the number abandoned; a later refresh deletes its items
 * (collectAbandonedVersions) and keeps the number on record.
 */

/** What the protocol reads and writes of the briefing store. */
export type PublishBriefings = Pick<
  BriefingStore,
  | 'current'
  | 'getVersion'
  | 'listItems'
  | 'listReservations'
  | 'reserveVersion'
  | 'writeItems'
  | 'completeVersion'
  | 'abandonVersion'
  | 'claimPointer'
  | 'registerDataset'
  | 'movePointer'
  | 'recordAudit'
>;

/** What publishing reads and writes. */
export interface PublishStores {
  readonly briefings: PublishBriefings;
  readonly ledger: Pick<Ledger, 'recordPointerChange'>;
}

/** The refresh lease a publish runs under: every write it makes is fenced by it. */
export interface PublishLease {
  /** The lease's generation (the refresh lock's fencing token). */
  readonly generation: number;
  /** Renew the lease (heartbeat); throws LeaseLostError when it was taken over. */
  readonly renew: () => Promise<void>;
}

export interface PublishRequest {
  readonly dataset: string;
  readonly items: readonly BriefingItem[];
  /** Who publishes (the refresh run), recorded in the version and the audit trail. */
  readonly runId: string;
  /** The source files the items were built from. */
  readonly inputs: VersionRecord['inputs'];
  /** The refresh lease; without one (tests, benchmarks) nothing is fenced. */
  readonly lease?: PublishLease;
  /** Publish even over a rollback (the content the rollback moved away from). @default false */
  readonly force?: boolean;
  /**
   * Runs while the items are written, once the number is reserved (the version's exports): CURRENT
   * moves only after both finished, and a failure of either abandons the number.
   */
  readonly alongsideWrite?: (record: VersionRecord, items: readonly StoredBriefingItem[]) => Promise<void>;
  /** Runs after the version is written and before CURRENT moves (test hooks). */
  readonly beforeMove?: (record: VersionRecord, items: readonly StoredBriefingItem[]) => Promise<void>;
  /** Clock (tests pin it). */
  readonly now?: () => Date;
}

interface PublishOutcomeBase {
  /** The live version afterwards. */
  readonly version: number;
  /** The version live before. */
  readonly previousVersion: number;
  readonly contentHash: string;
  /** The items with their hashes, as published (or as they would have been). */
  readonly items: readonly StoredBriefingItem[];
  /** Items per type. */
  readonly counts: Readonly<Record<string, number>>;
  /**
   * Why the live version stays live although the content differs from it (a rollback), or why
   * equal content was published again (the live version's items were damaged); absent otherwise.
   */
  readonly note?: string;
}

export type PublishOutcome =
  | (PublishOutcomeBase & { readonly published: false })
  | (PublishOutcomeBase & { readonly published: true; readonly record: VersionRecord });

/** Step 1: every item checked against the briefing contract and hashed, and the version's hash. */
export function hashVersion(items: readonly BriefingItem[]): {
  items: StoredBriefingItem[];
  contentHash: string;
  counts: Record<string, number>;
} {
  const hashed = items.map((item) => {
    checkBriefingItem(item);
    return withHash(item) as StoredBriefingItem;
  });
  const counts: Record<string, number> = {};
  for (const item of hashed) counts[item.type] = (counts[item.type] ?? 0) + 1;
  return { items: hashed, contentHash: contentHash(hashed), counts };
}

/**
 * True when a version's stored items are exactly the ones its record names: as many, each body
 * hashing to its stored hash, and all of them to the record's content hash.
 */
export async function versionItemsIntact(
  briefings: Pick<BriefingStore, 'listItems'>,
  record: VersionRecord,
): Promise<boolean> {
  let items: StoredBriefingItem[];
  try {
    items = await briefings.listItems(record.dataset, record.version);
  } catch (error) {
    if (error instanceof IncompleteItemError) return false; // a lost part: not intact either
    throw error;
  }
  return (
    items.length === record.itemCount &&
    items.every((item) => itemHash(item) === item.hash) &&
    contentHash(items) === record.contentHash
  );
}

type LiveJudgement =
  | { readonly publish: false; readonly note?: string }
  | { readonly publish: true; readonly note?: string };

/** Step 3: publish, or keep the live version (and why). */
async function judgeLive(
  briefings: PublishBriefings,
  dataset: string,
  current: CurrentPointer | undefined,
  hash: string,
  force: boolean,
): Promise<LiveJudgement> {
  if (!current) return { publish: true };
  const live = await briefings.getVersion(dataset, current.version);
  if (live?.contentHash === hash) {
    if (await versionItemsIntact(briefings, live)) return { publish: false };
    return {
      publish: true,
      note: `v${current.version}'s stored items no longer match its record; the same content is published again`,
    };
  }
  if (!live) {
    return { publish: true, note: `CURRENT named v${current.version}, which has no complete record` };
  }
  const rollback = current.rollback;
  if (rollback && rollback.fromContentHash === hash && !force) {
    return {
      publish: false,
      note:
        `v${current.version} stays live: ${rollback.who} rolled back from v${rollback.from} at ${rollback.at} ` +
        `("${rollback.why}"), and the input gives v${rollback.from}'s content again. ` +
        'Publish it anyway with a forced refresh (hld refresh --force).',
    };
  }
  return { publish: true };
}

/** Step 4: reserve the number after every number on record (and the live one). */
export async function reserveVersionNumber(
  briefings: Pick<BriefingStore, 'listReservations' | 'reserveVersion'>,
  request: {
    readonly dataset: string;
    readonly runId: string;
    readonly live: number;
    readonly generation?: number;
  },
  now: () => Date,
): Promise<number> {
  const numbers = (await briefings.listReservations(request.dataset)).map((record) => record.version);
  let version = Math.max(request.live, ...numbers, 0) + 1;
  // Each failed put means another writer took that number just now: try the next ones.
  for (let attempt = 0; attempt < 100; attempt += 1, version += 1) {
    const reserved = await briefings.reserveVersion({
      dataset: request.dataset,
      version,
      runId: request.runId,
      ...(request.generation === undefined ? {} : { lockGeneration: request.generation }),
      reservedAt: now().toISOString(),
    });
    if (reserved) return version;
  }
  throw new Error(`Could not reserve a version number of ${request.dataset} after 100 attempts`);
}

/** Step 8: the pointer move, recorded where `hld briefing versions` and `hld status` read it. */
export async function auditPointerMove(
  stores: PublishStores,
  dataset: string,
  audit: AuditRecord,
): Promise<void> {
  await stores.briefings.recordAudit(dataset, audit);
  await stores.ledger.recordPointerChange({ dataset, ...audit });
}

/** Steps 7 and 8: move CURRENT from `from` to `to` (conditional, fenced), then audit the move. */
export async function moveCurrent(
  stores: PublishStores,
  move: {
    readonly dataset: string;
    readonly from: number;
    readonly to: number;
    readonly contentHash?: string;
    readonly action: AuditRecord['action'];
    readonly who: string;
    readonly why: string;
    readonly now?: () => Date;
    readonly options?: PointerMoveOptions;
  },
): Promise<AuditRecord> {
  await stores.briefings.registerDataset(move.dataset);
  await stores.briefings.movePointer(move.dataset, move.to, move.from, move.contentHash, move.options);
  const audit: AuditRecord = {
    action: move.action,
    from: move.from,
    to: move.to,
    who: move.who,
    why: move.why,
    at: (move.now?.() ?? new Date()).toISOString(),
  };
  await auditPointerMove(stores, move.dataset, audit);
  return audit;
}

/**
 * Publish the items as the dataset's next version, unless their content is the live version's
 * (with its items intact) or a rollback holds the live version: then nothing at all is written.
 */
export async function publishVersion(
  stores: PublishStores,
  request: PublishRequest,
): Promise<PublishOutcome> {
  const now = request.now ?? (() => new Date());
  const renew = request.lease?.renew ?? (async () => {});
  const { items, contentHash: hash, counts } = hashVersion(request.items);
  if (request.lease) {
    await renew();
    await stores.briefings.claimPointer(request.dataset, request.lease.generation);
  }
  const current = await stores.briefings.current(request.dataset);
  const previousVersion = current?.version ?? 0;
  const judgement = await judgeLive(stores.briefings, request.dataset, current, hash, request.force ?? false);
  const note = judgement.note === undefined ? {} : { note: judgement.note };
  if (!judgement.publish) {
    return {
      published: false,
      version: previousVersion,
      previousVersion,
      contentHash: hash,
      items,
      counts,
      ...note,
    };
  }

  const version = await reserveVersionNumber(
    stores.briefings,
    {
      dataset: request.dataset,
      runId: request.runId,
      live: previousVersion,
      ...(request.lease ? { generation: request.lease.generation } : {}),
    },
    now,
  );
  const record: VersionRecord = {
    dataset: request.dataset,
    version,
    contentHash: hash,
    itemCount: items.length,
    createdAt: now().toISOString(),
    runId: request.runId,
    inputs: request.inputs,
    counts,
    contract: BRIEFING_CONTRACT_ID,
  };
  try {
    // The items go to the table while the exports render and go to their bucket: the one waits
    // on DynamoDB, the other mostly on this process. Neither is left running when one fails.
    const writes = await Promise.allSettled([
      (async () => {
        await stores.briefings.writeItems(request.dataset, version, items, renew);
        await renew();
        await stores.briefings.completeVersion(record);
      })(),
      request.alongsideWrite?.(record, items),
    ]);
    const failed = writes.find((write) => write.status === 'rejected');
    if (failed) throw failed.reason;
    await request.beforeMove?.(record, items);
    await renew();
    await moveCurrent(stores, {
      dataset: request.dataset,
      from: previousVersion,
      to: version,
      contentHash: hash,
      action: 'publish',
      who: request.runId,
      why: 'refresh',
      now,
      ...(request.lease ? { options: { fence: request.lease.generation } } : {}),
    });
  } catch (error) {
    // The number never went live: abandoned (unless CURRENT names it: a move whose answer was
    // lost), for a later refresh to collect its items. Never reused.
    await stores.briefings.abandonVersion(request.dataset, version, request.runId).catch(() => {});
    throw error;
  }
  return { published: true, version, previousVersion, contentHash: hash, items, counts, record, ...note };
}

/**
 * Garbage-collect the numbers that will never go live: a reservation of another run under an
 * older lease is abandoned; an abandoned number's items and exports are deleted (the record
 * stays as a tombstone, so the number is never reused); a tombstone already empty is dropped unless it is
 * the highest number on record. Runs under the caller's lease (renewed before each deletion).
 * Returns the numbers whose items were deleted.
 */
export async function collectAbandonedVersions(
  briefings: Pick<
    BriefingStore,
    'listReservations' | 'abandonVersion' | 'collectAbandoned' | 'dropTombstone' | 'current'
  >,
  dataset: string,
  lease: PublishLease & { readonly runId: string },
  exports?: Pick<ObjectStore, 'list' | 'deleteMany'>,
): Promise<number[]> {
  const reservations = await briefings.listReservations(dataset);
  const highest = Math.max(0, ...reservations.map((record) => record.version));
  const current = await briefings.current(dataset);
  const collected: number[] = [];
  for (const record of reservations) {
    if (record.state === 'complete' || record.version === current?.version) continue;
    if (record.state === 'reserved') {
      if (record.runId === lease.runId || (record.lockGeneration ?? 0) >= lease.generation) continue;
      await lease.renew();
      await briefings.abandonVersion(dataset, record.version);
    }
    await lease.renew();
    const deleted = await briefings.collectAbandoned(dataset, record.version);
    // Exports written before the move failed (assemble writes them just before it).
    const orphans = exports ? await exports.list(exportPrefix(dataset, record.version)) : [];
    if (orphans.length > 0) await exports?.deleteMany(orphans.map((object) => object.key));
    if (deleted > 0 || orphans.length > 0) collected.push(record.version);
    else if (record.version !== highest) await briefings.dropTombstone(dataset, record.version);
  }
  return collected;
}

/** How many items a published version added, removed and changed. */
export interface DiffCounts {
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
  /** Set (to why) when the version replaced could not be read (an item missing a part): the counts are 0, not compared. */
  readonly previousDamaged?: string;
}

/**
 * The diff of a publish against the version it replaced: the new items as published (in memory)
 * against the previous version's stored items. The new version is never read back. Only the
 * counts are wanted, so items are matched by key and compared by hash (as `diffVersions` decides
 * what changed) without listing their field changes (≈ 1 s for the sources item at 1M rows).
 */
export async function diffAgainstPrevious(
  briefings: Pick<BriefingStore, 'listItems'>,
  dataset: string,
  outcome: PublishOutcome,
): Promise<DiffCounts> {
  if (!outcome.published) return { added: 0, removed: 0, changed: 0 };
  if (outcome.previousVersion === 0) return { added: outcome.items.length, removed: 0, changed: 0 };
  let previous: StoredBriefingItem[];
  try {
    previous = await briefings.listItems(dataset, outcome.previousVersion);
  } catch (error) {
    // The replaced version is damaged (doctor names it): the new one is published all the same.
    if (error instanceof IncompleteItemError)
      return { added: 0, removed: 0, changed: 0, previousDamaged: error.message };
    throw error;
  }
  const before = new Map(previous.map((item) => [itemKey(item), item.hash]));
  const after = new Set<string>();
  let added = 0;
  let changed = 0;
  for (const item of outcome.items) {
    const key = itemKey(item);
    after.add(key);
    const hash = before.get(key);
    if (hash === undefined) added += 1;
    else if (hash !== item.hash) changed += 1;
  }
  let removed = 0;
  for (const key of before.keys()) if (!after.has(key)) removed += 1;
  return { added, removed, changed };
}

/** Errors of rolling back: the version asked for cannot become CURRENT. */
export class RollbackError extends Error {
  override readonly name = 'RollbackError';
}

/**
 * Move CURRENT back (or forward) to a version on record, recorded with who and why. Only a version
 * that was live once: one a stopped refresh left complete but never live was never vouched for,
 * and is made live only when `neverLive` is passed and its items and exports are complete.
 */
export async function rollbackTo(
  stores: PublishStores & {
    readonly briefings: Pick<BriefingStore, 'getVersion' | 'damagedItems' | 'listAudit'>;
    /** Where the version's exports are checked before a never-live version is made live. */
    readonly exports?: ExportObjects;
  },
  request: {
    readonly dataset: string;
    readonly version: number;
    readonly who: string;
    readonly why: string;
    /** Make live a version that never was, if its items and exports are complete. @default false */
    readonly neverLive?: boolean;
  },
): Promise<AuditRecord> {
  const current = await stores.briefings.current(request.dataset);
  if (!current) throw new RollbackError(`${request.dataset} has no published version`);
  const record = await stores.briefings.getVersion(request.dataset, request.version);
  if (!record) throw new RollbackError(`${request.dataset} has no version ${request.version}`);
  // A version with an item missing a part would be served as an error (or, before, a shorter
  // briefing): never made live again.
  const damaged = await stores.briefings.damagedItems(request.dataset, request.version);
  if (damaged.length > 0)
    throw new RollbackError(
      `${request.dataset} v${request.version} is damaged (${damaged
        .map((item) => `${item.item}: ${item.found.length} of ${item.expected} parts`)
        .join('; ')}): not made live; hld doctor lists the damaged versions`,
    );
  const everLive = versionsEverLive(current, await stores.briefings.listAudit(request.dataset));
  if (!everLive.has(request.version)) {
    const wereLive = [...everLive].sort((a, b) => a - b).map((version) => `v${version}`);
    if (!request.neverLive)
      throw new RollbackError(
        `${request.dataset} v${request.version} was never live (a refresh stopped before making it live): not made live; the versions that were live are ${wereLive.join(', ')}`,
      );
    if (!stores.exports || !(await exportsIntact(stores.exports, request.dataset, request.version)))
      throw new RollbackError(
        `${request.dataset} v${request.version} was never live and its exports are not complete: not made live; the versions that were live are ${wereLive.join(', ')}`,
      );
  }
  const from = await stores.briefings.getVersion(request.dataset, current.version);
  const at = new Date();
  return moveCurrent(stores, {
    dataset: request.dataset,
    from: current.version,
    to: request.version,
    contentHash: record.contentHash,
    action: 'rollback',
    who: request.who,
    why: request.why,
    now: () => at,
    // The pointer remembers the rollback: the next refresh does not undo it with the same content.
    options: {
      rollback: {
        from: current.version,
        fromContentHash: from?.contentHash ?? current.contentHash ?? '',
        who: request.who,
        why: request.why,
        at: at.toISOString(),
      },
    },
  });
}

/**
 * Retention: delete the versions beyond the newest `keep` besides the live one (at least one is
 * kept) and their exports, never a version the pointer names (live, previous, rolled back from).
 * Under a lease, the lease is renewed before each deletion.
 */
export async function pruneVersions(
  briefings: Pick<BriefingStore, 'listVersions' | 'deleteVersion' | 'current'>,
  dataset: string,
  live: number,
  keep: number,
  options: {
    readonly exports?: Pick<ObjectStore, 'list' | 'deleteMany'>;
    readonly lease?: PublishLease;
  } = {},
): Promise<number[]> {
  const versions = (await briefings.listVersions(dataset)).map((record) => record.version);
  const current = await briefings.current(dataset);
  const named = new Set(
    [live, current?.version, current?.previousVersion, current?.rollback?.from].filter(
      (version): version is number => version !== undefined,
    ),
  );
  const newest = [...new Set([...versions, live])].sort((a, b) => b - a);
  const kept = new Set(newest.slice(0, Math.max(1, keep) + 1));
  const deleted: number[] = [];
  for (const version of versions) {
    if (kept.has(version) || named.has(version)) continue;
    await options.lease?.renew();
    await briefings.deleteVersion(dataset, version);
    if (options.exports) {
      const objects = await options.exports.list(exportPrefix(dataset, version));
      await options.exports.deleteMany(objects.map((object) => object.key));
    }
    deleted.push(version);
  }
  return deleted;
}
