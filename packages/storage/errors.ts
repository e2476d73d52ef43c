/** Errors of the storage layer. Branch on `name` or the class, never on message text. */

export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';
  constructor(
    readonly bucket: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`s3://${bucket}/${key} does not exist`, options);
  }
}

export class UnsafeObjectKeyError extends Error {
  override readonly name = 'UnsafeObjectKeyError';
}

export class LockHeldError extends Error {
  override readonly name = 'LockHeldError';
  constructor(
    readonly lockName: string,
    readonly holder: string,
    readonly expiresAt: number,
  ) {
    super(
      `The ${lockName} lock is held by run ${holder} until ${new Date(expiresAt * 1000).toISOString()}; try again after it finishes`,
    );
  }
}

export class PointerMovedError extends Error {
  override readonly name = 'PointerMovedError';
  constructor(
    readonly dataset: string,
    readonly expected: number,
    options?: { cause?: unknown },
  ) {
    super(
      `The CURRENT pointer of ${dataset} is no longer at version ${expected}: another publish won`,
      options,
    );
  }
}

export class BatchWriteIncompleteError extends Error {
  override readonly name = 'BatchWriteIncompleteError';
  constructor(
    readonly table: string,
    readonly unprocessed: number,
    readonly attempts: number,
  ) {
    super(`${unprocessed} items were still unprocessed in ${table} after ${attempts} attempts`);
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
