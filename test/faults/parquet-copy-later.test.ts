import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDiskS3Store } from '#packages/local/disk-s3-store.ts';
import { HLD_CURATED_BUCKET } from '#packages/settings/settings.ts';
import { hld, SAMPLES, startHld, waitUntil } from './support/hld.ts';

const SURVEY = join(SAMPLES, 'survey', 'gmg-unct-2011-kobo.csv');
// extracted_at is when normalise ran: it differs between the two state folders.
const SQL = 'SELECT * EXCLUDE (source_sha256, extracted_at) FROM survey_response ORDER BY ALL';

/** The tables with a Parquet copy in a state folder's curated bucket (read with no hld running). */
async function parquetCopies(stateDir: string): Promise<string[]> {
  const store = await openDiskS3Store(join(stateDir, 'embedded', 's3'));
  const bucket = HLD_CURATED_BUCKET.defaultValue;
  if (!store.hasBucket(bucket)) return [];
  // parquet/<table>/source_sha256=<sha>/<snapshot id>.parquet: the snapshot id differs per state.
  return store
    .listObjects(bucket, { prefix: 'parquet/' })
    .objects.map((object) => object.key.split('/').slice(0, 3).join('/'))
    .sort();
}

describe('the Parquet copy hld ingest leaves for later (embedded)', () => {
  const dirs: string[] = [];
  const stateDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hld-parquet-later-'));
    dirs.push(dir);
    return dir;
  };

  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('loses nothing when hld ingest is killed right after normalise: the first hld query answers as the reference and writes the copy', async () => {
    // Prepare: the answer of an uninterrupted ingest + refresh; its first query writes its copy.
    const reference = await stateDir();
    expect((await hld(['ingest', SURVEY, '--kind', 'survey'], { HLD_STATE_DIR: reference })).code).toBe(0);
    expect((await hld(['refresh'], { HLD_STATE_DIR: reference })).code).toBe(0);
    expect(await parquetCopies(reference)).toEqual([]);
    const expected = await hld(['query', SQL, '--csv'], { HLD_STATE_DIR: reference });
    expect(expected.code, expected.stderr).toBe(0);
    expect(expected.stdout.split('\n').length).toBeGreaterThan(10);
    const referenceCopies = await parquetCopies(reference);
    expect(referenceCopies.some((copy) => copy.startsWith('parquet/survey_response/'))).toBe(true);

    // Act: the same ingest, killed as soon as its normalise stage has run (HLD_STAGE_STATS).
    const dir = await stateDir();
    const stats = join(dir, 'stage-stats.jsonl');
    const victim = startHld(['ingest', SURVEY, '--kind', 'survey'], {
      HLD_STATE_DIR: dir,
      HLD_STAGE_STATS: stats,
    });
    const normalised = await waitUntil(
      () => existsSync(stats) && readFileSync(stats, 'utf8').includes('"stage":"normalise"'),
      120_000,
    );
    victim.process.kill('SIGKILL');
    await victim.done;
    expect(normalised, victim.output.stderr).toBe(true);

    // Assess: no copy yet; the query answers as the reference's and writes the copies it has …
    expect(await parquetCopies(dir)).toEqual([]);
    const first = await hld(['query', SQL, '--csv'], { HLD_STATE_DIR: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(expected.stdout);
    expect(await parquetCopies(dir)).toEqual(referenceCopies);
    // … and the next query, reading those copies, answers the same.
    const again = await hld(['query', SQL, '--csv'], { HLD_STATE_DIR: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(expected.stdout);
  });
});
