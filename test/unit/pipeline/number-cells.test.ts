import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '#packages/contracts/problems.ts';
import { checkSource, type SourceToCheck } from '#packages/pipeline/check-source.ts';
import { propertyRuns } from '../contracts/property-runs.ts';
import { sourceToCheck } from './source-to-check.ts';

/**
 * A number cell too long for a double (309 digits or more reads as Infinity) is quarantined with
 * a message that says so and shows the start of the cell, on the CSV engine and through the
 * reader alike — never `expected number, received Infinity (value: "null")` (trial 2026-12-03-c,
 * finding 5: a 10 MB cell of 9s).
 */

const HEADER = 'indicator_id,ref_area_iso3,time_period,value,unit,sex,source,dataset_revision';
const csv = (value: string) =>
  new TextEncoder().encode(`${HEADER}\nIMM_STOCK,MDA,2017,${value},persons,_T,national,NBS-X\n`);

const source = (bytes: Uint8Array, overrides: Partial<SourceToCheck> = {}) =>
  sourceToCheck('figures.csv', 'statistics', bytes, overrides);

/** The problem lines of the file, through the CSV engine and, declared `csv`, through its reader. */
async function problemLines(value: string): Promise<string[][]> {
  const bytes = csv(value);
  const lines: string[][] = [];
  for (const overrides of [{}, { format: 'csv' }]) {
    const checked = await checkSource(source(bytes, overrides));
    if (checked.status !== 'checked') throw new Error(`not checked: ${checked.status}`);
    expect(checked.summary.rowsAccepted).toBe(0);
    lines.push(checked.summary.problems.map(formatProblem));
  }
  return lines;
}

describe('a number cell too long to read', () => {
  it('a 10 MB cell of digits: quarantined as a number too large, the value shown cut to 80 characters', async () => {
    const [engine, reader] = await problemLines('9'.repeat(10_000_000));

    const expected = `figures.csv, observation, line 2, field 'value': [invalid_type] is a number too large to read (10,000,000 characters) (value: "${'9'.repeat(79)}…")`;
    expect(engine).toEqual([expected]);
    expect(reader).toEqual([expected]);
  });

  it('any digit string of 309 to 2,000 digits gets that message, never Infinity or null (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 309, max: 2000 }),
        fc.constantFrom('', '-', '+'),
        fc.constantFrom('', '.5'),
        async (digits, sign, fraction) => {
          const cell = `${sign}${'8'.repeat(digits)}${fraction}`;
          for (const lines of await problemLines(cell)) {
            expect(lines).toHaveLength(1);
            expect(lines[0]).toContain('is a number too large to read');
            expect(lines[0]).not.toMatch(/Infinity|"null"/);
          }
        },
      ),
      propertyRuns('huge number cells', 25),
    );
  });
});

/**
 * A contract CSV number written with thousands separators or a footnote marker is quarantined
 * with a hint saying which, and the number to write instead (trial 2026-12-03-c, finding 6:
 * `1,234,000` and `133000*` got `expected number, received string` and no hint).
 */
describe('a number cell written as a person writes it', () => {
  it.each([
    ['"1,234,000"', 'Write numbers without thousands separators (1234000), then upload again'],
    ['12 500', 'Write numbers without thousands separators (12500), then upload again'],
    [
      '133000*',
      'A footnote marker follows the number: remove it (133000) and keep what the note says in a column of its own (obs_status, a note), then upload again',
    ],
    [
      '2.5 e',
      'A footnote marker follows the number: remove it (2.5) and keep what the note says in a column of its own (obs_status, a note), then upload again',
    ],
  ])('%s: quarantined with the hint %j', async (cell, hint) => {
    for (const lines of await problemLines(cell)) {
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/\[invalid_type\] Invalid input: expected number, received string/);
      expect(lines[0]!.endsWith(` — ${hint}`)).toBe(true);
    }
  });

  it('any integer from 1,000 up written with thousands separators gets the hint with its plain form (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1000, max: Number.MAX_SAFE_INTEGER }), async (n) => {
        const grouped = n.toLocaleString('en-US');
        for (const lines of await problemLines(`"${grouped}"`)) {
          expect(lines[0]).toContain(`Write numbers without thousands separators (${n})`);
        }
      }),
      propertyRuns('thousands-grouped number cells', 40),
    );
  });
});
