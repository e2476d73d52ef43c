import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalStyleOf, isGroupingLikePoint, readStatistic } from '#packages/formats/numbers.ts';
import { propertyRuns } from '../contracts/property-runs.ts';

describe('readStatistic', () => {
  it.each([
    ['129488', undefined, 129488],
    ['147 519', undefined, 147519],
    ['1,345,546', undefined, 1345546],
    ['1.345.546', 'comma', 1345546],
    ['1,500', 'point', 1500],
    ['1.500', 'point', 1.5],
    ['1.500', 'comma', 1500],
    ['1,500', 'comma', 1.5],
    ['1,234.5', 'point', 1234.5],
    ['1.234,5', 'comma', 1234.5],
    ['0,404', undefined, 0.404],
    ['..', 'point', null],
  ] as const)('reads %j in a %s file as %j', (cell, style, expected) => {
    // act
    const read = readStatistic(cell, style);

    // assess
    expect(read).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['1,500', undefined, 'number-ambiguous'],
    ['1.500', undefined, 'number-ambiguous'],
    ['1,234,567', 'comma', 'decimal-style-conflict'],
    ['12,5', 'point', 'decimal-style-conflict'],
    ['1,234.5', 'comma', 'decimal-style-conflict'],
    ['12a', 'point', 'not-a-number'],
  ] as const)('holds back %j in a %s file (%s)', (cell, style, rule) => {
    // act
    const read = readStatistic(cell, style);

    // assess
    expect(read).toMatchObject({ ok: false, rule });
  });

  it('never reads a grouped integer as a different number: every reading it gives is exact', () => {
    // A whole number written with thousands separators, in a file whose style is known, reads back as itself.
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 999_999_999 }),
        fc.constantFrom('point', 'comma'),
        (value, style) => {
          const separator = style === 'point' ? ',' : '.';
          const grouped = value.toLocaleString('en-US').replaceAll(',', separator);
          expect(readStatistic(grouped, style)).toEqual({ ok: true, value });
          // Without a known style, a one-group figure is either read exactly or held back.
          const unknown = readStatistic(grouped, undefined);
          if (unknown.ok) expect(unknown.value).toBe(value);
        },
      ),
      propertyRuns('readStatistic grouped integers', 200),
    );
  });
});

describe('decimalStyleOf', () => {
  it('tells the style from unambiguous cells only', () => {
    expect(decimalStyleOf(['1,500', '2,300'])).toBeUndefined();
    expect(decimalStyleOf(['1,500', '0.404'])).toBe('point');
    expect(decimalStyleOf(['1.500', '12,5'])).toBe('comma');
    expect(decimalStyleOf(['0.5', '0,5'])).toBeUndefined();
  });

  it('knows 1.500 as the cell that may be thousands', () => {
    expect(['1.500', '-12.345', '999.000'].map(isGroupingLikePoint)).toEqual([true, true, true]);
    expect(['0.500', '1.5', '1234.567', '1.5000'].map(isGroupingLikePoint)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
