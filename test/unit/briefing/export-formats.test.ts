import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_FORMATS } from '#packages/briefing/exports/formats.ts';
import { renderBriefingExport } from '#packages/briefing/exports/render.ts';
import { BRIEFING_TABLES, briefingTables } from '#packages/briefing/exports/tables.ts';
import { type DuckDb, openDuckDb, readArrowIndependently, sqlString } from '../../support/readers.ts';
import { FORMULA_TITLE, META, storedItems } from './export-fixture.ts';

const decoder = new TextDecoder();
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Export rows as a reader sees them: missing values as null, lists as arrays. */
function expectedRows(name: string) {
  const data = briefingTables(storedItems(), META).find((entry) => entry.table.name === name)!;
  return data.rows.map((row) =>
    Object.fromEntries(data.table.columns.map((column) => [column.name, row[column.name] ?? null])),
  );
}

describe('every export format', () => {
  it('renders at least one file for every format of EXPORT_FORMATS, each with a content type', async () => {
    for (const format of EXPORT_FORMATS) {
      const files = await renderBriefingExport(format, storedItems(), META);

      expect(files.length, format).toBeGreaterThan(0);
      expect(
        files.every((file) => file.bytes.byteLength > 0 && file.contentType.length > 0),
        format,
      ).toBe(true);
    }
  });
});

describe('JSON export', () => {
  it('writes every item with its hash, and a one-page JSON per country with body and lineage', async () => {
    const items = storedItems();

    const files = await renderBriefingExport('json', items, META);

    const all = JSON.parse(decoder.decode(files.find((file) => file.path === 'briefing.json')!.bytes));
    expect(all).toMatchObject({ dataset: 'hld2013', version: 3, as_of: '2013-09-30' });
    expect(
      all.items.map(
        (item: { type: string; id: string; hash: string }) => `${item.type}#${item.id}#${item.hash}`,
      ),
    ).toEqual(items.map((item) => `${item.type}#${item.id}#${item.hash}`));
    expect(files.filter((file) => file.path.startsWith('countries/')).map((file) => file.path)).toEqual([
      'countries/JAM.json',
      'countries/MDA.json',
      'countries/MUS.json',
    ]);
    const mda = items.find((item) => item.id === 'MDA')!;
    const page = JSON.parse(decoder.decode(files.find((file) => file.path === 'countries/MDA.json')!.bytes));
    expect(page).toEqual({
      dataset: 'hld2013',
      version: 3,
      as_of: '2013-09-30',
      type: 'country',
      id: 'MDA',
      hash: mda.hash,
      ...(mda.body as object),
      lineage: mda.lineage,
    });
  });
});

describe('Markdown export', () => {
  it('writes a one-page brief a person can read, with sources, SHA-256 prefixes and low-confidence marks', async () => {
    const files = await renderBriefingExport('markdown', storedItems(), META, {
      selection: { country: 'MDA' },
    });

    // The country brief and its one-page summary, then the theme briefs scoped to the country.
    expect(files.slice(0, 2).map((file) => file.path)).toEqual(['MDA.md', 'summaries/MDA.md']);
    for (const file of files.slice(2)) expect(file.path).toMatch(/^themes\/[A-Za-z0-9]+-MDA\.md$/);
    const brief = decoder.decode(files[0]!.bytes);
    for (const heading of [
      '# Republic of Moldova (MDA)',
      '## Identity',
      '## Context figures',
      '## Mainstreaming pilot',
      '### Milestones',
      '## UN Country Team survey',
      '## JMDI projects by theme',
      '### Communities (1)',
      '## Events',
      '## Caveats',
      '## Sources',
    ]) {
      expect(brief).toContain(heading);
    }
    expect(brief).toMatch(
      /\| 2012-08-24 \| `MM-MDA-P1-M05` \| `emp_template_adopted` \| achieved \| Government adopts the EMP template \\\| and its indicator list/,
    );
    // A statement resting on an illustrative document says so where it stands.
    expect(brief).toMatch(/`JMDI1-MDA-01` .* `DOC-illustrative` ⚠ illustrative \|/);
    expect(brief).toContain('> ⚠ **Illustrative content.**');
    expect(brief).toContain(`| \`DOC-emp\` | \`${'a'.repeat(12)}\` | 1 | \`pilot_milestone\` |`);
    expect(brief).toMatch(
      /\| Immigrant stock \| 391,508 \| persons \| 2013 \| `WB_KNOMAD_BILAT` \| KNOMAD-2013 \|/,
    );
  });

  it('escapes markup in free text so a title cannot break the table, and indexes every country', async () => {
    const files = (await renderBriefingExport('markdown', storedItems(), META)).filter(
      (file) => !file.path.includes('/'),
    );

    expect(files.map((file) => file.path)).toEqual(['JAM.md', 'MDA.md', 'MUS.md', 'index.md']);
    const jam = decoder.decode(files[0]!.bytes);
    const row = jam.split('\n').find((line) => line.includes('JMDI1-JAM-01'))!;
    expect(row).toContain('=HYPERLINK("http://evil.example","click") \\| pipes');
    expect(row.split(/(?<!\\)\|/)).toHaveLength(10); // 8 cells between 9 unescaped pipes
    const index = decoder.decode(files[3]!.bytes);
    expect(index).toContain(
      '| [Republic of Moldova](MDA.md) ⚠ illustrative | `MDA` | active | 1 | 1 | no | 2 |',
    );
  });
});

describe('Arrow export', () => {
  it('writes uncompressed IPC files that an independent reader decodes to the same rows', async () => {
    const files = await renderBriefingExport('arrow', storedItems(), META);

    expect(files.map((file) => file.path)).toEqual(BRIEFING_TABLES.map((table) => `${table.name}.arrow`));
    for (const table of BRIEFING_TABLES) {
      const file = files.find((entry) => entry.path === `${table.name}.arrow`)!;
      expect(decoder.decode(file.bytes.slice(0, 6))).toBe('ARROW1');
      const read = readArrowIndependently(file.bytes);
      expect(read.fields.map((field) => field.name)).toEqual(table.columns.map((column) => column.name));
      expect(read.metadata?.get('hld.table')).toBe(table.name);
      expect(read.rows, table.name).toEqual(expectedRows(table.name));
    }
  });
});

describe('Parquet export', () => {
  let dir: string;
  let duck: DuckDb;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hld-parquet-'));
    duck = await openDuckDb();
  });

  afterAll(async () => {
    duck?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes zstd Parquet that DuckDB reads back with the same keys and values', async () => {
    const files = await renderBriefingExport('parquet', storedItems(), META);

    for (const file of files) await writeFile(join(dir, file.path), file.bytes);
    const path = sqlString(join(dir, 'briefing_project.parquet'));
    const codecs = await duck.rows(`SELECT DISTINCT compression FROM parquet_metadata(${path})`);
    expect(codecs.map((row) => row.compression)).toEqual(['ZSTD']);
    const projects = await duck.rows(`SELECT * FROM read_parquet(${path}) ORDER BY project_id`);
    expect(projects).toEqual(
      expectedRows('briefing_project').sort((a, b) =>
        String(a.project_id).localeCompare(String(b.project_id)),
      ),
    );
    const [jam] = projects.filter((row) => row.project_id === 'JMDI1-JAM-01');
    expect(jam?.title).toBe(FORMULA_TITLE); // Parquet is typed: no spreadsheet, nothing to neutralise
    const countries = await duck.rows(
      `SELECT iso3, as_of::VARCHAR AS as_of, immigrant_stock_undesa_ims, pilot_un_leads FROM read_parquet(${sqlString(join(dir, 'briefing_country.parquet'))}) ORDER BY iso3`,
    );
    expect(countries.find((row) => row.iso3 === 'MDA')).toEqual({
      iso3: 'MDA',
      as_of: '2013-09-30',
      immigrant_stock_undesa_ims: 106374,
      pilot_un_leads: ['XM-DAC-47066', 'XM-DAC-41114'],
    });
  });

  it('loads parquet-wasm only when a Parquet export is asked for', async () => {
    const script = join(dir, 'lazy.mts'); // .mts: ESM outside the package
    await writeFile(
      script,
      [
        "import { createRequire } from 'node:module';",
        `import { renderBriefingExport } from '${pathToFileURL(join(ROOT, 'packages/briefing/exports/render.ts')).href}';`,
        'const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes("parquet-wasm"));',
        "const items = [{ type: 'sources', id: 'all', body: { sources: [] } }];",
        "const meta = { dataset: 'd', version: 1, asOf: '2013-01-01' };",
        "await renderBriefingExport('csv', items, meta);",
        'const before = loaded();',
        "await renderBriefingExport('parquet', items, meta);",
        'console.log(JSON.stringify({ before, after: loaded() }));',
      ].join('\n'),
    );

    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
    });

    expect(JSON.parse(stdout)).toEqual({ before: false, after: true });
  });
});
