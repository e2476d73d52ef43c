import type { CountryBody } from '#contracts/briefing/country.ts';
import type { BriefingItem, CountryItem } from '#contracts/briefing/item.ts';
import type { SourceLink } from '#contracts/briefing/provenance.ts';
import type { SurveyStatistics } from '#contracts/briefing/survey.ts';
import { organisationName } from '#contracts/reference/organisations.ts';
import { THEME_JMDI } from '#contracts/vocabularies.ts';
import { figureSeries, seriesYears } from '../book/series.ts';
import { budgetText } from '../book/summary.ts';
import { citationsOf } from '../book/theme-brief.ts';
import { moneyText, observationStatusNote } from '../rules.ts';
import { eventDates, statusWhat, statusWhen } from '../status-text.ts';
import { SURVEY_TABLE_HEADERS, supportText, surveyTableRows, validationText } from '../survey-text.ts';
import type { ExportMeta } from './tables.ts';

/**
 * One-page country briefs in Markdown: what an analyst prints or pastes into a note. Every
 * statement keeps its source document (and the SHA-256 prefix of the file that carried it), and
 * rows of confidence 'low' are flagged, as in `hld briefing show`.
 */

/** Free text in Markdown: escape what would become markup (tables, emphasis, links, HTML). */
export function markdownText(value: unknown): string {
  if (value === undefined || value === null || value === '') return '';
  return String(value)
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_[\]<>|#]/g, (char) => `\\${char}`);
}

/** An id or code as a code span (ids carry underscores that would otherwise need escaping). */
export function code(value: unknown): string {
  if (value === undefined || value === null || value === '') return '';
  return `\`${String(value).replace(/`/g, "'")}\``;
}

export function tableBlock(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map((cell) => cell || ' ').join(' | ')} |`),
  ];
}

/** A vocabulary code as words (`in_progress` → `in progress`). */
const words = (value: unknown) => markdownText(typeof value === 'string' ? value.replace(/_/g, ' ') : value);
/** ⚠ after a statement resting on illustrative content (named) or a row of confidence 'low'. */
const flag = (marks: { readonly confidence?: unknown; readonly illustrative?: boolean } | undefined) =>
  marks?.illustrative ? ' ⚠ illustrative' : marks?.confidence === 'low' ? ' ⚠' : '';
const capitalised = (value: string) => `${value.charAt(0).toUpperCase()}${value.slice(1)}`;
const yesNo = (value: unknown) => (value ? 'yes' : 'no');
const money = (amount: unknown, currency = 'EUR') =>
  typeof amount === 'number' ? `${currency} ${amount.toLocaleString('en-GB')}` : '';
const source = (ref: SourceLink | undefined) => (ref?.source_doc_id ? code(ref.source_doc_id) : '');

/** Survey answers as `n of base (p %)` per capacity area, with what was left out (survey-text.ts). */
export function surveyStatisticsMarkdown(statistics: SurveyStatistics): string[] {
  return [
    `*${markdownText(validationText(statistics))}*`,
    '',
    ...tableBlock(
      SURVEY_TABLE_HEADERS,
      surveyTableRows(statistics).map((cells) => cells.map(markdownText)),
    ),
    '',
    `Support requested: ${markdownText(supportText(statistics))}`,
    '',
  ];
}

/** The banner of every brief (country, summary, theme) resting on invented sample documents. */
export const ILLUSTRATIVE_BANNER =
  '> ⚠ **Illustrative content.** Part of this brief rests on invented sample documents (see Caveats); ' +
  'statements marked "⚠ illustrative" are not evidence.';

/** The brief of one country item. */
export function renderCountryMarkdown(
  item: CountryItem,
  meta: ExportMeta,
  /** The version's items (for the sources item's registry entries); without them, documents are cited by id. */
  sources: readonly BriefingItem[] = [],
): string {
  const body = item.body;
  const lines: string[] = [];
  lines.push(`# ${markdownText(body.name)} (${body.iso3}) — HLD 2013 briefing`, '');
  lines.push(
    `*Dataset ${code(meta.dataset)}, version ${meta.version}, as of ${meta.asOf}. ` +
      'Every row names its source document; ⚠ marks rows of confidence "low" (illustrative or unverified): do not cite them as fact.*',
    '',
  );
  if (body.illustrative) lines.push(ILLUSTRATIVE_BANNER, '');

  lines.push('## Identity', '');
  const groups = (['ldc', 'lldc', 'sids'] as const)
    .filter((group) => body[group])
    .map((group) => group.toUpperCase());
  lines.push(
    ...tableBlock(
      ['Field', 'Value'],
      [
        ['ISO3 / M49', `${code(body.iso3)} / ${code(body.m49)}`],
        ['Subregion', markdownText(body.subregion)],
        ['Country groups', groups.join(', ') || 'none'],
        ['JMDI phase-1 target', yesNo(body.jmdi.is_jmdi1_target)],
        ['UNCT surveyed (GMG 2011)', yesNo(body.survey.unct_surveyed)],
      ],
    ),
    '',
  );

  const figures = body.context_figures;
  if (figures.length > 0) {
    lines.push('## Context figures', '');
    lines.push(
      'Each value (both sexes) with its source and revision; sources are never merged or averaged. Series given by sex follow the table.',
      '',
    );
    lines.push(
      ...tableBlock(
        ['Indicator', 'Value', 'Unit', 'Year', 'Source', 'Revision', 'Document'],
        figures.flatMap((figure) =>
          figure.values.map((value) => [
            markdownText(figure.label ?? figure.indicator_id),
            typeof value.value === 'number'
              ? `${value.value.toLocaleString('en-GB')}${observationStatusNote(value.obs_status)}`
              : 'n/a',
            markdownText(value.unit) + (value.unit_mult ? ` ×10^${value.unit_mult}` : ''),
            markdownText(value.year),
            code(value.source),
            markdownText(value.revision),
            source(value.source_link) + flag(value.source_link),
          ]),
        ),
      ),
      '',
    );
    for (const series of figureSeries(body).filter((entry) => entry.bySex.length > 0)) {
      const points = [...series.points, ...series.bySex.flatMap((line) => line.points)];
      const documents = [...new Set(points.map((point) => point.source_link.source_doc_id))].sort();
      lines.push(
        `### ${markdownText(series.label)} by sex — ${code(series.source)} ${markdownText(series.revision)}`,
        '',
        `Source ${documents.map(code).join(', ')}${flag(points.find((point) => flag(point.source_link))?.source_link)}; unit ${markdownText(series.unit)}.`,
        '',
        ...tableBlock(
          ['Year', 'Both sexes', ...series.bySex.map((line) => markdownText(capitalised(line.label)))],
          seriesYears(series).map((year) => [
            markdownText(year.year),
            ...[year.total, ...year.sexes].map((point) =>
              point
                ? `${point.value.toLocaleString('en-GB')}${observationStatusNote(point.obs_status)}`
                : '—',
            ),
          ]),
        ),
        '',
      );
    }
  }

  lines.push('## Mainstreaming pilot', '');
  const pilots = body.pilots;
  if (pilots.length === 0)
    lines.push('Not a pilot country of "Mainstreaming Migration into National Development Strategies".');
  for (const pilot of pilots) {
    const parts = [
      `**${code(pilot.pilot_id)}** (${code(pilot.phase)}): **${words(pilot.participation_status)}** as of ${pilot.status_as_of ?? '?'}`,
      pilot.programme ? `programme ${markdownText(pilot.programme)}` : '',
      pilot.start_date ? `started ${pilot.start_date}` : '',
      pilot.lead_gov ? `lead ${markdownText(pilot.lead_gov)}` : '',
      pilot.un_leads.length
        ? `UN leads ${pilot.un_leads.map((org) => `${markdownText(organisationName(org))} (${code(org)})`).join(', ')}`
        : '',
      pilot.donors.length
        ? `donors ${pilot.donors.map((org) => `${markdownText(organisationName(org))} (${code(org)})`).join(', ')}`
        : '',
      pilot.national_strategy ? `national strategy ${markdownText(pilot.national_strategy)}` : '',
    ].filter(Boolean);
    lines.push(`- ${parts.join('; ')}. Source ${source(pilot.source)}${flag(pilot.source)}`);
  }
  const statuses = body.pilot_status ?? [];
  if (statuses.length > 0) {
    lines.push(
      '',
      '### Status as each source states it',
      '',
      'Each source keeps its own row, in the order the sources came; a later source is a later row, not a correction.',
      '',
      ...tableBlock(
        ['Stated', 'Pilot', 'Status', 'Statement', 'Source', 'Where in the source'],
        statuses.map((status) => [
          markdownText(statusWhen(status)),
          code(status.pilot_id),
          markdownText(statusWhat(status)),
          markdownText(status.statement),
          source(status.source) + flag(status.source),
          markdownText(status.source_locator),
        ]),
      ),
    );
  }
  const mainstreaming = body.mainstreaming;
  lines.push(
    '',
    `${mainstreaming.milestones_achieved_n} milestone(s) achieved` +
      (mainstreaming.latest_milestone_type
        ? `; latest ${code(mainstreaming.latest_milestone_type)} on ${mainstreaming.latest_milestone_date ?? '?'}`
        : '') +
      `. Strategy: ${words(mainstreaming.strategy_status)}. Extended Migration Profile: ${words(mainstreaming.emp_status)}. ` +
      `Coordination mechanism: ${yesNo(mainstreaming.coordination_mechanism)}. M&E framework: ${yesNo(mainstreaming.me_framework)}.` +
      flag(mainstreaming),
    '',
  );
  const milestones = body.milestones;
  if (milestones.length > 0) {
    lines.push('### Milestones', '');
    lines.push(
      ...tableBlock(
        ['Date', 'Milestone', 'Type', 'Status', 'Description', 'Source'],
        milestones.map((milestone) => [
          markdownText(milestone.date),
          code(milestone.milestone_id),
          code(milestone.milestone_type),
          words(milestone.status),
          markdownText(milestone.description) +
            (milestone.legal_basis ? ` (${markdownText(milestone.legal_basis)})` : ''),
          source(milestone.source) + flag(milestone.source),
        ]),
      ),
      '',
    );
  }

  lines.push('## UN Country Team survey (GMG 2011)', '');
  const survey = body.survey;
  if (!survey.unct_surveyed) {
    lines.push('The UNCT was not surveyed (or its answers are not in this version).', '');
  } else {
    const gaps = survey.capacity_gaps.map((gap) => `${code(gap.capacity_area)} (${gap.has_capacity})`);
    const supports = survey.support_types_requested.map(
      (support) => `${code(support.support_type)} (${support.respondents})`,
    );
    lines.push(
      `- Respondents: ${survey.respondents_n}${flag(survey)}`,
      `- Capacity gaps: ${gaps.join(', ') || 'none reported'}`,
      `- High demand: ${survey.top_demands.map(code).join(', ') || 'none reported'}`,
      `- Support requested: ${supports.join(', ') || 'none reported'}`,
      '',
    );
    if (survey.statistics) lines.push(...surveyStatisticsMarkdown(survey.statistics));
  }

  lines.push('## JMDI projects by theme', '');
  const jmdi = body.jmdi;
  const projects = jmdi.projects;
  lines.push(`${markdownText(budgetText(body))}.`, '');
  for (const theme of THEME_JMDI) {
    const ofTheme = projects.filter((project) => project.theme_primary === theme);
    if (ofTheme.length === 0) continue;
    lines.push(`### ${theme[0]?.toUpperCase()}${theme.slice(1)} (${ofTheme.length})`, '');
    lines.push(
      ...tableBlock(
        ['Project', 'Title', 'Round tables', 'Status', 'Total budget', 'JMDI grant', 'Partners', 'Source'],
        ofTheme.map((project) => [
          code(project.project_id),
          markdownText(project.title),
          project.hld_rt.map((rt) => code(rt.split('_')[0])).join(' '),
          words(project.selection_status),
          project.total_budget_amount === undefined
            ? ''
            : moneyText(project.total_budget_amount, project.total_budget_currency),
          money(project.jmdi_grant_amount),
          project.partner_countries_iso3.join(', '),
          source(project.source) + flag(project.source),
        ]),
      ),
      '',
    );
  }
  const practices = jmdi.good_practices;
  if (practices.length > 0) {
    lines.push('### Good practices', '');
    for (const practice of practices) {
      lines.push(
        `- ${code(practice.lesson_id)} (${markdownText(practice.evidence_strength)} evidence, project ${code(practice.project_id)}): ` +
          `${markdownText(practice.statement)} Source ${source(practice.source)}${flag(practice.source)}`,
      );
    }
    lines.push('');
  }

  lines.push('## Events', '');
  const events = body.events;
  if (events.length === 0) lines.push('No events linked to the country.', '');
  else {
    lines.push(
      ...tableBlock(
        ['Date', 'Event', 'Title', 'Source'],
        events.map((event) => [
          markdownText(eventDates(event)),
          code(event.event_id),
          markdownText(event.title),
          source(event.source) + flag(event.source),
        ]),
      ),
      '',
    );
  }

  lines.push('## Caveats', '');
  const caveats = body.caveats;
  lines.push(
    ...(caveats.length ? caveats.map((caveat) => `- ${markdownText(caveat)}`) : ['- None recorded.']),
    '',
  );

  lines.push('## Sources', '');
  lines.push(
    ...tableBlock(
      ['Document', 'File SHA-256', 'Rows', 'Tables'],
      // File SHA-256s live in the item's lineage; without one, the body's documents (no file).
      (item.lineage?.sources ?? body.sources.map((entry) => ({ ...entry, file_sha256: '' }))).map((entry) => [
        code(entry.source_doc_id),
        code(entry.file_sha256.slice(0, 12)),
        String(entry.rows),
        entry.tables.map(code).join(' '),
      ]),
    ),
    '',
    ...citationsOf(
      body.sources.map((entry) => entry.source_doc_id),
      sources,
    ).map((citation) => `- ${citation.illustrative ? '⚠ ' : ''}${markdownText(citation.text)}`),
    '',
    `Walk any row back to the raw bytes with \`hld lineage country#${body.iso3}\`.`,
    '',
  );
  return lines.join('\n');
}

/** The index of a set of country briefs: one line per country with its key counts. */
export function renderMarkdownIndex(bodies: readonly CountryBody[], meta: ExportMeta): string {
  const lines = [
    `# HLD 2013 country briefs — ${meta.dataset} v${meta.version}`,
    '',
    `*As of ${meta.asOf}. One page per country; ⚠ marks a brief or row of confidence "low", "⚠ illustrative" one resting on invented content.*`,
    '',
    ...tableBlock(
      ['Country', 'ISO3', 'Pilot', 'Milestones achieved', 'JMDI projects', 'UNCT surveyed', 'Events'],
      bodies.map((body) => [
        `[${markdownText(body.name)}](${body.iso3}.md)${flag(body)}`,
        code(body.iso3),
        markdownText(body.pilots[0]?.participation_status) || '—',
        String(body.mainstreaming.milestones_achieved_n),
        String(body.jmdi.projects_n),
        yesNo(body.survey.unct_surveyed),
        String(body.events.length),
      ]),
    ),
    '',
  ];
  return lines.join('\n');
}
