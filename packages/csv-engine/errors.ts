/**
 * The fast path met something only the reference path (reader + `validateRows` +
 * `ArrowTableWriter`) handles exactly: a preamble or HXL row, a ragged row, an encoding other than
 * UTF-8, a contract check it cannot compile … The caller reads the file the reference way instead.
 */
export class FastPathIneligibleError extends Error {
  override readonly name = 'FastPathIneligibleError';
  constructor(
    /** Short machine-readable reason, e.g. `column-count`, `encoding`, `header`. */
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export function ineligible(reason: string, message: string): never {
  throw new FastPathIneligibleError(reason, message);
}
