import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CountryItem } from '#contracts/briefing/item.ts';
import { markdownText, renderCountryMarkdown } from '#packages/briefing/exports/markdown.ts';
import { SOURCE_DISAGREEMENT_TOLERANCE } from '#packages/briefing/rules.ts';
import { propertyRuns } from '../contracts/property-runs.ts';
import { moldova } from './moldova-figures.ts';

/**
 * Sources are compared year by year: two sources disagree on an indicator when, for a year both
 * publish, their values differ beyond the tolerance. A change over time (UN DESA's 2015 against the
 * World Bank's 2013) is never read as a disagreement between sources (trial 2026-12-03, finding 8).
 */

const disagreement = (item: CountryItem) =>
  item.body.caveats.filter((caveat) => caveat.includes('differs between sources'));

describe('the sources-disagree caveat', () => {
  it('does not compare values of different years (UN DESA 2015 against World Bank 2013)', () => {
    // prepare
    const item = moldova([
      { source: 'UNDESA_IMS', year: '2015', value: 106_374 },
      { source: 'WB_KNOMAD_BILAT', year: '2013', value: 391_508 },
    ]);

    // assess
    expect(disagreement(item)).toEqual([]);
    expect(item.body.caveats).toContain(
      'Immigrant stock from UNDESA_IMS UNDESA_IMS-rev (2015) and WB_KNOMAD_BILAT WB_KNOMAD_BILAT-rev (2013): no year in common, not compared; values of different years are not a disagreement between sources.',
    );
  });

  it('names the latest year both publish, each value there, and the other years that differ', () => {
    const item = moldova([
      { source: 'UNDESA_IMS', year: '2005', value: 100_000 },
      { source: 'UNDESA_IMS', year: '2010', value: 100_000 },
      { source: 'UNDESA_IMS', year: '2015', value: 100_000 },
      { source: 'UNDESA_IMS', year: '2019', value: 900_000 },
      { source: 'national', year: '2005', value: 200_000 },
      { source: 'national', year: '2010', value: 200_000 },
      { source: 'national', year: '2015', value: 110_000 },
    ]);

    expect(disagreement(item)).toEqual([
      'Immigrant stock differs between sources: UNDESA_IMS UNDESA_IMS-rev (2010: 100,000) vs national national-rev (2010: 200,000); they also differ in 2005; all values are shown, none is averaged or merged.',
    ]);
  });

  it('says nothing when the sources agree in every year both publish, however the figure moved', () => {
    const item = moldova([
      { source: 'UNDESA_IMS', year: '2010', value: 100_000 },
      { source: 'UNDESA_IMS', year: '2019', value: 400_000 },
      { source: 'national', year: '2010', value: 110_000 },
    ]);

    expect(item.body.caveats).toEqual([]);
  });

  it('reaches the Markdown export as the builder wrote it', () => {
    const item = moldova([
      { source: 'UNDESA_IMS', year: '2010', value: 100_000 },
      { source: 'national', year: '2010', value: 200_000 },
    ]);

    const markdown = renderCountryMarkdown(item, { dataset: 'hld2013', version: 1, asOf: '2026-12-03' });

    const caveat =
      'Immigrant stock differs between sources: UNDESA_IMS UNDESA_IMS-rev (2010: 100,000) vs national national-rev (2010: 200,000); all values are shown, none is averaged or merged.';
    expect(item.body.caveats).toContain(caveat);
    expect(markdown).toContain(`- ${markdownText(caveat)}`);
  });

  it('is raised iff some year published by two sources differs beyond the tolerance, and names such a year', () => {
    const sources = ['A', 'B', 'C', 'D'];
    const series = fc.uniqueArray(
      fc.record({
        year: fc.integer({ min: 2000, max: 2007 }).map(String),
        value: fc.integer({ min: 1, max: 2_000 }),
      }),
      { selector: (point) => point.year, minLength: 1, maxLength: 4 },
    );
    fc.assert(
      fc.property(fc.array(series, { minLength: 2, maxLength: 4 }), (perSource) => {
        // prepare
        const figures = perSource.flatMap((points, at) =>
          points.map((point) => ({ source: sources[at]!, ...point })),
        );
        const byYear = new Map<string, number[]>();
        for (const figure of figures)
          byYear.set(figure.year, [...(byYear.get(figure.year) ?? []), figure.value]);
        const differing = [...byYear.entries()]
          .filter(
            ([, values]) =>
              values.length > 1 &&
              Math.max(...values) / Math.min(...values) - 1 > SOURCE_DISAGREEMENT_TOLERANCE,
          )
          .map(([year]) => year);

        // act
        const caveats = disagreement(moldova(figures));

        // assess
        expect(caveats.length).toBe(differing.length > 0 ? 1 : 0);
        if (differing.length === 0) return;
        const latest = differing.sort().at(-1)!;
        const named = [...caveats[0]!.matchAll(/\((\d{4}): /g)].map((match) => match[1]);
        expect(new Set(named)).toEqual(new Set([latest]));
        expect(named.length).toBe(byYear.get(latest)!.length);
      }),
      propertyRuns('sources are compared only in years both publish', 300),
    );
  });
});
