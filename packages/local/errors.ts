/** A backend cannot start here (a missing Java or moto, a port in use …). */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
  readonly backend: string;
  constructor(backend: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.backend = backend;
  }
}

/** The backend stopped answering in the middle of a command (exit 3, with what was lost). */
export class BackendLostError extends Error {
  override readonly name = 'BackendLostError';
  readonly backend: string;
  constructor(backend: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.backend = backend;
  }
}
