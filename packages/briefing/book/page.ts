import { createHash } from 'node:crypto';
import type { BriefingItem } from '#contracts/briefing/item.ts';
import type { SourceLink } from '#contracts/briefing/provenance.ts';
import { html, type SafeHtml } from './html.ts';

/**
 * What every page of the briefing book shares: the frame (head, navigation, the illustrative
 * banner), lineage links and number formatting. Pages live one folder down (`countries/`,
 * `themes/`, `lineage/`) or at the root; `root` is the relative path back to the root.
 */

export interface BookMeta {
  readonly dataset: string;
  readonly version: number;
  readonly asOf: string;
}

/** The lineage page of an item, relative to the book root. */
export function lineagePath(item: Pick<BriefingItem, 'type' | 'id'>): string {
  return `lineage/${item.type}-${item.id.replace(/[^A-Za-z0-9_-]/g, '-')}.html`;
}

/** The anchor of one source row on a lineage page (`<doc>|<table> <locator>`, hashed to an id). */
export function rowAnchor(docId: string, locatorText: string): string {
  return `r-${createHash('sha256').update(`${docId}|${locatorText}`).digest('hex').slice(0, 16)}`;
}

/** The lineage link of a statement: its row on the item's lineage page, else the page itself. */
export function lineageHref(
  root: string,
  item: Pick<BriefingItem, 'type' | 'id'>,
  link?: SourceLink,
): string {
  const page = `${root}${lineagePath(item)}`;
  return link ? `${page}#${rowAnchor(link.source_doc_id, `${link.table} ${link.locator}`)}` : page;
}

/** A number (or any figure) that links to where it came from. */
export function traced(text: string, href: string): SafeHtml {
  return html`<a class="traced" href="${href}" title="Lineage: document, row, raw SHA-256">${text}</a>`;
}

export const formatNumber = (value: number) => value.toLocaleString('en-GB');

/** The visible mark of low-confidence or illustrative content. */
export const LOW_MARK = html`<span class="low-mark" title="Illustrative or unverified: do not cite as fact">⚠ illustrative / low confidence</span>`;

export function lowMark(confidence: string | undefined): SafeHtml | '' {
  return confidence === 'low' ? LOW_MARK : '';
}

/** A whole page: the frame, the navigation and, when the page holds any, the illustrative banner. */
export function page(options: {
  readonly title: string;
  readonly root: string;
  readonly meta: BookMeta;
  readonly lowContent: number;
  readonly body: SafeHtml;
}): string {
  const { title, root, meta, lowContent, body } = options;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — HLD 2013 briefing book</title>
<link rel="stylesheet" href="${root}book.css">
</head>
<body>
<header class="screen-only">
<nav aria-label="Briefing book">
<a href="${root}index.html">Index and pilot comparison</a> ·
<a href="${root}themes/index.html">Round tables and themes</a> ·
<a href="${root}sources.html">Sources</a>
</nav>
</header>
<main>
<p class="meta">Dataset <code>${meta.dataset}</code>, version ${meta.version}, as of ${meta.asOf}. Every figure links to its lineage (document, row, raw SHA-256).</p>
${
  lowContent > 0
    ? html`<p class="banner" role="note"><strong>⚠ This page shows ${lowContent} illustrative or low-confidence statement(s)</strong>, each marked ⚠: invented sample content or unverified rows, not evidence. Do not cite them as fact.</p>`
    : html`<p class="banner-ok" role="note">No illustrative or low-confidence statement on this page.</p>`
}
${body}
</main>
</body>
</html>
`.value;
}

/** The stylesheet: readable on screen, and for print a clean A4 page (details left out). */
export const BOOK_CSS = `:root { color-scheme: light; --ink: #1b1b1b; --muted: #555; --warn: #8a3b00; --warn-bg: #fff3e0; --line: #ccc; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--ink); margin: 0; }
header { background: #0b3d6e; padding: .5rem 1rem; }
header a { color: #fff; }
main { max-width: 70rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: .5rem 0; }
h2 { font-size: 1.2rem; margin: 1.2rem 0 .4rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1rem; margin: .8rem 0 .3rem; }
table { border-collapse: collapse; margin: .4rem 0 1rem; width: 100%; }
caption { text-align: left; font-weight: 600; padding: .2rem 0; }
th, td { border: 1px solid var(--line); padding: .2rem .4rem; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.by-sex th { font-weight: normal; padding-left: 1.5em; }
.meta { color: var(--muted); font-size: .85em; }
.banner { background: var(--warn-bg); border-left: 4px solid var(--warn); padding: .4rem .6rem; }
.banner-ok { color: var(--muted); font-size: .85em; }
.low-mark { color: var(--warn); background: var(--warn-bg); font-size: .8em; padding: 0 .2em; white-space: nowrap; }
.small-base { color: var(--warn); }
a.traced { color: inherit; text-decoration: underline dotted; }
figure { margin: .5rem 0 1rem; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: .85em; color: var(--muted); }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); gap: 0 1.5rem; }
ul.compact { margin: .2rem 0; padding-left: 1.2rem; }
@page { size: A4; margin: 11mm 12mm; }
@media print {
  body { font-size: 8pt; line-height: 1.25; }
  header, .screen-only, .details { display: none !important; }
  main { max-width: none; padding: 0; }
  h1 { font-size: 13pt; margin: 0 0 2pt; }
  h2 { font-size: 9.5pt; margin: 5pt 0 2pt; }
  table { margin: 2pt 0 4pt; }
  th, td { padding: 1pt 3pt; }
  .banner { padding: 2pt 4pt; }
  a.traced { text-decoration: none; }
  .columns { grid-template-columns: 1fr 1fr; gap: 0 10pt; }
}
`;
