import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDiskS3Store } from '#packages/local/disk-s3-store.ts';
import { hld, runScript } from './support/hld.ts';

interface StartMeasure {
  readonly startMs: number;
  readonly rssMb: number;
  readonly version: number | null;
}

function measureStart(stateDir: string): Promise<StartMeasure> {
  return runScript<StartMeasure>('test/faults/support/start-embedded.ts', [join(stateDir, 'embedded')]);
}

describe('a read command on the embedded backend, whatever the size of the stored data', () => {
  const dirs: string[] = [];
  let small: string;
  let large: string;

  beforeAll(async () => {
    small = await mkdtemp(join(tmpdir(), 'hld-small-'));
    large = await mkdtemp(join(tmpdir(), 'hld-large-'));
    dirs.push(small, large);
    const run = await hld(['run'], { HLD_STATE_DIR: small });
    expect(run.code, run.stderr).toBe(0);
    await cp(small, large, { recursive: true });
    // 384 MB more of stored objects: three survey re-runs' worth of raw uploads.
    const store = await openDiskS3Store(join(large, 'embedded', 's3'));
    for (let index = 0; index < 3; index += 1) {
      store.putObject('hld-raw', `raw/survey/big-${index}.csv`, Buffer.alloc(128 * 2 ** 20, 48 + index));
    }
  });

  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('starts within 300 MB, no bigger with 384 MB more stored (bodies stay on disk; the start time is printed, not asserted: timing belongs to npm run bench)', async () => {
    const before = await measureStart(small);
    const after = await measureStart(large);
    process.stdout.write(
      `[read start] small state: ${before.startMs.toFixed(0)} ms, ${before.rssMb.toFixed(0)} MB; with 384 MB more: ${after.startMs.toFixed(0)} ms, ${after.rssMb.toFixed(0)} MB\n`,
    );

    expect(after.version).toBe(1);
    expect(after.rssMb).toBeLessThan(300);
    expect(after.rssMb - before.rssMb).toBeLessThan(40);
  });
});
