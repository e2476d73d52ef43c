/** One reason a row (or a file) was not accepted, in words a person can act on. */
export interface Problem {
  readonly file: string;
  readonly table?: string;
  /** `line 12`, `$.pilot[3]`, `sheet "Data" row 5`, an XPath. */
  readonly locator: string;
  readonly field?: string;
  /** Rule id: a zod issue code (`invalid_value`), `foreign-key`, `duplicate-key`, or a reader rule. */
  readonly rule: string;
  readonly message: string;
  /** The offending value, truncated to 80 characters. */
  readonly value?: string;
  readonly hint?: string;
}

const MAX_VALUE_CHARS = 80;

/** A value as shown in a report: stringified and truncated, never the whole cell. */
export function showValue(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) return undefined;
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

/** One line per problem, as `hld validate` and `hld status` print them. */
export function formatProblem(problem: Problem): string {
  const where = [problem.file, problem.table, problem.locator, problem.field && `field '${problem.field}'`]
    .filter(Boolean)
    .join(', ');
  const value = problem.value === undefined ? '' : ` (value: ${JSON.stringify(problem.value)})`;
  const hint = problem.hint ? ` — ${problem.hint}` : '';
  return `${where}: [${problem.rule}] ${problem.message}${value}${hint}`;
}
