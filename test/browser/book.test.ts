import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeExportFiles } from '#packages/briefing/exports/files.ts';
import { renderBriefingExport } from '#packages/briefing/exports/render.ts';
import { sampleBriefing } from '../support/sample-briefing.ts';

/**
 * The HTML briefing book as a person uses it: Debian's chromium (driven by playwright-core)
 * opens the pages written by `--format html` from the bundled evidence base, offline (file://).
 * Screenshots go to test/artifacts/ for a person to look at.
 */

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve('test/artifacts');
const META = { dataset: 'hld2013', version: 1, asOf: '2013-09-30' };
const PAGES = [
  'index.html',
  'countries/MDA.html',
  'themes/RT3.html',
  'themes/RT3-MDA.html',
  'sources.html',
] as const;

let dir = '';
let browser: Browser | undefined;
const unavailable = existsSync(CHROMIUM) ? undefined : `no browser at ${CHROMIUM} (apt-get install chromium)`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hld-book-'));
  const files = await renderBriefingExport('html', await sampleBriefing(), META);
  await writeExportFiles(dir, files);
  await mkdir(ARTIFACTS, { recursive: true });
  if (!unavailable) browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Opens a page of the book, collecting console errors and uncaught exceptions. */
async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('requestfailed', (request) => errors.push(`failed: ${request.url()}`));
  await page.goto(pathToFileURL(join(dir, path)).href, { waitUntil: 'load' });
  return { page, errors };
}

/** Whether a book-relative link (`../lineage/x.html#r-…`) from `from` names a file and an element in it. */
const pageTexts = new Map<string, Promise<string>>();
async function resolves(from: string, href: string): Promise<boolean> {
  const [target, anchor] = href.split('#');
  const file = resolve(dirname(join(dir, from)), target ?? '');
  if (!existsSync(file)) return false;
  if (!pageTexts.has(file)) pageTexts.set(file, readFile(file, 'utf8'));
  return anchor === undefined || (await pageTexts.get(file)!).includes(`id="${anchor}"`);
}

describe('the HTML briefing book in a browser', () => {
  it('loads the index, a country, a round table and the sources with no console error; every chart is an SVG with a text alternative; every lineage link resolves', async (context) => {
    if (unavailable) {
      console.warn(`[browser] skipped: ${unavailable}`);
      context.skip();
    }
    for (const path of PAGES) {
      const { page, errors } = await open(path);

      const charts = await page.locator('figure').evaluateAll((figures) =>
        figures.map((figure) => {
          const svg = figure.querySelector('svg');
          return {
            svg: svg !== null && svg.querySelectorAll('path, rect, line, text').length > 0,
            label: svg?.getAttribute('aria-label') ?? '',
            role: svg?.getAttribute('role'),
            caption: figure.querySelector('figcaption')?.textContent ?? '',
          };
        }),
      );
      const links = await page
        .locator('a[href*="lineage/"]')
        .evaluateAll((anchors) => [...new Set(anchors.map((anchor) => anchor.getAttribute('href') ?? ''))]);
      const tablesWithoutCaption = await page.locator('table:not(:has(caption))').count();
      const h1 = await page.locator('h1').count();
      const name = path.replace(/[/.]/g, '-');
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: path !== 'sources.html' });
      // The first screen of the MDA and RT3 pages, as the README shows them (docs/img/).
      if (path === 'countries/MDA.html' || path === 'themes/RT3.html')
        await page.screenshot({ path: join(ARTIFACTS, `${name}-view.png`) });

      expect(errors, path).toEqual([]);
      expect(h1, path).toBe(1);
      expect(tablesWithoutCaption, path).toBe(0);
      for (const chart of charts) {
        expect(chart.svg, path).toBe(true);
        expect(chart.role, path).toBe('img');
        expect(chart.label.length, path).toBeGreaterThan(20);
        expect(chart.caption.length, path).toBeGreaterThan(0);
      }
      if (path !== 'sources.html') expect(links.length, path).toBeGreaterThan(0);
      for (const href of links) expect(await resolves(path, href), `${path} → ${href}`).toBe(true);
      await page.close();
    }
    const mda = await open('countries/MDA.html');
    expect(await mda.page.locator('figure svg').count()).toBeGreaterThan(0);
    expect(await mda.page.locator('.banner').textContent()).toContain('illustrative');
    // Moldova's UN DESA stock by sex: one drawn line per sex (both sexes, females, males), a
    // legend naming them, a text alternative naming both sexes, and the table beside it by sex.
    const bySex = mda.page.locator('figure:has(figcaption:text("Immigrant stock by sex — UNDESA_IMS"))');
    expect(await bySex.count()).toBe(1);
    expect(await bySex.locator('svg g.mark-line.role-mark path').count()).toBe(3);
    expect(await bySex.locator('svg g.role-legend').textContent()).toMatch(/both sexes.*females.*males/);
    const alternative = (await bySex.locator('svg').getAttribute('aria-label')) ?? '';
    expect(alternative).toMatch(/females: 1990 306,109 persons.*2019 61,874 persons/);
    expect(alternative).toMatch(/males: 1990 238,053 persons.*2019 42,839 persons/);
    const sexTable = mda.page.locator('table:has(caption:text("Immigrant stock by sex — UNDESA_IMS"))');
    expect(await sexTable.locator('thead th').allTextContents()).toEqual([
      'Year',
      'Both sexes',
      'Females',
      'Males',
      'Status (both sexes)',
    ]);
    expect(await sexTable.locator('tbody tr:last-child td').allTextContents()).toEqual([
      '2019',
      '104,713',
      '61,874',
      '42,839',
      '',
    ]);
    // The share of population stays one line, for both sexes.
    const share = mda.page.locator(
      'figure:has(figcaption:text("Immigrant stock (% of population) — UNDESA_IMS"))',
    );
    expect(await share.locator('svg g.mark-line.role-mark path').count()).toBe(1);
    await mda.page.close();
    // A round table seen from one country has its survey chart too.
    const rt3Mda = await open('themes/RT3-MDA.html');
    expect(await rt3Mda.page.locator('figure svg[role="img"]').count()).toBeGreaterThan(0);
    await rt3Mda.page.close();
    // Each source's word on Moldova's pilot status is its own dated row, with its source.
    const statusPage = await open('countries/MDA.html');
    const statusRows = await statusPage.page
      .locator('table:has(caption:text("Pilot status statements")) tbody tr')
      .evaluateAll((rows) =>
        rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? '')),
      );
    expect(statusRows.map((cells) => [cells[0], cells[4]?.trim()])).toEqual([
      ['2012-02-09', 'DOC-undp-note-2012'],
      ['2012-05', 'DOC-eu-mda-mp-newsletter-5'],
      ['undated source, period 2011-2013', 'DOC-mm-programme-about'],
    ]);
    await statusPage.page.close();
  });

  it("prints MDA's summary on one A4 page", async (context) => {
    if (unavailable) {
      console.warn(`[browser] skipped: ${unavailable}`);
      context.skip();
    }
    const { page } = await open('countries/MDA.html');
    await page.emulateMedia({ media: 'print' });

    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    await writeFile(join(ARTIFACTS, 'countries-MDA-print.pdf'), pdf);
    await page.screenshot({ path: join(ARTIFACTS, 'countries-MDA-print.png'), fullPage: true });
    await page.close();

    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g) ?? [];
    expect(pages.length).toBe(1);
  });
});
