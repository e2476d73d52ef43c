import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '#packages/contracts/problems.ts';
import { checkSource, type SourceToCheck } from '#packages/pipeline/check-source.ts';
import { propertyRuns } from '../contracts/property-runs.ts';

/**
 * A number cell too long for a double (309 digits or more reads as Infinity) is quarantined with
 * a message that says so and shows the start of the cell, on the CSV engine and through the
 * reader alike — never `expected number, received Infinity (value: "null")` (trial 2026-12-03-c,
 * finding 5: a 10 MB cell of 9s).
 */

const HEADER = 'indicator_id,ref_area_iso3,time_period,value,unit,sex,source,dataset_revision';
const csv = (value: string) =>
  new TextEncoder().encode(`${HEADER}\nIMM_STOCK,MDA,2017,${value},persons,_T,national,NBS-X\n`);

function source(bytes: Uint8Array, overrides: Partial<SourceToCheck> = {}): SourceToCheck {
  return {
    fileName: 'figures.csv',
    kind: 'statistics',
    docId: 'DOC-test',
    maxBytes: 50 * 1024 * 1024,
    head: bytes.subarray(0, 1024 * 1024),
    chunks: () => [bytes],
    bytes: async () => bytes,
    ...overrides,
  };
}

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
