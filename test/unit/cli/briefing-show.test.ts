import { describe, expect, it } from 'vitest';
import type { CountryItem } from '#contracts/briefing/item.ts';
import { describeCountry } from '#packages/cli/commands/briefing.ts';
import { sampleBriefing } from '../../support/sample-briefing.ts';

describe('hld briefing show <ISO3> (text)', () => {
  it("shows Moldova's survey answers as n of base (%) and the UN DESA stock over time by sex", async () => {
    const mda = (await sampleBriefing()).find(
      (item): item is CountryItem => item.type === 'country' && item.id === 'MDA',
    )!;

    const text = describeCountry(mda.body, mda.lineage?.sources ?? [], 1);

    expect(text).toMatch(/\d+ of \d+ \(\d+ %\)/);
    expect(text).toContain(
      '  Immigrant stock, both sexes — UNDESA_IMS POP/DB/MIG/Stock/Rev.2019: 1990 544,162 · 1995 367,231 · 2000 247,828 · 2005 171,122 · 2010 129,488 · 2015 106,374 · 2019 104,713 (persons)\n' +
        '    females: 1990 306,109 · 1995 211,934 · 2000 146,731 · 2005 103,198 · 2010 77,290 · 2015 62,907 · 2019 61,874 (persons)\n' +
        '    males: 1990 238,053 · 1995 155,297 · 2000 101,097 · 2005 67,924 · 2010 52,198 · 2015 43,467 · 2019 42,839 (persons)\n',
    );
    // The share of population stays one series, both sexes.
    expect(text).toMatch(/ {2}Immigrant stock \(% of population\) — UNDESA_IMS [^\n]*: 1990 12\.465 /);
  });
});
