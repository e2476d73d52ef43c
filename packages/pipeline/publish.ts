import { BRIEFING_CONTRACT_ID, checkBriefingItem } from '#contracts/briefing/check.ts';
import { contentHash, withHash } from '#contracts/briefing/hash.ts';
import type { BriefingItem, StoredBriefingItem } from '#contracts/briefing/item.ts';
import { diffVersions } from '#packages/briefing/diff.ts';
import type { AuditRecord, BriefingStore, VersionRecord } from '#packages/storage/briefing-store.ts';
import type { Ledger } from '#packages/storage/ledger.ts';

/**
 * Publishing a briefing version, and moving CURRENT back to an older one: the one protocol that
 * assemble (in Lambda and locally) and `hld briefing rollback` follow. Each step is a function of
 * its own, so the protocol can grow (version reservation by a conditional put, writes fenced by
 * the lock token, lease heartbeats) without its callers changing.
 *
 *   1. check every item against the briefing contract, hash it, and hash the version;
 *   2. compare that content hash with the live version's BEFORE writing anything: equal content
 *      publishes nothing;
 *   3. choose the version number;
 *   4. write the items, then the version record (invisible until CURRENT moves);
 *   5. run `beforeMove` (exports, test hooks): a failure there leaves N live;
 *   6. move CURRENT from N to N+1 with a conditional update (PointerMovedError if another won);
 *   7. audit the move, once.
 */

/** What publishing reads and writes. */
export interface PublishStores {
  readonly briefings: Pick<
    BriefingStore,
    'current' | 'listVersions' | 'writeVersion' | 'registerDataset' | 'movePointer' | 'recordAudit'
  >;
  readonly ledger: Pick<Ledger, 'recordPointerChange'>;
}

export interface PublishRequest {
  readonly dataset: string;
  readonly items: readonly BriefingItem[];
  /** Who publishes (the refresh run), recorded in the version and the audit trail. */
  readonly runId: string;
  /** The source files the items were built from. */
  readonly inputs: VersionRecord['inputs'];
  /** Runs after the version is written and before CURRENT moves (its exports; test hooks). */
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

/** Step 3: the number after every version on record and the live one. */
export async function nextVersionNumber(
  stores: PublishStores,
  dataset: string,
  live: number,
): Promise<number> {
  const versions = await stores.briefings.listVersions(dataset);
  return Math.max(live, ...versions.map((record) => record.version), 0) + 1;
}

/** Step 7: the pointer move, recorded where `hld briefing versions` and `hld status` read it. */
export async function auditPointerMove(
  stores: PublishStores,
  dataset: string,
  audit: AuditRecord,
): Promise<void> {
  await stores.briefings.recordAudit(dataset, audit);
  await stores.ledger.recordPointerChange({ dataset, ...audit });
}

/** Steps 6 and 7: move CURRENT from `from` to `to` (conditional), then audit the move. */
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
  },
): Promise<AuditRecord> {
  await stores.briefings.registerDataset(move.dataset);
  await stores.briefings.movePointer(move.dataset, move.to, move.from, move.contentHash);
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
 * Publish the items as the dataset's next version, unless their content is the live version's:
 * then nothing at all is written.
 */
export async function publishVersion(
  stores: PublishStores,
  request: PublishRequest,
): Promise<PublishOutcome> {
  const now = request.now ?? (() => new Date());
  const { items, contentHash: hash, counts } = hashVersion(request.items);
  const current = await stores.briefings.current(request.dataset);
  const previousVersion = current?.version ?? 0;
  if (current?.contentHash === hash) {
    return { published: false, version: previousVersion, previousVersion, contentHash: hash, items, counts };
  }

  const version = await nextVersionNumber(stores, request.dataset, previousVersion);
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
  await stores.briefings.writeVersion(record, items);
  await request.beforeMove?.(record, items);
  await moveCurrent(stores, {
    dataset: request.dataset,
    from: previousVersion,
    to: version,
    contentHash: hash,
    action: 'publish',
    who: request.runId,
    why: 'refresh',
    now,
  });
  return { published: true, version, previousVersion, contentHash: hash, items, counts, record };
}

/** How many items a published version added, removed and changed. */
export interface DiffCounts {
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
}

/**
 * The diff of a publish against the version it replaced: the new items as published (in memory)
 * against the previous version's stored items. The new version is never read back.
 */
export async function diffAgainstPrevious(
  briefings: Pick<BriefingStore, 'listItems'>,
  dataset: string,
  outcome: PublishOutcome,
): Promise<DiffCounts> {
  if (!outcome.published) return { added: 0, removed: 0, changed: 0 };
  if (outcome.previousVersion === 0) return { added: outcome.items.length, removed: 0, changed: 0 };
  const diff = diffVersions(
    { version: outcome.previousVersion, items: await briefings.listItems(dataset, outcome.previousVersion) },
    { version: outcome.version, items: outcome.items },
  );
  return { added: diff.added.length, removed: diff.removed.length, changed: diff.changed.length };
}

/** Errors of rolling back: the version asked for cannot become CURRENT. */
export class RollbackError extends Error {
  override readonly name = 'RollbackError';
}

/** Move CURRENT back (or forward) to a version on record, recorded with who and why. */
export async function rollbackTo(
  stores: PublishStores & { readonly briefings: Pick<BriefingStore, 'getVersion'> },
  request: { readonly dataset: string; readonly version: number; readonly who: string; readonly why: string },
): Promise<AuditRecord> {
  const current = await stores.briefings.current(request.dataset);
  if (!current) throw new RollbackError(`${request.dataset} has no published version`);
  const record = await stores.briefings.getVersion(request.dataset, request.version);
  if (!record) throw new RollbackError(`${request.dataset} has no version ${request.version}`);
  return moveCurrent(stores, {
    dataset: request.dataset,
    from: current.version,
    to: request.version,
    contentHash: record.contentHash,
    action: 'rollback',
    who: request.who,
    why: request.why,
  });
}

/**
 * Retention: delete the versions beyond the newest `keep` besides the live one (at least one is
 * kept), never the live one.
 */
export async function pruneVersions(
  briefings: Pick<BriefingStore, 'listVersions' | 'deleteVersion'>,
  dataset: string,
  live: number,
  keep: number,
): Promise<number[]> {
  const versions = (await briefings.listVersions(dataset)).map((record) => record.version);
  const newest = [...new Set([...versions, live])].sort((a, b) => b - a);
  const kept = new Set(newest.slice(0, Math.max(1, keep) + 1));
  const deleted: number[] = [];
  for (const version of versions) {
    if (kept.has(version) || version === live) continue;
    await briefings.deleteVersion(dataset, version);
    deleted.push(version);
  }
  return deleted;
}
