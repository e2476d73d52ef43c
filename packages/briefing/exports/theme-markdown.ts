import { GLOBAL_SCOPE } from '#contracts/briefing/vocabulary.ts';
import { type ThemeBrief, themeBriefName } from '../book/theme-brief.ts';
import { moneyText, secondaryProjectsLine } from '../rules.ts';
import { code, ILLUSTRATIVE_BANNER, markdownText, surveyStatisticsMarkdown, tableBlock } from './markdown.ts';
import type { ExportMeta } from './tables.ts';

/**
 * A round-table or JMDI-theme brief in Markdown (the view: book/theme-brief.ts): the full title
 * with its source, evidence by pilot country, JMDI projects with their confidence, good
 * practices, the survey answers of the capacity areas mapped to the theme, events, caveats and
 * full citations. ⚠ marks rows of confidence "low" and illustrative sources.
 */

const flag = (confidence: string) => (confidence === 'low' ? ' ⚠' : '');

export function renderThemeMarkdown(brief: ThemeBrief, meta: ExportMeta): string {
  const body = brief.item.body;
  const lines: string[] = [];
  const kind = body.theme_kind === 'hld_round_table' ? 'HLD 2013 round table' : 'JMDI theme';
  lines.push(
    `# ${brief.title.short}: ${markdownText(brief.title.title)} — ${markdownText(brief.scopeName)}`,
    '',
  );
  lines.push(
    `*${kind} brief. Title as in ${markdownText(brief.title.source)}. Dataset ${code(meta.dataset)}, version ${meta.version}, as of ${meta.asOf}. ` +
      '⚠ marks rows of confidence "low" or illustrative sources: do not cite them as fact.*',
    '',
  );
  if (body.illustrative) lines.push(ILLUSTRATIVE_BANNER, '');
  lines.push(
    `${body.n_projects} JMDI project(s) on the theme; ${body.n_good_practices} good practice(s); ` +
      `${body.pilot_evidence.length} pilot milestone(s); capacity areas mapped to the theme: ${brief.capacityAreas.map(code).join(', ') || 'none'}.`,
    '',
  );
  const secondary = secondaryProjectsLine(body.theme, body.secondary_projects);
  if (secondary) lines.push(markdownText(secondary), '');

  lines.push('## Evidence by pilot country', '');
  if (brief.pilotEvidence.length === 0) lines.push('No pilot country in this scope.', '');
  else
    lines.push(
      ...tableBlock(
        [
          'Country',
          'Pilot status',
          'JMDI projects',
          'Good practices',
          'Pilot milestones',
          'High demand (survey, n of base)',
        ],
        brief.pilotEvidence.map((pilot) => [
          `${markdownText(pilot.name)} (${pilot.iso3})`,
          `${markdownText(pilot.participation_status.replace(/_/g, ' '))} as of ${pilot.status_as_of}`,
          String(pilot.projects_n),
          String(pilot.good_practices_n),
          String(pilot.pilot_milestones_n),
          markdownText(pilot.high_demand.join('; ')) || '—',
        ]),
      ),
      '',
    );

  lines.push('## JMDI projects', '');
  if (brief.projects.length === 0) lines.push('No JMDI project on this theme in this scope.', '');
  else
    lines.push(
      ...tableBlock(
        ['Project', 'Country', 'Title', 'JMDI theme', 'Status', 'Budget', 'Confidence', 'Source'],
        brief.projects.map((project) => [
          code(project.project_id),
          project.iso3,
          markdownText(project.title),
          markdownText(project.theme_primary),
          markdownText(project.status.replace(/_/g, ' ')),
          project.budget === undefined ? '' : moneyText(project.budget, project.currency),
          `${project.confidence}${flag(project.confidence)}`,
          code(project.source.source_doc_id),
        ]),
      ),
      '',
    );

  lines.push('## Good practices', '');
  if (brief.practices.length === 0) lines.push('None recorded.', '');
  else {
    for (const practice of brief.practices)
      lines.push(
        `- ${code(practice.lesson_id)} (${markdownText(practice.evidence_strength)} evidence, project ${code(practice.project_id)}): ` +
          `${markdownText(practice.statement)} Source ${code(practice.source.source_doc_id)}${practice.illustrative ? ' ⚠ illustrative' : ''}`,
      );
    lines.push('');
  }

  lines.push('## UN Country Team survey: demands relevant to the theme', '');
  if (!brief.survey || brief.survey.areas.length === 0)
    lines.push('The survey asked about no capacity area mapped to this theme.', '');
  else lines.push(...surveyStatisticsMarkdown(brief.survey));

  lines.push('## Events', '');
  if (brief.events.length === 0) lines.push('No event linked to the theme in this scope.', '');
  else
    lines.push(
      ...tableBlock(
        ['Date', 'Event', 'Title', 'Place', 'Source'],
        brief.events.map((event) => [
          markdownText(event.dates),
          code(event.event_id),
          markdownText(event.title),
          markdownText(event.place),
          code(event.source.source_doc_id) + flag(event.confidence),
        ]),
      ),
      '',
    );

  lines.push('## Caveats', '');
  lines.push(
    ...(brief.caveats.length
      ? brief.caveats.map((caveat) => `- ${markdownText(caveat)}`)
      : ['- None recorded.']),
    '',
  );

  lines.push('## Sources', '');
  lines.push(
    ...brief.sources.map((source) => `- ${source.illustrative ? '⚠ ' : ''}${markdownText(source.text)}`),
    '',
    `Walk any row back to the raw bytes with \`hld lineage theme#${body.theme}@${body.scope}\`.`,
    '',
  );
  return lines.join('\n');
}

/** The index section listing theme briefs (global first, then per country). */
export function renderThemeIndex(briefs: readonly ThemeBrief[]): string {
  if (briefs.length === 0) return '';
  const global = briefs.filter((brief) => brief.scope === GLOBAL_SCOPE);
  const scoped = briefs.filter((brief) => brief.scope !== GLOBAL_SCOPE);
  const link = (brief: ThemeBrief) =>
    `[${brief.title.short} — ${markdownText(brief.scopeName)}](themes/${themeBriefName(brief.item)}.md)`;
  return [
    '## Round-table and theme briefs',
    '',
    ...global.map((brief) => `- ${link(brief)}: ${markdownText(brief.title.title)}`),
    ...(scoped.length ? ['', `By country: ${scoped.map(link).join(' · ')}`] : []),
    '',
  ].join('\n');
}
