import { indicatorDefinition } from './indicators.ts';
import * as z from './zod.ts';

/**
 * Plausibility rules: what a value must be to be believed, beyond its type and format. A date is
 * a real day within the years the evidence can speak of, an end is not before its start, a stock
 * or a budget is not negative, a percentage lies between 0 and 100, an indicator is stored in its
 * own unit.
 *
 * A contract lists its rules; `defineTable` runs them as one zod check on the row, so every path
 * that validates with the contract (the readers' path, the CSV fast path, the exports' tests)
 * applies them the same way. A broken rule is a zod issue whose `params.rule` is the rule id
 * (`issueProblem` reports it as the problem's rule) and `params.hint` what to do
 * (docs/evidence-rules.md lists them all).
 */

/** One value of one row that breaks a rule. */
export interface RuleBreach {
  readonly field: string;
  readonly message: string;
}

export interface PlausibilityRule {
  /** Rule id, as problems and docs/evidence-rules.md name it (`period-range`). */
  readonly id: string;
  /** The fields the rule reads. */
  readonly fields: readonly string[];
  /** What the rule requires, in words (CONTRACTS.md). */
  readonly description: string;
  /** What a data engineer should do about a row that breaks it. */
  readonly hint: string;
  /** The values of a parsed row that break the rule (none when it passes). */
  readonly check: (row: Readonly<Record<string, unknown>>) => readonly RuleBreach[];
  /** The rule as JSON Schema (2020-12) `allOf` entries, where JSON Schema can express it. */
  readonly jsonSchema?: () => readonly Record<string, unknown>[];
  /** The rule as Frictionless Table Schema constraints by field, where a field constraint can express it. */
  readonly tableSchema?: () => Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** The year observations may reach: the current one (figures are never of the future). */
export function currentYear(): number {
  return new Date().getUTCFullYear();
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The year of a real calendar date written YYYY-MM-DD; undefined for anything else. */
function yearOfDate(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = ISO_DATE.exec(value);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(2000, month - 1, day));
  // Calendar validity is the format check's to report; a date it rejects is not checked again.
  if (month < 1 || month > 12 || date.getUTCMonth() !== month - 1) return undefined;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)))
    return undefined;
  return year;
}

const PERIOD = /^(\d{4})(?:-(?:Q[1-4]|0[1-9]|1[0-2]))?$/;

/** The year of a period written YYYY, YYYY-Qn or YYYY-MM; undefined for anything else. */
function yearOfPeriod(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = PERIOD.exec(value);
  return match ? Number(match[1]) : undefined;
}

/** A regex alternation matching exactly the years `from`–`to` (four digits each), decade by decade. */
export function yearsPattern(from: number, to: number): string {
  const parts: string[] = [];
  let year = from;
  while (year <= to) {
    const decade = Math.floor(year / 10) * 10;
    const last = Math.min(to, decade + 9);
    const prefix = String(decade).slice(0, 3);
    const first = year % 10;
    const end = last % 10;
    parts.push(
      first === 0 && end === 9 ? `${prefix}\\d` : first === end ? `${year}` : `${prefix}[${first}-${end}]`,
    );
    year = last + 1;
  }
  return `(?:${parts.join('|')})`;
}

/** Dates of these fields lie in the years `from`–`to` (what the evidence of this table can speak of). */
export function dateRange(
  fields: readonly string[],
  from: number,
  to: number,
  what: string,
): PlausibilityRule {
  return {
    id: 'period-range',
    fields,
    description: `${fields.join(', ')}: a date from ${from} to ${to} (${what})`,
    hint: `Correct the date; ${what} of this evidence base fall between ${from} and ${to}`,
    check: (row) =>
      fields.flatMap((field) => {
        const year = yearOfDate(row[field]);
        return year === undefined || (year >= from && year <= to)
          ? []
          : [{ field, message: `${row[field]} is not a date from ${from} to ${to} (${what})` }];
      }),
    jsonSchema: () => [
      {
        properties: Object.fromEntries(
          fields.map((field) => [field, { pattern: `^${yearsPattern(from, to)}-` }]),
        ),
      },
    ],
    tableSchema: () =>
      Object.fromEntries(
        fields.map((field) => [field, { minimum: `${from}-01-01`, maximum: `${to}-12-31` }]),
      ),
  };
}

/** Observation periods (YYYY, YYYY-Qn, YYYY-MM) lie between `from` and the current year. */
export function periodRange(field: string, from: number): PlausibilityRule {
  return {
    id: 'period-range',
    fields: [field],
    description: `${field}: a period from ${from} to the current year`,
    hint: `Correct the period; observations are figures of ${from} up to this year, never of the future`,
    check: (row) => {
      const year = yearOfPeriod(row[field]);
      const last = currentYear();
      return year === undefined || (year >= from && year <= last)
        ? []
        : [{ field, message: `${row[field]} is not a period from ${from} to ${last}` }];
    },
    jsonSchema: () => [
      {
        properties: {
          [field]: { pattern: `^${yearsPattern(from, currentYear())}(?:-(?:Q[1-4]|0[1-9]|1[0-2]))?$` },
        },
      },
    ],
    tableSchema: () => ({
      [field]: { pattern: `^${yearsPattern(from, currentYear())}(?:-(?:Q[1-4]|0[1-9]|1[0-2]))?$` },
    }),
  };
}

/** Each end is on or after its start, where both are given. */
export function endNotBeforeStart(pairs: readonly (readonly [string, string])[]): PlausibilityRule {
  return {
    id: 'end-before-start',
    fields: pairs.flat(),
    description: pairs.map(([start, end]) => `${end} ≥ ${start}`).join(', '),
    hint: 'Check which of the two is wrong (or whether they were swapped) and correct it',
    check: (row) =>
      pairs.flatMap(([start, end]) => {
        const from = row[start];
        const to = row[end];
        const comparable =
          (typeof from === 'string' &&
            typeof to === 'string' &&
            yearOfDate(from) !== undefined &&
            yearOfDate(to) !== undefined) ||
          (typeof from === 'number' && typeof to === 'number');
        return comparable && (to as string | number) < (from as string | number)
          ? [{ field: end, message: `${end} ${String(to)} is before ${start} ${String(from)}` }]
          : [];
      }),
  };
}

/** Amounts of money and counts of people are never negative. */
export function nonNegative(fields: readonly string[], what: string): PlausibilityRule {
  return {
    id: 'negative-value',
    fields,
    description: `${fields.join(', ')}: not negative (${what})`,
    hint: 'Correct the figure; a negative stock or budget is a sign or typing error',
    check: (row) =>
      fields.flatMap((field) => {
        const value = row[field];
        return typeof value === 'number' && value < 0
          ? [{ field, message: `${value} is negative, but ${what} cannot be` }]
          : [];
      }),
    jsonSchema: () => [{ properties: Object.fromEntries(fields.map((field) => [field, { minimum: 0 }])) }],
    tableSchema: () => Object.fromEntries(fields.map((field) => [field, { minimum: 0 }])),
  };
}

/** A known indicator is stored in its own unit (a percentage is never stored as persons). */
export const indicatorUnit: PlausibilityRule = {
  id: 'indicator-unit',
  fields: ['indicator_id', 'unit'],
  description:
    'unit: the unit of the indicator (data-contracts/indicators.ts), e.g. persons for IMM_STOCK, percent for IMM_STOCK_PCT',
  hint: 'Check what the figure measures: store it under the indicator that matches its unit',
  check: (row) => {
    const known = typeof row.indicator_id === 'string' ? indicatorDefinition(row.indicator_id) : undefined;
    return known && typeof row.unit === 'string' && row.unit !== known.unit
      ? [
          {
            field: 'unit',
            message: `${String(row.indicator_id)} is measured in ${known.unit}, not ${row.unit}`,
          },
        ]
      : [];
  },
};

/** Stocks and amounts of known indicators (and any `…_STOCK`) are not negative. */
export const observationNotNegative: PlausibilityRule = {
  id: 'negative-value',
  fields: ['value', 'indicator_id'],
  description: 'value: not negative for a stock or an amount (IMM_STOCK, REFUGEE_STOCK, REMIT_IN_USD …)',
  hint: 'Correct the figure; a negative stock is a sign or typing error',
  check: (row) => {
    const id = typeof row.indicator_id === 'string' ? row.indicator_id : '';
    // A percentage has its own range rule: one problem per value is enough.
    const stock = row.unit !== 'percent' && (indicatorDefinition(id)?.nonNegative ?? id.endsWith('_STOCK'));
    return stock && typeof row.value === 'number' && row.value < 0
      ? [{ field: 'value', message: `${row.value} is negative, but ${id} is a stock or an amount` }]
      : [];
  },
};

/** A percentage lies between 0 and 100. */
export const percentageRange: PlausibilityRule = {
  id: 'percentage-range',
  fields: ['value', 'unit'],
  description: 'value: from 0 to 100 when the unit is percent',
  hint: 'Check whether the figure is a share written as a fraction (0.4 for 40 %) or a count in the wrong unit',
  check: (row) =>
    row.unit === 'percent' && typeof row.value === 'number' && (row.value < 0 || row.value > 100)
      ? [{ field: 'value', message: `${row.value} is not a percentage from 0 to 100` }]
      : [],
  jsonSchema: () => [
    {
      // "if the unit is percent, then 0–100", as either-or (no `then` key in a JS object).
      anyOf: [
        { not: { properties: { unit: { const: 'percent' } }, required: ['unit'] } },
        { properties: { value: { minimum: 0, maximum: 100 } } },
      ],
    },
  ],
};

/** The zod check that runs a contract's rules on a parsed row, one issue per breach. */
export function plausibilityCheck(rules: readonly PlausibilityRule[]) {
  return z.superRefine((row: Record<string, unknown>, context) => {
    for (const rule of rules) {
      for (const breach of rule.check(row)) {
        context.addIssue({
          code: 'custom',
          path: [breach.field],
          message: breach.message,
          input: row[breach.field],
          params: { rule: rule.id, hint: rule.hint },
        });
      }
    }
  });
}
