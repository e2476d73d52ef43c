import { describe, expect, it } from 'vitest';
import type { CountryItem } from '#contracts/briefing/item.ts';
import { expandLocatorRanges } from '#contracts/briefing/locator-ranges.ts';
import { citationOf } from '#packages/briefing/book/citation.ts';
import { rowAnchor } from '#packages/briefing/book/page.ts';
import { figureSeries, pilotComparison } from '#packages/briefing/book/series.ts';
import { renderBriefingExport } from '#packages/briefing/exports/render.ts';
import { META, storedItems } from './export-fixture.ts';

const decoder = new TextDecoder();

describe('figures over time and across countries', () => {
  it('gives one series per indicator and source, points by year, each with source, revision and its row', () => {
    const mda = storedItems().find((item): item is CountryItem & { hash: string } => item.id === 'MDA')!;

    const series = figureSeries(mda.body);

    expect(series.map((entry) => [entry.indicator_id, entry.source, entry.revision])).toEqual([
      ['IMM_STOCK', 'UNDESA_IMS', 'Rev.2019'],
      ['IMM_STOCK', 'WB_KNOMAD_BILAT', 'KNOMAD-2013'],
    ]);
    expect(series[0]?.points.map((point) => [point.year, point.value])).toEqual([
      ['2010', 129488],
      ['2015', 106374],
    ]);
    for (const point of series.flatMap((entry) => entry.points)) {
      expect(point.source_link).toMatchObject({
        table: 'observation',
        locator: expect.stringMatching(/^line /),
      });
      expect(point.revision).toBeTruthy();
    }
  });

  it('compares the pilot countries: latest UN DESA stock, latest milestone, projects and budgets without withdrawn ones', () => {
    const countries = storedItems().filter(
      (item): item is CountryItem & { hash: string } => item.type === 'country',
    );

    const rows = pilotComparison(countries);

    expect(rows.map((row) => row.item.id)).toEqual(['MDA']);
    expect(rows[0]).toMatchObject({
      participation: 'active (as of 2012-02-09)',
      latestMilestone: { type: 'emp_template_adopted', date: '2012-08-24' },
      projects: 1,
      activeProjects: 1,
      activeBudgetEur: 183990,
      withdrawnProjects: 0,
    });
    expect(rows[0]?.immigrantStock?.point).toMatchObject({
      year: '2015',
      value: 106374,
      source: 'UNDESA_IMS',
    });
  });
});

describe('HTML briefing book (rendered, without a browser)', () => {
  it('writes an index, a page per country and per theme, sources, lineage pages and the stylesheet', async () => {
    const paths = (await renderBriefingExport('html', storedItems(), META)).map((file) => file.path);

    expect(paths).toEqual(
      expect.arrayContaining([
        'index.html',
        'book.css',
        'countries/MDA.html',
        'countries/JAM.html',
        'themes/RT3.html',
        'themes/index.html',
        'sources.html',
        'lineage/country-MDA.html',
      ]),
    );
  });

  it('lands every lineage link on its row, also a row inside a range of consecutive lines', async () => {
    // MDA's rows as ranges over wider stretches of lines, as a big upload gives them: every
    // cited row (a UN DESA figure, a project budget…) now lies inside a range, most not at its start.
    const widened = storedItems().map((item) => {
      if (item.type !== 'country' || item.id !== 'MDA' || !item.lineage) return item;
      const sources = item.lineage.sources.map((source) => {
        const ranges = [...expandLocatorRanges(source.ranges)].map(({ table, locator }) => {
          const line = Number(/^line (\d+)$/.exec(locator)?.[1]);
          return Number.isNaN(line)
            ? { table, first: locator }
            : { table, first: `line ${Math.max(1, line - 3)}`, last: `line ${line + 3}` };
        });
        return { ...source, ranges };
      });
      return { ...item, lineage: { sources } };
    });
    const files = await renderBriefingExport('html', widened, META);
    const text = new Map(files.map((file) => [file.path, decoder.decode(file.bytes)]));
    const mda = text.get('countries/MDA.html')!;
    const lineage = text.get('lineage/country-MDA.html')!;

    const links = [...mda.matchAll(/href="\.\.\/(lineage\/country-MDA\.html)#(r-[0-9a-f]+)"/g)];
    const figure = figureSeries((widened.find((item) => item.id === 'MDA') as CountryItem).body)[0]!
      .points[0]!.source_link;
    const figureAnchor = rowAnchor(figure.source_doc_id, `${figure.table} ${figure.locator}`);

    expect(links.length).toBeGreaterThan(0);
    for (const [, , anchor] of links) expect(lineage, anchor).toContain(`id="${anchor}"`);
    expect(lineage).toContain('rows)');
    // The figure's own raw line is named on the element its link lands on.
    expect(lineage).toContain(`<li id="${figureAnchor}">${figure.table} ${figure.locator}</li>`);
  });

  it('escapes what the data says: a title cannot become markup', async () => {
    const items = storedItems().map((item) =>
      item.type === 'country' && item.id === 'MDA'
        ? {
            ...item,
            body: {
              ...item.body,
              name: '<script>alert(1)</script>',
              caveats: ['<img src=x onerror=alert(2)>'],
            },
          }
        : item,
    );

    const files = await renderBriefingExport('html', items, META, { selection: { country: 'MDA' } });
    const page = decoder.decode(files.find((file) => file.path === 'countries/MDA.html')!.bytes);
    const jam = decoder.decode(
      (await renderBriefingExport('html', storedItems(), META)).find(
        (file) => file.path === 'countries/JAM.html',
      )!.bytes,
    );

    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<img src=x');
    expect(jam).toContain('=HYPERLINK(&quot;http://evil.example&quot;');
  });

  it('marks illustrative and low-confidence content on the page that shows it', async () => {
    const files = await renderBriefingExport('html', storedItems(), META);
    const page = (path: string) => decoder.decode(files.find((file) => file.path === path)!.bytes);

    expect(page('countries/MDA.html')).toMatch(
      /This page shows \d+ illustrative or low-confidence statement/,
    );
    expect(page('countries/MDA.html')).toContain('⚠ illustrative / low confidence');
    expect(page('sources.html')).toContain('ILLUSTRATIVE');
  });
});

describe('citations', () => {
  it('cite every source in one style in CSV and Markdown, UN organisations by name, unregistered documents by id', async () => {
    const csv = decoder.decode(
      (await renderBriefingExport('csv', storedItems(), META)).find(
        (file) => file.path === 'briefing_sources.csv',
      )!.bytes,
    );
    const brief = decoder.decode(
      (await renderBriefingExport('markdown', storedItems(), META, { selection: { country: 'MDA' } })).find(
        (file) => file.path === 'MDA.md',
      )!.bytes,
    );

    expect(csv.split('\r\n')[0]).toContain(',citation,');
    expect(csv).toContain(
      'Publisher not recorded (n.d.). GFMD meetings page. https://gfmd.org/. Licence: not recorded. [DOC-gfmd]',
    );
    expect(csv).toContain(
      'DOC-emp — not in the source registry: title, publisher, year and licence unknown.',
    );
    expect(brief).toContain('UN leads IOM (`XM-DAC-47066`), UNDP (`XM-DAC-41114`)');
    expect(brief).toContain('- ⚠ Publisher not recorded (n.d.). Illustrative samples.');
  });

  it('reads publisher and year when the sources item carries them, naming a UN organisation, not its IATI code', () => {
    const registered = {
      source_doc_id: 'DOC-undp-note-2012',
      title: 'Contributions of UNDP',
      url: 'https://example.org/note.pdf',
      licence: 'UN terms of use',
      tables: ['event'],
      rows: 1,
    };

    const citation = citationOf({
      ...registered,
      publisher_org_id: 'XM-DAC-41114',
      publication_date: '2012-02-09',
    } as never);

    expect(citation.text).toBe(
      'United Nations Development Programme (2012). Contributions of UNDP. https://example.org/note.pdf. Licence: UN terms of use. [DOC-undp-note-2012]',
    );
  });
});

describe('one-page country summary (Markdown)', () => {
  it('gives pilot role, headline figures with year and source, survey demands with bases, projects by theme and caveats', async () => {
    const files = await renderBriefingExport('markdown', storedItems(), META, {
      selection: { country: 'MDA' },
    });
    const summary = decoder.decode(files.find((file) => file.path === 'summaries/MDA.md')!.bytes);

    expect(summary).toContain('# Republic of Moldova (MDA) — one-page summary');
    expect(summary).toContain('**Pilot role.** active as of 2012-02-09');
    expect(summary).toContain('UN leads IOM, UNDP');
    expect(summary).toMatch(/\| International migrant stock \(immigrants\)|\| Immigrant stock/);
    expect(summary).toContain('| 106,374 | 2015 | `UNDESA_IMS` Rev.2019 |');
    expect(summary).toContain('| communities | 1 | EUR 183,990 ⚠ |');
    expect(summary).toContain('**Caveats.**');
    expect(summary.split('\n').length).toBeLessThan(60);
  });
});
