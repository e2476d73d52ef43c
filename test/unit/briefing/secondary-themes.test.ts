import { describe, expect, it } from 'vitest';
import type { BriefingItem, ThemeItem } from '#contracts/briefing/item.ts';
import { themeBrief } from '#packages/briefing/book/theme-brief.ts';
import { buildBriefing } from '#packages/briefing/build.ts';
import { briefingTables } from '#packages/briefing/exports/tables.ts';
import { renderThemeMarkdown } from '#packages/briefing/exports/theme-markdown.ts';
import type { CuratedRow } from '#packages/briefing/model.ts';
import { describeTheme } from '#packages/cli/commands/briefing.ts';

/**
 * Secondary JMDI themes (`themes_secondary`): a theme page counts projects by primary theme only
 * (never twice), and lists apart, labelled as such, the projects that name the theme as a
 * secondary one.
 */

const META = { dataset: 'hld2013', version: 1, asOf: '2026-12-03' };

function project(line: number, id: string, primary: string, secondary: readonly string[]): CuratedRow {
  return {
    row: {
      project_id: id,
      target_country_iso3: 'MDA',
      theme_primary: primary,
      ...(secondary.length ? { themes_secondary: [...secondary] } : {}),
      selection_status: 'implemented',
    },
    ref: {
      table: 'jmdi_project',
      locator: `line ${line}`,
      file_sha256: 'a'.repeat(64),
      raw_key: `raw/stocktaking/${'a'.repeat(64)}/projects.csv`,
      source_doc_id: 'DOC-test',
      confidence: 'high',
    },
  };
}

function briefing(): BriefingItem[] {
  return buildBriefing({
    jmdi_project: [
      project(2, 'JMDI1-MDA-01', 'communities', ['remittances', 'communities']),
      project(3, 'JMDI1-MDA-02', 'remittances', ['communities']),
      project(4, 'JMDI1-MDA-03', 'rights', []),
    ],
  });
}

const theme = (items: readonly BriefingItem[], name: string, scope: string) =>
  items.find(
    (item): item is ThemeItem =>
      item.type === 'theme' && item.body.theme === name && item.body.scope === scope,
  )!;

describe('secondary JMDI themes on theme pages', () => {
  it('keeps the primary count and lists the projects naming the theme as secondary, apart', () => {
    // act
    const items = briefing();
    const remittances = theme(items, 'remittances', 'GLOBAL').body;
    const communities = theme(items, 'communities', 'MDA').body;
    const rights = theme(items, 'rights', 'GLOBAL').body;

    // assess
    expect(remittances).toMatchObject({
      n_projects: 1,
      projects: ['JMDI1-MDA-02'],
      n_secondary_projects: 1,
      secondary_projects: ['JMDI1-MDA-01'],
    });
    // A project whose primary theme is also in its secondary list is counted once, as primary.
    expect(communities).toMatchObject({
      n_projects: 1,
      projects: ['JMDI1-MDA-01'],
      n_secondary_projects: 1,
      secondary_projects: ['JMDI1-MDA-02'],
    });
    expect(rights).toMatchObject({ n_projects: 1, n_secondary_projects: 0, secondary_projects: [] });
  });

  it('says so on the CLI page, the Markdown brief and the export table', () => {
    // act
    const items = briefing();
    const item = theme(items, 'remittances', 'GLOBAL');
    const page = describeTheme(item.body, 1);
    const markdown = renderThemeMarkdown(themeBrief(item, items), META);
    const row = briefingTables(items, META)
      .find((table) => table.table.name === 'briefing_theme')
      ?.rows.find((candidate) => candidate.theme === 'remittances' && candidate.scope === 'GLOBAL');

    // assess
    const line =
      '1 more project names remittances as a secondary theme (listed, not counted above): JMDI1-MDA-01';
    expect(page).toContain(line);
    expect(markdown).toContain(line);
    expect(row).toMatchObject({
      n_projects: 1,
      n_secondary_projects: 1,
      secondary_projects: ['JMDI1-MDA-01'],
    });
  });
});
