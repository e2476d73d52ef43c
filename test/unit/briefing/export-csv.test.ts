import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvField, neutraliseCell, renderCsv } from '#packages/briefing/exports/csv.ts';
import { renderBriefingExport } from '#packages/briefing/exports/render.ts';
import { BRIEFING_COUNTRY, BRIEFING_PROJECT, briefingTables } from '#packages/briefing/exports/tables.ts';
import { FORMULA_TITLE, META, storedItems } from './export-fixture.ts';

const decoder = new TextDecoder();

describe('neutraliseCell', () => {
  it.each(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx'])('prefixes %j with an apostrophe', (value) => {
    expect(neutraliseCell(value)).toBe(`'${value}`);
  });

  it('leaves ordinary text alone', () => {
    expect(neutraliseCell('Moldova 2020')).toBe('Moldova 2020');
  });
});

describe('csvField', () => {
  it('quotes fields with commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });

  it('keeps a negative number a number but neutralises the same text', () => {
    expect(csvField(-5)).toBe('-5');
    expect(csvField('-5')).toBe("'-5");
  });

  it('joins lists with | and escapes a | inside an element', () => {
    expect(csvField(['ITA', 'PRT'])).toBe('ITA|PRT');
    expect(csvField(['a|b', 'c\\d'])).toBe('a\\|b|c\\\\d');
  });

  it('writes nothing for a missing value', () => {
    expect(csvField(undefined)).toBe('');
    expect(csvField(null)).toBe('');
  });
});

describe('CSV export', () => {
  it('arrives in a spreadsheet with the formula title as text and the other values intact', () => {
    const project = briefingTables(storedItems(), META).find((data) => data.table === BRIEFING_PROJECT)!;

    const records: string[][] = parse(renderCsv(project), { bom: true });

    const header = records[0]!;
    const jam = records.find((record) => record[0] === 'JMDI1-JAM-01')!;
    expect(jam[header.indexOf('title')]).toBe(`'${FORMULA_TITLE}`);
    expect(jam[header.indexOf('total_budget_amount')]).toBe('-5');
    expect(jam[header.indexOf('partner_countries_iso3')]).toBe('GBR|USA');
  });

  it('starts with a BOM only when asked, and ends every record with CRLF', async () => {
    const items = storedItems();

    const plain = await renderBriefingExport('csv', items, META);
    const excel = await renderBriefingExport('csv', items, META, { bom: true });

    const country = (files: typeof plain) =>
      files.find((file) => file.path === 'briefing_country.csv')!.bytes;
    expect([...country(plain).slice(0, 3)]).toEqual([...Buffer.from('iso')]);
    expect([...country(excel).slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = decoder.decode(country(plain));
    expect(text.split('\r\n')).toHaveLength(5); // header, 3 countries, '' after the last CRLF
    expect(text.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
  });

  it('writes one file per table, named after it', async () => {
    const files = await renderBriefingExport('csv', storedItems(), META);

    expect(files.map((file) => file.path)).toEqual([
      'briefing_country.csv',
      'briefing_theme.csv',
      'briefing_project.csv',
      'briefing_pilot_status.csv',
      'briefing_context_figure.csv',
      'briefing_event.csv',
      'briefing_sources.csv',
    ]);
  });
});

describe('HXL export', () => {
  it('puts a hashtag row under the header, every cell a tag, with the DOMAIN.md §4.8 tags', async () => {
    const [file] = await renderBriefingExport('hxl', storedItems(), META);

    const [header, tags, ...data]: string[][] = parse(decoder.decode(file!.bytes));
    expect(file!.path).toBe('briefing_country.hxl.csv');
    expect(tags!.every((tag) => /^#[a-z][a-z0-9_]*(\+[a-z0-9_]+)*$/.test(tag))).toBe(true);
    const tagOf = (name: string) => tags![header!.indexOf(name)];
    expect(tagOf('iso3')).toBe('#country+code');
    expect(tagOf('name')).toBe('#country+name');
    expect(tagOf('pilot_status')).toBe('#status+pilot');
    expect(tagOf('jmdi_projects_n')).toBe('#activity+num+jmdi');
    expect(tagOf('as_of')).toBe('#date+reported');
    expect(tagOf('immigrant_stock_undesa_ims')).toBe('#affected+num+immigrants+undesa_ims');
    expect(tagOf('remittances_received_usd_wb_wdi')).toBe('#value+usd+remittances+received+wb_wdi');
    expect(data.map((row) => row[0])).toEqual(['JAM', 'MDA', 'MUS']);
    expect(header).toEqual(BRIEFING_COUNTRY.columns.map((column) => column.name));
  });
});
