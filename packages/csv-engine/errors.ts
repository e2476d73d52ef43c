/**
 * The fast path met something only the reference path (reader + `validateRows` +
 * `ArrowTableWriter`) handles exactly: a preamble or HXL row, a ragged row, an encoding other than
 * UTF-8, a contract check it cannot compile … The caller reads the file the reference way instead.
 */
export class FastPathIneligibleError extends Error {
  override readonly name: string = 'FastPathIneligibleError';
  /** Short machine-readable reason, e.g. `column-count`, `encoding`, `header`. */
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

export function ineligible(reason: string, message: string): never {
  throw new FastPathIneligibleError(reason, message);
}

/**
 * A number cell written with a comma (`12,5`) turned up after rows whose `1.500`-like cells were
 * already taken as decimals; the reader judges those by the comma. Reading again, knowing the
 * first comma cell (`evidence`) from the start, gives the reference's result.
 */
export class CommaNumberFoundLateError extends FastPathIneligibleError {
  override readonly name = 'CommaNumberFoundLateError';
  readonly evidence: { readonly cell: string; readonly locator: string };
  constructor(evidence: { readonly cell: string; readonly locator: string }) {
    super(
      'decimal-style',
      `a number written with a comma ('${evidence.cell}' at ${evidence.locator}) follows numbers that it may change the reading of`,
    );
    this.evidence = evidence;
  }
}
