import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CountryBody } from '#contracts/briefing/country.ts';
import { type RunningBackend, startBackend } from '#packages/local/backends.ts';
import { queryCurated, SqlQueryError } from '#packages/local/sql.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import { parquetCopyKey } from '#packages/pipeline/parquet-copy.ts';
import { queryTables } from '#packages/pipeline/query-tables.ts';
import { ingestSamples, refreshNow, SAMPLE_FILES, sampleBytes, uploadAndRoute } from '../support/pipeline.ts';

/**
 * `hld query` (packages/local/sql.ts) answers from the live curated data with the Glue catalog's
 * names: the same questions asked in SQL give the figures the published briefing shows.
 */
describe('SQL over the live curated tables (DuckDB, embedded backend)', () => {
  let backend: RunningBackend;
  let countries: CountryBody[];

  beforeAll(async () => {
    backend = await startBackend('embedded');
    await ingestSamples();
    const state = await refreshNow();
    const ctx = pipelineContext();
    countries = (await ctx.briefings.listItems(ctx.config.dataset, state.version as number, 'country')).map(
      (item) => item.body as CountryBody,
    );
  }, 180_000);

  afterAll(async () => {
    await backend?.stop();
  });

  it('gives every migrant-stock figure of every country brief (both sexes, no corridor), by source and year, and no other', async () => {
    const briefedCountries = countries.map((country) => `'${country.iso3}'`).join(', ');
    const { rows } = await queryCurated(
      pipelineContext(),
      `SELECT ref_area_iso3 AS iso3, CAST(time_period AS VARCHAR) AS year, value, source
         FROM observation WHERE indicator_id = 'IMM_STOCK' AND ref_area_iso3 IN (${briefedCountries})
          AND counterpart_iso3 IS NULL AND coalesce(sex, '_T') = '_T'`,
    );
    const briefed = countries
      .flatMap((country) =>
        country.context_figures
          .filter((figure) => figure.indicator_id === 'IMM_STOCK')
          .flatMap((figure) =>
            figure.values.map((value) => ({
              iso3: country.iso3,
              year: value.year,
              value: value.value,
              source: value.source,
            })),
          ),
      )
      .sort((a, b) => JSON.stringify(Object.values(a)).localeCompare(JSON.stringify(Object.values(b))));
    const queried = [...rows].sort((a, b) =>
      JSON.stringify(Object.values(a)).localeCompare(JSON.stringify(Object.values(b))),
    );

    expect(briefed.length).toBeGreaterThan(0);
    expect(queried).toEqual(briefed);
  });

  it('gives each country’s JMDI projects by theme and EUR budget total as its brief does', async () => {
    const { rows } = await queryCurated(
      pipelineContext(),
      `SELECT target_country_iso3 AS iso3, count(*) AS projects,
              count(*) FILTER (WHERE theme_primary = 'remittances') AS remittances,
              count(*) FILTER (WHERE theme_primary = 'communities') AS communities,
              count(*) FILTER (WHERE theme_primary = 'capacities') AS capacities,
              count(*) FILTER (WHERE theme_primary = 'rights') AS rights,
              coalesce(sum(total_budget_amount) FILTER (WHERE total_budget_currency = 'EUR' AND selection_status IS DISTINCT FROM 'withdrawn'), 0) AS eur
         FROM jmdi_project GROUP BY target_country_iso3`,
    );
    const withProjects = countries.filter((country) => country.jmdi.projects_n > 0);

    expect(withProjects.length).toBeGreaterThan(3);
    for (const country of withProjects) {
      const row = rows.find((candidate) => candidate.iso3 === country.iso3);

      expect(row, country.iso3).toBeDefined();
      expect(Number(row?.projects), country.iso3).toBe(country.jmdi.projects_n);
      for (const theme of ['remittances', 'communities', 'capacities', 'rights'] as const) {
        expect(Number(row?.[theme]), `${country.iso3} ${theme}`).toBe(country.jmdi.projects_by_theme[theme]);
      }
      expect(Number(row?.eur)).toBeCloseTo(country.jmdi.budget_eur_total, 2);
    }
  });

  it('queries only the file each source name points at now: a revised upload is not counted twice', async () => {
    const ctx = pipelineContext();
    const projects = SAMPLE_FILES.find((file) => file.path.endsWith('jmdi-projects.csv'));
    const text = (await sampleBytes(projects?.path as string)).toString('utf8');
    const lines = text.trimEnd().split(/\r?\n/);
    // The same source name, one project fewer.
    const revised = `${lines.slice(0, -1).join('\n')}\n`;
    const before = await queryCurated(ctx, 'SELECT count(*) AS n FROM jmdi_project');
    await uploadAndRoute('stocktaking', 'jmdi-projects.csv', new TextEncoder().encode(revised));
    const after = await queryCurated(
      ctx,
      'SELECT count(*) AS n, count(DISTINCT source_sha256) AS files FROM jmdi_project',
    );

    expect(Number(after.rows[0]?.n)).toBe(Number(before.rows[0]?.n) - 1);
    expect(Number(after.rows[0]?.files)).toBe(1);
  });

  it('knows every catalog table even when it has no rows, and names the problem in a bad query', async () => {
    const ctx = pipelineContext();
    const counts = queryTables()
      .map((table) => `SELECT '${table.name}' AS name, count(*) AS n FROM ${table.name}`)
      .join(' UNION ALL ');
    const { rows } = await queryCurated(ctx, counts);

    expect(rows.map((row) => row.name).sort()).toEqual(
      queryTables()
        .map((table) => table.name)
        .sort(),
    );
    await expect(queryCurated(ctx, 'SELECT no_such_column FROM observation')).rejects.toThrow(SqlQueryError);
    await expect(queryCurated(ctx, 'SELECT no_such_column FROM observation')).rejects.toThrow(
      /no_such_column/,
    );
  });

  it('gives a snapshot rewritten by a refresh (a contract change) its Parquet copies, so SQL misses none of its rows', async () => {
    const ctx = pipelineContext();
    const lessons = (await ctx.ledger.listSources()).find((source) =>
      source.sourceName.endsWith('jmdi-lessons.csv'),
    );
    const snapshot = await ctx.ledger.latestSnapshot(lessons?.sha256 as string);
    const copies = (snapshot?.tables ?? []).map((table) =>
      parquetCopyKey(table.table, snapshot?.sha256 as string, snapshot?.snapshotId as string),
    );
    const before = await queryCurated(ctx, 'SELECT count(*) AS n FROM jmdi_lesson');
    // As after a contract change: no snapshot under the current contracts, no Parquet copy.
    await ctx.ledger.forgetSnapshot(snapshot?.sha256 as string, snapshot?.snapshotId as string);
    await ctx.curated.deleteMany(copies);

    const state = await refreshNow();

    expect(state.normalised).toBe(1);
    expect(copies.length).toBeGreaterThan(0);
    for (const key of copies) expect(await ctx.curated.exists(key), key).toBe(true);
    expect(await queryCurated(ctx, 'SELECT count(*) AS n FROM jmdi_lesson')).toMatchObject({
      rows: before.rows,
    });
  });
});
