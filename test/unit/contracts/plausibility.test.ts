import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '#contracts/examples.ts';
import { currentYear, yearsPattern } from '#contracts/plausibility.ts';
import { contractForTable } from '#contracts/registry.ts';
import { tableJsonSchema } from '#packages/contracts/export.ts';
import { validateSource } from '#packages/contracts/validate.ts';
import type { SourceReadResult } from '#packages/formats/reader.ts';
import { propertyRuns } from './property-runs.ts';

/**
 * Plausibility rules of the contracts: every row that breaks one is quarantined with the rule id,
 * the field, the value and a hint; every row within the rules passes them.
 */

const example = (table: string) => ({ ...(EXAMPLES[table] as Record<string, unknown>) });

async function problemsOf(table: string, values: Record<string, unknown>) {
  const read: SourceReadResult = {
    format: 'json',
    declaredContracts: {},
    rows: [{ table, locator: '$[0]', values }],
    notices: [],
    metadata: {},
  };
  return (await validateSource(read, 'rows.json')).problems;
}

const ruleProblems = (problems: Awaited<ReturnType<typeof problemsOf>>) =>
  problems.map((problem) => [problem.rule, problem.field, problem.value]);

/** A real calendar date of a year (leap days included). */
const dateIn = (from: number, to: number) =>
  fc
    .date({ min: new Date(Date.UTC(from, 0, 1)), max: new Date(Date.UTC(to, 11, 31)), noInvalidDate: true })
    .map((date) => date.toISOString().slice(0, 10));

describe('plausibility rules', () => {
  it('accepts the bundled examples of every contract', async () => {
    for (const [table, values] of Object.entries(EXAMPLES)) {
      expect(await problemsOf(table, { ...(values as Record<string, unknown>) }), table).toEqual([]);
    }
  });

  it.each([
    ['jmdi_project', 'start_planned', 1990, 2030],
    ['jmdi_project', 'end_actual', 1990, 2030],
    ['pilot_milestone', 'date_achieved', 1990, 2030],
    ['pilot', 'start_date', 1990, 2030],
    ['event', 'start_date', 2000, 2030],
  ] as const)('%s.%s: a real date is plausible exactly from %i to %i', async (table, field, from, to) => {
    const base = example(table);
    // Without an end (or start) the ordering rule does not apply; only the range is tested here.
    for (const other of ['end_planned', 'end_actual', 'end_date', 'start_actual', 'start_planned']) {
      if (other !== field) delete base[other];
    }
    await fc.assert(
      fc.asyncProperty(dateIn(1000, 2999), async (date) => {
        const year = Number(date.slice(0, 4));
        const problems = await problemsOf(table, { ...base, [field]: date });
        if (year >= from && year <= to) expect(problems).toEqual([]);
        else {
          expect(ruleProblems(problems)).toEqual([['period-range', field, date]]);
          expect(problems[0]?.message).toContain(`from ${from} to ${to}`);
          expect(problems[0]?.hint).toBeTruthy();
        }
      }),
      propertyRuns(`${table}.${field} date range`, 40),
    );
  });

  it('observation periods: a year, quarter or month from 1950 to the current year, and nothing else', async () => {
    const base = example('observation');
    const period = fc.oneof(
      fc.integer({ min: 0, max: 9999 }).map((year) => String(year).padStart(4, '0')),
      fc
        .tuple(fc.integer({ min: 1900, max: 2100 }), fc.integer({ min: 0, max: 14 }))
        .map(([year, month]) => `${year}-${String(month).padStart(2, '0')}`),
      fc
        .tuple(fc.integer({ min: 1900, max: 2100 }), fc.integer({ min: 0, max: 6 }))
        .map(([year, q]) => `${year}-Q${q}`),
    );
    await fc.assert(
      fc.asyncProperty(period, async (time_period) => {
        const year = Number(time_period.slice(0, 4));
        const sub = time_period.slice(5);
        const wellFormed =
          sub === '' || /^Q[1-4]$/.test(sub) || (/^\d\d$/.test(sub) && Number(sub) >= 1 && Number(sub) <= 12);
        const problems = await problemsOf('observation', { ...base, time_period });
        if (!wellFormed) expect(problems.map((problem) => problem.rule)).toEqual(['invalid_format']);
        else if (year < 1950 || year > currentYear()) {
          expect(ruleProblems(problems)).toEqual([['period-range', 'time_period', time_period]]);
        } else expect(problems).toEqual([]);
      }),
      propertyRuns('observation.time_period', 150),
    );
  });

  it('an end before its start is held back, an end on or after it is not', async () => {
    const base = example('jmdi_project');
    delete base.start_actual;
    delete base.end_actual;
    await fc.assert(
      fc.asyncProperty(dateIn(1990, 2030), dateIn(1990, 2030), async (start, end) => {
        const problems = await problemsOf('jmdi_project', {
          ...base,
          start_planned: start,
          end_planned: end,
        });
        expect(ruleProblems(problems)).toEqual(end < start ? [['end-before-start', 'end_planned', end]] : []);
      }),
      propertyRuns('jmdi_project end ≥ start', 60),
    );
  });

  it('stocks and budgets are never negative; percentages lie from 0 to 100', async () => {
    const observation = example('observation');
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.constantFrom(
          ['IMM_STOCK', 'persons'],
          ['REFUGEE_STOCK', 'persons'],
          ['IMM_STOCK_PCT', 'percent'],
          ['WDI_SP_POP_GROW', 'percent_change'],
        ),
        async (value, [indicator_id, unit]) => {
          const problems = await problemsOf('observation', { ...observation, indicator_id, unit, value });
          const expected =
            unit === 'persons' && value < 0
              ? [['negative-value', 'value', String(value)]]
              : unit === 'percent' && (value < 0 || value > 100)
                ? [['percentage-range', 'value', String(value)]]
                : [];
          expect(ruleProblems(problems)).toEqual(expected);
        },
      ),
      propertyRuns('observation value ranges', 120),
    );
    expect(
      ruleProblems(await problemsOf('jmdi_project', { ...example('jmdi_project'), total_budget_amount: -1 })),
    ).toEqual([['negative-value', 'total_budget_amount', '-1']]);
    expect(ruleProblems(await problemsOf('pilot', { ...example('pilot'), budget_amount: -0.5 }))).toEqual([
      ['negative-value', 'budget_amount', '-0.5'],
    ]);
  });

  it('a known indicator is stored in its own unit: a percentage is never stored as persons', async () => {
    const problems = await problemsOf('observation', {
      ...example('observation'),
      indicator_id: 'REFUGEE_PCT_IMM_STOCK',
      unit: 'persons',
      value: 0.404,
    });
    expect(ruleProblems(problems)).toEqual([['indicator-unit', 'unit', 'persons']]);
    expect(problems[0]?.message).toBe('REFUGEE_PCT_IMM_STOCK is measured in percent, not persons');
  });

  it('the issue’s impossible values are each held back with their rule', async () => {
    const observation = example('observation');
    const cases: [Record<string, unknown>, string][] = [
      [{ time_period: '0000' }, 'period-range'],
      [{ time_period: '2011-13' }, 'invalid_format'],
      [{ time_period: '1899' }, 'period-range'],
      [{ time_period: '2099' }, 'period-range'],
      [{ value: -1 }, 'negative-value'],
    ];
    for (const [change, rule] of cases) {
      expect(
        (await problemsOf('observation', { ...observation, ...change })).map((problem) => problem.rule),
      ).toEqual([rule]);
    }
  });
});

describe('yearsPattern', () => {
  it('matches exactly the four-digit years of its range', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 2999 }),
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 1000, max: 2999 }),
        (from, span, year) => {
          const to = Math.min(2999, from + span);
          const pattern = new RegExp(`^${yearsPattern(from, to)}$`);
          expect(pattern.test(String(year))).toBe(year >= from && year <= to);
        },
      ),
      propertyRuns('yearsPattern', 300),
    );
  });

  it('is what the JSON Schema export writes for the observation period', () => {
    const schema = tableJsonSchema(contractForTable('observation')) as { allOf: Record<string, unknown>[] };
    const period = schema.allOf
      .map(
        (entry) =>
          (entry.properties as Record<string, { pattern?: string }> | undefined)?.time_period?.pattern,
      )
      .find((pattern) => pattern !== undefined);
    const pattern = new RegExp(period ?? '');

    expect(period).toContain(yearsPattern(1950, currentYear()));
    expect(['1950', '2010-Q3', '2013-06', String(currentYear())].every((value) => pattern.test(value))).toBe(
      true,
    );
    expect(['1949', '2011-13', String(currentYear() + 1), '0000'].some((value) => pattern.test(value))).toBe(
      false,
    );
  });
});
