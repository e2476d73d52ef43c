import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { jmdiProjectContract } from '#contracts/stocktaking.ts';
import { readArrowTable, tableRows } from '#packages/arrow/read.ts';
import { ArrowTableWriter } from '#packages/arrow/table-writer.ts';
import { columnSpecs } from '#packages/contracts/columns.ts';

const row = (index: number) => ({
  project_id: `JMDI1-T-${index}`,
  title_en: `Project ${index} — café`,
  target_country_iso3: index % 2 ? 'MDA' : 'SEN',
  theme_primary: index % 3 ? 'remittances' : 'rights',
  themes_secondary: index % 4 ? ['communities', 'capacities'] : undefined,
  selection_status: 'implemented',
  activity_status: index % 5 ? 2 : undefined,
  start_planned: '2010-03-01',
  total_budget_amount: 180000.5 + index,
  source_doc_id: 'DOC-x',
  source_locator: `line ${index + 2}`,
  extraction_method: 'manual',
  confidence: 'low',
});

describe('ArrowTableWriter', () => {
  it('round-trips every value, null and list across several record batches', async () => {
    const writer = new ArrowTableWriter(columnSpecs(jmdiProjectContract), {
      batchSize: 3,
      metadata: { 'hld:contract': 'jmdi_project@1.0.0' },
    });
    const input = Array.from({ length: 10 }, (_, index) => row(index));

    for (const value of input) writer.append(value);
    const bytes = await writer.finish();

    const table = readArrowTable(bytes);
    expect(writer.batches).toBe(4);
    expect(table.numRows).toBe(10);
    expect(table.schema.metadata.get('hld:contract')).toBe('jmdi_project@1.0.0');
    const rows = tableRows(table);
    for (const [index, value] of input.entries()) {
      const expected = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
      expect(rows[index]).toEqual(expected);
    }
  });

  it('dictionary-encodes vocabularies with the vocabulary as a shared dictionary and a narrow index', async () => {
    const writer = new ArrowTableWriter(columnSpecs(jmdiProjectContract));
    writer.append(row(1));

    const table = tableFromIPC(await writer.finish());

    const theme = table.schema.fields.find((field) => field.name === 'theme_primary');
    const country = table.schema.fields.find((field) => field.name === 'target_country_iso3');
    expect(String(theme?.type)).toBe('Dictionary<Int8, Utf8>');
    expect(String(country?.type)).toBe('Dictionary<Int16, Utf8>');
  });

  it('refuses a value outside the dictionary instead of wrapping the index', () => {
    const writer = new ArrowTableWriter(columnSpecs(jmdiProjectContract));

    expect(() => writer.append({ ...row(1), theme_primary: 'tourism' })).toThrow(
      /not in the theme_primary dictionary/,
    );
  });
});
