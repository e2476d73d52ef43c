import { countryReference } from '#packages/formats/countries.ts';
import { numberCellHint } from '#packages/formats/numbers.ts';
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

/** Where a row's problems are: the same for every problem of the row. */
export interface ProblemPlace {
  readonly file: string;
  readonly table: string;
  readonly locator: string;
}

/** What a plausibility rule puts in the `params` of its zod issue (data-contracts/plausibility.ts). */
interface RuleParams {
  readonly rule?: unknown;
  readonly hint?: unknown;
}

/**
 * A zod issue as a Problem; `value` is the reader's value of the issue's top field. An issue
 * raised by a plausibility rule carries that rule's id and hint; any other keeps zod's code.
 */
export function issueProblem(
  place: ProblemPlace,
  issue: { readonly code: string; readonly message: string; readonly path: readonly PropertyKey[] },
  value: unknown,
): Problem {
  const field = issue.path.map(String).join('.') || undefined;
  const params = 'params' in issue ? (issue.params as RuleParams | undefined) : undefined;
  const rule = typeof params?.rule === 'string' ? params.rule : issue.code;
  const hint =
    typeof params?.hint === 'string'
      ? params.hint
      : issue.code === 'invalid_value' && 'values' in issue
        ? `allowed: ${(issue.values as unknown[]).map(String).join(', ')}`
        : issue.code === 'invalid_type' && typeof value === 'string'
          ? numberCellHint(value)
          : undefined;
  return {
    ...place,
    rule,
    message:
      issue.code === 'invalid_type' && value === undefined
        ? 'is required but missing'
        : issue.code === 'invalid_type' && tooLargeNumber(value)
          ? `is a number too large to read (${(value as string).length.toLocaleString('en-US')} characters)`
          : issue.message,
    ...(field ? { field } : {}),
    ...(value === undefined ? {} : { value: showValue(value) }),
    ...(hint ? { hint } : {}),
  };
}

/** A cell written as a number that no double holds (it would read as Infinity). */
function tooLargeNumber(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const text = value.trim();
  return /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(text) && !Number.isFinite(Number(text));
}

/** ISO3 codes of `field` that are not in the country reference. */
export function unknownCountryProblem(
  place: ProblemPlace,
  field: string,
  unknown: readonly unknown[],
): Problem {
  // A known code outside ISO 3166-1 (Kosovo's user-assigned XKX) is not a typing error: "use an
  // ISO code" would send the user looking for one that does not exist.
  const nonIso = unknown.filter((code) => {
    const resolution = countryReference().resolve(String(code));
    return resolution.ok && resolution.nonIso;
  });
  return {
    ...place,
    field,
    rule: 'foreign-key',
    message:
      nonIso.length > 0
        ? `${nonIso.map((code) => `'${String(code)}'`).join(', ')}: a user-assigned code, not an ISO 3166-1 country; the briefings cover ISO 3166-1 countries only`
        : 'unknown country code: not in the ISO 3166 / M49 reference',
    value: showValue(unknown.length === 1 ? unknown[0] : unknown),
    hint:
      nonIso.length > 0
        ? 'A row about an area without an ISO 3166-1 code cannot be attributed to a country brief: leave it out, or correct the code if another country was meant'
        : 'Use an ISO 3166-1 alpha-3 code, e.g. MDA for the Republic of Moldova',
  };
}

/** A second row with the primary key of a row accepted before (at `firstSeen`, a locator). */
export function duplicateKeyProblem(
  place: ProblemPlace,
  primaryKey: readonly string[],
  key: readonly unknown[],
  firstSeen: string,
): Problem {
  const described = primaryKey.map((field, index) => `${field}=${String(key[index] ?? '')}`).join(', ');
  return {
    ...place,
    field: primaryKey.join(', '),
    rule: 'duplicate-key',
    message: `duplicate primary key (${described}), first seen at ${firstSeen}`,
    hint: 'Remove or merge the duplicate row',
  };
}
