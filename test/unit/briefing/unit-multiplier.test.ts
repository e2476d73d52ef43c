import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { figureSeries } from '#packages/briefing/book/series.ts';
import { describeCountry } from '#packages/cli/commands/briefing.ts';
import { propertyRuns } from '../contracts/property-runs.ts';
import { moldova, type Stated } from './moldova-figures.ts';

/**
 * A figure published in thousands or millions (SDMX UNIT_MULT: `130` with `unit_mult` 3 is
 * 130,000) is the same figure as its plain number everywhere a person reads or compares it: the
 * sources-disagree caveat, the series (charts, tables, summaries) and `hld briefing show`.
 */

const moldovaBody = (figures: readonly Stated[]) => moldova(figures).body;

describe('figures with a unit multiplier', () => {
  it('are compared and shown as plain numbers: 130 thousand and 130,000 from two sources agree', () => {
    // prepare
    const body = moldovaBody([
      { source: 'UNDESA_IMS', year: '2010', value: 130_000 },
      { source: 'national', year: '2010', value: 130, unitMult: 3 },
    ]);

    // act
    const text = describeCountry(body, [], 1);
    const points = figureSeries(body).flatMap((series) => series.points.map((point) => point.value));

    // assess
    expect(body.caveats.join('\n')).not.toMatch(/differs between sources/);
    expect(text).toContain('Immigrant stock: 130,000 persons (2010) — national');
    expect(text).not.toMatch(/Immigrant stock: 130 persons/);
    expect(points).toEqual([130_000, 130_000]);
  });

  it('names the plain number in the caveat when sources disagree', () => {
    const body = moldovaBody([
      { source: 'UNDESA_IMS', year: '2010', value: 129_488 },
      { source: 'national', year: '2010', value: 1.5, unitMult: 6 },
    ]);

    expect(body.caveats.join('\n')).toMatch(
      /Immigrant stock differs between sources: UNDESA_IMS UNDESA_IMS-rev \(2010: 129,488\) vs national national-rev \(2010: 1,500,000\)/,
    );
  });

  it('gives the same caveats, series and page for a figure stated with any unit multiplier as for its plain number', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 999_999 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 1, max: 10 ** 12 }),
        (mantissa, unitMult, other) => {
          const plain = mantissa * 10 ** unitMult;
          const other_ = { source: 'UNDESA_IMS', year: '2010', value: other };
          const stated = moldovaBody([
            other_,
            { source: 'national', year: '2010', value: mantissa, unitMult },
          ]);
          const asPlain = moldovaBody([other_, { source: 'national', year: '2010', value: plain }]);

          expect(stated.caveats).toEqual(asPlain.caveats);
          expect(figureSeries(stated).map((series) => series.points.map((point) => point.value))).toEqual(
            figureSeries(asPlain).map((series) => series.points.map((point) => point.value)),
          );
          expect(describeCountry(stated, [], 1)).toEqual(describeCountry(asPlain, [], 1));
        },
      ),
      propertyRuns('a unit multiplier never changes what a figure says', 200),
    );
  });
});
