/** Errors of the settings module. Branch on the class or `name`, never on message text. */

/** An `HLD_*` environment variable holds a value the pipeline cannot use. */
export class SettingError extends Error {
  override readonly name = 'SettingError';
  /** The variable, e.g. `HLD_KEEP_VERSIONS`. */
  readonly variable: string;
  /** The value as set. */
  readonly value: string;
  /** What a valid value looks like. */
  readonly expected: string;
  constructor(variable: string, value: string, expected: string) {
    super(`${variable}=${JSON.stringify(value)} is not valid: it must be ${expected}`);
    this.variable = variable;
    this.value = value;
    this.expected = expected;
  }
}
