import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HLD_FAULT_KILLS, readSetting } from '#packages/settings/settings.ts';
import { integrationBackends } from '../support/backends.ts';
import { seededRandom, testSeed } from '../support/seed.ts';
import {
  emulatorsOf,
  groupRuns,
  hld,
  sampleShas,
  startHld,
  waitForOutput,
  waitUntil,
} from './support/hld.ts';

/** Kill instants per CI run on the embedded backend (HLD_FAULT_KILLS to change). */
const KILLS = readSetting(HLD_FAULT_KILLS);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Baseline {
  readonly contentHash: string;
  readonly ms: number;
}

async function uninterruptedRun(env: Record<string, string>): Promise<Baseline> {
  const run = await hld(['run', '--json'], env);
  expect(run.code, run.stderr).toBe(0);
  return { contentHash: JSON.parse(run.stdout).contentHash, ms: run.ms };
}

let embeddedBaseline: Promise<Baseline> | undefined;

/** One uninterrupted run on the embedded backend: the content every backend must publish. */
function baselineRun(): Promise<Baseline> {
  embeddedBaseline ??= mkdtemp(join(tmpdir(), 'hld-baseline-')).then(async (dir) => {
    try {
      return await uninterruptedRun({ HLD_STATE_DIR: dir });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  return embeddedBaseline;
}

describe('hld run killed with SIGKILL at random instants, then run again (embedded)', () => {
  let baseline: Baseline;
  const dirs: string[] = [];
  const stateDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hld-kill-'));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    baseline = await baselineRun();
  });

  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it(`publishes the uninterrupted run's content hash after a kill at any of ${KILLS} seeded instants, with every invariant holding`, async () => {
    const seed = testSeed('kill -9 of hld run');
    const random = seededRandom(seed);
    const expectedSources = await sampleShas();
    for (let kill = 0; kill < KILLS; kill += 1) {
      const dir = await stateDir();
      const env = { HLD_STATE_DIR: dir };
      const at = Math.round(50 + random() * baseline.ms);
      const context = `seed ${seed}, kill ${kill + 1} of ${KILLS} at ${at} ms`;

      const victim = startHld(['run'], env);
      await sleep(at);
      victim.process.kill('SIGKILL');
      await victim.done;
      const rerun = await hld(['run', '--json'], env);

      // The next command succeeds and publishes exactly what an uninterrupted run publishes.
      expect(rerun.code, `${context}\n${rerun.stderr}`).toBe(0);
      expect(JSON.parse(rerun.stdout).contentHash, context).toBe(baseline.contentHash);
      // Every source points at the latest upload of its name.
      const status = JSON.parse((await hld(['status', '--json'], env)).stdout);
      const pointers = new Map<string, string>(
        status.sources.map((source: { sourceName: string; sha256: string }) => [
          source.sourceName,
          source.sha256,
        ]),
      );
      expect(pointers, context).toEqual(expectedSources);
      expect(status.lock, context).toBeNull();
      expect(
        status.runs.filter((run: { status: string }) => run.status === 'running'),
        context,
      ).toEqual([]);
      // Every accepted upload's bytes are in raw, intact; objects, ledger and versions agree.
      const doctor = await hld(['doctor', '--dry-run', '--json'], env);
      const report = JSON.parse(doctor.stdout);
      expect(
        report.findings.filter((finding: { housekeeping?: boolean }) => !finding.housekeeping),
        context,
      ).toEqual([]);
      expect(doctor.code, context).toBe(0);
      await rm(dir, { recursive: true, force: true });
    }
  });
});

for (const backend of integrationBackends().filter(
  (candidate) => candidate.available && candidate.name !== 'embedded' && candidate.name !== 'localstack',
)) {
  describe(`hld run on ${backend.name} killed with SIGKILL`, () => {
    it('leaves no emulator running, and the next run publishes the same content hash as an uninterrupted one', async () => {
      const seed = testSeed(`kill -9 of hld run on ${backend.name}`);
      const random = seededRandom(seed);
      const env = { HLD_BACKEND: backend.name };
      // The same inputs give the same content on every backend.
      const baseline = await baselineRun();

      const victim = startHld(['run'], env);
      // Killed once the emulator is up, at a random point of the pipeline's work.
      await waitForOutput(victim, (text) => text.includes('[1/'));
      const emulators = await emulatorsOf(victim.process.pid!);
      await sleep(Math.round(random() * baseline.ms * 0.5));
      victim.process.kill('SIGKILL');
      await victim.done;

      expect(emulators.length, `seed ${seed}`).toBeGreaterThan(0);
      for (const emulator of emulators) {
        expect(
          await waitUntil(() => !groupRuns(emulator.pid), 10_000),
          `${emulator.backend} PID ${emulator.pid}`,
        ).toBe(true);
      }
      const rerun = await hld(['run', '--json'], env);
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(JSON.parse(rerun.stdout).contentHash).toBe(baseline.contentHash);
    });

    it('stops its emulator and exits 143 on SIGTERM', async () => {
      const victim = startHld(['run'], { HLD_BACKEND: backend.name });
      await waitForOutput(victim, (text) => text.includes('[1/'));
      const emulators = await emulatorsOf(victim.process.pid!);

      victim.process.kill('SIGTERM');
      const result = await victim.done;

      expect(result.code).toBe(143);
      expect(result.stderr).toContain('SIGTERM');
      for (const emulator of emulators) expect(groupRuns(emulator.pid)).toBe(false);
    });
  });
}
