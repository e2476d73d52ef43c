import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byText } from '#packages/briefing/column-text.ts';
import { firstByRank, textRanks } from '#packages/briefing/theme-item.ts';
import { propertyRuns } from '../contracts/property-runs.ts';

/**
 * A theme item's top practices are its good practices in order of key text (evidence strength,
 * then lesson id), the first few. The builder ranks every key once and then compares numbers:
 * it must pick exactly the rows a stable sort of the rows by their key texts, then a slice, picks.
 */
describe('firstByRank over textRanks', () => {
  it('picks the rows a stable sort by key text then a slice picks, for any keys and rows', () => {
    // Short keys over few characters, so that equal keys (ties) and shared prefixes are common.
    const keys = fc.array(
      fc.string({ unit: fc.constantFrom('-', '0', '1', '2', 'L', 'l', 'é'), maxLength: 4 }),
      {
        minLength: 1,
        maxLength: 60,
      },
    );
    const problem = keys.chain((texts) =>
      fc.record({
        texts: fc.constant(texts),
        rows: fc.array(fc.nat({ max: texts.length - 1 }), { maxLength: 80 }),
        count: fc.integer({ min: 1, max: 12 }),
      }),
    );
    fc.assert(
      fc.property(problem, ({ texts, rows, count }) => {
        const expected = [...rows].sort((a, b) => byText(texts[a]!, texts[b]!)).slice(0, count);

        const picked = firstByRank(rows, count, textRanks(texts));

        expect(picked).toEqual(expected);
      }),
      propertyRuns('top practices by rank equal a stable sort by key text then a slice', 500),
    );
  });

  it('gives equal texts one rank and keeps the ranks dense in text order', () => {
    const ranks = textRanks(['1b', '0a', '1b', '-1z', '0a']);

    expect(Array.from(ranks)).toEqual([2, 1, 2, 0, 1]);
  });
});
