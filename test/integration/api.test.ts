import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredBriefingItem, ThemeItem } from '#contracts/briefing/item.ts';
import { createBriefingRouter } from '#packages/api/router.ts';
import { type RunningApiServer, startApiServer } from '#packages/api/server.ts';
import { themeBriefName } from '#packages/briefing/book/theme-brief.ts';
import { type ExportObject, writeExportsToBucket } from '#packages/briefing/exports/bucket.ts';
import { EXPORT_FORMATS } from '#packages/briefing/exports/formats.ts';
import { EXPORT_MANIFEST, exportPrefix } from '#packages/briefing/exports/layout.ts';
import { presignExportLinks } from '#packages/briefing/exports/presign.ts';
import { renderBriefingExport } from '#packages/briefing/exports/render.ts';
import { showCommand } from '#packages/cli/commands/briefing.ts';
import type { Session } from '#packages/cli/session.ts';
import { type RunningBackend, startBackend } from '#packages/local/backends.ts';
import { BUCKET_EXPORT_FORMATS } from '#packages/pipeline/assemble.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import {
  ingestSamples,
  refreshNow,
  SAMPLE_FILES,
  sampleBytes,
  sampleSidecar,
  uploadAndRoute,
} from '../support/pipeline.ts';
import { type DuckDb, openDuckDb, sqlString } from '../support/readers.ts';

type Body = Record<string, any>;

/** One more JMDI project for Moldova: a second refresh publishes v2, so the diff has something to show. */
const EXTRA_PROJECT = [
  'project_id,jmdi_code,title_en,title_fr,title_es,target_country_iso3,target_localities,theme_primary,themes_secondary,selection_status,activity_status,start_planned,end_planned,duration_months,total_budget_amount,total_budget_currency,jmdi_grant_amount,partner_countries_iso3,source_doc_id,source_locator,extraction_method,confidence,as_of_date',
  'JMDI1-MDA-99,MDA-99,Diaspora savings groups in Orhei,,,MDA,Orhei,remittances,,implemented,4,2010-01-01,2011-06-30,18,150000,EUR,140000,ITA,DOC-illustrative-samples,api test row,manual,low,2012-11-30',
  '',
].join('\r\n');

describe('briefing API on the embedded backend', () => {
  let backend: RunningBackend;
  let server: RunningApiServer;
  let duck: DuckDb;
  let scratch: string;
  let written: ExportObject[];
  let dataset: string;

  const get = async (path: string) => {
    const response = await fetch(`${server.url}${path}`);
    return { status: response.status, headers: response.headers, json: (await response.json()) as Body };
  };

  beforeAll(async () => {
    backend = await startBackend('embedded');
    await ingestSamples();
    await refreshNow();
    const ctx = pipelineContext();
    dataset = ctx.config.dataset;
    const items = await ctx.briefings.listItems(dataset, 1);
    const record = await ctx.briefings.getVersion(dataset, 1);
    written = await writeExportsToBucket(items, ctx.exports, exportPrefix(dataset, 1), EXPORT_FORMATS, {
      dataset,
      version: 1,
      asOf: record!.createdAt.slice(0, 10),
    });
    const deliveries = await uploadAndRoute(
      'stocktaking',
      'jmdi-projects-extra.csv',
      Buffer.from(EXTRA_PROJECT),
    );
    expect(deliveries.every((delivery) => !delivery.error)).toBe(true);
    await refreshNow();
    server = await startApiServer(
      createBriefingRouter({
        briefings: ctx.briefings,
        ledger: ctx.ledger,
        exports: ctx.exports,
        buckets: { raw: ctx.config.rawBucket, curated: ctx.config.curatedBucket },
      }),
      { port: 0 },
    );
    duck = await openDuckDb();
    scratch = await mkdtemp(join(tmpdir(), 'hld-api-'));
  });

  afterAll(async () => {
    await server?.close();
    duck?.close();
    await backend?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  describe('writeExportsToBucket', () => {
    it('puts every format under briefings/<dataset>/v<N>/<format>/ and a manifest with each object’s SHA-256', async () => {
      const ctx = pipelineContext();

      const objects = await ctx.exports.list(exportPrefix(dataset, 1));
      const manifest = JSON.parse(await ctx.exports.getText(`${exportPrefix(dataset, 1)}${EXPORT_MANIFEST}`));

      const folders = new Set(objects.map((object) => object.key.split('/')[3]));
      expect([...folders].sort()).toEqual([...EXPORT_FORMATS, EXPORT_MANIFEST].sort());
      expect(objects.map((object) => object.key).sort()).toEqual(written.map((object) => object.key).sort());
      expect(manifest).toMatchObject({ dataset, version: 1, formats: [...EXPORT_FORMATS] });
      for (const entry of manifest.objects as ExportObject[]) {
        const bytes = await ctx.exports.get(entry.key);
        expect(createHash('sha256').update(bytes).digest('hex'), entry.key).toBe(entry.sha256);
      }
    });

    it('gives presigned links that download the exact bytes without credentials, expiring after 1 h by default', async () => {
      const ctx = pipelineContext();
      const now = new Date();

      const links = await presignExportLinks(ctx.exports, exportPrefix(dataset, 1), { now });

      const parquet = links.find((link) => link.path === 'parquet/briefing_country.parquet')!;
      const url = new URL(parquet.url);
      expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
      expect(parquet.expiresAt).toBe(new Date(now.getTime() + 3_600_000).toISOString());
      // The emulators accept any signature (EMULATORS.md §5): expiry itself is enforced by S3 only.
      const bytes = new Uint8Array(await (await fetch(parquet.url)).arrayBuffer());
      const entry = written.find((object) => object.key === parquet.key)!;
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.sha256);
      const path = join(scratch, 'country.parquet');
      await writeFile(path, bytes);
      const [mda] = await duck.rows(
        `SELECT iso3, pilot_id, jmdi_projects_n FROM read_parquet(${sqlString(path)}) WHERE iso3 = 'MDA'`,
      );
      expect(mda).toMatchObject({ iso3: 'MDA', pilot_id: 'MM-MDA-P1' });
    });

    it('refuses a link lifetime S3 would not honour', async () => {
      await expect(
        presignExportLinks(pipelineContext().exports, exportPrefix(dataset, 1), {
          expiresInSeconds: 8 * 24 * 3600,
        }),
      ).rejects.toThrow(/1–604800 s/);
    });
  });

  describe('routes over HTTP', () => {
    it('GET /datasets lists the dataset at v2 and the last run', async () => {
      const { status, json, headers } = await get('/datasets');

      expect(status).toBe(200);
      expect(headers.get('cache-control')).toBe('private, no-cache');
      expect(json.datasets).toEqual([expect.objectContaining({ dataset, current_version: 2 })]);
      expect(json.last_run).toMatchObject({ status: 'succeeded', version: 2 });
    });

    it('GET /datasets/{dataset}/versions lists v1 and v2 with the publish audit', async () => {
      const { json } = await get(`/datasets/${dataset}/versions`);

      expect(json.versions.map((v: Body) => v.version)).toEqual([1, 2]);
      expect(json.current).toBe(2);
      expect(json.audit.map((a: Body) => a.to)).toEqual([1, 2]);
    });

    it('GET /datasets/{dataset}/countries/{iso3} answers CURRENT and a pinned version', async () => {
      const current = await get(`/datasets/${dataset}/countries/MDA`);
      const v1 = await get(`/datasets/${dataset}/countries/mda?version=1`);

      expect(current.json).toMatchObject({ dataset, version: 2, iso3: 'MDA' });
      expect(current.json.jmdi.projects.map((p: Body) => p.project_id)).toContain('JMDI1-MDA-99');
      expect(v1.json.jmdi.projects.map((p: Body) => p.project_id)).not.toContain('JMDI1-MDA-99');
      expect(v1.headers.get('cache-control')).toBe('private, max-age=3600');
      expect(current.json.lineage.sources.every((s: Body) => /^[0-9a-f]{64}$/.test(s.file_sha256))).toBe(
        true,
      );
    });

    it('GET /datasets/{dataset}/lineage/{item} traces Moldova to its raw objects, as hld lineage does', async () => {
      const ctx = pipelineContext();

      const { status, json } = await get(`/datasets/${dataset}/lineage/${encodeURIComponent('country#MDA')}`);

      expect(status).toBe(200);
      expect(json).toMatchObject({ dataset, version: 2, item: { type: 'country', id: 'MDA' } });
      expect(json.lineage.length).toBeGreaterThan(0);
      for (const entry of json.lineage as Body[]) {
        expect(entry.file.raw_uri).toBe(`s3://${ctx.config.rawBucket}/${entry.file.raw_key}`);
        const record = await ctx.ledger.getFile(entry.file.sha256);
        expect(record?.rawKey).toBe(entry.file.raw_key);
        expect(entry.curated.length).toBeGreaterThan(0);
      }
    });

    it('GET /datasets/{dataset}/countries lists the countries', async () => {
      const { json } = await get(`/datasets/${dataset}/countries`);

      expect(json.countries.map((c: Body) => c.iso3)).toContain('MDA');
    });

    it('GET /datasets/{dataset}/themes/{theme} answers RT3 globally and for a country scope', async () => {
      const global = await get(`/datasets/${dataset}/themes/RT3`);
      const scoped = await get(`/datasets/${dataset}/themes/remittances?scope=MDA&version=2`);

      expect(global.json).toMatchObject({
        theme: 'RT3_partnerships_coherence_mainstreaming',
        scope: 'GLOBAL',
      });
      expect(scoped.json).toMatchObject({ theme: 'remittances', scope: 'MDA', version: 2 });
      expect(scoped.json.projects).toContain('JMDI1-MDA-99');
    });

    it('GET /datasets/{dataset}/diff shows the added project as a change of Moldova', async () => {
      const { json } = await get(`/datasets/${dataset}/diff?from=1&to=2`);

      expect(json).toMatchObject({ from: 1, to: 2 });
      const mda = json.changed.find((item: Body) => item.type === 'country' && item.id === 'MDA');
      expect(mda.changes).toContainEqual({ path: 'jmdi.projects_n', from: 5, to: 6 });
    });

    it('GET /datasets/{dataset}/exports?version=1 returns working presigned links; v2 has the formats assemble writes', async () => {
      const v1 = await get(`/datasets/${dataset}/exports?version=1`);
      const v2 = await get(`/datasets/${dataset}/exports`);

      expect(v1.status).toBe(200);
      expect(v1.headers.get('cache-control')).toBe('private, no-store');
      expect(v1.json).toMatchObject({ version: 1, complete: true, formats: [...EXPORT_FORMATS].sort() });
      const csv = v1.json.files.find((file: Body) => file.path === 'csv/briefing_country.csv');
      const text = await (await fetch(csv.url)).text();
      expect(text.split('\r\n')[0]).toMatch(/^iso3,name,m49,/);
      expect(v2.status).toBe(200);
      expect(v2.json).toMatchObject({
        version: 2,
        complete: true,
        formats: [...BUCKET_EXPORT_FORMATS].sort(),
      });
    });

    it.each([
      ['/datasets/hld2013/countries/MOLDOVA', 400, /alpha-3 code such as MDA/],
      ['/datasets/hld2013/countries/MDA?version=x', 400, /positive whole number/],
      ['/datasets/hld2013/themes/RT7', 400, /Unknown theme 'RT7'/],
      ['/datasets/hld2013/diff?from=1&too=2', 400, /Unknown query parameter 'too'/],
      ['/datasets/hld2013/countries/FRA', 404, /FRA has no briefing/],
      ['/datasets/hld2013/countries/MDA?version=7', 404, /no version 7/],
      ['/datasets/nope/versions', 404, /No dataset 'nope'/],
      ['/nowhere', 404, /No route/],
    ])('GET %s → %i with a message saying what to do', async (path, status, message) => {
      const response = await get(path);

      expect(response.status).toBe(status);
      expect(response.json).toEqual({
        error: status === 400 ? 'bad_request' : 'not_found',
        message: expect.stringMatching(message),
      });
    });
  });

  describe('Lambda handler', () => {
    it('answers an API Gateway HTTP API 2.0 event with the same body as the local server', async () => {
      process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN'; // keep the test output to the results
      const { handler } = await import('#functions/api/handler.ts');
      const event = {
        version: '2.0',
        rawPath: `/datasets/${dataset}/countries/MDA`,
        rawQueryString: 'version=1',
        queryStringParameters: { version: '1' },
        headers: { host: 'api.example' },
        requestContext: {
          http: { method: 'GET', path: `/datasets/${dataset}/countries/MDA` },
          stage: '$default',
          requestId: 'r-1',
        },
        isBase64Encoded: false,
      };

      const result = (await handler(event, {
        awsRequestId: 'r-1',
        functionName: 'api',
      } as Context)) as APIGatewayProxyStructuredResultV2;
      const local = await fetch(`${server.url}/datasets/${dataset}/countries/MDA?version=1`);

      expect(result.statusCode).toBe(200);
      expect(result.body).toBe(await local.text());
      expect(result.headers?.etag).toBe(local.headers.get('etag'));
    });
  });

  describe('no invented content passes as real', () => {
    /** Documents the bundled sources themselves declare illustrative (not what the builder says). */
    async function illustrativeDocuments(): Promise<Set<string>> {
      const reference = JSON.parse((await sampleBytes('reference/events-and-sources.json')).toString('utf8'));
      const documents = new Set<string>(
        reference.source_document
          .filter((row: Body) => row.illustrative === true)
          .map((row: Body) => row.doc_id),
      );
      for (const file of SAMPLE_FILES) {
        const sidecar = await sampleSidecar(file.path);
        if (sidecar?.illustrative && sidecar.doc_id) documents.add(sidecar.doc_id);
      }
      return documents;
    }

    it('marks every item resting on an illustrative row, on every surface: JSON, API, CLI text, Markdown, CSV, HXL, datapackage', async () => {
      const ctx = pipelineContext();
      const version = (await ctx.briefings.current(dataset))!.version;
      const items = await ctx.briefings.listItems(dataset, version);
      const invented = await illustrativeDocuments();
      const rests = (item: StoredBriefingItem) =>
        (item.lineage?.sources ?? []).some((source) => invented.has(source.source_doc_id));
      const expected = new Map(items.map((item) => [`${item.type}#${item.id}`, rests(item)]));

      // JSON (the item as stored, `--json` and the API return it): the flag and a caveat naming it.
      for (const item of items) {
        const body = item.body as Body;
        expect(body.illustrative, `${item.type}#${item.id}`).toBe(expected.get(`${item.type}#${item.id}`));
        if (body.illustrative) {
          expect(body.confidence, `${item.type}#${item.id}`).toBe('low');
          expect(body.caveats.join(' '), `${item.type}#${item.id}`).toMatch(
            /^Illustrative content: \d+ of \d+ rows/,
          );
        }
      }
      expect(expected.get('country#MUS')).toBe(true);
      expect([...expected.values()].filter(Boolean).length).toBeGreaterThan(100);

      // The HTTP API and `hld briefing show` (text), for every country and theme item.
      const text: string[] = [];
      const out = {
        json: false,
        info: () => {},
        result: (_: unknown, human: () => string) => text.push(human()),
      };
      const session = { ctx } as unknown as Session;
      for (const item of items) {
        if (item.type !== 'country' && item.type !== 'theme') continue;
        const [theme, scope] = item.id.split('@');
        const path =
          item.type === 'country'
            ? `/datasets/${dataset}/countries/${item.id}`
            : `/datasets/${dataset}/themes/${theme}?scope=${scope}`;
        const answer = await get(path);
        expect(answer.json.illustrative, path).toBe(rests(item));
        text.length = 0;
        await showCommand(
          session,
          out,
          item.type === 'country'
            ? { target: item.id }
            : { theme: theme!, ...(scope === 'GLOBAL' ? {} : { scope: scope! }) },
        );
        expect(text[0]?.includes('ILLUSTRATIVE content'), `hld briefing show ${item.id}`).toBe(rests(item));
      }

      // Markdown: the banner on every brief resting on invented rows, and only there.
      const meta = { dataset, version, asOf: '2013-09-30' };
      // Country briefs, their one-page summaries and the theme briefs (RT3.md, RT3-MDA.md).
      const themeIds = new Map(
        items
          .filter((item) => item.type === 'theme')
          .map((item) => [themeBriefName(item as ThemeItem), `theme#${item.id}`]),
      );
      for (const file of await renderBriefingExport('markdown', items, meta)) {
        if (file.path === 'index.md') continue;
        const name = file.path.replace(/^(summaries|themes)\//, '').replace('.md', '');
        const key = file.path.startsWith('themes/') ? themeIds.get(name) : `country#${name}`;
        expect(key, file.path).toBeDefined();
        expect(new TextDecoder().decode(file.bytes).includes('⚠ **Illustrative content.**'), file.path).toBe(
          expected.get(key!),
        );
      }

      // CSV and the datapackage (same tables), read back by DuckDB; HXL by its hashtag row.
      const csvFiles = await renderBriefingExport('datapackage', items, meta);
      const descriptor = JSON.parse(
        new TextDecoder().decode(csvFiles.find((file) => file.path === 'datapackage.json')!.bytes),
      );
      for (const [table, key] of [
        ['briefing_country', (row: Body) => `country#${row.iso3}`],
        ['briefing_theme', (row: Body) => `theme#${row.theme}@${row.scope}`],
        ['briefing_event', (row: Body) => `event#${row.event_id}`],
      ] as const) {
        const resource = descriptor.resources.find((entry: Body) => entry.name === table);
        expect(resource.schema.fields).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ name: 'confidence' }),
            expect.objectContaining({ name: 'illustrative', type: 'boolean' }),
          ]),
        );
        const path = join(scratch, `${table}.csv`);
        await writeFile(path, csvFiles.find((file) => file.path === `${table}.csv`)!.bytes);
        const rows = await duck.rows(
          `SELECT * FROM read_csv(${sqlString(path)}, header = true, all_varchar = true)`,
        );
        expect(rows.length).toBeGreaterThan(0);
        for (const row of rows) expect(row.illustrative === 'true', key(row)).toBe(expected.get(key(row)));
      }
      const hxl = (await renderBriefingExport('hxl', items, meta))[0]!;
      const hxlPath = join(scratch, 'briefing_country.hxl.csv');
      await writeFile(hxlPath, hxl.bytes);
      const hxlRows = await duck.rows(
        `SELECT * FROM read_csv(${sqlString(hxlPath)}, header = true, all_varchar = true)`,
      );
      const [header, tags] = new TextDecoder().decode(hxl.bytes).split('\r\n');
      const at = header!.split(',').indexOf('illustrative');
      expect(tags!.split(',')[at]).toBe('#meta+illustrative');
      const countries = hxlRows.filter((row) => /^[A-Z]{3}$/.test(String(row.iso3)));
      expect(countries.length).toBe(items.filter((item) => item.type === 'country').length);
      for (const row of countries)
        expect(row.illustrative === 'true', `hxl ${row.iso3}`).toBe(expected.get(`country#${row.iso3}`));
    });
  });
});
