/** The upload's key is not `incoming/<kind>/<file name>` with a known kind and a safe name. */
export class UploadKeyError extends Error {
  override readonly name = 'UploadKeyError';
}

/** An upload larger than the configured limit; it is recorded and kept, never read. */
export class UploadTooLargeError extends Error {
  override readonly name = 'UploadTooLargeError';
}

/** A refresh was started with input it may not carry (another dataset, a malformed requester). */
export class RefreshInputError extends Error {
  override readonly name = 'RefreshInputError';
}
