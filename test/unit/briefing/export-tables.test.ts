import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { ExportDataError } from '#packages/briefing/exports/errors.ts';
import { renderBriefingExport } from '#packages/briefing/exports/render.ts';
import { resolveThemeCode, selectItems } from '#packages/briefing/exports/selection.ts';
import { BRIEFING_TABLES, briefingTables, type ExportRow } from '#packages/briefing/exports/tables.ts';
import { META, storedItems } from './export-fixture.ts';

const tableRows = (name: string, items = storedItems()) =>
  briefingTables(items, META).find((data) => data.table.name === name)?.rows ?? [];
const byKey = (rows: readonly ExportRow[], key: string, value: string) =>
  rows.find((row) => row[key] === value);

describe('briefingTables', () => {
  it('flattens a country into the DOMAIN.md §4.8 columns', () => {
    const mda = byKey(tableRows('briefing_country'), 'iso3', 'MDA')!;

    expect(mda).toMatchObject({
      name: 'Republic of Moldova',
      m49: '498',
      lldc: true,
      as_of: '2013-09-30',
      pilot_id: 'MM-MDA-P1',
      pilot_status: 'active',
      pilot_lead_gov: 'State Chancellery',
      pilot_un_leads: ['XM-DAC-47066', 'XM-DAC-41114'],
      milestones_achieved_n: 1,
      latest_milestone_type: 'emp_template_adopted',
      latest_milestone_date: '2012-08-24',
      emp_status: 'template_adopted',
      is_jmdi1_target: true,
      jmdi_projects_n: 1,
      jmdi_communities_n: 1,
      jmdi_budget_eur_total: 183990,
      unct_surveyed: false,
      events_n: 2,
    });
    expect(mda.key_documents).toEqual(
      expect.arrayContaining(['DOC-newsletter', 'DOC-emp', 'DOC-illustrative']),
    );
  });

  it('gives each source its own headline column with its latest value, year and revision', () => {
    const mda = byKey(tableRows('briefing_country'), 'iso3', 'MDA')!;
    const figures = tableRows('briefing_context_figure').filter((row) => row.iso3 === 'MDA');

    expect(mda).toMatchObject({
      immigrant_stock_undesa_ims: 106374,
      immigrant_stock_undesa_ims_year: '2015',
      immigrant_stock_undesa_ims_revision: 'Rev.2019',
      immigrant_stock_wb_knomad_bilat: 391508,
      immigrant_stock_wb_knomad_bilat_year: '2013',
    });
    expect(mda).not.toHaveProperty('immigrant_stock');
    expect(figures.map((row) => `${row.source} ${row.year} ${row.value}`).sort()).toEqual([
      'UNDESA_IMS 2010 129488',
      'UNDESA_IMS 2015 106374',
      'WB_KNOMAD_BILAT 2013 391508',
    ]);
  });

  it('gives every table unique primary keys and foreign keys that resolve', () => {
    const tables = briefingTables(storedItems(), META);
    const countries = new Set(
      tables.find((data) => data.table.name === 'briefing_country')!.rows.map((row) => row.iso3),
    );

    for (const { table, rows } of tables) {
      const keys = rows.map((row) => table.primaryKey.map((name) => String(row[name])).join('\u0000'));
      expect(new Set(keys).size, table.name).toBe(keys.length);
      for (const key of table.foreignKeys) {
        for (const row of rows) {
          const value = row[key.fields[0]!];
          if (value !== undefined)
            expect(countries.has(value), `${table.name}.${key.fields[0]} ${value}`).toBe(true);
        }
      }
    }
  });

  it('lists each source with the SHA-256 of the files that carried its rows', () => {
    const gfmd = byKey(tableRows('briefing_sources'), 'source_doc_id', 'DOC-gfmd')!;

    expect(gfmd).toMatchObject({
      title: 'GFMD meetings page',
      url: 'https://gfmd.org/',
      file_sha256: ['c'.repeat(64)],
    });
    expect(gfmd.raw_keys).toEqual([`raw/reference/${'c'.repeat(64)}/reference.csv`]);
  });

  it('refuses a date it cannot type instead of writing 1970-01-01, naming table, row and field', () => {
    const items = storedItems().map((item) =>
      item.type === 'event' ? { ...item, body: { ...item.body, start_date: 'Q3 2012' } } : item,
    );

    expect(() => briefingTables(items, META)).toThrowError(ExportDataError);
    expect(() => briefingTables(items, META)).toThrowError(
      /briefing_event row EV-20111012-gfmd-chisinau-mainstreaming: start_date/,
    );
  });
});

describe('selectItems', () => {
  it('keeps one country, its scoped themes, its events and only the sources they cite', () => {
    const items = selectItems(storedItems(), { country: 'MDA' });

    expect(items.filter((item) => item.type === 'country').map((item) => item.id)).toEqual(['MDA']);
    expect(items.filter((item) => item.type === 'theme').every((item) => item.id.endsWith('@MDA'))).toBe(
      true,
    );
    expect(items.filter((item) => item.type === 'event').map((item) => item.id)).toEqual([
      'EV-20111012-gfmd-chisinau-mainstreaming',
      'EV-20121121-gfmd-summit-port-louis',
    ]);
    const cited = (list: typeof items) =>
      (
        list.find((item) => item.type === 'sources')!.body as { sources: { source_doc_id: string }[] }
      ).sources.map((source) => source.source_doc_id);
    expect(cited(storedItems())).toContain('DOC-jam-profile');
    expect(cited(items)).not.toContain('DOC-jam-profile');
    expect(cited(items)).toEqual(expect.arrayContaining(['DOC-emp', 'DOC-gfmd', 'DOC-undesa']));
  });

  it('keeps one theme across scopes, and the events on it', () => {
    const items = selectItems(storedItems(), { theme: 'RT2_rights_protection_trafficking' });

    expect(items.filter((item) => item.type === 'theme').map((item) => item.id)).toEqual([
      'RT2_rights_protection_trafficking@GLOBAL',
    ]);
    expect(items.filter((item) => item.type === 'event').map((item) => item.id)).toEqual([
      'EV-20121121-gfmd-summit-port-louis',
    ]);
    expect(items.filter((item) => item.type === 'country')).toHaveLength(3);
  });
});

describe('resolveThemeCode', () => {
  it('accepts RT3, rt3, the full code and a JMDI theme; names nothing else', () => {
    expect(resolveThemeCode('RT3')).toBe('RT3_partnerships_coherence_mainstreaming');
    expect(resolveThemeCode('rt3')).toBe('RT3_partnerships_coherence_mainstreaming');
    expect(resolveThemeCode('RT4_labour_mobility')).toBe('RT4_labour_mobility');
    expect(resolveThemeCode('remittances')).toBe('remittances');
    expect(resolveThemeCode('RT9')).toBeUndefined();
  });
});

describe('Data Package export', () => {
  const decoder = new TextDecoder();

  it('describes exactly the CSVs it ships: same headers, declared keys unique, foreign keys resolvable', async () => {
    const files = await renderBriefingExport('datapackage', storedItems(), META);
    const descriptor = JSON.parse(
      decoder.decode(files.find((file) => file.path === 'datapackage.json')!.bytes),
    );
    const csv = (path: string): Record<string, string>[] =>
      parse(decoder.decode(files.find((file) => file.path === path)!.bytes), { columns: true });

    expect(descriptor).toMatchObject({
      name: 'hld2013-briefing',
      profile: 'tabular-data-package',
      version: '3.0.0',
    });
    expect(descriptor.licenses[0].path).toBe('briefing_sources.csv');
    expect(descriptor.sources).toContainEqual({ title: 'GFMD meetings page', path: 'https://gfmd.org/' });
    expect(descriptor.resources.map((resource: { name: string }) => resource.name)).toEqual(
      BRIEFING_TABLES.map((table) => table.name),
    );
    for (const resource of descriptor.resources) {
      const rows = csv(resource.path);
      const header = Object.keys(rows[0] ?? {});
      const fields = resource.schema.fields.map((field: { name: string }) => field.name);
      if (rows.length) expect(header, resource.name).toEqual(fields);
      const primary = [resource.schema.primaryKey].flat() as string[];
      const keys = rows.map((row) => primary.map((name) => row[name]).join('\u0000'));
      expect(new Set(keys).size, resource.name).toBe(keys.length);
      for (const key of resource.schema.foreignKeys ?? []) {
        const target = csv(`${key.reference.resource}.csv`).map((row) => row[key.reference.fields]);
        for (const row of rows)
          if (row[key.fields]) expect(target, `${resource.name}.${key.fields}`).toContain(row[key.fields]);
      }
    }
    const types = Object.fromEntries(
      descriptor.resources[0].schema.fields.map((field: { name: string; type: string }) => [
        field.name,
        field.type,
      ]),
    );
    expect(types).toMatchObject({
      iso3: 'string',
      ldc: 'boolean',
      as_of: 'date',
      jmdi_projects_n: 'integer',
      jmdi_budget_eur_total: 'number',
    });
  });

  it('leaves out the event → country key for one country, whose events may be held elsewhere', async () => {
    const files = await renderBriefingExport('datapackage', storedItems(), META, {
      selection: { country: 'MDA' },
    });
    const descriptor = JSON.parse(
      decoder.decode(files.find((file) => file.path === 'datapackage.json')!.bytes),
    );

    const event = descriptor.resources.find(
      (resource: { name: string }) => resource.name === 'briefing_event',
    );
    const theme = descriptor.resources.find(
      (resource: { name: string }) => resource.name === 'briefing_theme',
    );
    expect(event.schema.foreignKeys).toBeUndefined();
    expect(theme.schema.foreignKeys).toEqual([
      { fields: 'scope_iso3', reference: { resource: 'briefing_country', fields: 'iso3' } },
    ]);
  });
});
