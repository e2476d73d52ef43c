import { describe, expect, it } from 'vitest';
import { itemHash } from '#contracts/briefing/hash.ts';
import type { StoredBriefingItem } from '#contracts/briefing/item.ts';
import { type ApiRequest, type BriefingReader, createBriefingRouter } from '#packages/api/router.ts';
import type { ExportLink } from '#packages/briefing/exports/presign.ts';
import type { AuditRecord, VersionRecord } from '#packages/storage/briefing-store.ts';
import type { ObjectStore } from '#packages/storage/object-store.ts';
import { storedItems } from '../briefing/export-fixture.ts';

type Body = Record<string, any>;

/** An in-memory briefing store: v1 and v2 of hld2013 (v2 changes Moldova's pilot status), CURRENT = 2. */
function fakeStore(overrides: Partial<BriefingReader> = {}): BriefingReader {
  const v1 = storedItems();
  const v2 = v1.map((item): StoredBriefingItem => {
    if (item.type !== 'country' || item.id !== 'MDA') return item;
    const body = structuredClone(item.body);
    body.pilots[0]!.participation_status = 'completed';
    return { ...item, body, hash: itemHash({ body }) };
  });
  const versions: Record<number, StoredBriefingItem[]> = { 1: v1, 2: v2 };
  const record = (version: number): VersionRecord => ({
    dataset: 'hld2013',
    version,
    contentHash: `hash${version}`,
    itemCount: versions[version]!.length,
    createdAt: `2013-0${version}-01T00:00:00.000Z`,
    runId: `run-${version}`,
    inputs: [],
    counts: {},
  });
  const audit: AuditRecord[] = [
    { action: 'publish', from: 1, to: 2, who: 'run-2', why: 'refresh', at: '2013-02-01T00:00:00.000Z' },
  ];
  return {
    listDatasets: async () => ['hld2013'],
    current: async (dataset) =>
      dataset === 'hld2013'
        ? { version: 2, previousVersion: 1, movedAt: '2013-02-01T00:00:00.000Z', contentHash: 'hash2' }
        : undefined,
    listVersions: async (dataset) => (dataset === 'hld2013' ? [record(2), record(1)] : []),
    getVersion: async (dataset, version) =>
      dataset === 'hld2013' && versions[version] ? record(version) : undefined,
    getItem: async (_dataset, version, type, id) =>
      versions[version]?.find((item) => item.type === type && item.id === id),
    listItems: async (_dataset, version, type) =>
      (versions[version] ?? []).filter((item) => !type || item.type === type),
    listAudit: async () => audit,
    ...overrides,
  };
}

const link = (path: string): ExportLink => ({
  key: `briefings/hld2013/v2/${path}`,
  path,
  format: path.includes('/') ? path.split('/')[0]! : 'manifest',
  size: 10,
  url: `http://127.0.0.1:1/hld-exports/briefings/hld2013/v2/${path}?X-Amz-Expires=3600`,
  expiresAt: '2013-02-01T01:00:00.000Z',
});

function router(
  overrides: { store?: Partial<BriefingReader>; links?: ExportLink[]; errors?: unknown[] } = {},
) {
  const presigned: { prefix: string; seconds: number }[] = [];
  const route = createBriefingRouter({
    briefings: fakeStore(overrides.store),
    ledger: {
      listRuns: async () => [
        {
          runId: 'run-1',
          status: 'succeeded',
          requestedBy: 'test',
          startedAt: '2013-01-01T00:00:00Z',
          version: 1,
        },
        {
          runId: 'run-2',
          status: 'succeeded',
          requestedBy: 'test',
          startedAt: '2013-02-01T00:00:00Z',
          version: 2,
        },
      ],
      // Every file the fixture cites is known, with a one-table snapshot; the projects file is not.
      getFile: async (sha256) =>
        sha256 === 'b'.repeat(64)
          ? undefined
          : {
              sha256,
              kind: 'pilot',
              sourceName: 'pilot/pilot.csv',
              uploadKey: 'incoming/pilot/pilot.csv',
              rawKey: `raw/pilot/${sha256}/pilot.csv`,
              docId: 'DOC-test',
              sizeBytes: 120,
              receivedAt: '2013-01-01T00:00:00.000Z',
              status: 'accepted',
              rowsAccepted: 1,
              rowsQuarantined: 0,
            },
      latestSnapshot: async (sha256) => ({
        sha256,
        snapshotId: 'snap1',
        tables: [
          { table: 'pilot', key: `tables/pilot/${sha256}/snap1.arrow`, rows: 1, contract: 'pilot@1.0.0' },
        ],
        writtenAt: '2013-01-01T00:00:00.000Z',
      }),
    },
    buckets: { raw: 'hld-raw', curated: 'hld-curated' },
    exports: {} as ObjectStore,
    presign: async (prefix, seconds) => {
      presigned.push({ prefix, seconds });
      return prefix === 'briefings/hld2013/v2/'
        ? (overrides.links ?? [link('csv/briefing_country.csv'), link('manifest.json')])
        : [];
    },
    onError: (error) => overrides.errors?.push(error),
  });
  const get = async (path: string, query: Record<string, string> = {}, extra: Partial<ApiRequest> = {}) => {
    const response = await route({ method: 'GET', path, query, ...extra });
    return { ...response, json: response.body ? (JSON.parse(response.body) as Body) : undefined };
  };
  return { route, get, presigned };
}

describe('createBriefingRouter', () => {
  it('lists datasets with the current version and the last run', async () => {
    const { status, json, headers } = await router().get('/datasets');

    expect(status).toBe(200);
    expect(headers['content-type']).toBe('application/json; charset=utf-8');
    expect(json?.datasets).toEqual([
      expect.objectContaining({ dataset: 'hld2013', current_version: 2, content_hash: 'hash2' }),
    ]);
    expect(json?.last_run).toMatchObject({ run_id: 'run-2', version: 2 });
  });

  it('lists versions oldest first, marks CURRENT, and includes the audit trail', async () => {
    const { json } = await router().get('/datasets/hld2013/versions');

    expect(json?.versions.map((v: Body) => [v.version, v.current])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(json?.audit).toHaveLength(1);
  });

  it('answers a country from CURRENT, or from a pinned version with a longer cache life', async () => {
    const { get } = router();

    const current = await get('/datasets/hld2013/countries/mda');
    const pinned = await get('/datasets/hld2013/countries/MDA', { version: '1' });

    expect(current.json).toMatchObject({
      dataset: 'hld2013',
      version: 2,
      type: 'country',
      id: 'MDA',
      iso3: 'MDA',
    });
    expect(current.json?.pilots[0].participation_status).toBe('completed');
    expect(current.json?.lineage.sources.length).toBeGreaterThan(0);
    expect(current.headers['cache-control']).toBe('private, max-age=60');
    expect(pinned.json?.pilots[0].participation_status).toBe('active');
    expect(pinned.headers['cache-control']).toBe('private, max-age=3600');
  });

  it('answers a theme by short or full code and scope', async () => {
    const { get } = router();

    const global = await get('/datasets/hld2013/themes/RT3');
    const scoped = await get('/datasets/hld2013/themes/RT3_partnerships_coherence_mainstreaming', {
      scope: 'mda',
    });
    const jmdi = await get('/datasets/hld2013/themes/remittances', { scope: 'JAM', version: '1' });

    expect(global.json).toMatchObject({
      id: 'RT3_partnerships_coherence_mainstreaming@GLOBAL',
      scope: 'GLOBAL',
    });
    expect(scoped.json).toMatchObject({ id: 'RT3_partnerships_coherence_mainstreaming@MDA', scope: 'MDA' });
    expect(jmdi.json).toMatchObject({ version: 1, theme: 'remittances', scope: 'JAM', n_projects: 1 });
  });

  it('lists countries and themes with links', async () => {
    const { get } = router();

    const countries = await get('/datasets/hld2013/countries', { version: '1' });
    const themes = await get('/datasets/hld2013/themes');

    expect(countries.json?.countries.map((c: Body) => c.iso3)).toEqual(['JAM', 'MDA', 'MUS']);
    expect(countries.json?.countries[1].href).toBe('/datasets/hld2013/countries/MDA?version=1');
    expect(themes.json?.themes.map((t: Body) => t.id)).toContain(
      'RT3_partnerships_coherence_mainstreaming@MDA',
    );
  });

  it('diffs the previous version against CURRENT by default, or the versions asked for', async () => {
    const { get } = router();

    const latest = await get('/datasets/hld2013/diff');
    const reverse = await get('/datasets/hld2013/diff', { from: '2', to: '1' });

    expect(latest.json).toMatchObject({ from: 1, to: 2, summary: { added: 0, removed: 0, changed: 1 } });
    expect(latest.json?.changed[0].changes).toEqual([
      { path: 'pilots[0].participation_status', from: 'active', to: 'completed' },
    ]);
    expect(reverse.json?.changed[0].changes[0]).toMatchObject({ from: 'completed', to: 'active' });
  });

  it('traces an item to its files, raw objects and curated tables, as hld lineage does', async () => {
    const { get } = router();

    const current = await get(`/datasets/hld2013/lineage/${encodeURIComponent('country#MDA')}`);
    const pinned = await get('/datasets/hld2013/lineage/mda', { version: '1' });

    expect(current.status).toBe(200);
    expect(current.json).toMatchObject({
      dataset: 'hld2013',
      version: 2,
      item: { type: 'country', id: 'MDA' },
    });
    const pilotFile = current.json?.lineage.find((entry: Body) =>
      entry.ranges.some((range: Body) => range.table === 'pilot'),
    );
    expect(pilotFile.file).toMatchObject({
      raw_key: `raw/pilot/${'a'.repeat(64)}/pilot.csv`,
      raw_uri: `s3://hld-raw/raw/pilot/${'a'.repeat(64)}/pilot.csv`,
    });
    expect(pilotFile.curated).toEqual([
      {
        table: 'pilot',
        contract: 'pilot@1.0.0',
        key: `tables/pilot/${'a'.repeat(64)}/snap1.arrow`,
        uri: `s3://hld-curated/tables/pilot/${'a'.repeat(64)}/snap1.arrow`,
      },
    ]);
    expect(current.json?.lineage.find((entry: Body) => entry.file.sha256 === 'b'.repeat(64)).file).toEqual({
      sha256: 'b'.repeat(64),
      missing: true,
    });
    expect(current.headers['cache-control']).toBe('private, max-age=60');
    expect(pinned.json).toMatchObject({ version: 1, item: { id: 'MDA' } });
    expect(pinned.headers['cache-control']).toBe('private, max-age=3600');
  });

  it('answers 404 for an item the version lacks and 400 for an item it cannot read', async () => {
    const { get } = router();

    const missing = await get(`/datasets/hld2013/lineage/${encodeURIComponent('country#XYZ')}`);
    const theme = await get(`/datasets/hld2013/lineage/${encodeURIComponent('theme#RT3@MDA')}`);
    const badType = await get(`/datasets/hld2013/lineage/${encodeURIComponent('widget#1')}`);
    const badCountry = await get('/datasets/hld2013/lineage/Moldova');

    expect(missing.status).toBe(404);
    expect(missing.json?.message).toMatch(/No item country#XYZ in hld2013 v2/);
    expect(theme.status).toBe(200);
    expect(theme.json?.item.id).toBe('RT3_partnerships_coherence_mainstreaming@MDA');
    expect(badType.status).toBe(400);
    expect(badType.json?.message).toMatch(/Unknown item type 'widget'/);
    expect(badCountry.status).toBe(400);
  });

  it('returns presigned export links for CURRENT, never cached by a shared cache', async () => {
    const { get, presigned } = router();

    const { status, json, headers } = await get('/datasets/hld2013/exports');

    expect(status).toBe(200);
    expect(presigned).toEqual([{ prefix: 'briefings/hld2013/v2/', seconds: 3600 }]);
    expect(json).toMatchObject({ version: 2, complete: true, formats: ['csv'] });
    expect(json?.files[0]).toMatchObject({
      path: 'csv/briefing_country.csv',
      url: expect.stringContaining('X-Amz-Expires=3600'),
    });
    expect(headers['cache-control']).toBe('private, no-store');
  });

  it.each([
    ['/datasets/hld2013/countries/MD', {}, /ISO 3166-1 alpha-3 code such as MDA/],
    ['/datasets/hld2013/countries/MDA', { version: 'two' }, /version must be a positive whole number/],
    ['/datasets/hld2013/countries/MDA', { version: '0' }, /version must be a positive whole number/],
    ['/datasets/hld2013/countries/MDA', { verison: '1' }, /Unknown query parameter 'verison'.*use version/],
    ['/datasets/hld2013/themes/RT9', {}, /Unknown theme 'RT9': use RT1–RT4/],
    ['/datasets/hld2013/themes/RT3', { scope: 'Moldova' }, /scope must be an ISO 3166-1 alpha-3 code/],
    ['/datasets/hld2013/diff', { from: 'x' }, /from must be a positive whole number/],
    ['/datasets/bad name!/versions', {}, /not a dataset name/],
    ['/datasets/%E0%A4%A', {}, /not valid percent-encoding/],
  ])('answers 400 with what to do for %s %j', async (path, query, message) => {
    const { status, json, headers } = await router().get(path, query);

    expect(status).toBe(400);
    expect(json).toEqual({ error: 'bad_request', message: expect.stringMatching(message) });
    expect(headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['/datasets/other/versions', {}, /No dataset 'other'; GET \/datasets lists them/],
    [
      '/datasets/hld2013/countries/FRA',
      {},
      /FRA has no briefing in hld2013 v2; GET \/datasets\/hld2013\/countries/,
    ],
    ['/datasets/hld2013/countries/MDA', { version: '9' }, /hld2013 has no version 9/],
    [
      '/datasets/hld2013/themes/RT2',
      { scope: 'JAM' },
      /no RT2_rights_protection_trafficking briefing for JAM.*try scope=GLOBAL/,
    ],
    ['/datasets/hld2013/diff', { to: '1' }, /v1 has no earlier version/],
    ['/datasets/hld2013/exports', { version: '1' }, /No exports of hld2013 v1.*'hld briefing export/],
    ['/datasets/hld2013/nothing', {}, /No route/],
    ['/elsewhere', {}, /No route \/elsewhere; GET \/ lists the routes/],
  ])('answers 404 with what to do for %s %j', async (path, query, message) => {
    const { status, json } = await router().get(path, query);

    expect(status).toBe(404);
    expect(json).toEqual({ error: 'not_found', message: expect.stringMatching(message) });
  });

  it('marks every answer private or no-store: what an IAM-authorised caller saw never goes to a shared cache', async () => {
    const { route } = router();
    const requests: ApiRequest[] = [
      ...[
        '/datasets',
        '/datasets/hld2013/versions',
        '/datasets/hld2013/countries',
        '/datasets/hld2013/countries/MDA',
        '/datasets/hld2013/themes/RT3',
        '/datasets/hld2013/diff',
        '/datasets/hld2013/exports',
        '/datasets/hld2013/countries/XXX',
        '/datasets/unknown/versions',
        '/nowhere',
      ].map((path) => ({ method: 'GET', path })),
      { method: 'GET', path: '/datasets/hld2013/countries/MDA', query: { version: '1' } },
      { method: 'GET', path: '/datasets/hld2013/countries/MDA', query: { version: 'x' } },
      { method: 'HEAD', path: '/datasets' },
      { method: 'OPTIONS', path: '/datasets' },
      { method: 'DELETE', path: '/datasets/hld2013' },
    ];

    for (const request of requests) {
      const { status, headers } = await route(request);
      const where = `${request.method} ${request.path} ${JSON.stringify(request.query ?? {})} → ${status}`;

      expect(headers['cache-control'], where).toMatch(/^(private\b|no-store$)/);
      expect(headers['cache-control'], where).not.toMatch(/public/);
    }
  });

  it('refuses writes with 405 and says the API is read-only', async () => {
    const response = await router().route({ method: 'POST', path: '/datasets' });

    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(JSON.parse(response.body).message).toMatch(/read-only/);
  });

  it('hides the failure behind a 500 without a stack trace, and reports it to onError', async () => {
    const errors: unknown[] = [];
    const failing = router({
      errors,
      store: {
        getItem: async () => {
          throw new Error('ProvisionedThroughputExceededException at /var/task/secret.js:1:1');
        },
      },
    });

    const { status, body } = await failing.get('/datasets/hld2013/countries/MDA', {}, { requestId: 'req-1' });

    expect(status).toBe(500);
    expect(JSON.parse(body)).toEqual({
      error: 'internal',
      message: expect.stringContaining('report request req-1'),
    });
    expect(body).not.toMatch(/secret|Exception|at \//);
    expect(errors).toHaveLength(1);
  });

  it('answers 304 when the client already has the same body, and HEAD without a body', async () => {
    const { get, route } = router();
    const first = await get('/datasets/hld2013/countries/MDA');

    const again = await get(
      '/datasets/hld2013/countries/MDA',
      {},
      { headers: { 'if-none-match': first.headers.etag } },
    );
    const head = await route({ method: 'HEAD', path: '/datasets/hld2013/countries/MDA' });

    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers.etag).toBe(first.headers.etag);
  });
});
