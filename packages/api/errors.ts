/**
 * Errors of the briefing API. Each carries the HTTP status and a machine-readable `code`; the
 * message says what to do, and is the only text a client sees (never a stack trace).
 */

export class ApiError extends Error {
  override readonly name: string = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;
  constructor(status: number, code: string, message: string, headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** 400: a parameter is missing, malformed or unknown. */
export class BadRequestError extends ApiError {
  override readonly name = 'BadRequestError';
  constructor(message: string) {
    super(400, 'bad_request', message);
  }
}

/** 404: no such dataset, version, item, route or export. */
export class NotFoundError extends ApiError {
  override readonly name = 'NotFoundError';
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

/** 405: the API only reads. */
export class MethodNotAllowedError extends ApiError {
  override readonly name = 'MethodNotAllowedError';
  constructor(method: string) {
    super(
      405,
      'method_not_allowed',
      `${method} is not supported: the briefing API is read-only (GET, HEAD)`,
      {
        allow: 'GET, HEAD, OPTIONS',
      },
    );
  }
}
