import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DuckDb, openDuckDb, readArrowIndependently, sqlString } from '../support/readers.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HLD = join(ROOT, 'bin/hld.js');
const TABLES = [
  'briefing_country',
  'briefing_theme',
  'briefing_project',
  'briefing_pilot_status',
  'briefing_context_figure',
  'briefing_event',
  'briefing_sources',
];

type Body = Record<string, any>;

describe('hld briefing export and hld serve, as an analyst uses them', () => {
  let stateDir: string;
  let outDir: string;
  let duck: DuckDb;
  let mda: Body;
  let countries: Body[];

  const env = () => ({ ...process.env, HLD_STATE_DIR: stateDir, HLD_BACKEND: 'embedded' });

  async function hld(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [HLD, ...args], {
        cwd: ROOT,
        env: env(),
        maxBuffer: 64 * 1024 * 1024,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  /** Export one format with --json; the result names the files written. */
  async function exportFormat(
    format: string,
    ...extra: string[]
  ): Promise<{ dir: string; files: string[]; stderr: string }> {
    const dir = join(outDir, [format, ...extra].join('_').replace(/[^a-z0-9_]/gi, ''));
    const result = await hld(['briefing', 'export', '--format', format, '--out', dir, '--json', ...extra]);
    expect(result.code, result.stderr).toBe(0);
    const parsed = JSON.parse(result.stdout);
    return { dir, files: parsed.files.map((file: { path: string }) => file.path), stderr: result.stderr };
  }

  const rowsOf = (sql: string) => duck.rows(sql);

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'hld-e2e-exports-'));
    outDir = join(stateDir, 'out');
    const ran = await hld(['run', '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    mda = JSON.parse((await hld(['briefing', 'show', 'MDA', '--json'])).stdout);
    countries = JSON.parse((await hld(['briefing', 'list', '--json'])).stdout).countries;
    duck = await openDuckDb();
  });

  afterAll(async () => {
    duck?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('CSV: one RFC 4180 file per table that DuckDB reads with the briefing’s keys and values; progress on stderr', async () => {
    const { dir, files, stderr } = await exportFormat('csv');

    expect(files.map((file) => file.split('/').pop())).toEqual(TABLES.map((table) => `${table}.csv`));
    expect(stderr).toMatch(/\[1\] briefing_country\.csv \(/);
    const path = (table: string) => sqlString(join(dir, `${table}.csv`));
    const rows = await rowsOf(
      `SELECT * FROM read_csv(${path('briefing_country')}, header = true, all_varchar = true) ORDER BY iso3`,
    );
    expect(rows.map((row) => row.iso3)).toEqual(countries.map((country) => country.iso3));
    expect(rows.find((row) => row.iso3 === 'MDA')).toMatchObject({
      name: mda.name,
      pilot_id: mda.pilots[0].pilot_id,
      pilot_status: mda.pilots[0].participation_status,
      jmdi_projects_n: String(mda.jmdi.projects_n),
      jmdi_budget_eur_total: String(mda.jmdi.budget_eur_total),
      milestones_achieved_n: String(mda.mainstreaming.milestones_achieved_n),
      event_ids: mda.events.map((event: Body) => event.event_id).join('|'),
    });
    const projects = await rowsOf(
      `SELECT iso3, count(*) AS n, count(DISTINCT project_id) AS ids FROM read_csv(${path('briefing_project')}, header = true, all_varchar = true) GROUP BY iso3`,
    );
    const mdaProjects = projects.find((row) => row.iso3 === 'MDA')!;
    expect(Number(mdaProjects.n)).toBe(mda.jmdi.projects_n);
    expect(mdaProjects.ids).toBe(mdaProjects.n);
  });

  it('JSON: the items and a one-page JSON per country, read back by DuckDB', async () => {
    const { dir, files } = await exportFormat('json');

    expect(files.filter((file) => file.includes('/countries/'))).toHaveLength(countries.length);
    const [page] = await rowsOf(
      `SELECT iso3, name, jmdi.projects_n::INTEGER AS projects_n, len(milestones)::INTEGER AS milestones, version::INTEGER AS version FROM read_json(${sqlString(join(dir, 'countries', 'MDA.json'))})`,
    );
    expect(page).toEqual({
      iso3: 'MDA',
      name: mda.name,
      projects_n: mda.jmdi.projects_n,
      milestones: mda.milestones.length,
      version: 1,
    });
    const [all] = await rowsOf(
      `SELECT json_array_length(content::JSON, '$.items')::INTEGER AS items, content::JSON ->> '$.dataset' AS dataset FROM read_text(${sqlString(join(dir, 'briefing.json'))})`,
    );
    const versions = JSON.parse((await hld(['briefing', 'versions', '--json'])).stdout).versions;
    expect(all).toEqual({ items: versions[0].itemCount, dataset: 'hld2013' });
  });

  it('Parquet: zstd files DuckDB reads with the same keys and values as the CSV', async () => {
    const { dir } = await exportFormat('parquet');

    const path = (table: string) => sqlString(join(dir, `${table}.parquet`));
    const codecs = await rowsOf(
      `SELECT DISTINCT compression FROM parquet_metadata(${path('briefing_theme')})`,
    );
    expect(codecs.map((row) => row.compression)).toEqual(['ZSTD']);
    const [country] = await rowsOf(
      `SELECT iso3, name, pilot_id, jmdi_projects_n, lldc, pilot_un_leads FROM read_parquet(${path('briefing_country')}) WHERE iso3 = 'MDA'`,
    );
    expect(country).toEqual({
      iso3: 'MDA',
      name: mda.name,
      pilot_id: mda.pilots[0].pilot_id,
      jmdi_projects_n: mda.jmdi.projects_n,
      lldc: mda.lldc,
      pilot_un_leads: mda.pilots[0].un_leads,
    });
    const [themes] = await rowsOf(
      `SELECT count(*) AS n, count(DISTINCT (theme, scope)) AS keys FROM read_parquet(${path('briefing_theme')})`,
    );
    const shown = JSON.parse((await hld(['briefing', 'show', '--theme', 'RT3', '--json'])).stdout);
    const [rt3] = await rowsOf(
      `SELECT n_projects FROM read_parquet(${path('briefing_theme')}) WHERE theme = '${shown.theme}' AND scope = 'GLOBAL'`,
    );
    expect(themes?.n).toBe(themes?.keys);
    expect(rt3?.n_projects).toBe(shown.n_projects);
  });

  it('Arrow: uncompressed IPC files that an independent reader (Flechette) decodes to the same values', async () => {
    const { dir, files } = await exportFormat('arrow');

    expect(files.map((file) => file.split('/').pop())).toEqual(TABLES.map((table) => `${table}.arrow`));
    const country = readArrowIndependently(await readFile(join(dir, 'briefing_country.arrow')));
    const row = country.rows.find((entry) => entry.iso3 === 'MDA')!;
    expect(row).toMatchObject({
      name: mda.name,
      pilot_id: mda.pilots[0].pilot_id,
      jmdi_projects_n: mda.jmdi.projects_n,
      latest_milestone_date: mda.mainstreaming.latest_milestone_date,
      event_ids: mda.events.map((event: Body) => event.event_id),
    });
    expect(country.rows.map((entry) => entry.iso3)).toEqual(countries.map((entry) => entry.iso3));
    const sources = readArrowIndependently(await readFile(join(dir, 'briefing_sources.arrow')));
    expect(
      sources.rows.every((entry) =>
        (entry.file_sha256 as string[]).every((sha) => /^[0-9a-f]{64}$/.test(sha)),
      ),
    ).toBe(true);
  });

  it('Markdown: a readable one-page brief per country, round-table briefs and an index that links to each', async () => {
    const { dir, files: written } = await exportFormat('markdown');
    const one = await exportFormat('markdown', '--country', 'Republic of Moldova');
    const rt3 = await exportFormat('markdown', '--theme', 'RT3');

    const countryPages = (paths: string[]) =>
      paths.filter((file) => !file.includes('/themes/') && !file.includes('/summaries/'));
    expect(countryPages(one.files).map((file) => file.split('/').pop())).toEqual(['MDA.md']);
    expect(one.files.some((file) => file.endsWith('/themes/RT3-MDA.md'))).toBe(true);
    const rt3Brief = await readFile(join(rt3.dir, 'themes', 'RT3.md'), 'utf8');
    expect(rt3Brief).toMatch(/^# RT3: Strengthening partnerships and cooperation on international migration/);
    expect(countryPages(rt3.files).map((file) => file.split('/').pop())).toEqual(['index.md']);
    const brief = await readFile(join(dir, 'MDA.md'), 'utf8');
    expect(brief).toContain(`# ${mda.name} (MDA)`);
    for (const milestone of mda.milestones) expect(brief).toContain(`\`${milestone.milestone_id}\``);
    const files = JSON.parse((await hld(['status', '--json'])).stdout).files as { sha256: string }[];
    const prefixes = [...brief.split('## Sources')[1]!.matchAll(/\| `([0-9a-f]{12})` \|/g)].map(
      (match) => match[1]!,
    );
    expect(prefixes.length).toBeGreaterThan(0);
    for (const prefix of prefixes)
      expect(
        files.some((file) => file.sha256.startsWith(prefix)),
        prefix,
      ).toBe(true);
    const index = await readFile(join(dir, 'index.md'), 'utf8');
    const linked = [...index.matchAll(/\]\(([A-Z]{3})\.md\)/g)].map((match) => `${match[1]}.md`);
    expect(linked.sort()).toEqual(
      countryPages(written)
        .map((file) => file.split('/').pop()!)
        .filter((file) => file !== 'index.md')
        .sort(),
    );
  });

  it('Data Package: the descriptor’s schemas match the CSV headers, keys are unique and foreign keys resolve', async () => {
    const { dir } = await exportFormat('datapackage');

    const descriptor = JSON.parse(await readFile(join(dir, 'datapackage.json'), 'utf8'));
    expect(descriptor.name).toBe('hld2013-briefing');
    expect(descriptor.resources.map((resource: Body) => resource.path)).toEqual(
      TABLES.map((table) => `${table}.csv`),
    );
    for (const resource of descriptor.resources) {
      const path = sqlString(join(dir, resource.path));
      const [header] = parse(await readFile(join(dir, resource.path), 'utf8'), { to_line: 1 }) as string[][];
      expect(header, resource.name).toEqual(resource.schema.fields.map((field: Body) => field.name));
      const key = [resource.schema.primaryKey].flat().join(', ');
      const [counts] = await rowsOf(
        `SELECT count(*) AS n, count(DISTINCT (${key})) AS keys FROM read_csv(${path}, header = true, all_varchar = true)`,
      );
      expect(counts?.keys, resource.name).toBe(counts?.n);
      for (const foreign of resource.schema.foreignKeys ?? []) {
        const target = sqlString(join(dir, `${foreign.reference.resource}.csv`));
        const [orphans] = await rowsOf(
          `SELECT count(*) AS n FROM read_csv(${path}, header = true, all_varchar = true) AS t WHERE t.${foreign.fields} IS NOT NULL AND t.${foreign.fields} NOT IN (SELECT ${foreign.reference.fields} FROM read_csv(${target}, header = true, all_varchar = true))`,
        );
        expect(Number(orphans?.n), `${resource.name}.${foreign.fields}`).toBe(0);
      }
    }
  });

  it('HXL: briefing_country with a hashtag row under the header, BOM first with --bom', async () => {
    const { dir } = await exportFormat('hxl', '--bom');

    const bytes = await readFile(join(dir, 'briefing_country.hxl.csv'));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, tags, ...data] = parse(bytes, { bom: true }) as string[][];
    expect(tags?.[header!.indexOf('iso3')]).toBe('#country+code');
    expect(tags?.[header!.indexOf('pilot_status')]).toBe('#status+pilot');
    expect(tags?.[header!.indexOf('jmdi_projects_n')]).toBe('#activity+num+jmdi');
    expect(tags?.[header!.indexOf('as_of')]).toBe('#date+reported');
    expect(data).toHaveLength(countries.length);
  });

  it('says what to do on a bad format, a --bom it cannot honour and an unknown theme', async () => {
    const format = await hld(['briefing', 'export', '--format', 'xlsx']);
    const bom = await hld(['briefing', 'export', '--format', 'parquet', '--bom']);
    const theme = await hld(['briefing', 'export', '--format', 'csv', '--theme', 'RT9']);

    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(
      /--format must be one of csv, json, arrow, parquet, markdown, datapackage, hxl/,
    );
    expect(bom.stderr).toMatch(/--bom is for Excel and applies to csv and hxl only/);
    expect(theme.stderr).toMatch(/Unknown theme 'RT9': use RT1–RT4/);
  });

  it('a project title that is a spreadsheet formula arrives in the CSV neutralised', async () => {
    const folder = join(stateDir, 'upload');
    await mkdir(folder, { recursive: true });
    await writeFile(
      join(folder, 'jmdi-formula.csv'),
      [
        'project_id,jmdi_code,title_en,title_fr,title_es,target_country_iso3,target_localities,theme_primary,themes_secondary,selection_status,activity_status,start_planned,end_planned,duration_months,total_budget_amount,total_budget_currency,jmdi_grant_amount,partner_countries_iso3,source_doc_id,source_locator,extraction_method,confidence,as_of_date',
        'JMDI1-MDA-77,MDA-77,"=HYPERLINK(""http://example.org"",""click"")",,,MDA,Orhei,rights,,implemented,4,2010-01-01,2011-06-30,18,120000,EUR,100000,ITA,DOC-illustrative-samples,e2e formula row,manual,low,2012-11-30',
        '',
      ].join('\r\n'),
    );

    const ingested = await hld(['ingest', join(folder, 'jmdi-formula.csv'), '--kind', 'stocktaking']);
    const refreshed = await hld(['refresh']);
    const { dir } = await exportFormat('csv', '--country', 'MDA');

    expect(ingested.code, ingested.stderr).toBe(0);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    const [project] = await rowsOf(
      `SELECT title FROM read_csv(${sqlString(join(dir, 'briefing_project.csv'))}, header = true, all_varchar = true) WHERE project_id = 'JMDI1-MDA-77'`,
    );
    expect(project?.title).toBe(`'=HYPERLINK("http://example.org","click")`);
    expect((await readdir(dir)).sort()).toEqual(TABLES.map((table) => `${table}.csv`).sort());
  });

  it('hld serve answers a route and the HTML briefing book on 127.0.0.1 and stops cleanly on SIGTERM', async () => {
    const server = spawn(process.execPath, [HLD, 'serve', '--port', '0'], {
      cwd: ROOT,
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        server.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /http:\/\/127\.0\.0\.1:\d+/.exec(output);
          if (match) resolve(match[0]);
        });
        server.once('exit', () => reject(new Error(`hld serve exited before listening: ${output}`)));
      });

      const response = await fetch(`${url}/datasets/hld2013/countries/MDA`);
      const body = (await response.json()) as Body;

      expect(response.status).toBe(200);
      expect(body).toMatchObject({ iso3: 'MDA', version: 2 });
      expect(body.jmdi.projects.map((project: Body) => project.project_id)).toContain('JMDI1-MDA-77');
      // The HTML briefing book of the live version, beside the API.
      const book = await fetch(`${url}/book/countries/MDA.html`);
      expect(book.status).toBe(200);
      expect(book.headers.get('content-type')).toContain('text/html');
      expect(await book.text()).toContain('<h1 id="summary-title">Republic of Moldova (MDA)');
      expect((await fetch(`${url}/`, { redirect: 'manual' })).headers.get('location')).toBe('/book/');
      expect((await fetch(`${url}/book/`)).status).toBe(200);
    } finally {
      server.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
