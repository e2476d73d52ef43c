import { cp, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { Level } from 'level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBriefingRouter } from '#packages/api/router.ts';
import { type RunningBackend, startBackend } from '#packages/local/backends.ts';
import { identifyProcess } from '#packages/local/process-identity.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import { REFRESH_LOCK } from '#packages/pipeline/refresh-lock.ts';
import { dynamoDocumentClient } from '#packages/storage/client-factory.ts';
import { queryAll } from '#packages/storage/query-all.ts';
import { deadProcess } from '../support/processes.ts';
import { seededRandom, testSeed } from '../support/seed.ts';
import { hld, runScript } from './support/hld.ts';

interface ObjectRecordFile {
  readonly path: string;
  readonly key: string;
  readonly sha256: string;
}

/** The record file of the first object of `bucket` whose key starts with `prefix`. */
async function objectRecord(stateDir: string, bucket: string, prefix: string): Promise<ObjectRecordFile> {
  const folder = join(stateDir, 'embedded', 's3', 'objects', bucket);
  for (const name of (await readdir(folder)).sort()) {
    const record = JSON.parse(await readFile(join(folder, name), 'utf8'));
    if (record.key.startsWith(prefix))
      return { path: join(folder, name), key: record.key, sha256: record.sha256 };
  }
  throw new Error(`no object under s3://${bucket}/${prefix}`);
}

/** The header of an observation CSV (data-contracts: observation), without the optional fields. */
const OBSERVATION_HEADER =
  'indicator_id,ref_area_iso3,time_period,value,unit,sex,source,dataset_revision,source_locator,extraction_method,confidence,as_of_date';

const blobPath = (stateDir: string, sha256: string) => join(stateDir, 'embedded', 's3', 'blobs', sha256);

/** Change one byte in the middle of a file (a flipped bit on disk, a stray edit). */
async function flipOneByte(path: string): Promise<void> {
  const bytes = await readFile(path);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  await writeFile(path, bytes);
}

/** Work on the ledger of a state folder in this process (no hld command may run meanwhile). */
async function withLedger<T>(stateDir: string, work: () => Promise<T>): Promise<T> {
  const backend: RunningBackend = await startBackend('embedded', { stateDir: join(stateDir, 'embedded') });
  try {
    return await work();
  } finally {
    await backend.stop();
  }
}

describe('damaged or interrupted local state (embedded)', () => {
  let template: string;
  let baselineHash: string;
  const dirs: string[] = [];

  /** A copy of the state an uninterrupted `hld run` left. */
  const copyOfState = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hld-damaged-'));
    dirs.push(dir);
    await cp(template, dir, { recursive: true });
    return dir;
  };

  /** A one-row observation file (Moldova 2012) in the state folder, to ingest as a changed input. */
  const writeFigures = async (dir: string) => {
    const figures = join(dir, 'figures.csv');
    await writeFile(
      figures,
      `${OBSERVATION_HEADER}\nIMM_STOCK,MDA,2012,123456,persons,_T,national,NBS-trial,row 1,manual,high,2012-12-31\n`,
    );
    return figures;
  };

  /**
   * A copy of the state with one accepted upload whose name points at nothing, as a Ctrl-C between
   * the file record and the pointer leaves it.
   */
  const stateWithUnpointedUpload = async (): Promise<Record<string, string>> => {
    const dir = await copyOfState();
    const env = { HLD_STATE_DIR: dir };
    const figures = await writeFigures(dir);
    const ingest = await hld(['ingest', figures, '--kind', 'statistics'], env);
    expect(ingest.code, ingest.stderr).toBe(0);
    await withLedger(dir, () =>
      dynamoDocumentClient().send(
        new DeleteCommand({
          TableName: pipelineContext().config.ledgerTable,
          Key: { pk: 'SOURCE#statistics/figures.csv', sk: 'CURRENT' },
        }),
      ),
    );
    return env;
  };

  /**
   * A copy of the state with a changed input and v2 complete but never live, as a refresh killed
   * after its items and exports are written and before CURRENT moves leaves it.
   */
  const stateWithNeverLiveVersion = async () => {
    const dir = await copyOfState();
    const env = { HLD_STATE_DIR: dir };
    const figures = await writeFigures(dir);
    expect((await hld(['ingest', figures, '--kind', 'statistics'], env)).code).toBe(0);
    const stopped = await runScript<{ stoppedBeforeMoving: number }>(
      'test/faults/support/refresh-stopped-before-move.ts',
      [dir],
    );
    expect(stopped.stoppedBeforeMoving).toBe(2);
    return { dir, env };
  };

  beforeAll(async () => {
    template = await mkdtemp(join(tmpdir(), 'hld-template-'));
    dirs.push(template);
    const run = await hld(['run', '--json'], { HLD_STATE_DIR: template });
    expect(run.code, run.stderr).toBe(0);
    baselineHash = JSON.parse(run.stdout).contentHash;
  });

  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('points a name at its accepted upload when an ingest stopped before pointing it, and the next refresh publishes its rows', async () => {
    // prepare: an accepted upload whose name points at nothing, as a Ctrl-C between the two writes leaves it
    const env = await stateWithUnpointedUpload();

    // act
    const status = await hld(['status'], env);
    const found = await hld(['doctor', '--dry-run'], env);
    const repaired = await hld(['doctor'], env);
    const refreshed = await hld(['refresh', '--json'], env);
    const shown = await hld(['briefing', 'show', 'MDA'], env);

    // assess
    expect(status.stdout).toMatch(
      /statistics\/figures\.csv .* no name points at it .*`hld refresh` \(or `hld doctor`\) points it/,
    );
    expect(found.code, found.stdout).toBe(1);
    expect(found.stdout).toMatch(
      /statistics\/figures\.csv: upload \w{12} \(1 accepted row,.*points at nothing/,
    );
    expect(repaired.code, repaired.stdout).toBe(0);
    expect(repaired.stdout).toContain('pointed statistics/figures.csv at');
    expect(JSON.parse(refreshed.stdout)).toMatchObject({ published: true });
    expect(shown.stdout).toContain('Immigrant stock: 123,456 persons (2012) — national NBS-trial');
  });

  it('points a name an ingest stopped before pointing at its accepted upload on the next hld refresh, and says so', async () => {
    // prepare: an accepted upload whose name points at nothing, as a Ctrl-C between the two writes leaves it
    const env = await stateWithUnpointedUpload();

    // act: no hld doctor
    const refreshed = await hld(['refresh'], env);
    const shown = await hld(['briefing', 'show', 'MDA'], env);
    const doctor = await hld(['doctor', '--dry-run'], env);

    // assess
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(refreshed.stderr + refreshed.stdout).toMatch(
      /refresh: pointed statistics\/figures\.csv at its accepted upload \w{12} \(1 row\): an ingest was stopped before it made the file current/,
    );
    expect(refreshed.stdout).toContain('Published v2');
    expect(shown.stdout).toContain('Immigrant stock: 123,456 persons (2012) — national NBS-trial');
    expect(doctor.code, doctor.stdout).toBe(0);
  });

  it('reports, and leaves alone, a name pointing at an upload older than an accepted one never made current', async () => {
    // prepare: two uploads of one name, both accepted; the pointer put back on the first
    const dir = await copyOfState();
    const env = { HLD_STATE_DIR: dir };
    const figures = join(dir, 'figures.csv');
    const row = (value: number) =>
      `${OBSERVATION_HEADER}\nIMM_STOCK,MDA,2012,${value},persons,_T,national,NBS-trial,row 1,manual,high,2012-12-31\n`;
    await writeFile(figures, row(100));
    expect((await hld(['ingest', figures, '--kind', 'statistics'], env)).code).toBe(0);
    const first = await withLedger(dir, () => pipelineContext().ledger.getSource('statistics/figures.csv'));
    await writeFile(figures, row(200));
    expect((await hld(['ingest', figures, '--kind', 'statistics'], env)).code).toBe(0);
    await withLedger(dir, () =>
      dynamoDocumentClient().send(
        new PutCommand({
          TableName: pipelineContext().config.ledgerTable,
          Item: {
            pk: 'SOURCE#statistics/figures.csv',
            sk: 'CURRENT',
            gsi1pk: 'SOURCE',
            gsi1sk: 'statistics/figures.csv',
            ...first,
          },
        }),
      ),
    );

    // act
    const refreshed = await hld(['refresh'], env);
    const status = await hld(['status'], env);
    const doctor = await hld(['doctor'], env);

    // assess: only the person knows which upload they meant last; a refresh does not guess either
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(refreshed.stderr + refreshed.stdout).not.toContain('refresh: pointed');
    expect(status.stdout).toMatch(
      /statistics\/figures\.csv .* not current: statistics\/figures\.csv is \w{12}/,
    );
    expect(doctor.code, doctor.stdout).toBe(1);
    expect(doctor.stdout).toMatch(
      /statistics\/figures\.csv points at \w{12} .*a later upload, \w{12} .*never made current/,
    );
    expect(doctor.stdout).toContain('ingest figures.csv again');
  });

  it('refuses a version with an item missing a part (CLI, API), and doctor names the item, version and parts', async () => {
    // prepare: Moldova's item over 300,000 characters (stored in parts), then one part row deleted
    const dir = await copyOfState();
    const env = { HLD_STATE_DIR: dir };
    const figures = join(dir, 'many-figures.csv');
    const rows = Array.from({ length: 2_000 }, (_unused, at) => {
      const [revision, year] = [Math.floor(at / 5), 2010 + (at % 5)];
      return `IMM_STOCK,MDA,${year},${100_000 + at},persons,_T,national,NBS-r${revision},row ${at + 1},manual,high,2012-12-31`;
    });
    await writeFile(figures, `${OBSERVATION_HEADER}\n${rows.join('\n')}\n`);
    expect((await hld(['ingest', figures, '--kind', 'statistics'], env)).code).toBe(0);
    const refreshed = await hld(['refresh', '--json'], env);
    expect(JSON.parse(refreshed.stdout)).toMatchObject({ published: true, version: 2 });
    const api = await withLedger(dir, async () => {
      const ctx = pipelineContext();
      const client = dynamoDocumentClient();
      const partRows = (
        await Promise.all(
          Array.from({ length: 16 }, (_unused, shard) =>
            queryAll(client, {
              TableName: ctx.config.briefingsTable,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': `B#${ctx.config.dataset}#v2#${shard}` },
            }),
          ),
        )
      )
        .flat()
        .filter((row) => row.type === 'country' && row.id === 'MDA');
      expect(partRows.length).toBeGreaterThan(1);
      const lost = partRows.find((row) => row.part === 1)!;
      await client.send(
        new DeleteCommand({ TableName: ctx.config.briefingsTable, Key: { pk: lost.pk, sk: lost.sk } }),
      );
      const router = createBriefingRouter({
        briefings: ctx.briefings,
        ledger: ctx.ledger,
        exports: ctx.exports,
        buckets: { raw: ctx.config.rawBucket, curated: ctx.config.curatedBucket },
        onError: () => {},
      });
      return {
        parts: partRows.length,
        country: await router({ method: 'GET', path: `/datasets/${ctx.config.dataset}/countries/MDA` }),
        list: await router({ method: 'GET', path: `/datasets/${ctx.config.dataset}/countries` }),
      };
    });

    // act
    const shown = await hld(['briefing', 'show', 'MDA'], env);
    const listed = await hld(['briefing', 'list'], env);
    const found = await hld(['doctor', '--dry-run'], env);
    const repaired = await hld(['refresh', '--json'], env);
    const after = await hld(['briefing', 'show', 'MDA'], env);
    const kept = await hld(['doctor', '--dry-run'], env);
    const rolledBack = await hld(['briefing', 'rollback', '2', '--why', 'back to v2'], env);
    const stillLive = await hld(['briefing', 'show', 'MDA'], env);

    // assess: an error naming item, version and parts, never a shorter briefing
    const damage = `hld2013 v2 is damaged: item country#MDA has ${api.parts - 1} of its ${api.parts} parts`;
    expect(shown.code).toBe(1);
    expect(shown.stdout).toBe('');
    expect(shown.stderr.trim().split('\n')).toHaveLength(1);
    expect(shown.stderr).toContain(damage);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toContain(damage);
    expect(api.country.status).toBe(500);
    expect(api.list.status).toBe(500);
    expect(JSON.parse(api.list.body).message).toContain(
      `hld2013 v2 is damaged (item country#MDA has ${api.parts - 1} of its ${api.parts} parts)`,
    );
    expect(found.code).toBe(1);
    expect(found.stdout).toContain(
      `hld2013: CURRENT v2 has 1 item(s) missing parts, so no reader can show it: country#MDA (${api.parts - 1} of ${api.parts} parts: ${[0, ...Array.from({ length: api.parts - 2 }, (_unused, at) => at + 2)].join(', ')})`,
    );
    expect(found.stdout).toContain('run hld refresh (it publishes the same content again as a new version)');
    expect(JSON.parse(repaired.stdout)).toMatchObject({ published: true, version: 3 });
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toContain('NBS-r399');
    expect(kept.stdout).toContain('hld2013: kept v2 has 1 item(s) missing parts: country#MDA');
    expect(kept.stdout).toContain('do not roll back to v2 or diff with it');
    expect(rolledBack.code).toBe(2);
    expect(rolledBack.stderr).toContain(
      `hld2013 v2 is damaged (country#MDA: ${api.parts - 1} of ${api.parts} parts): not made live`,
    );
    expect(stillLive.code, stillLive.stderr).toBe(0);
  });

  it('refuses a curated table whose bytes no longer match their SHA-256, publishes nothing from it, and doctor rebuilds it from raw', async () => {
    const dir = await copyOfState();
    const env = { HLD_STATE_DIR: dir };
    const table = await objectRecord(dir, 'hld-curated', 'tables/jmdi_project/');
    await flipOneByte(blobPath(dir, table.sha256));

    const refused = await hld(['refresh'], env);
    const shown = await hld(['briefing', 'show', 'MDA', '--json'], env);

    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain(`s3://hld-curated/${table.key}`);
    expect(refused.stderr).toMatch(/SHA-256.*hld doctor/s);
    expect(JSON.parse(shown.stdout).version).toBe(1);

    const doctor = await hld(['doctor'], env);
    const refreshed = await hld(['refresh', '--json'], env);

    expect(doctor.code, doctor.stdout).toBe(0);
    expect(doctor.stdout).toContain('rebuilt from raw');
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(JSON.parse(refreshed.stdout)).toMatchObject({ published: false, contentHash: baselineHash });
  });

  it('says which upload must be ingested again when its raw bytes are damaged, and a run with the file heals it', async () => {
    const dir = await copyOfState();
    const env = { HLD_STATE_DIR: dir };
    const raw = await objectRecord(dir, 'hld-raw', 'raw/stocktaking/');
    await flipOneByte(blobPath(dir, raw.sha256));

    const doctor = await hld(['doctor'], env);

    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/moved aside/);
    expect(doctor.stdout).toContain(
      `ingest the file again (hld ingest <path to ${raw.key.split('/').pop()}>`,
    );

    const rerun = await hld(['run', '--json'], env);
    const after = await hld(['doctor', '--dry-run'], env);

    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout).contentHash).toBe(baselineHash);
    expect(after.code, after.stdout).toBe(0);
  });

  it('never rewrites an object record it cannot parse: the command that needs it names it; doctor moves it aside and rebuilds', async () => {
    const dir = await copyOfState();
    const env = { HLD_STATE_DIR: dir };
    const table = await objectRecord(dir, 'hld-curated', 'tables/jmdi_lesson/');
    await truncate(table.path, 20);
    const damaged = await readFile(table.path);

    const refused = await hld(['refresh'], env);

    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain(table.path);
    expect(refused.stderr).toContain('hld doctor');
    expect(await readFile(table.path)).toEqual(damaged);

    const doctor = await hld(['doctor'], env);
    const refreshed = await hld(['refresh', '--json'], env);

    expect(doctor.code, doctor.stdout).toBe(0);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(JSON.parse(refreshed.stdout).contentHash).toBe(baselineHash);
  });

  it('answers at once, naming the object, when a stored blob is missing (no hang), and doctor rebuilds it', async () => {
    const dir = await copyOfState();
    const env = { HLD_STATE_DIR: dir };
    const table = await objectRecord(dir, 'hld-curated', 'tables/pilot/');
    await rm(blobPath(dir, table.sha256));

    const refused = await hld(['refresh'], env, 120_000);

    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain(`s3://hld-curated/${table.key}`);
    expect(refused.stderr).toContain('missing');

    const doctor = await hld(['doctor'], env);
    const refreshed = await hld(['refresh', '--json'], env);

    expect(doctor.code, doctor.stdout).toBe(0);
    expect(JSON.parse(refreshed.stdout).contentHash).toBe(baselineHash);
  });

  it('reports an index of the earlier layout that cannot be parsed, leaves it untouched, and doctor moves it aside', async () => {
    const dir = await copyOfState();
    const env = { HLD_STATE_DIR: dir };
    const index = join(dir, 'embedded', 's3', 'hld-raw.index.json');
    await writeFile(index, '{"objects":{"raw/stocktaking/');

    const status = await hld(['status'], env);

    expect(status.code).toBe(0);
    expect(status.stderr).toContain(`${index} cannot be parsed`);
    expect(await readFile(index, 'utf8')).toBe('{"objects":{"raw/stocktaking/');

    const doctor = await hld(['doctor'], env);

    expect(doctor.code, doctor.stdout).toBe(0);
    expect(doctor.stdout).toContain('moved aside');
    expect(
      (await readdir(join(dir, 'embedded', 's3'))).filter((name) => name.endsWith('.index.json')),
    ).toEqual([]);
  });

  it('marks a version a stopped refresh left complete but never live, and diff compares the live version with the previous live one', async () => {
    // prepare: a changed input, then a refresh killed after v2 is complete and before CURRENT moves
    const { dir, env } = await stateWithNeverLiveVersion();

    // act
    const listed = await hld(['briefing', 'versions'], env);
    const before = JSON.parse((await hld(['briefing', 'versions', '--json'], env)).stdout);
    const refreshed = JSON.parse((await hld(['refresh', '--json'], env)).stdout);
    const after = JSON.parse((await hld(['briefing', 'versions', '--json'], env)).stdout);
    const diff = await hld(['briefing', 'diff'], env);
    const api = await withLedger(dir, async () => {
      const ctx = pipelineContext();
      const router = createBriefingRouter({
        briefings: ctx.briefings,
        ledger: ctx.ledger,
        exports: ctx.exports,
        buckets: { raw: ctx.config.rawBucket, curated: ctx.config.curatedBucket },
        onError: () => {},
      });
      const base = `/datasets/${ctx.config.dataset}`;
      return {
        versions: await router({ method: 'GET', path: `${base}/versions` }),
        diff: await router({ method: 'GET', path: `${base}/diff` }),
      };
    });

    // assess
    const live = (state: { versions: { version: number; live: string }[] }) =>
      state.versions.map((version) => [version.version, version.live]);
    expect(live(before)).toEqual([
      [1, 'now'],
      [2, 'never'],
    ]);
    expect(listed.stdout).toMatch(/^2 +never /m);
    expect(listed.stdout).toContain("live 'never': its items were complete but the refresh stopped");
    expect(refreshed).toMatchObject({ published: true, version: 3, previousVersion: 1 });
    expect(live(after)).toEqual([
      [1, 'was'],
      [2, 'never'],
      [3, 'now'],
    ]);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toMatch(/^hld2013 v1 → v3: 0 added, 0 removed, 2 changed/);
    expect(diff.stdout).toContain(
      'context_figures[0].values[source=national,revision=NBS-trial,year=2012]: (none) →',
    );
    // The API answers as the CLI does.
    expect(live(JSON.parse(api.versions.body))).toEqual(live(after));
    expect(JSON.parse(api.diff.body)).toMatchObject({ from: 1, to: 3 });
  });

  it('refuses a rollback to a version a stopped refresh left never live, naming the versions that were; --never-live only with its exports complete', async () => {
    // prepare: a changed input, then a refresh killed after v2 is complete and before CURRENT moves
    const { dir, env } = await stateWithNeverLiveVersion();
    const copy = await mkdtemp(join(tmpdir(), 'hld-damaged-'));
    dirs.push(copy);
    await cp(dir, copy, { recursive: true });
    const manifest = await objectRecord(copy, 'hld-exports', 'briefings/hld2013/v2/manifest.json');
    await rm(manifest.path);

    // act
    const refused = await hld(['briefing', 'rollback', '2', '--why', 'try v2'], env);
    const stillLive = JSON.parse((await hld(['briefing', 'versions', '--json'], env)).stdout);
    const withoutExports = await hld(['briefing', 'rollback', '2', '--why', 'try v2', '--never-live'], {
      HLD_STATE_DIR: copy,
    });
    const allowed = await hld(
      ['briefing', 'rollback', '2', '--why', 'v2 checked by hand', '--never-live'],
      env,
    );
    const after = JSON.parse((await hld(['briefing', 'versions', '--json'], env)).stdout);

    // assess
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain(
      'hld2013 v2 was never live (a refresh stopped before making it live): not made live; the versions that were live are v1',
    );
    expect(stillLive.current).toBe(1);
    expect(withoutExports.code).toBe(2);
    expect(withoutExports.stderr).toContain('hld2013 v2 was never live and its exports are not complete');
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(after.current).toBe(2);
  });

  it('writes the live version\u2019s exports again from its items when one of them is lost', async () => {
    const dir = await copyOfState();
    const env = { HLD_STATE_DIR: dir };
    const exported = await objectRecord(dir, 'hld-exports', 'briefings/hld2013/v1/csv/briefing_country.csv');
    await rm(exported.path);

    const found = await hld(['doctor', '--dry-run'], env);
    const repaired = await hld(['doctor'], env);
    const after = await hld(['doctor', '--dry-run'], env);

    expect(found.code).toBe(1);
    expect(found.stdout).toContain('exports missing or damaged under briefings/hld2013/v1/');
    expect(repaired.code, repaired.stdout).toBe(0);
    expect(repaired.stdout).toContain('written again');
    expect(after.code, after.stdout).toBe(0);
    expect(JSON.parse(await readFile(exported.path, 'utf8')).sha256).toBe(exported.sha256);
  });

  it('finds and removes a ledger index entry whose item a kill never wrote (the embedded DynamoDB writes the index first)', async () => {
    const dir = await copyOfState();
    const env = { HLD_STATE_DIR: dir };
    // What a kill between dynalite's two writes leaves: the index entry, without its item. The
    // leveldb is opened with the package dynalite itself uses.
    const db = new Level<string, { pk?: { S?: string } }>(join(dir, 'embedded', 'dynamodb'), {
      valueEncoding: 'json',
    });
    let removed = '';
    for await (const [key, item] of db.iterator({ gte: 'item-hld-ledger~', lt: 'item-hld-ledger~\uffff' })) {
      if (item.pk?.S === 'SOURCE#stocktaking/jmdi-lessons.csv') {
        await db.del(key);
        removed = key;
      }
    }
    await db.close();
    expect(removed).not.toBe('');

    const found = await hld(['doctor', '--dry-run', '--json'], env);
    const repaired = await hld(['doctor'], env);
    const rerun = await hld(['run', '--json'], env);
    const after = await hld(['doctor', '--dry-run', '--json'], env);

    expect(found.code).toBe(1);
    expect(JSON.parse(found.stdout).findings).toContainEqual(
      expect.objectContaining({
        area: 'index',
        problem: expect.stringContaining('SOURCE stocktaking/jmdi-lessons.csv'),
      }),
    );
    expect(repaired.code, repaired.stdout).toBe(0);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout).contentHash).toBe(baselineHash);
    expect(JSON.parse(after.stdout).healthy, after.stdout).toBe(true);
  });

  it('stops cleanly on a full disk (a size limit of the embedded store), publishes nothing half-written, and completes once there is room', async () => {
    const seed = testSeed('full embedded store');
    const limit = Math.round(30_000 + seededRandom(seed)() * 1_500_000);
    const dir = await mkdtemp(join(tmpdir(), 'hld-full-'));
    dirs.push(dir);

    const full = await hld(['run'], { HLD_STATE_DIR: dir, HLD_EMBEDDED_S3_MAX_BYTES: String(limit) });

    expect(full.code, `limit ${limit} (seed ${seed})`).toBe(5);
    expect(full.stdout + full.stderr).toMatch(/is full/);
    expect(await readdir(join(dir, 'embedded', 's3', 'tmp'))).toEqual([]);

    const rerun = await hld(['run', '--json'], { HLD_STATE_DIR: dir });
    const doctor = await hld(['doctor', '--dry-run', '--json'], { HLD_STATE_DIR: dir });

    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout).contentHash).toBe(baselineHash);
    expect(JSON.parse(doctor.stdout).healthy, doctor.stdout).toBe(true);
  });

  it('releases, with a notice, the lock of a refresh whose process is dead, and records its run as failed', async () => {
    const dir = await copyOfState();
    const env = { HLD_STATE_DIR: dir };
    const owner = await deadProcess();
    await withLedger(dir, async () => {
      const { ledger } = pipelineContext();
      await ledger.acquireLock(REFRESH_LOCK, 'run-killed', 900, undefined, owner);
      await ledger.startRun({
        runId: 'run-killed',
        status: 'running',
        requestedBy: 'hld refresh',
        startedAt: new Date().toISOString(),
      });
    });

    const refreshed = await hld(['refresh'], env);
    const status = JSON.parse((await hld(['status', '--json'], env)).stdout);

    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(refreshed.stdout + refreshed.stderr).toContain(
      `Released the refresh lock of run run-killed: its process (PID ${owner.pid}) is no longer running`,
    );
    expect(status.runs.find((run: { runId: string }) => run.runId === 'run-killed')).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('died'),
    });
  });

  it('releases a live holder\u2019s lock only with hld unlock --force --why, and records who and why', async () => {
    const dir = await copyOfState();
    const env = { HLD_STATE_DIR: dir };
    // A holder that is alive: this test process.
    const owner = identifyProcess(process.pid)!;
    await withLedger(dir, async () => {
      const { ledger } = pipelineContext();
      await ledger.acquireLock(REFRESH_LOCK, 'run-stuck', 900, undefined, owner);
      await ledger.startRun({
        runId: 'run-stuck',
        status: 'running',
        requestedBy: 'hld refresh',
        startedAt: new Date().toISOString(),
      });
    });

    const locked = await hld(['refresh'], env);
    const asked = await hld(['unlock'], env);
    const noReason = await hld(['unlock', '--force'], env);
    const forced = await hld(
      ['unlock', '--force', '--why', 'stuck after a network outage', '--who', 'operator', '--json'],
      env,
    );
    const refreshed = await hld(['refresh'], env);

    expect(locked.code).toBe(4);
    expect(asked.code).toBe(4);
    expect(asked.stdout).toContain('hld unlock --force --why');
    expect(noReason.code).toBe(2);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({
      released: true,
      who: 'operator',
      why: 'stuck after a network outage',
    });
    expect(refreshed.code, refreshed.stderr).toBe(0);
    const releases = await withLedger(dir, () => pipelineContext().ledger.listLockReleases());
    expect(releases).toContainEqual(
      expect.objectContaining({
        lock: 'refresh',
        holder: 'run-stuck',
        how: 'force',
        who: 'operator',
        why: 'stuck after a network outage',
      }),
    );
    const runs = await withLedger(dir, () => pipelineContext().ledger.listRuns());
    expect(runs.find((run) => run.runId === 'run-stuck')).toMatchObject({ status: 'failed' });
  });
});
