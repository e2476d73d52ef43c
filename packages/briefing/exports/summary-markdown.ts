import type { CountryItem } from '#contracts/briefing/item.ts';
import { organisationName } from '#contracts/reference/organisations.ts';
import { sexesText } from '../book/series.ts';
import { countrySummary } from '../book/summary.ts';
import { eventDates, statusHistoryOf, statusWhat, statusWhen } from '../status-text.ts';
import { shareText } from '../survey-stats.ts';
import { validationText } from '../survey-text.ts';
import { code, ILLUSTRATIVE_BANNER, markdownText, tableBlock } from './markdown.ts';
import type { ExportMeta } from './tables.ts';

/**
 * The one-page summary of a country in Markdown (`summaries/<ISO3>.md`; the view:
 * book/summary.ts): identity and pilot role, headline figures with year and source,
 * mainstreaming status, top survey demands with their bases, JMDI projects by theme with budgets,
 * events and caveats. ⚠ marks low-confidence rows.
 */
export function renderSummaryMarkdown(item: CountryItem, meta: ExportMeta): string {
  const body = item.body;
  const { figures, topDemands, byTheme } = countrySummary(item);
  const words = (value: string | undefined) => markdownText((value ?? '').replace(/_/g, ' '));
  const lines = [
    `# ${markdownText(body.name)} (${body.iso3}) — one-page summary`,
    '',
    `*HLD 2013 briefing, dataset ${code(meta.dataset)} v${meta.version}, as of ${meta.asOf}. ⚠ marks illustrative or low-confidence rows: do not cite them as fact. Full brief: ${body.iso3}.md; lineage: \`hld lineage country#${body.iso3}\`.*`,
    '',
    ...(body.illustrative ? [ILLUSTRATIVE_BANNER, ''] : []),
    `M49 ${body.m49 ?? '?'} · ${markdownText(body.subregion)} · JMDI phase-1 target: ${body.jmdi.is_jmdi1_target ? 'yes' : 'no'} · UNCT surveyed: ${body.survey.unct_surveyed ? 'yes' : 'no'}`,
    '',
    '**Pilot role.** ' +
      (body.pilots.length === 0
        ? 'Not a pilot country of "Mainstreaming Migration into National Development Strategies".'
        : body.pilots
            .map(
              (pilot) =>
                `${words(pilot.participation_status)} as of ${pilot.status_as_of ?? '?'} (${code(pilot.pilot_id)}` +
                `${pilot.programme ? `; ${markdownText(pilot.programme)}` : ''}` +
                `${pilot.un_leads.length ? `; UN leads ${pilot.un_leads.map((org) => markdownText(organisationName(org))).join(', ')}` : ''}; source ${code(pilot.source.source_doc_id)})${pilot.confidence === 'low' ? ' ⚠' : ''}` +
                statusHistoryOf(body, pilot.pilot_id)
                  .map(
                    (status) =>
                      ` · ${markdownText(statusWhen(status))}: ${markdownText(statusWhat(status))} per ${code(status.source_doc_id ?? status.source.source_doc_id)}${status.source.confidence === 'low' ? ' ⚠' : ''}`,
                  )
                  .join(''),
            )
            .join('; ')),
    '',
    '**Headline figures.**',
    '',
    ...(figures.length === 0
      ? ['No context figure in this version.']
      : tableBlock(
          ['Indicator', 'Value', 'Year', 'Source'],
          figures.map((entry) => [
            markdownText(entry.series.label),
            `${entry.point.value.toLocaleString('en-GB')}${entry.series.unit === 'percent' ? ' %' : ''}` +
              (sexesText(entry.series, entry.point.year)
                ? ` (${sexesText(entry.series, entry.point.year)})`
                : ''),
            entry.point.year,
            `${code(entry.series.source)} ${markdownText(entry.series.revision)}`,
          ]),
        )),
    '',
    `**Mainstreaming.** ${body.mainstreaming.milestones_achieved_n} milestone(s) achieved` +
      (body.mainstreaming.latest_milestone_type
        ? `; latest ${words(body.mainstreaming.latest_milestone_type)} on ${body.mainstreaming.latest_milestone_date ?? '?'}`
        : '') +
      `. Strategy: ${words(body.mainstreaming.strategy_status)}. Extended Migration Profile: ${words(body.mainstreaming.emp_status)}.`,
    '',
    `**Top survey demands.** ${
      body.survey.statistics
        ? `${topDemands.map((entry) => `${words(entry.area.capacity_area)}: high demand ${shareText(entry.high, entry.area.demand.base)}`).join('; ') || 'none reported'}. *${markdownText(validationText(body.survey.statistics))}*`
        : 'The UNCT was not surveyed (or its answers are not in this version).'
    }`,
    '',
    '**JMDI projects by theme** (total project budgets in EUR, withdrawn projects excluded; not JMDI grants).',
    '',
    ...(byTheme.length === 0
      ? ['No JMDI phase-1 project.']
      : tableBlock(
          ['Theme', 'Projects', 'Budget'],
          byTheme.map((entry) => [
            entry.theme,
            `${entry.active}${entry.projects > entry.active ? ` (+${entry.projects - entry.active} withdrawn)` : ''}`,
            `EUR ${entry.budgetEur.toLocaleString('en-GB')}${entry.lowConfidence ? ' ⚠' : ''}`,
          ]),
        )),
    '',
    `**Events.** ${body.events.map((event) => `${eventDates(event)} ${markdownText(event.title)}`).join('; ') || 'none linked'}.`,
    '',
    '**Caveats.**',
    '',
    ...(body.caveats.length
      ? body.caveats.map((caveat) => `- ${markdownText(caveat)}`)
      : ['- None recorded.']),
    '',
  ];
  return lines.join('\n');
}
