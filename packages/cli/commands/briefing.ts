import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CountryBody, FigureValue } from '#contracts/briefing/country.ts';
import type { StoredBriefingItem } from '#contracts/briefing/item.ts';
import type { LineageSource } from '#contracts/briefing/provenance.ts';
import type { SurveyStatistics } from '#contracts/briefing/survey.ts';
import type { ThemeBody } from '#contracts/briefing/theme.ts';
import { figureSeries } from '#packages/briefing/book/series.ts';
import { budgetText } from '#packages/briefing/book/summary.ts';
import { diffVersions } from '#packages/briefing/diff.ts';
import { BOM_FORMATS, EXPORT_FORMATS, isExportFormat } from '#packages/briefing/exports/formats.ts';
import { resolveThemeCode, THEME_CHOICES } from '#packages/briefing/exports/selection.ts';
import { figureAmount, observationStatusNote, secondaryProjectsLine } from '#packages/briefing/rules.ts';
import { eventDates, statusWhat, statusWhen } from '#packages/briefing/status-text.ts';
import {
  SURVEY_TABLE_HEADERS,
  supportText,
  surveyTableRows,
  validationText,
} from '#packages/briefing/survey-text.ts';
import { countryReference } from '#packages/formats/countries.ts';
import { type AuditRecord, versionsEverLive } from '#packages/storage/briefing-store.ts';
import { EXIT, NotFoundError, type Output, table, UsageError } from '../output.ts';
import type { Session } from '../session.ts';

async function resolveVersion(session: Session, requested: string | undefined): Promise<number> {
  const dataset = session.ctx.config.dataset;
  if (requested !== undefined) {
    const version = Number(requested);
    if (!Number.isInteger(version) || version < 1)
      throw new UsageError(`--version must be a positive whole number, not '${requested}'`);
    if (!(await session.ctx.briefings.getVersion(dataset, version))) {
      throw new NotFoundError(`${dataset} has no version ${version}; 'hld briefing versions' lists them`);
    }
    return version;
  }
  const current = await session.ctx.briefings.current(dataset);
  if (!current)
    throw new NotFoundError(
      `No briefing of ${dataset} is published yet: run 'npm start' (or 'hld run') first`,
    );
  return current.version;
}

/** `RT3`, `RT3_partnerships…`, or a JMDI theme → the theme code used in item ids. */
export function themeCode(value: string): string {
  const code = resolveThemeCode(value);
  if (!code) throw new UsageError(`Unknown theme '${value}': use ${THEME_CHOICES}`);
  return code;
}

function countryCode(value: string): string {
  const resolved = countryReference().resolve(value);
  if (!resolved.ok) throw new UsageError(`${resolved.message}${resolved.hint ? ` (${resolved.hint})` : ''}`);
  return resolved.iso3;
}

/** The documents behind a country page: from the lineage (with files), else the body's (without). */
type PageSources = readonly (Pick<LineageSource, 'source_doc_id' | 'rows' | 'tables'> & {
  readonly file_sha256?: string;
})[];

/** ` ⚠ illustrative` or ` ⚠ low` after a statement that must not be cited as fact (as in Markdown). */
function mark(marks: { readonly confidence?: unknown; readonly illustrative?: boolean }): string {
  return marks.illustrative ? ' ⚠ illustrative' : marks.confidence === 'low' ? ' ⚠ low' : '';
}

/** The evidence line under a page's title: the weakest confidence, and whether anything is invented. */
function evidenceLine(marks: { readonly confidence: string; readonly illustrative: boolean }): string {
  return `Evidence: confidence ${marks.confidence}${marks.illustrative ? '; ⚠ ILLUSTRATIVE content (invented sample rows, marked below): not evidence' : '; no illustrative content'}`;
}

/** `hld briefing show <ISO3>` as text: the country's item, every statement with its source. */
export function describeCountry(body: CountryBody, sources: PageSources, version: number): string {
  const lines = [`${body.name} (${body.iso3}) — briefing v${version}`, evidenceLine(body), ''];
  const flags = (['ldc', 'lldc', 'sids'] as const)
    .filter((flag) => body[flag])
    .map((flag) => flag.toUpperCase());
  lines.push(
    `M49 ${body.m49 ?? '?'} · ${body.subregion ?? ''}${flags.length ? ` · ${flags.join(', ')}` : ''}`,
  );
  for (const pilot of body.pilots) {
    lines.push(
      `Pilot ${pilot.pilot_id}: ${pilot.participation_status} as of ${pilot.status_as_of}` +
        (pilot.lead_gov ? `; lead ${pilot.lead_gov}` : '') +
        (pilot.national_strategy ? `; strategy ${pilot.national_strategy}` : '') +
        ` [${pilot.source.source_doc_id}, ${pilot.confidence}]${mark(pilot.source)}` +
        (pilot.programme ? `\n  programme: ${pilot.programme}` : ''),
    );
  }
  if ((body.pilot_status ?? []).length > 0) {
    lines.push(
      '',
      'Pilot status as each source states it (a later source is a later row, not a correction):',
    );
    for (const status of body.pilot_status ?? [])
      lines.push(
        `  ${statusWhen(status)}  ${status.pilot_id}  ${statusWhat(status)}: ${status.statement} [${status.source_doc_id ?? status.source.source_doc_id}: ${status.source_locator}]${mark(status.source)}`,
      );
  }
  if (body.milestones.length > 0) {
    lines.push('', 'Milestones:');
    lines.push(
      table(
        ['id', 'type', 'status', 'date', 'source', 'confidence'],
        body.milestones.map((m) => [
          m.milestone_id,
          m.milestone_type,
          m.status,
          m.date,
          m.source.source_doc_id,
          `${m.source.confidence}${m.source.illustrative ? ' illustrative' : ''}`,
        ]),
      ),
    );
  }
  const mainstreaming = body.mainstreaming;
  lines.push(
    '',
    `Mainstreaming: ${mainstreaming.milestones_achieved_n} milestones achieved; strategy ${mainstreaming.strategy_status}; EMP ${mainstreaming.emp_status}; coordination mechanism ${mainstreaming.coordination_mechanism ? 'yes' : 'no'}; M&E framework ${mainstreaming.me_framework ? 'yes' : 'no'}${mark(mainstreaming)}`,
  );
  const survey = body.survey;
  if (survey.unct_surveyed) {
    lines.push(
      `Survey (UNCT-${body.iso3}, ${survey.respondents_n} respondent(s)): gaps ${survey.capacity_gaps.map((g) => `${g.capacity_area} (${g.has_capacity})`).join(', ') || 'none'}; high demand ${survey.top_demands.join(', ') || 'none'}; support requested ${survey.support_types_requested.map((s) => s.support_type).join(', ') || 'none'}${mark(survey)}`,
    );
    if (survey.statistics) lines.push(...surveyStatisticsLines(survey.statistics));
  } else {
    lines.push('Survey: UNCT not surveyed');
  }
  const jmdi = body.jmdi;
  lines.push(
    `JMDI: ${budgetText(body)}; by theme ${Object.entries(jmdi.projects_by_theme)
      .map(([theme, n]) => `${theme} ${n}`)
      .join(', ')}`,
  );
  for (const project of jmdi.projects) {
    lines.push(
      `  ${project.project_id}  ${String(project.theme_primary).padEnd(11)} ${String(project.selection_status).padEnd(11)} ${project.title}${mark(project.source)}`,
    );
  }
  if (body.context_figures.length > 0) {
    lines.push('', 'Context figures (each value with its source and revision; sources are never merged):');
    const valueText = (value: FigureValue) =>
      `${value.value === null ? 'n/a' : figureAmount(Number(value.value), value.unit_mult).toLocaleString('en-GB')} ${value.unit} (${value.year})${observationStatusNote(value.obs_status)} — ${value.source} ${value.revision} [${value.source_link.source_doc_id}]${mark(value.source_link)}`;
    for (const figure of body.context_figures) {
      for (const value of figure.values) lines.push(`  ${figure.label}: ${valueText(value)}`);
      // By sex as the source gives it, for every figure (a series with one year has no series line).
      for (const line of figure.by_sex ?? [])
        for (const value of line.values)
          lines.push(`    ${line.sex === 'F' ? 'females' : 'males'}: ${valueText(value)}`);
    }
  }
  const series = figureSeries(body).filter((entry) => entry.points.length > 1);
  if (series.length > 0) {
    lines.push(
      '',
      'Series over time (one per indicator, source and revision; by sex where the source gives it):',
    );
    const points = (values: readonly { year: string; value: number; obs_status?: string | undefined }[]) =>
      values
        .map(
          (point) =>
            `${point.year} ${point.value.toLocaleString('en-GB')}${observationStatusNote(point.obs_status)}`,
        )
        .join(' · ');
    for (const entry of series) {
      lines.push(
        `  ${entry.label}${entry.bySex.length ? ', both sexes' : ''} — ${entry.source} ${entry.revision}: ${points(entry.points)}${entry.unit ? ` (${entry.unit})` : ''}`,
      );
      for (const line of entry.bySex)
        lines.push(`    ${line.label}: ${points(line.points)}${entry.unit ? ` (${entry.unit})` : ''}`);
    }
  }
  if (body.events.length > 0) {
    lines.push('', 'Events:');
    for (const event of body.events)
      lines.push(`  ${eventDates(event)}  ${event.event_id}  ${event.title}${mark(event.source)}`);
  }
  if (body.caveats.length > 0) {
    lines.push('', 'Caveats:');
    for (const caveat of body.caveats) lines.push(`  ! ${caveat}`);
  }
  lines.push('', 'Sources:');
  lines.push(
    table(
      ['document', 'file sha256', 'rows', 'tables'],
      sources.map((s) => [s.source_doc_id, (s.file_sha256 ?? '').slice(0, 16), s.rows, s.tables.join(' ')]),
    ),
  );
  return lines.join('\n');
}

/** Survey answers as `n of base (p %)`, per capacity area, with what was left out and why. */
function surveyStatisticsLines(statistics: SurveyStatistics): string[] {
  return [
    `  ${validationText(statistics)}`,
    table([...SURVEY_TABLE_HEADERS], surveyTableRows(statistics))
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n'),
    `  Support requested: ${supportText(statistics)}`,
  ];
}

/** The `hld briefing show --theme` page of one theme item. */
export function describeTheme(body: ThemeBody, version: number): string {
  const lines = [`${body.label} — ${body.scope} — briefing v${version}`, evidenceLine(body), ''];
  lines.push(
    `${body.n_projects} JMDI projects (${Object.entries(body.jmdi_themes)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ')}); ${body.n_good_practices} good practices`,
  );
  const secondary = secondaryProjectsLine(body.theme, body.secondary_projects);
  if (secondary) lines.push(secondary);
  if (body.top_practices.length) {
    lines.push('', 'Top practices:');
    for (const p of body.top_practices)
      lines.push(`  ${p.lesson_id} [${p.evidence_strength}] ${p.statement}${mark(p.source)}`);
  }
  if (body.common_conditions.length)
    lines.push(
      '',
      `Common conditions: ${body.common_conditions.map((c) => `${c.condition_tag} (${c.n})`).join(', ')}`,
    );
  if (body.transnational_corridors.length) {
    lines.push(
      '',
      `Corridors: ${body.transnational_corridors.map((c) => `${c.origin_iso3}→${c.destination_iso3} (${c.projects_n})`).join(', ')}`,
    );
  }
  if (body.pilot_evidence.length) lines.push('', `Pilot evidence: ${body.pilot_evidence.length} milestones`);
  if (body.survey_statistics) {
    lines.push('', 'Survey answers on the capacity areas of this theme:');
    lines.push(...surveyStatisticsLines(body.survey_statistics));
  }
  if (body.survey_demands.length) {
    lines.push(
      '',
      `Survey demands (UNCTs whose most frequent answer is high demand, approved submissions only): ${body.survey_demands.map((d) => `${d.capacity_area} ${d.uncts_high_demand}`).join(', ')}`,
    );
  }
  if (body.caveats.length > 0) {
    lines.push('', 'Caveats:');
    for (const caveat of body.caveats) lines.push(`  ! ${caveat}`);
  }
  return lines.join('\n');
}

export async function showCommand(
  session: Session,
  out: Output,
  args: { target?: string; theme?: string; scope?: string; version?: string },
): Promise<number> {
  const version = await resolveVersion(session, args.version);
  const dataset = session.ctx.config.dataset;
  let item: StoredBriefingItem | undefined;
  if (args.theme) {
    const scope = args.scope ? countryCode(args.scope) : 'GLOBAL';
    item = await session.ctx.briefings.getItem(
      dataset,
      version,
      'theme',
      `${themeCode(args.theme)}@${scope}`,
    );
  } else if (args.target) {
    item = await session.ctx.briefings.getItem(dataset, version, 'country', countryCode(args.target));
  } else {
    throw new UsageError('Name a country (hld briefing show MDA) or a theme (hld briefing show --theme RT3)');
  }
  if (!item) {
    out.info(
      `Nothing in ${dataset} v${version} for ${args.theme ?? args.target}${args.scope ? ` in ${args.scope}` : ''}; 'hld briefing list' shows the countries it covers`,
    );
    return EXIT.problems;
  }
  // The JSON view carries the full lineage: per document, the raw objects (key + SHA-256).
  const shown = item;
  if (shown.type !== 'country' && shown.type !== 'theme') return EXIT.problems;
  const sources = shown.lineage?.sources ?? shown.body.sources;
  // `documents`: the body's own list (registered title, illustrative, confidence per document).
  const documents = shown.body.sources;
  out.result({ dataset, version, type: shown.type, id: shown.id, ...shown.body, documents, sources }, () =>
    shown.type === 'country'
      ? describeCountry(shown.body, sources, version)
      : describeTheme(shown.body, version),
  );
  return EXIT.ok;
}

export async function listCommand(
  session: Session,
  out: Output,
  args: { version?: string },
): Promise<number> {
  const version = await resolveVersion(session, args.version);
  const items = await session.ctx.briefings.listItems(session.ctx.config.dataset, version, 'country');
  const rows = items.flatMap((item) => {
    if (item.type !== 'country') return [];
    const body = item.body;
    return [
      {
        iso3: item.id,
        name: body.name,
        pilot: body.pilots[0]?.participation_status ?? '',
        milestones: body.mainstreaming.milestones_achieved_n,
        jmdi_projects: body.jmdi.projects_n,
        unct_surveyed: body.survey.unct_surveyed,
        events: body.events.length,
      },
    ];
  });
  out.result({ dataset: session.ctx.config.dataset, version, countries: rows }, () =>
    table(
      ['iso3', 'country', 'pilot', 'milestones achieved', 'JMDI projects', 'UNCT surveyed', 'events'],
      rows.map((row) => [
        row.iso3,
        row.name,
        row.pilot,
        row.milestones,
        row.jmdi_projects,
        row.unct_surveyed ? 'yes' : '',
        row.events,
      ]),
    ),
  );
  return EXIT.ok;
}

export async function versionsCommand(session: Session, out: Output): Promise<number> {
  const dataset = session.ctx.config.dataset;
  const versions = (await session.ctx.briefings.listVersions(dataset)).sort((a, b) => a.version - b.version);
  const current = await session.ctx.briefings.current(dataset);
  const audit = await session.ctx.briefings.listAudit(dataset);
  const everLive = versionsEverLive(current, audit);
  const live = (version: number) =>
    version === current?.version ? 'now' : everLive.has(version) ? 'was' : 'never';
  out.result(
    {
      dataset,
      current: current?.version,
      versions: versions.map((version) => ({ ...version, live: live(version.version) })),
      audit,
    },
    () =>
      [
        table(
          ['version', 'current', 'live', 'created', 'content hash', 'items', 'run'],
          versions.map((v) => [
            v.version,
            v.version === current?.version ? '*' : '',
            live(v.version),
            v.createdAt.slice(0, 19),
            v.contentHash.slice(0, 12),
            v.itemCount,
            v.runId,
          ]),
        ),
        ...(versions.some((v) => live(v.version) === 'never')
          ? [
              "live 'never': its items were complete but the refresh stopped before CURRENT moved to it; 'hld briefing diff' compares versions that were live unless told --from",
            ]
          : []),
      ].join('\n'),
  );
  return EXIT.ok;
}

/**
 * `hld briefing diff`: from the previous version that was live (never one a stopped refresh left
 * complete but unpublished) to the live one, unless --from/--to say otherwise.
 */
export async function diffCommand(
  session: Session,
  out: Output,
  args: { from?: string; to?: string },
): Promise<number> {
  const dataset = session.ctx.config.dataset;
  const to = await resolveVersion(session, args.to);
  const everLive = versionsEverLive(
    await session.ctx.briefings.current(dataset),
    await session.ctx.briefings.listAudit(dataset),
  );
  const versions = (await session.ctx.briefings.listVersions(dataset))
    .map((v) => v.version)
    .filter((v) => v < to && everLive.has(v));
  const from = args.from ? await resolveVersion(session, args.from) : Math.max(0, ...versions);
  if (from === 0)
    throw new NotFoundError(
      `${dataset} v${to} has no earlier version that was live to compare with; name one with --from ('hld briefing versions' lists them)`,
    );
  const diff = diffVersions(
    { version: from, items: await session.ctx.briefings.listItems(dataset, from) },
    { version: to, items: await session.ctx.briefings.listItems(dataset, to) },
  );
  out.result(diff, () => {
    const lines = [
      `${dataset} v${from} → v${to}: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed`,
    ];
    for (const item of diff.added) lines.push(`+ ${item.type} ${item.id}`);
    for (const item of diff.removed) lines.push(`- ${item.type} ${item.id}`);
    for (const item of diff.changed) {
      lines.push(`~ ${item.type} ${item.id}`);
      for (const change of item.changes.slice(0, 20)) {
        const shown = (value: unknown) => (value === undefined ? '(none)' : JSON.stringify(value));
        lines.push(`    ${change.path}: ${shown(change.from)} → ${shown(change.to)}`);
      }
      if (item.changes.length > 20) lines.push(`    … ${item.changes.length - 20} more`);
    }
    return lines.join('\n');
  });
  return EXIT.ok;
}

export async function rollbackCommand(
  session: Session,
  out: Output,
  args: { version?: string; why?: string; who?: string; neverLive?: boolean },
): Promise<number> {
  if (!args.version)
    throw new UsageError('Name the version to roll back to: hld briefing rollback 3 --why "…"');
  if (!args.why) throw new UsageError('Say why with --why "…" (it is recorded in the audit trail)');
  const dataset = session.ctx.config.dataset;
  const target = await resolveVersion(session, args.version);
  const who = args.who ?? process.env.USER ?? 'unknown';
  let audit: AuditRecord;
  // Imported here: publish.ts carries the briefing item schemas (zod), which no read command needs.
  const { RollbackError, rollbackTo } = await import('#packages/pipeline/publish.ts');
  try {
    audit = await rollbackTo(session.ctx, {
      dataset,
      version: target,
      who,
      why: args.why,
      ...(args.neverLive ? { neverLive: true } : {}),
    });
  } catch (error) {
    if (error instanceof RollbackError) throw new UsageError(error.message);
    throw error;
  }
  out.result(
    { dataset, from: audit.from, to: target, who, why: args.why },
    () => `${dataset}: CURRENT moved from v${audit.from} back to v${target} (${args.why})`,
  );
  return EXIT.ok;
}

export interface ExportArgs {
  readonly format?: string;
  readonly out?: string;
  readonly version?: string;
  readonly country?: string;
  readonly theme?: string;
  readonly bom?: boolean;
}

function humanSize(bytes: number): string {
  return bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KB`
      : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** `hld briefing export`: one format of a version (or of one country or theme) to a folder. */
export async function exportCommand(session: Session, out: Output, args: ExportArgs): Promise<number> {
  const format = args.format ?? 'json';
  if (!isExportFormat(format)) {
    throw new UsageError(
      `--format must be one of ${EXPORT_FORMATS.join(', ')} (got '${format}'); e.g. hld briefing export --format parquet`,
    );
  }
  if (args.bom && !BOM_FORMATS.includes(format)) {
    throw new UsageError(
      `--bom is for Excel and applies to ${BOM_FORMATS.join(' and ')} only; drop it for --format ${format} (other tools want plain UTF-8)`,
    );
  }
  // Check the cheap things (codes) before touching the backend.
  const iso3 = args.country ? countryCode(args.country) : undefined;
  const theme = args.theme ? themeCode(args.theme) : undefined;
  const dataset = session.ctx.config.dataset;
  const version = await resolveVersion(session, args.version);
  const record = await session.ctx.briefings.getVersion(dataset, version);
  const items = await session.ctx.briefings.listItems(dataset, version);
  if (iso3 && !items.some((item) => item.type === 'country' && item.id === iso3)) {
    out.info(
      `${iso3} has no briefing in ${dataset} v${version}; 'hld briefing list' shows the countries it covers`,
    );
    return EXIT.problems;
  }
  const dir = resolve(args.out ?? join('exports', `${dataset}-v${version}`, format));
  // A file where the folder should go is refused before anything is rendered.
  if ((await stat(dir).catch(() => undefined))?.isDirectory() === false)
    throw new UsageError(
      `--out ${args.out ?? dir} is a file, not a folder; name a folder (it is created if missing)`,
    );
  const meta = { dataset, version, asOf: (record?.createdAt ?? new Date().toISOString()).slice(0, 10) };
  out.info(
    `Exporting ${dataset} v${version} as ${format}${iso3 ? ` for ${iso3}` : ''}${theme ? ` on ${theme}` : ''} to ${dir}`,
  );
  const started = Date.now();
  let rendered = 0;
  // Parquet pays a one-off WebAssembly load; report each file so a long export visibly moves.
  const { renderBriefingExport } = await import('#packages/briefing/exports/render.ts');
  const { writeExportFiles } = await import('#packages/briefing/exports/files.ts');
  const files = await renderBriefingExport(format, items, meta, {
    bom: args.bom === true,
    selection: { ...(iso3 ? { country: iso3 } : {}), ...(theme ? { theme } : {}) },
    onProgress: (file) => {
      rendered += 1;
      out.info(`  [${rendered}] ${file.path} (${humanSize(file.bytes.byteLength)})`);
    },
  });
  const paths = await writeExportFiles(dir, files);
  const result = {
    dataset,
    version,
    format,
    dir,
    ...(iso3 ? { country: iso3 } : {}),
    ...(theme ? { theme } : {}),
    files: files.map((file, index) => ({
      path: paths[index],
      bytes: file.bytes.byteLength,
      contentType: file.contentType,
    })),
  };
  out.result(
    result,
    () => `Wrote ${files.length} file(s) to ${dir} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return EXIT.ok;
}
