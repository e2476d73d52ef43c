import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredBriefingItem } from '#packages/storage/briefing-store.ts';

/**
 * Neutralise spreadsheet formula injection: a cell that starts with = + - @ tab or CR is
 * prefixed with an apostrophe (OWASP "CSV injection"), so Excel shows it as text.
 */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** One RFC 4180 field: quoted when it holds a quote, comma, CR or LF. */
export function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = neutraliseCell(typeof value === 'string' ? value : Array.isArray(value) ? value.join('|') : typeof value === 'object' ? JSON.stringify(value) : String(value));
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

type Body = Record<string, any>;

/** briefing_country.csv: one flat row per country (the DOMAIN.md §4.8 columns). */
export function countryRows(items: readonly StoredBriefingItem[]): Record<string, unknown>[] {
  return items
    .filter((item) => item.type === 'country')
    .map((item) => {
      const body = item.body as Body;
      return {
        iso3: body.iso3,
        name: body.name,
        m49: body.m49,
        subregion: body.subregion,
        ldc: body.ldc,
        lldc: body.lldc,
        sids: body.sids,
        pilot_status: body.pilots?.[0]?.participation_status,
        pilot_id: body.pilots?.[0]?.pilot_id,
        pilot_lead_gov: body.pilots?.[0]?.lead_gov,
        milestones_achieved_n: body.mainstreaming.milestones_achieved_n,
        latest_milestone_type: body.mainstreaming.latest_milestone_type,
        latest_milestone_date: body.mainstreaming.latest_milestone_date,
        strategy_status: body.mainstreaming.strategy_status,
        emp_status: body.mainstreaming.emp_status,
        is_jmdi1_target: body.jmdi.is_jmdi1_target,
        jmdi_projects_n: body.jmdi.projects_n,
        jmdi_remittances_n: body.jmdi.projects_by_theme.remittances,
        jmdi_communities_n: body.jmdi.projects_by_theme.communities,
        jmdi_capacities_n: body.jmdi.projects_by_theme.capacities,
        jmdi_rights_n: body.jmdi.projects_by_theme.rights,
        jmdi_budget_eur_total: body.jmdi.budget_eur_total,
        unct_surveyed: body.survey.unct_surveyed,
        capacity_gaps: body.survey.capacity_gaps.map((gap: Body) => gap.capacity_area),
        top_demands: body.survey.top_demands,
        events_n: body.events.length,
        caveats: body.caveats,
        source_doc_ids: body.sources.map((source: Body) => source.source_doc_id),
      };
    });
}

export async function exportBriefingCsv(items: readonly StoredBriefingItem[], dir: string): Promise<string[]> {
  const rows = countryRows(items);
  const headers = Object.keys(rows[0] ?? { iso3: '' });
  const path = join(dir, 'briefing_country.csv');
  await writeFile(path, csvLine(headers) + rows.map((row) => csvLine(headers.map((header) => row[header]))).join(''));
  return [path];
}

export async function exportBriefingJson(
  items: readonly StoredBriefingItem[],
  dir: string,
  meta: { dataset: string; version: number },
): Promise<string[]> {
  const path = join(dir, 'briefing.json');
  await writeFile(path, `${JSON.stringify({ ...meta, items: items.map(({ type, id, hash, body }) => ({ type, id, hash, body })) }, null, 2)}\n`);
  return [path];
}
