/** Exit codes of `hld` (documented in the README). */
export const EXIT = {
  ok: 0,
  /** Rows were quarantined, a briefing item was not found, a diff is non-empty where asked. */
  problems: 1,
  /** Bad usage, or a file refused outright. */
  usage: 2,
  /** The backend could not be started or reached. */
  backend: 3,
  /** Another refresh holds the lock. */
  locked: 4,
  /** Anything unexpected. */
  failure: 5,
} as const;

/** Bad usage: a missing or malformed argument, a path that is not there (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** What was asked for does not exist: a version, an item, a published briefing, local state (exit 1). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

export interface Output {
  readonly json: boolean;
  /** `--quiet`: progress lines are dropped; results and errors still print. */
  readonly quiet?: boolean;
  /** Progress and human text: stderr when --json so stdout stays machine-readable. */
  info(message: string): void;
  /** The result: JSON when --json, else the given human text. */
  result(value: unknown, human: () => string): void;
}

export function createOutput(json: boolean, quiet = false): Output {
  return {
    json,
    quiet,
    info: (message) => {
      if (!quiet) (json ? process.stderr : process.stdout).write(`${message}\n`);
    },
    result: (value, human) => {
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
    },
  };
}

/** A plain text table: columns padded to their widest cell. */
export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [
    headers,
    ...rows.map((row) => row.map((cell) => (cell === undefined || cell === null ? '' : String(cell)))),
  ];
  const widths = headers.map((_header, index) => Math.max(...cells.map((row) => (row[index] ?? '').length)));
  return cells
    .map((row, index) => {
      const line = row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd();
      return index === 0 ? `${line}\n${widths.map((width) => '-'.repeat(width)).join('  ')}` : line;
    })
    .join('\n');
}
