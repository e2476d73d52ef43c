import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractId } from '#contracts/contract.ts';
import { LOCATOR_COLUMN } from '#contracts/curated-columns.ts';
import { normaliseContractCsvFast } from '#packages/csv-engine/csv-columns.ts';
import { type RunningBackend, startBackend } from '#packages/local/backends.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import { sha256Hex } from '#packages/pipeline/ingest.ts';
import { parquetCopyKey } from '#packages/pipeline/parquet-copy.ts';
import { assembleBriefing } from '#packages/pipeline/stages/assemble-step.ts';
import { LockHeldError } from '#packages/storage/errors.ts';
import type { FileRecord, SnapshotRecord } from '#packages/storage/ledger.ts';
import { integrationBackends } from '../support/backends.ts';
import { ingestSamples, refreshNow, sampleBytes, uploadAndRoute } from '../support/pipeline.ts';
import { openDuckDb, sqlString } from '../support/readers.ts';

type Body = Record<string, any>;

/** Run `body` with some environment variables set, restoring them afterwards. */
async function withEnv<T>(values: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  try {
    return await body();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** The in-memory fast path's result for bytes the pipeline streamed (same file record and snapshot). */
async function normaliseInMemory(
  bytes: Uint8Array,
  fileName: string,
  record: FileRecord,
  snapshot: SnapshotRecord,
) {
  const result = await normaliseContractCsvFast(bytes, {
    fileName,
    kind: record.kind,
    docId: record.docId,
    receivedAt: record.receivedAt,
    locatorColumn: LOCATOR_COLUMN,
    metadata: (contract) => ({
      'hld:contract': contractId(contract),
      'hld:source_sha256': record.sha256,
      'hld:source_doc_id': record.docId,
      'hld:raw_key': record.rawKey,
      'hld:snapshot_id': snapshot.snapshotId,
    }),
  });
  if (!result) throw new Error(`${fileName}: the fast path declined it`);
  return result;
}

/** A survey_response CSV of `rows` answers (about 180 bytes each), one in 50 of them bad. */
function largeSurveyCsv(rows: number): Buffer {
  const lines = ['respondent_id,question_name,seq,value_raw,is_other,other_text,confidence'];
  for (let row = 0; row < rows; row += 1) {
    const seq = row % 50 === 7 ? 'x' : '0';
    const answer = row % 9 === 0 ? '"a ""quoted"", multi\nline answer about remittances"' : 'yes';
    lines.push(
      `GMG-UNCT-2013:r${Math.floor(row / 12)},capacity/q${row % 12},${seq},${answer},false,` +
        `${row % 13 === 0 ? '"Ñandú — diaspora bonds, hometown associations and more"' : ''},high`,
    );
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

for (const backend of integrationBackends().filter((candidate) => candidate.available)) {
  describe(`pipeline on ${backend.name}`, () => {
    let running: RunningBackend;

    beforeAll(async () => {
      running = await startBackend(backend.name);
      await ingestSamples();
      await refreshNow();
    });

    afterAll(async () => {
      await running?.stop();
    });

    it('builds a Moldova briefing with pilot, milestones, projects, survey, events and traceable sources', async () => {
      const ctx = pipelineContext();
      const current = await ctx.briefings.current(ctx.config.dataset);
      expect(current?.version).toBe(1);

      const item = await ctx.briefings.getItem(ctx.config.dataset, current!.version, 'country', 'MDA');
      const body = item?.body as Body;

      expect(body.pilots[0]).toMatchObject({ pilot_id: 'MM-MDA-P1', participation_status: 'active' });
      expect(body.milestones.length).toBeGreaterThanOrEqual(3);
      expect(body.milestones.some((m: Body) => String(m.legal_basis ?? '').includes('634'))).toBe(true);
      expect(body.jmdi.projects_n).toBeGreaterThanOrEqual(4);
      expect(body.survey.unct_surveyed).toBe(true);
      expect(body.events.map((e: Body) => e.event_id)).toContain('EV-20111012-gfmd-chisinau-mainstreaming');
      const files = await ctx.ledger.listFiles();
      const knownShas = new Set(files.map((file) => file.sha256));
      expect(body.sources.length).toBeGreaterThan(0);
      expect(item?.lineage?.sources.length).toBeGreaterThan(0);
      for (const source of item?.lineage?.sources ?? []) {
        expect(knownShas.has(source.file_sha256)).toBe(true);
        expect(source.raw_key).toBe(
          `raw/${source.raw_key.split('/')[1]}/${source.file_sha256}/${source.raw_key.split('/').pop()}`,
        );
      }
    });

    it('keeps a zstd Parquet copy of every curated table, partitioned by source SHA-256, with the same rows', async () => {
      const ctx = pipelineContext();
      const copies = new Set((await ctx.curated.list('parquet/')).map((object) => object.key));
      const accepted = (await ctx.ledger.listFiles()).filter((file) => file.status === 'accepted');
      const tables = [];
      for (const file of accepted) {
        const snapshot = (await ctx.ledger.latestSnapshot(file.sha256))!;
        for (const table of snapshot.tables) {
          const key = parquetCopyKey(table.table, file.sha256, snapshot.snapshotId);
          expect(copies.has(key), key).toBe(true);
          tables.push({ ...table, sha256: file.sha256, parquetKey: key });
        }
      }
      expect(tables.length).toBeGreaterThanOrEqual(6);

      // Read back by DuckDB as Athena would: the partition folder becomes a column.
      const projects = tables.find((table) => table.table === 'jmdi_project')!;
      const dir = await mkdtemp(join(tmpdir(), 'hld-parquet-'));
      const duckdb = await openDuckDb();
      try {
        const path = join(dir, projects.parquetKey);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, await ctx.curated.get(projects.parquetKey));
        const rows = await duckdb.rows(
          `SELECT project_id, source_sha256 FROM read_parquet(${sqlString(path)}, hive_partitioning = true) ORDER BY project_id`,
        );
        const arrow = tableFromIPC(await ctx.curated.get(projects.key));
        expect(rows.map((row) => row.project_id)).toEqual(
          [...arrow.getChild('project_id')!.toArray()].map(String).sort(),
        );
        expect(new Set(rows.map((row) => row.source_sha256))).toEqual(new Set([projects.sha256]));
      } finally {
        duckdb.close();
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('writes the exports of a published version to the exports bucket, with a manifest of SHA-256s', async () => {
      const ctx = pipelineContext();
      const version = (await ctx.briefings.current(ctx.config.dataset))?.version;

      const keys = (await ctx.exports.list(`briefings/${ctx.config.dataset}/v${version}/`)).map(
        (object) => object.key,
      );

      expect(keys).toContain(`briefings/${ctx.config.dataset}/v${version}/csv/briefing_country.csv`);
      expect(keys).toContain(`briefings/${ctx.config.dataset}/v${version}/datapackage/datapackage.json`);
      const manifest = JSON.parse(
        await ctx.exports.getText(`briefings/${ctx.config.dataset}/v${version}/manifest.json`),
      );
      const csv = manifest.objects.find((object: { key: string }) =>
        object.key.endsWith('csv/briefing_country.csv'),
      );
      expect(csv.sha256).toBe(sha256Hex(await ctx.exports.get(csv.key)));
    });

    it('reads and records the same bytes uploaded twice only once; the second name points at the same file', async () => {
      const ctx = pipelineContext();
      const before = await ctx.ledger.listFiles();
      const bytes = await sampleBytes('stocktaking/jmdi-projects.csv');

      const deliveries = await uploadAndRoute('stocktaking', 'jmdi-projects-again.csv', bytes);

      expect(deliveries.every((delivery) => !delivery.error && delivery.emitted === 0)).toBe(true);
      expect((await ctx.ledger.listFiles()).length).toBe(before.length);
      expect((await ctx.ledger.getSource('stocktaking/jmdi-projects-again.csv'))?.sha256).toBe(
        sha256Hex(bytes),
      );
    });

    it('processes an event delivered twice exactly once', async () => {
      const ctx = pipelineContext();
      const bytes = Buffer.from(
        (await sampleBytes('stocktaking/jmdi-lessons.csv')).toString('utf8').replace('LES-001', 'LES-901'),
      );

      const deliveries = await uploadAndRoute('stocktaking', 'jmdi-lessons-v2.csv', bytes, 2);

      const ingests = deliveries.filter((delivery) => delivery.stage === 'ingest');
      const normalises = deliveries.filter((delivery) => delivery.stage === 'normalise');
      expect(ingests.map((delivery) => delivery.emitted).sort()).toEqual([0, 1]);
      expect(normalises.map((delivery) => delivery.emitted).sort()).toEqual([0, 1]);
      expect(deliveries.some((delivery) => delivery.error)).toBe(false);
      const records = (await ctx.ledger.listFiles()).filter((file) => file.sha256 === sha256Hex(bytes));
      expect(records).toHaveLength(1);
    });

    it('quarantines bad rows with file, row, field and rule, keeps the raw bytes and lets good rows through', async () => {
      const ctx = pipelineContext();
      const original = (await sampleBytes('stocktaking/jmdi-projects.csv')).toString('utf8').split('\n');
      const header = original[0] ?? '';
      const columns = header.split(',');
      const themeColumn = columns.indexOf('theme_primary');
      const good = original[1] ?? '';
      const cells = (original[2] ?? '').split(',');
      cells[themeColumn] = 'tourism';
      const bytes = Buffer.from(
        [
          header,
          good.replace(/^JMDI1-[^,]+/, 'JMDI1-TEST-01'),
          cells.join(',').replace(/^JMDI1-[^,]+/, 'JMDI1-TEST-02'),
          '',
        ].join('\n'),
      );

      await uploadAndRoute('stocktaking', 'jmdi-projects-bad.csv', bytes);

      const record = await ctx.ledger.getFile(sha256Hex(bytes));
      expect(record).toMatchObject({ status: 'accepted', rowsAccepted: 1, rowsQuarantined: 1 });
      const report = JSON.parse(await ctx.raw.getText(record!.quarantineKey!));
      expect(report.problems).toContainEqual(
        expect.objectContaining({
          file: 'jmdi-projects-bad.csv',
          locator: 'line 3',
          field: 'theme_primary',
          rule: 'invalid_value',
          value: 'tourism',
        }),
      );
      expect(Buffer.from(await ctx.raw.get(record!.rawKey)).equals(bytes)).toBe(true);
      const snapshot = await ctx.ledger.listSources();
      expect(snapshot.some((source) => source.sha256 === record!.sha256)).toBe(true);
    });

    it('refuses a file it cannot read (XML with a DOCTYPE), keeps its bytes and records why', async () => {
      const ctx = pipelineContext();
      const bytes = Buffer.from(
        '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<iati-activities version="2.03"/>\n',
      );

      const deliveries = await uploadAndRoute('stocktaking', 'entities.xml', bytes);

      expect(deliveries.every((delivery) => !delivery.error && delivery.emitted === 0)).toBe(true);
      const record = await ctx.ledger.getFile(sha256Hex(bytes));
      expect(record).toMatchObject({
        status: 'refused',
        refusal: expect.objectContaining({ rule: 'xml-doctype' }),
      });
      expect(Buffer.from(await ctx.raw.get(record!.rawKey)).equals(bytes)).toBe(true);
      expect(JSON.parse(await ctx.raw.getText(record!.quarantineKey!)).refusal.rule).toBe('xml-doctype');
    });

    it('refuses an oversize upload without reading it into memory, and still keeps it byte-for-byte', async () => {
      const ctx = pipelineContext();
      const bytes = Buffer.alloc(4096, 'x');
      process.env.HLD_MAX_UPLOAD_BYTES = '1024';
      try {
        await uploadAndRoute('survey', 'huge.csv', bytes);
      } finally {
        delete process.env.HLD_MAX_UPLOAD_BYTES;
      }

      const record = await ctx.ledger.getFile(sha256Hex(bytes));
      expect(record).toMatchObject({
        status: 'refused',
        sizeBytes: 4096,
        refusal: expect.objectContaining({ rule: 'too-large' }),
      });
      expect(Buffer.from(await ctx.raw.get(record!.rawKey)).equals(bytes)).toBe(true);
    });

    it('keeps version N live and readable when publishing N+1 fails after its items are written', async () => {
      const ctx = pipelineContext();
      const dataset = ctx.config.dataset;
      const live = (await ctx.briefings.current(dataset))?.version ?? 0;

      const failing = refreshNow({
        assemble: (state) =>
          assembleBriefing(state, ctx, {
            beforePublish: async () => {
              throw new Error('simulated crash between writing the version and moving the pointer');
            },
          }),
      });

      await expect(failing).rejects.toThrow(/simulated crash/);
      expect((await ctx.briefings.current(dataset))?.version).toBe(live);
      const mda = await ctx.briefings.getItem(dataset, live, 'country', 'MDA');
      expect((mda?.body as Body | undefined)?.iso3).toBe('MDA');
      const recovered = await refreshNow();
      expect(recovered.published).toBe(true);
      expect((await ctx.briefings.current(dataset))?.version).toBe(recovered.version);
    });

    it('lets only one of two simultaneous refreshes run; the other is refused by the lock', async () => {
      const ctx = pipelineContext();
      await uploadAndRoute(
        'stocktaking',
        'jmdi-lessons-v3.csv',
        Buffer.from(
          (await sampleBytes('stocktaking/jmdi-lessons.csv')).toString('utf8').replace('LES-002', 'LES-902'),
        ),
      );

      const results = await Promise.allSettled([refreshNow({}, 'first'), refreshNow({}, 'second')]);

      const fulfilled = results.filter((result) => result.status === 'fulfilled');
      const rejected = results.filter(
        (result): result is PromiseRejectedResult => result.status === 'rejected',
      );
      expect(fulfilled).toHaveLength(1);
      expect(rejected).toHaveLength(1);
      expect(rejected[0]?.reason).toBeInstanceOf(LockHeldError);
      const current = await ctx.briefings.current(ctx.config.dataset);
      const versions = await ctx.briefings.listVersions(ctx.config.dataset);
      expect(versions.find((version) => version.version === current!.version)?.contentHash).toBe(
        current!.contentHash,
      );
      // The lock is free again: a third refresh goes through.
      await expect(refreshNow()).resolves.toMatchObject({ dataset: ctx.config.dataset });
    });

    it('streams a contract CSV over the in-memory limit: validated and normalised chunk by chunk, to the table the in-memory path writes', async () => {
      const ctx = pipelineContext();
      const bytes = largeSurveyCsv(60_000);
      const deliveries = await withEnv({ HLD_MAX_UPLOAD_BYTES: String(64 * 1024) }, () =>
        uploadAndRoute('survey', 'unct-survey-rerun.csv', bytes),
      );
      expect(deliveries.find((delivery) => delivery.error)?.error).toBeUndefined();

      const record = (await ctx.ledger.getFile(sha256Hex(bytes)))!;
      const snapshot = (await ctx.ledger.latestSnapshot(record.sha256))!;
      const inMemory = await normaliseInMemory(bytes, 'unct-survey-rerun.csv', record, snapshot);
      expect(record).toMatchObject({
        status: 'accepted',
        format: 'csv',
        sizeBytes: bytes.byteLength,
        rowsAccepted: inMemory.summary.rowsAccepted,
        rowsQuarantined: inMemory.summary.rowsQuarantined,
      });
      expect(inMemory.summary.rowsQuarantined).toBeGreaterThan(0);
      expect(JSON.parse(await ctx.raw.getText(record.quarantineKey!)).problems).toEqual(
        inMemory.summary.problems,
      );
      expect(snapshot.tables).toEqual([
        expect.objectContaining({ table: 'survey_response', rows: inMemory.summary.rowsAccepted }),
      ]);
      const curated = Buffer.from(await ctx.curated.get(snapshot.tables[0]!.key));
      expect(curated.byteLength).toBeGreaterThan(5 * 1024 * 1024); // more than one multipart part
      expect(curated.equals(Buffer.from(inMemory.ipc!))).toBe(true);
    });

    it('streams a large file that mixes rows with and without a parent reference in two passes, in the reference order', async () => {
      const ctx = pipelineContext();
      const bytes = Buffer.from(
        (await sampleBytes('stocktaking/jmdi-lessons.csv')).toString('utf8').replaceAll('LES-', 'LES-BIG'),
      );
      await withEnv({ HLD_MAX_UPLOAD_BYTES: '1024' }, () =>
        uploadAndRoute('stocktaking', 'jmdi-lessons-big.csv', bytes),
      );

      const record = (await ctx.ledger.getFile(sha256Hex(bytes)))!;
      const snapshot = (await ctx.ledger.latestSnapshot(record.sha256))!;
      const inMemory = await normaliseInMemory(bytes, 'jmdi-lessons-big.csv', record, snapshot);
      expect(record.status).toBe('accepted');
      const curated = Buffer.from(await ctx.curated.get(snapshot.tables[0]!.key));
      expect(curated.equals(Buffer.from(inMemory.ipc!))).toBe(true);
    });

    it('refuses a large CSV it cannot stream (a ragged line), saying which line, and keeps its bytes', async () => {
      const ctx = pipelineContext();
      const projects = (await sampleBytes('stocktaking/jmdi-projects.csv')).toString('utf8');
      const bytes = Buffer.from(`${projects.replaceAll('JMDI', 'JMDX').trimEnd()}\nJMDX-9,too-few\n`);
      await withEnv({ HLD_MAX_UPLOAD_BYTES: '1024' }, () =>
        uploadAndRoute('stocktaking', 'jmdi-projects-big.csv', bytes),
      );

      const record = (await ctx.ledger.getFile(sha256Hex(bytes)))!;
      expect(record).toMatchObject({
        status: 'refused',
        refusal: expect.objectContaining({ rule: 'too-large' }),
      });
      expect(record.refusal?.message).toMatch(/cannot be read as a stream: line \d+ has 2 cells/);
      expect(await ctx.ledger.latestSnapshot(record.sha256)).toBeUndefined();
      expect(Buffer.from(await ctx.raw.get(record.rawKey)).equals(bytes)).toBe(true);
    });

    // What ingest must keep deciding whichever stage checks the rows (docs/ingest-one-pass.md):
    // a large file the streaming engine cannot read, found only below its first megabyte, is
    // refused, and its name keeps the version it had.
    it('keeps a name at its current version when a later large upload of it turns out unstreamable below its first megabyte', async () => {
      const ctx = pipelineContext();
      const sample = (await sampleBytes('stocktaking/jmdi-projects.csv')).toString('utf8').trimEnd();
      const header = sample.slice(0, sample.indexOf('\n'));
      const body = sample.slice(sample.indexOf('\n') + 1);
      const rows = Array.from({ length: 70 }, (_, copy) => body.replaceAll('JMDI', `JMDI${copy}L`)).join(
        '\n',
      );
      const good = Buffer.from(`${header}\n${rows}\n`);
      const ragged = Buffer.from(`${header}\n${rows}\nJMDIR-1,too-few\n`);
      const name = 'stocktaking/jmdi-projects-large.csv';
      await withEnv({ HLD_MAX_UPLOAD_BYTES: '1024' }, async () => {
        await uploadAndRoute('stocktaking', 'jmdi-projects-large.csv', good);
        await uploadAndRoute('stocktaking', 'jmdi-projects-large.csv', ragged);
      });

      const accepted = (await ctx.ledger.getFile(sha256Hex(good)))!;
      const refused = (await ctx.ledger.getFile(sha256Hex(ragged)))!;
      expect(good.byteLength).toBeGreaterThan(1024 * 1024);
      expect(accepted.status).toBe('accepted');
      expect(refused).toMatchObject({
        status: 'refused',
        refusal: expect.objectContaining({ rule: 'too-large' }),
      });
      expect(refused.refusal?.message).toMatch(/cannot be read as a stream: line \d+ has 2 cells/);
      expect(await ctx.ledger.getSource(name)).toMatchObject({ sha256: accepted.sha256 });
    });
  });
}
