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

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface Output {
  readonly json: boolean;
  /** Progress and human text: stderr when --json so stdout stays machine-readable. */
  info(message: string): void;
  /** The result: JSON when --json, else the given human text. */
  result(value: unknown, human: () => string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    info: (message) => {
      (json ? process.stderr : process.stdout).write(`${message}\n`);
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
