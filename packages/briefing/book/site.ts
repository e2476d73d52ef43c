import type { BriefingItem, CountryItem, ThemeItem } from '#contracts/briefing/item.ts';
import { formatLocatorRange, rangeRows } from '#contracts/briefing/locator-ranges.ts';
import type { SurveyStatistics } from '#contracts/briefing/survey.ts';
import { GLOBAL_SCOPE } from '#contracts/briefing/vocabulary.ts';
import { organisationName } from '#contracts/reference/organisations.ts';
import { moneyText, observationStatusNote, secondaryProjectsLine } from '../rules.ts';
import { eventDates, statusHistoryOf, statusWhat, statusWhen } from '../status-text.ts';
import { shareText } from '../survey-stats.ts';
import {
  choiceText,
  SMALL_BASE_MARK,
  SURVEY_TABLE_HEADERS,
  supportText,
  validationText,
} from '../survey-text.ts';
import { type Chart, pilotShareChart, seriesChart, surveyDemandChart } from './charts.ts';
import { CitedRows } from './cited-rows.ts';
import { html, type SafeHtml, trustedMarkup } from './html.ts';
import {
  BOOK_CSS,
  type BookMeta,
  formatNumber,
  lineageHref,
  lineagePath,
  lowMark,
  page,
  rowAnchor,
  traced,
} from './page.ts';
import { figureSeries, pilotComparison, seriesYears, sexesIn } from './series.ts';
import { countrySummary } from './summary.ts';
import { citationsOf, type ThemeBrief, themeBrief, themeBriefName } from './theme-brief.ts';

/**
 * The HLD briefing book: a static site an analyst opens offline, prints, or gets from
 * `hld serve` — an index with the pilot-country comparison and survey totals, one page per
 * country (its first section a one-page A4 summary in print), one per round table and JMDI theme,
 * a sources page with full citations, and a lineage page per item that every figure links to.
 * Charts are static SVG drawn by Vega-Lite at build time, each with a text alternative.
 */

export interface BookFile {
  readonly path: string;
  readonly text: string;
  readonly contentType: string;
}

const HTML = 'text/html; charset=utf-8';

function figure(chart: Chart, caption: string): SafeHtml {
  return html`<figure>${trustedMarkup(chart.svg)}<figcaption>${caption} <span class="sr-text">${chart.description}</span></figcaption></figure>`;
}

const words = (value: string | undefined) => (value ?? '').replace(/_/g, ' ');
const capitalised = (value: string) => `${value.charAt(0).toUpperCase()}${value.slice(1)}`;

function surveyTable(statistics: SurveyStatistics, caption: string, href: string): SafeHtml {
  return html`<table>
<caption>${caption}</caption>
<thead><tr>${SURVEY_TABLE_HEADERS.map((header) => html`<th scope="col">${header}</th>`)}</tr></thead>
<tbody>${statistics.areas.map(
    (area) => html`<tr>
<th scope="row">${area.capacity_area}${area.has_capacity.small_base || area.demand.small_base ? html` <span class="small-base">${SMALL_BASE_MARK}</span>` : ''}</th>
<td class="num">${traced(choiceText(area.has_capacity, 'yes'), href)}</td>
<td class="num">${traced(choiceText(area.has_capacity, 'partial'), href)}</td>
<td class="num">${traced(choiceText(area.has_capacity, 'no'), href)}</td>
<td class="num">${area.has_capacity.dont_know} / ${area.has_capacity.no_response}</td>
<td class="num">${traced(choiceText(area.demand, 'high'), href)}</td>
<td class="num">${area.demand.dont_know} / ${area.demand.no_response}</td>
</tr>`,
  )}</tbody>
</table>
<p>${validationText(statistics)}</p>
<p>Support requested: ${supportText(statistics)}</p>`;
}

/** Statements of confidence "low" or from an illustrative source in a country item. */
function lowCount(item: CountryItem, illustrative: ReadonlySet<string>): number {
  const body = item.body;
  const low = (confidence: string | undefined, doc: string) =>
    confidence === 'low' || illustrative.has(doc) ? 1 : 0;
  let n = 0;
  for (const pilot of body.pilots) n += low(pilot.confidence, pilot.source.source_doc_id);
  for (const milestone of body.milestones) n += low(milestone.confidence, milestone.source.source_doc_id);
  for (const project of body.jmdi.projects) n += low(project.confidence, project.source.source_doc_id);
  for (const practice of body.jmdi.good_practices) n += low(undefined, practice.source.source_doc_id);
  if (
    body.survey.statistics &&
    body.sources.some(
      (source) => illustrative.has(source.source_doc_id) && source.tables.includes('survey_response'),
    )
  )
    n += 1;
  return n;
}

async function countryPage(
  item: CountryItem,
  items: readonly BriefingItem[],
  meta: BookMeta,
  illustrative: ReadonlySet<string>,
): Promise<string> {
  const body = item.body;
  const root = '../';
  const top = lineageHref(root, item);
  const statistics = body.survey.statistics;
  const { figures, topDemands, byTheme } = countrySummary(item);
  const series = figureSeries(body).filter((entry) => entry.points.length > 0);
  const charts = await Promise.all(series.map((entry) => seriesChart(entry)));
  const surveyChart =
    statistics && statistics.areas.length > 0 ? await surveyDemandChart(statistics) : undefined;
  const themeLinks = items.filter(
    (entry): entry is ThemeItem => entry.type === 'theme' && entry.body.scope === item.id,
  );

  const summary = html`<section class="summary" aria-labelledby="summary-title">
<h1 id="summary-title">${body.name} (${body.iso3}) — one-page summary</h1>
<p>M49 ${body.m49 ?? '?'} · ${body.subregion ?? ''}${body.ldc ? ' · LDC' : ''}${body.lldc ? ' · LLDC' : ''}${body.sids ? ' · SIDS' : ''} · JMDI phase-1 target: ${body.jmdi.is_jmdi1_target ? 'yes' : 'no'} · UNCT surveyed (GMG 2011): ${body.survey.unct_surveyed ? 'yes' : 'no'}</p>
<h2>Pilot role</h2>
${
  body.pilots.length === 0
    ? html`<p>Not a pilot country of “Mainstreaming Migration into National Development Strategies”.</p>`
    : html`<ul class="compact">${body.pilots.map(
        (pilot) =>
          html`<li>${pilot.pilot_id} (${words(pilot.phase)}${pilot.programme ? `; ${pilot.programme}` : ''}): <strong>${words(pilot.participation_status)}</strong> as of ${traced(pilot.status_as_of ?? '?', lineageHref(root, item, pilot.source))}${pilot.lead_gov ? `; lead ${pilot.lead_gov}` : ''}${pilot.un_leads.length ? `; UN leads ${pilot.un_leads.map((code) => organisationName(code)).join(', ')}` : ''} — ${pilot.source.source_doc_id} ${lowMark(pilot.confidence)}${statusHistoryOf(
            body,
            pilot.pilot_id,
          ).map(
            (status) =>
              html` · ${traced(statusWhen(status), lineageHref(root, item, status.source))}: ${statusWhat(status)} per ${status.source_doc_id ?? status.source.source_doc_id}`,
          )}</li>`,
      )}</ul>`
}
<div class="columns">
<div>
<h2>Headline figures</h2>
${
  figures.length === 0
    ? html`<p>No context figure in this version.</p>`
    : html`<table><caption>Latest value per indicator, with year and source</caption>
<thead><tr><th scope="col">Indicator</th><th scope="col">Value</th><th scope="col">Year</th><th scope="col">Source</th></tr></thead>
<tbody>${figures.map((entry) => {
        const sexes = sexesIn(entry.series, entry.point.year);
        const span = sexes.length > 0 ? html` rowspan="${String(sexes.length + 1)}"` : '';
        return html`<tr><th scope="row">${entry.series.label}</th><td class="num">${traced(`${formatNumber(entry.point.value)}${entry.series.unit === 'percent' ? ' %' : ''}`, lineageHref(root, item, entry.point.source_link))}</td><td${span}>${entry.point.year}</td><td${span}>${entry.series.source} ${entry.series.revision}</td></tr>${sexes.map(
          (sex) =>
            html`<tr class="by-sex"><th scope="row">${sex.label}</th><td class="num">${traced(formatNumber(sex.point.value), lineageHref(root, item, sex.point.source_link))}</td></tr>`,
        )}`;
      })}</tbody></table>`
}
<h2>Mainstreaming status</h2>
<p>${traced(String(body.mainstreaming.milestones_achieved_n), top)} milestone(s) achieved${body.mainstreaming.latest_milestone_type ? `; latest ${words(body.mainstreaming.latest_milestone_type)} on ${body.mainstreaming.latest_milestone_date ?? '?'}` : ''}. Strategy: ${words(body.mainstreaming.strategy_status)}. Extended Migration Profile: ${words(body.mainstreaming.emp_status)}. Coordination mechanism: ${body.mainstreaming.coordination_mechanism ? 'yes' : 'no'}.</p>
<h2>Top survey demands</h2>
${
  statistics
    ? html`<ul class="compact">${topDemands.map(
        (entry) =>
          html`<li>${words(entry.area.capacity_area)}: high demand ${traced(shareText(entry.high, entry.area.demand.base), top)}</li>`,
      )}</ul><p class="meta">${validationText(statistics)}</p>`
    : html`<p>The UNCT was not surveyed (or its answers are not in this version).</p>`
}
</div>
<div>
<h2>JMDI projects by theme</h2>
${
  byTheme.length === 0
    ? html`<p>No JMDI phase-1 project.</p>`
    : html`<table><caption>Projects and total project budgets (EUR, withdrawn projects excluded; total budgets, not JMDI grants)</caption>
<thead><tr><th scope="col">Theme</th><th scope="col">Projects</th><th scope="col">Budget</th></tr></thead>
<tbody>${byTheme.map(
        (entry) =>
          html`<tr><th scope="row">${entry.theme}</th><td class="num">${traced(`${entry.active}${entry.projects > entry.active ? ` (+${entry.projects - entry.active} withdrawn)` : ''}`, top)}</td><td class="num">${traced(`EUR ${formatNumber(entry.budgetEur)}`, top)}${entry.lowConfidence ? html` ${lowMark('low')}` : ''}</td></tr>`,
      )}</tbody></table>`
}
<h2>Events</h2>
${
  body.events.length === 0
    ? html`<p>No event linked to the country.</p>`
    : html`<ul class="compact">${body.events
        .slice(0, 6)
        .map(
          (event) =>
            html`<li>${traced(eventDates(event), lineageHref(root, item, event.source))} ${event.title}</li>`,
        )}</ul>`
}
<h2>Caveats</h2>
<ul class="compact">${body.caveats.length ? body.caveats.map((caveat) => html`<li>${caveat}</li>`) : html`<li>None recorded.</li>`}</ul>
</div>
</div>
</section>`;

  const details = html`<section class="details" aria-labelledby="details-title">
<h2 id="details-title">Details</h2>
<h3>Figures over time</h3>
${
  series.length === 0
    ? html`<p>No context figure in this version.</p>`
    : series.map(
        (
          entry,
          at,
        ) => html`${figure(charts[at]!, `${entry.label}${entry.bySex.length ? ' by sex' : ''} — ${entry.source}, ${entry.revision}.`)}
<table><caption>${entry.label}${entry.bySex.length ? ' by sex' : ''} — ${entry.source}, ${entry.revision}</caption>
<thead><tr><th scope="col">Year</th>${entry.bySex.length ? html`<th scope="col">Both sexes</th>${entry.bySex.map((line) => html`<th scope="col">${capitalised(line.label)}</th>`)}` : html`<th scope="col">Value</th>`}<th scope="col">Status${entry.bySex.length ? ' (both sexes)' : ''}</th></tr></thead>
<tbody>${seriesYears(entry).map(
          (year) =>
            html`<tr><td>${year.year}</td>${[year.total, ...year.sexes].map((point) => html`<td class="num">${point ? html`${traced(formatNumber(point.value), lineageHref(root, item, point.source_link))}${observationStatusNote(point.obs_status)}` : '—'}</td>`)}<td>${year.total?.obs_status ?? ''}</td></tr>`,
        )}</tbody></table>`,
      )
}
<h3>UN Country Team survey (GMG 2011)</h3>
${statistics && surveyChart ? html`${figure(surveyChart, 'High demand for support, share of respondents who answered (n of base in the table).')}${surveyTable(statistics, `Survey answers of UNCT-${body.iso3}: n of base (percent)`, top)}` : html`<p>No survey statistics.</p>`}
${
  (body.pilot_status ?? []).length === 0
    ? ''
    : html`<h3>Pilot status as each source states it</h3>
<table><caption>Pilot status statements, in the order the sources came: a later source is a later row, not a correction</caption>
<thead><tr><th scope="col">Stated</th><th scope="col">Pilot</th><th scope="col">Status</th><th scope="col">Statement</th><th scope="col">Source</th><th scope="col">Where in the source</th></tr></thead>
<tbody>${(body.pilot_status ?? []).map(
        (status) =>
          html`<tr><td>${traced(statusWhen(status), lineageHref(root, item, status.source))}</td><td>${status.pilot_id ?? ''}</td><td>${statusWhat(status)}</td><td>${status.statement ?? ''}</td><td>${status.source_doc_id ?? status.source.source_doc_id} ${lowMark(status.source.confidence)}</td><td>${status.source_locator ?? ''}</td></tr>`,
      )}</tbody></table>`
}
<h3>Milestones</h3>
<table><caption>Mainstreaming milestones</caption>
<thead><tr><th scope="col">Date</th><th scope="col">Milestone</th><th scope="col">Status</th><th scope="col">Source</th></tr></thead>
<tbody>${body.milestones.map(
    (milestone) =>
      html`<tr><td>${traced(milestone.date ?? '?', lineageHref(root, item, milestone.source))}</td><td>${words(milestone.milestone_type)}${milestone.description ? ` — ${milestone.description}` : ''}</td><td>${milestone.status}</td><td>${milestone.source.source_doc_id} ${lowMark(milestone.confidence)}</td></tr>`,
  )}</tbody></table>
<h3>JMDI projects</h3>
<table><caption>JMDI phase-1 projects</caption>
<thead><tr><th scope="col">Project</th><th scope="col">Title</th><th scope="col">Theme</th><th scope="col">Status</th><th scope="col">Total budget</th><th scope="col">JMDI grant</th><th scope="col">Confidence</th></tr></thead>
<tbody>${body.jmdi.projects.map(
    (project) =>
      html`<tr><td>${project.project_id}</td><td>${project.title}</td><td>${project.theme_primary}</td><td>${words(project.selection_status)}</td><td class="num">${project.total_budget_amount === undefined ? '' : traced(moneyText(project.total_budget_amount, project.total_budget_currency), lineageHref(root, item, project.source))}</td><td class="num">${project.jmdi_grant_amount === undefined ? '' : traced(`EUR ${formatNumber(project.jmdi_grant_amount)}`, lineageHref(root, item, project.source))}</td><td>${project.confidence ?? ''} ${lowMark(project.confidence)}</td></tr>`,
  )}</tbody></table>
${themeLinks.length ? html`<h3>Round-table and theme briefs for ${body.name}</h3><ul class="compact">${themeLinks.map((theme) => html`<li><a href="${root}themes/${themeBriefName(theme)}.html">${theme.body.label}</a></li>`)}</ul>` : ''}
<h3>Sources</h3>
<ul>${citationsOf(
    body.sources.map((source) => source.source_doc_id),
    items,
  ).map(
    (citation) =>
      html`<li>${citation.illustrative ? html`${lowMark('low')} ` : ''}<a href="${root}sources.html#${citation.id}">${citation.text}</a></li>`,
  )}</ul>
<p><a href="${top}">Lineage of this page</a> (also <code>hld lineage country#${body.iso3}</code>).</p>
</section>`;
  return page({
    title: `${body.name} (${body.iso3})`,
    root,
    meta,
    lowContent: lowCount(item, illustrative),
    body: html`${summary}${details}`,
  });
}

async function themePage(brief: ThemeBrief, meta: BookMeta): Promise<string> {
  const root = '../';
  const item = brief.item;
  const body = item.body;
  const top = lineageHref(root, item);
  const chart =
    brief.survey && brief.survey.areas.length > 0 ? await surveyDemandChart(brief.survey) : undefined;
  const low =
    brief.projects.filter((project) => project.confidence === 'low').length +
    brief.practices.filter((practice) => practice.illustrative).length +
    brief.events.filter((event) => event.confidence === 'low').length;
  const content = html`<h1>${brief.title.short}: ${brief.title.title} — ${brief.scopeName}</h1>
<p class="meta">${body.theme_kind === 'hld_round_table' ? 'HLD 2013 round table' : 'JMDI theme'}. Title as in ${brief.title.source}.</p>
<p>${traced(String(body.n_projects), top)} JMDI project(s); ${traced(String(body.n_good_practices), top)} good practice(s); ${traced(String(body.pilot_evidence.length), top)} pilot milestone(s). Capacity areas mapped to the theme: ${brief.capacityAreas.join(', ') || 'none'}.</p>${secondaryProjectsLine(body.theme, body.secondary_projects) ? html`<p>${secondaryProjectsLine(body.theme, body.secondary_projects)}</p>` : ''}
<h2>Evidence by pilot country</h2>
<table><caption>Pilot countries on ${brief.title.short}</caption>
<thead><tr><th scope="col">Country</th><th scope="col">Pilot status</th><th scope="col">JMDI projects</th><th scope="col">Good practices</th><th scope="col">Pilot milestones</th><th scope="col">High demand (survey, n of base)</th></tr></thead>
<tbody>${brief.pilotEvidence.map(
    (pilot) =>
      html`<tr><th scope="row"><a href="${root}countries/${pilot.iso3}.html">${pilot.name}</a></th><td>${words(pilot.participation_status)} as of ${pilot.status_as_of}</td><td class="num">${pilot.projects_n}</td><td class="num">${pilot.good_practices_n}</td><td class="num">${pilot.pilot_milestones_n}</td><td>${pilot.high_demand.join('; ') || '—'}</td></tr>`,
  )}</tbody></table>
<h2>JMDI projects</h2>
<table><caption>Projects on ${brief.title.short} (${brief.scopeName})</caption>
<thead><tr><th scope="col">Project</th><th scope="col">Country</th><th scope="col">Title</th><th scope="col">Status</th><th scope="col">Total budget</th><th scope="col">Confidence</th></tr></thead>
<tbody>${brief.projects.map(
    (project) =>
      html`<tr><td>${project.project_id}</td><td>${project.iso3}</td><td>${project.title}</td><td>${words(project.status)}</td><td class="num">${project.budget === undefined ? '' : traced(moneyText(project.budget, project.currency), lineageHref(root, { type: 'country', id: project.iso3 }, project.source))}</td><td>${project.confidence} ${lowMark(project.confidence)}</td></tr>`,
  )}</tbody></table>
<h2>Good practices</h2>
<ul>${brief.practices.map(
    (practice) =>
      html`<li><strong>${practice.lesson_id}</strong> (${practice.evidence_strength} evidence): ${practice.statement} ${practice.illustrative ? lowMark('low') : ''}</li>`,
  )}</ul>
<h2>Survey: demands relevant to the theme</h2>
${brief.survey && brief.survey.areas.length > 0 ? html`${chart ? figure(chart, 'High demand for support on the capacity areas of this theme, share of respondents who answered.') : ''}${surveyTable(brief.survey, `Survey answers on the capacity areas of ${brief.title.short}: n of base (percent)`, top)}` : html`<p>The survey asked about no capacity area mapped to this theme.</p>`}
<h2>Events</h2>
<ul>${brief.events.map((event) => html`<li>${event.dates} — ${event.title} (${event.place}) ${lowMark(event.confidence)}</li>`)}</ul>
<h2>Caveats</h2>
<ul>${brief.caveats.length ? brief.caveats.map((caveat) => html`<li>${caveat}</li>`) : html`<li>None recorded.</li>`}</ul>
<h2>Sources</h2>
<ul>${brief.sources.map((citation) => html`<li>${citation.illustrative ? html`${lowMark('low')} ` : ''}<a href="${root}sources.html#${citation.id}">${citation.text}</a></li>`)}</ul>
<p><a href="${top}">Lineage of this page</a> (also <code>hld lineage theme#${body.theme}@${body.scope}</code>).</p>`;
  return page({
    title: `${brief.title.short} — ${brief.scopeName}`,
    root,
    meta,
    lowContent: low,
    body: content,
  });
}

/**
 * The lineage page of an item: per document and file, every row as locator ranges, each range
 * anchored at its first row; a row a statement of the book links to inside a range gets its own
 * anchored line under it, so every figure's link lands on its raw line.
 */
function lineagePage(item: BriefingItem, meta: BookMeta, cited: CitedRows): string {
  const seen = new Set<string>();
  const anchored = (docId: string, text: string): SafeHtml => {
    const anchor = rowAnchor(docId, text);
    const first = !seen.has(anchor);
    seen.add(anchor);
    return first ? html`<li id="${anchor}">${text}</li>` : html`<li>${text}</li>`;
  };
  const sources = item.lineage?.sources ?? [];
  const content = html`<h1>Lineage of ${item.type} ${item.id}</h1>
<p>Every statement of the ${item.type} item comes from these documents and rows; each file is kept byte for byte at its raw key, addressed by its SHA-256. Consecutive rows are shown as one range (<code>line 2 … line 22</code>: every line from the one to the other). The same trace: <code>hld lineage ${item.type}#${item.id}</code> or <code>GET /datasets/${meta.dataset}/lineage/${item.type}%23${item.id}?version=${meta.version}</code>.</p>
${sources.map(
  (source) => html`<section><h2 id="${source.source_doc_id}">${source.source_doc_id}</h2>
<p>File SHA-256 <code>${source.file_sha256}</code>, raw key <code>${source.raw_key || '(no ledger record)'}</code>; ${source.rows} row(s) of ${source.tables.join(', ')} in ${source.ranges.length} range(s).</p>
<ul class="compact">${source.ranges.map((range) => {
    if (range.last === undefined) return anchored(source.source_doc_id, formatLocatorRange(range));
    const anchor = rowAnchor(source.source_doc_id, `${range.table} ${range.first}`);
    const inside = cited
      .within(source.source_doc_id, range)
      .filter((locator) => locator !== range.first)
      .map((locator) => anchored(source.source_doc_id, `${range.table} ${locator}`));
    const text = html`${formatLocatorRange(range)} (${formatNumber(rangeRows(range))} rows)${inside.length ? html`<ul class="compact">${inside}</ul>` : ''}`;
    const first = !seen.has(anchor);
    seen.add(anchor);
    return first ? html`<li id="${anchor}">${text}</li>` : html`<li>${text}</li>`;
  })}</ul></section>`,
)}`;
  return page({ title: `Lineage: ${item.type} ${item.id}`, root: '../', meta, lowContent: 0, body: content });
}

/** Every page of the briefing book for `items` (already selected), as files. */
export async function renderBook(items: readonly BriefingItem[], meta: BookMeta): Promise<BookFile[]> {
  const files: BookFile[] = [{ path: 'book.css', text: BOOK_CSS, contentType: 'text/css; charset=utf-8' }];
  const add = (path: string, text: string) => files.push({ path, text, contentType: HTML });
  const countries = items.filter((item): item is CountryItem => item.type === 'country');
  const themes = items.filter((item): item is ThemeItem => item.type === 'theme');
  const sourcesItem = items.find((item) => item.type === 'sources');
  const illustrative = new Set(
    sourcesItem?.type === 'sources'
      ? sourcesItem.body.sources.filter((source) => source.illustrative).map((source) => source.source_doc_id)
      : [],
  );

  // Index: the pilot comparison and the survey totals across countries.
  const comparison = pilotComparison(countries);
  const globalThemes = themes.filter((theme) => theme.body.scope === GLOBAL_SCOPE);
  const totalAreas = globalThemes
    .filter((theme) => theme.body.theme_kind === 'hld_round_table')
    .flatMap((theme) => theme.body.survey_statistics?.areas ?? []);
  const totalsBase = globalThemes.find((theme) => theme.body.survey_statistics)?.body.survey_statistics;
  const totals = totalsBase ? { ...totalsBase, areas: totalAreas } : undefined;
  const totalsChart = totals && totals.areas.length > 0 ? await surveyDemandChart(totals) : undefined;
  const shares = comparison.flatMap((row) =>
    row.immigrantShare
      ? [
          {
            country: row.item.body.name,
            year: row.immigrantShare.point.year,
            source: `${row.immigrantShare.series.source} ${row.immigrantShare.series.revision}`,
            percent: row.immigrantShare.point.value,
          },
        ]
      : [],
  );
  const sharesChart = shares.length > 0 ? await pilotShareChart(shares) : undefined;
  const totalsHref = globalThemes[0] ? lineageHref('', globalThemes[0]) : 'sources.html';
  const lowIndex = comparison.filter((row) =>
    row.item.body.pilots.some((pilot) => pilot.confidence === 'low'),
  ).length;
  add(
    'index.html',
    page({
      title: 'Index',
      root: '',
      meta,
      lowContent: lowIndex + (totals ? 1 : 0),
      body: html`<h1>HLD 2013 briefing book</h1>
<h2>Pilot countries compared</h2>
<table><caption>Pilot countries of “Mainstreaming Migration into National Development Strategies”: migrant stock, share of population, latest milestone, JMDI projects with their total budgets and JMDI grants, survey demands</caption>
<thead><tr><th scope="col">Country</th><th scope="col">Pilot status</th><th scope="col">Immigrant stock</th><th scope="col">% of population</th><th scope="col">Latest milestone</th><th scope="col">JMDI projects</th><th scope="col">Total budgets (EUR)</th><th scope="col">JMDI grants (EUR)</th><th scope="col">High demand (survey, n of base)</th></tr></thead>
<tbody>${comparison.map((row) => {
        const href = (link?: Parameters<typeof lineageHref>[2]) => lineageHref('', row.item, link);
        return html`<tr><th scope="row"><a href="countries/${row.item.id}.html">${row.item.body.name}</a></th>
<td>${row.participation} ${row.item.body.pilots.some((pilot) => pilot.confidence === 'low') ? lowMark('low') : ''}</td>
<td class="num">${row.immigrantStock ? html`${traced(formatNumber(row.immigrantStock.point.value), href(row.immigrantStock.point.source_link))} (${row.immigrantStock.point.year}, ${row.immigrantStock.series.source})` : '—'}</td>
<td class="num">${row.immigrantShare ? html`${traced(`${formatNumber(row.immigrantShare.point.value)} %`, href(row.immigrantShare.point.source_link))} (${row.immigrantShare.point.year})` : '—'}</td>
<td>${row.latestMilestone ? `${words(row.latestMilestone.type)} (${row.latestMilestone.date})` : '—'}</td>
<td class="num">${traced(`${row.activeProjects}${row.withdrawnProjects ? ` (+${row.withdrawnProjects} withdrawn)` : ''}`, href())}</td>
<td class="num">${traced(formatNumber(row.activeBudgetEur), href())}</td>
<td class="num">${traced(formatNumber(row.activeGrantsEur), href())}${row.activeWithoutGrant ? ` (${row.activeWithoutGrant} without a stated grant)` : ''}</td>
<td>${row.highDemand.slice(0, 2).map((entry, at) => html`${at ? '; ' : ''}${words(entry.area)} ${traced(shareText(entry.n, entry.base), href())}`)}</td></tr>`;
      })}</tbody></table>
<p class="meta">Total budgets and JMDI grants are of the projects not withdrawn; a grant is part of its project’s total budget, never added to it. A country’s latest milestone and pilot status carry the date their source gives.</p>
${sharesChart ? figure(sharesChart, 'Immigrant stock as a share of population in the pilot countries, each at its latest year (values, years and sources in the table above).') : ''}
<h2>UN Country Team survey: totals across countries</h2>
${totals && totalsChart ? html`${figure(totalsChart, 'High demand for support per capacity area, all countries pooled.')}${surveyTable(totals, 'Survey answers pooled across countries, per capacity area: n of base (percent)', totalsHref)}` : html`<p>No survey in this version.</p>`}
<h2>Countries</h2>
<ul class="columns">${countries.map((country) => html`<li><a href="countries/${country.id}.html">${country.body.name}</a></li>`)}</ul>
<h2>Round tables and JMDI themes</h2>
<ul>${globalThemes.map((theme) => html`<li><a href="themes/${themeBriefName(theme)}.html">${themeBrief(theme, items).title.short}: ${themeBrief(theme, items).title.title}</a></li>`)}</ul>`,
    }),
  );

  for (const country of countries)
    add(`countries/${country.id}.html`, await countryPage(country, items, meta, illustrative));
  const briefs = themes.map((theme) => themeBrief(theme, items));
  for (const brief of briefs) add(`themes/${themeBriefName(brief.item)}.html`, await themePage(brief, meta));
  add(
    'themes/index.html',
    page({
      title: 'Round tables and themes',
      root: '../',
      meta,
      lowContent: 0,
      body: html`<h1>Round tables and JMDI themes</h1>
<ul>${briefs.filter((brief) => brief.scope === GLOBAL_SCOPE).map((brief) => html`<li><a href="${themeBriefName(brief.item)}.html">${brief.title.short}: ${brief.title.title}</a></li>`)}</ul>
<h2>By country</h2>
<ul class="columns">${briefs.filter((brief) => brief.scope !== GLOBAL_SCOPE).map((brief) => html`<li><a href="${themeBriefName(brief.item)}.html">${brief.title.short} — ${brief.scopeName}</a></li>`)}</ul>`,
    }),
  );

  const citations = citationsOf(
    sourcesItem?.type === 'sources' ? sourcesItem.body.sources.map((source) => source.source_doc_id) : [],
    items,
  );
  add(
    'sources.html',
    page({
      title: 'Sources',
      root: '',
      meta,
      lowContent: citations.filter((citation) => citation.illustrative).length,
      body: html`<h1>Sources</h1>
<p>Every document and dataset the briefing cites: publisher (year). Title. URL. Licence. [document id]. A document without a registry entry is cited by its id.</p>
<ol>${citations.map((citation) => html`<li id="${citation.id}">${citation.illustrative ? html`${lowMark('low')} ` : ''}${citation.url ? html`${citation.text.replace(citation.url, '')} <a href="${citation.url}">${citation.url}</a>` : citation.text}</li>`)}</ol>`,
    }),
  );

  // Statements of any page may link to any item's lineage page (a theme's projects to their countries).
  const cited = new CitedRows();
  for (const item of items) cited.addFrom(item.body);
  for (const item of items) if (item.type !== 'event') add(lineagePath(item), lineagePage(item, meta, cited));
  return files;
}
