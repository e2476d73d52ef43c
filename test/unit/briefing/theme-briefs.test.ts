import { describe, expect, it } from 'vitest';
import type { ThemeItem } from '#contracts/briefing/item.ts';
import { BRIEFING_THEMES } from '#contracts/briefing/vocabulary.ts';
import { ROUND_TABLE_TITLES } from '#contracts/round-tables.ts';
import { HLD_RT_LABELS } from '#contracts/vocabularies.ts';
import { renderBriefingExport } from '#packages/briefing/exports/render.ts';
import { selectItems } from '#packages/briefing/exports/selection.ts';
import { briefingTables } from '#packages/briefing/exports/tables.ts';
import { META, storedItems } from './export-fixture.ts';

const decoder = new TextDecoder();
const RT3 = 'RT3_partnerships_coherence_mainstreaming';

async function markdownFiles(selection: { country?: string; theme?: string }) {
  const files = await renderBriefingExport('markdown', storedItems(), META, { selection });
  return new Map(files.map((file) => [file.path, decoder.decode(file.bytes)]));
}

describe('round-table and theme briefs', () => {
  it('--theme RT3 writes the RT3 brief (global and per country) with its full title, events, caveats and citations', async () => {
    const files = await markdownFiles({ theme: RT3 });

    const brief = files.get('themes/RT3.md') ?? '';
    expect([...files.keys()].sort()).toEqual([
      'index.md',
      'themes/RT3-JAM.md',
      'themes/RT3-MDA.md',
      'themes/RT3.md',
    ]);
    expect(brief).toContain(`# RT3: ${ROUND_TABLE_TITLES[RT3].title}`);
    expect(brief).toContain('A/RES/67/219');
    expect(brief).toContain('## Evidence by pilot country');
    expect(brief).toMatch(/Republic of Moldova \(MDA\) \| active as of 2012-02-09/);
    // Communities and remittances projects inform RT3; the confidence "low" is shown and flagged.
    expect(brief).toMatch(/`JMDI1-MDA-01` \| MDA \|.*\| low ⚠ \|/);
    // The RT3 event, not the RT2 one.
    expect(brief).toContain('EV-20111012-gfmd-chisinau-mainstreaming');
    expect(brief).not.toContain('EV-20121121-gfmd-summit-port-louis');
    expect(brief).toContain('## Caveats');
    expect(brief).toMatch(/project\(s\) are of confidence "low"/);
    // Citations: the registry's title and URL; an unregistered document visibly by id.
    expect(brief).toContain('GFMD meetings page. https://gfmd.org/. Licence: not recorded. \\[DOC-gfmd\\]');
    expect(brief).toContain('⚠ Publisher not recorded (n.d.). Illustrative samples.');
    expect(brief).toMatch(/DOC-emp — not in the source registry/);
    expect(files.get('index.md')).toContain('](themes/RT3.md)');
  });

  it('--country MDA --theme RT3 writes the RT3 brief for Moldova, not the country brief', async () => {
    const files = await markdownFiles({ country: 'MDA', theme: RT3 });
    const countryBrief = (await markdownFiles({ country: 'MDA' })).get('MDA.md');

    expect([...files.keys()]).toEqual(['themes/RT3-MDA.md']);
    const brief = files.get('themes/RT3-MDA.md') ?? '';
    expect(brief).toMatch(/^# RT3: .* — Republic of Moldova/);
    expect(brief).not.toBe(countryBrief);
    expect(brief).not.toContain('JMDI1-JAM-01');
  });

  it('every theme filters the project rows of every table export to the projects of that theme (CSV included)', async () => {
    const items = storedItems();
    for (const theme of BRIEFING_THEMES) {
      const global = items.find(
        (item): item is ThemeItem & { hash: string } =>
          item.type === 'theme' && item.id === `${theme}@GLOBAL`,
      );

      const tables = briefingTables(selectItems(items, { theme }), META);
      const csv = await renderBriefingExport('csv', items, META, { selection: { theme } });

      const projects = tables.find((data) => data.table.name === 'briefing_project')?.rows ?? [];
      expect(projects.map((row) => row.project_id).sort(), theme).toEqual(
        [...(global?.body.projects ?? [])].sort(),
      );
      const themes = tables.find((data) => data.table.name === 'briefing_theme')?.rows ?? [];
      expect(new Set(themes.map((row) => row.theme)), theme).toEqual(new Set([theme]));
      const projectCsv = decoder.decode(csv.find((file) => file.path === 'briefing_project.csv')!.bytes);
      expect(projectCsv.trim().split('\r\n').length - 1, theme).toBe(global?.body.projects.length ?? 0);
    }
  });

  it('labels every round table with its full title, word for word as the brief quotes it', () => {
    for (const [theme, title] of Object.entries(ROUND_TABLE_TITLES))
      expect(HLD_RT_LABELS[theme as keyof typeof HLD_RT_LABELS]).toBe(
        `Round table ${title.short.slice(2)}: ${title.title}`,
      );
    expect(ROUND_TABLE_TITLES.RT2_rights_protection_trafficking.title).toContain(
      'with particular reference to women and children',
    );
    expect(ROUND_TABLE_TITLES.RT4_labour_mobility.title).toContain('and its impact on development');
  });
});
