import { resolve, sep } from 'node:path';
import { backendLost, configuredBackend } from '#packages/local/backend-lost.ts';
import { LOCAL_STATE_ERRORS } from '#packages/local/disk-s3-store.ts';
import { HLD_DEBUG, readSetting } from '#packages/settings/settings.ts';
import { EXIT, type Output } from './output.ts';
import { locateStateDirectory } from './session.ts';

/**
 * The exit code of a failed command and its message on stderr: one line that says what went
 * wrong and what to do next (the README's exit-code table). Errors are told apart by `name`,
 * never by message text. A stack trace is printed only for `--debug` / `HLD_DEBUG=1`.
 */

/** File-system errors about a path the user gave: a bad path (exit 2), not a failure of hld. */
const PATH_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'does not exist',
  ENOTDIR: 'is not a folder',
  EISDIR: 'is a folder, not a file',
  EEXIST: 'already exists',
  EACCES: 'cannot be accessed (permission denied)',
  EPERM: 'cannot be changed (operation not permitted)',
  ENAMETOOLONG: 'has a name that is too long',
};

interface ReportOptions {
  readonly debug: boolean;
  readonly backend?: string | undefined;
}

export function reportError(error: unknown, out: Output, options: ReportOptions): number {
  const [code, line] = classify(error, options.backend ?? configuredBackend());
  process.stderr.write(`hld: ${line}\n`);
  if ((options.debug || debugFromEnvironment()) && error instanceof Error && error.stack)
    process.stderr.write(`${error.stack}\n`);
  else if (code === EXIT.failure && !out.json)
    process.stderr.write('Run again with --debug (or HLD_DEBUG=1) for the stack trace.\n');
  return code;
}

/** HLD_DEBUG, read through the settings module; an invalid value reads as off (it is reported). */
function debugFromEnvironment(): boolean {
  try {
    return readSetting(HLD_DEBUG);
  } catch {
    return false;
  }
}

/** A path in hld's own state folder is hld's business, never a bad path the user gave. */
function insideState(path: string): boolean {
  try {
    return resolve(path).startsWith(`${locateStateDirectory().path}${sep}`);
  } catch {
    return false;
  }
}

function classify(error: unknown, backend: string): [number, string] {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  switch (name) {
    case 'UsageError':
      return [EXIT.usage, message];
    case 'SettingError':
      return [EXIT.usage, `${message}; fix or unset ${(error as { variable?: string }).variable}`];
    case 'NotFoundError':
    case 'NoLocalStateError':
    case 'IncompleteItemError':
      return [EXIT.problems, message];
    case 'LockHeldError':
      return [
        EXIT.locked,
        `${message}, or release it with 'hld unlock' (a dead holder's at once; 'hld unlock --force --why "…"' for a live one)`,
      ];
  }
  const lost = backendLost(error, backend);
  if (lost) return [EXIT.backend, lost.message];
  if (name === 'BackendUnavailableError')
    return [
      EXIT.backend,
      `backend '${(error as { backend?: string }).backend}' unavailable: ${message.replace(/\.?$/, '.')} Or pick another with --backend (embedded needs nothing)`,
    ];
  if (name === 'UnsafeObjectKeyError')
    return [EXIT.usage, `${message}: rename the file (no control characters, backslashes or '..')`];
  if (LOCAL_STATE_ERRORS.has(name))
    // Damage or a full disk in the local state: the message names the object and what to do.
    return [EXIT.failure, `failed: ${message}. 'hld doctor' checks and repairs the local state`];
  const system = error as { code?: unknown; path?: unknown; dest?: unknown };
  if (typeof system.path === 'string' && insideState(system.path))
    return [EXIT.failure, `failed: ${message}. 'hld doctor' checks and repairs the local state`];
  const problem = typeof system.code === 'string' ? PATH_ERRORS[system.code] : undefined;
  if (problem && typeof system.path === 'string' && !insideState(system.path))
    return [
      EXIT.usage,
      `${JSON.stringify(typeof system.dest === 'string' ? system.dest : system.path).slice(1, -1)} ${problem}; check the path and try again`,
    ];
  return [EXIT.failure, `unexpected failure: ${message}`];
}
