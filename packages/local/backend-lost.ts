import { HLD_BACKEND, readSetting } from '#packages/settings/settings.ts';
import type { BackendName } from './backends.ts';
import { BackendLostError } from './errors.ts';

export { BackendLostError };

/** Socket errors that mean the endpoint is gone or cannot be reached (not a refused request). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * The socket error code when `error` (or what caused it, at any depth) says the endpoint could
 * not be reached; undefined for every other failure (a refused request, a bug, bad data).
 */
export function unreachableCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 8) return undefined;
  const candidate = error as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
  if (typeof candidate.code === 'string' && UNREACHABLE_CODES.has(candidate.code)) return candidate.code;
  if (candidate.name === 'TimeoutError') return 'TimeoutError';
  for (const inner of Array.isArray(candidate.errors) ? candidate.errors : []) {
    const code = unreachableCode(inner, depth + 1);
    if (code) return code;
  }
  return unreachableCode(candidate.cause, depth + 1);
}

/** What a lost backend takes with it, and how to go on. */
function consequences(backend: string): string {
  if (backend === 'moto' || backend === 'ddblocal') {
    return `${backend} keeps its state in memory, so everything this command wrote is gone with it; nothing reached a saved state. Run the command again to start over`;
  }
  return 'What was written before stays: each step is recorded once and published versions only move when complete. Check that the backend runs, then run the command again; files already recorded are not read again';
}

/** The backend HLD_BACKEND names, for a message; never throws (an invalid value reads as its default). */
export function configuredBackend(): string {
  try {
    return readSetting(HLD_BACKEND);
  } catch {
    return HLD_BACKEND.defaultValue;
  }
}

/**
 * A BackendLostError for an error that says the backend cannot be reached, naming what was done
 * so far (`progress`), what is lost and how to resume; undefined for any other error.
 */
export function backendLost(
  error: unknown,
  backend: BackendName | string = configuredBackend(),
  progress?: string,
): BackendLostError | undefined {
  const code = unreachableCode(error);
  if (!code) return undefined;
  if (error instanceof BackendLostError) return error;
  return new BackendLostError(
    backend,
    `backend '${backend}' stopped answering (${code})${progress ? ` ${progress}` : ''}. ${consequences(backend)}`,
    { cause: error },
  );
}
