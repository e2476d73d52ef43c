/** Errors of the storage layer. Branch on `name` or the class, never on message text. */

export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';
  readonly bucket: string;
  readonly key: string;
  constructor(bucket: string, key: string, options?: { cause?: unknown }) {
    super(`s3://${bucket}/${key} does not exist`, options);
    this.bucket = bucket;
    this.key = key;
  }
}

export class UnsafeObjectKeyError extends Error {
  override readonly name = 'UnsafeObjectKeyError';
}

export class LockHeldError extends Error {
  override readonly name = 'LockHeldError';
  readonly lockName: string;
  readonly holder: string;
  readonly expiresAt: number;
  constructor(lockName: string, holder: string, expiresAt: number) {
    super(
      `The ${lockName} lock is held by run ${holder} until ${new Date(expiresAt * 1000).toISOString()}; try again after it finishes`,
    );
    this.lockName = lockName;
    this.holder = holder;
    this.expiresAt = expiresAt;
  }
}

export class PointerMovedError extends Error {
  override readonly name = 'PointerMovedError';
  readonly dataset: string;
  readonly expected: number;
  constructor(dataset: string, expected: number, options?: { cause?: unknown }) {
    super(
      `The CURRENT pointer of ${dataset} is no longer at version ${expected}: another publish won`,
      options,
    );
    this.dataset = dataset;
    this.expected = expected;
  }
}

export class BatchWriteIncompleteError extends Error {
  override readonly name = 'BatchWriteIncompleteError';
  readonly table: string;
  readonly unprocessed: number;
  readonly attempts: number;
  constructor(table: string, unprocessed: number, attempts: number) {
    super(`${unprocessed} items were still unprocessed in ${table} after ${attempts} attempts`);
    this.table = table;
    this.unprocessed = unprocessed;
    this.attempts = attempts;
  }
}

/** True for S3's "no such object" answers (GetObject → NoSuchKey, HeadObject → NotFound). */
export function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  return name === 'NoSuchKey' || name === 'NotFound' || status === 404;
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

/**
 * A refresh's lease was taken over (or released by force) while it still worked: its writes are
 * fenced by the lock's generation, so nothing more of it is written and nothing of it goes live.
 */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  readonly lockName: string;
  readonly holder: string;
  readonly generation: number;
  readonly now: { readonly holder?: string; readonly generation?: number };
  constructor(
    lockName: string,
    holder: string,
    generation: number,
    now: { readonly holder?: string; readonly generation?: number },
    options?: { cause?: unknown },
  ) {
    super(
      `Run ${holder} lost the ${lockName} lock (generation ${generation}) ` +
        (now.holder
          ? `to run ${now.holder} (generation ${now.generation ?? '?'})`
          : 'when it was released by force') +
        '; it stopped before writing anything live. The run that holds the lock publishes instead; ' +
        'if the lease is too short for your data, raise HLD_LOCK_LEASE_SECONDS.',
      options,
    );
    this.lockName = lockName;
    this.holder = holder;
    this.generation = generation;
    this.now = now;
  }
}

/** A second run with the id of a run already on record: every run id names one run only. */
export class DuplicateRunError extends Error {
  override readonly name = 'DuplicateRunError';
  readonly runId: string;
  constructor(runId: string, options?: { cause?: unknown }) {
    super(
      `A run with id ${runId} is already on record; a run id names one run only. Start a new refresh.`,
      options,
    );
    this.runId = runId;
  }
}

/**
 * A refresh tried to claim or move a dataset's CURRENT pointer with a lease generation older than
 * the one that claimed it last: its lease was taken over, and its version never goes live.
 */
export class PointerFencedError extends Error {
  override readonly name = 'PointerFencedError';
  readonly dataset: string;
  readonly generation: number;
  readonly fence: number | undefined;
  constructor(dataset: string, generation: number, fence: number | undefined, options?: { cause?: unknown }) {
    super(
      `The CURRENT pointer of ${dataset} was claimed by a newer refresh (lease generation ${fence ?? '?'}) ` +
        `than this one (${generation}); this refresh's lease was taken over and nothing of it went live.`,
      options,
    );
    this.dataset = dataset;
    this.generation = generation;
    this.fence = fence;
  }
}

/** A version number that was abandoned (its refresh lost its lease or failed) cannot be completed. */
export class VersionAbandonedError extends Error {
  override readonly name = 'VersionAbandonedError';
  readonly dataset: string;
  readonly version: number;
  readonly runId: string;
  constructor(dataset: string, version: number, runId: string, options?: { cause?: unknown }) {
    super(
      `${dataset} v${version} is no longer reserved by run ${runId} (it was abandoned or taken); ` +
        'its items never go live and a later refresh removes them.',
      options,
    );
    this.dataset = dataset;
    this.version = version;
    this.runId = runId;
  }
}

/**
 * A stored briefing item has fewer parts than its header says: the version is damaged (a part row
 * was lost or deleted). Readers refuse it rather than answer a silently shortened briefing.
 */
export class IncompleteItemError extends Error {
  override readonly name = 'IncompleteItemError';
  readonly dataset: string;
  readonly version: number;
  readonly item: string;
  readonly found: readonly number[];
  readonly expected: number;
  constructor(dataset: string, version: number, item: string, found: readonly number[], expected: number) {
    super(
      `${dataset} v${version} is damaged: item ${item} has ${found.length} of its ${expected} parts (found ${
        found.length > 0 ? found.join(', ') : 'none'
      }); run hld doctor`,
    );
    this.dataset = dataset;
    this.version = version;
    this.item = item;
    this.found = found;
    this.expected = expected;
  }
}
