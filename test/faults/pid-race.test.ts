import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HLD_FAULT_PID_ROUNDS, readSetting } from '#packages/settings/settings.ts';
import { deadProcess } from '../support/processes.ts';
import { runScript, waitUntil } from './support/hld.ts';

/** A PID file left by a process that ran and is gone. */
async function stalePidFile(dir: string): Promise<void> {
  await writeFile(join(dir, 'hld.pid'), JSON.stringify({ holder: await deadProcess(), command: 'run' }));
}

const ROUNDS = readSetting(HLD_FAULT_PID_ROUNDS);
/** Six racers: the takeover of a stale PID file by `rm` then `wx` (hld before this) failed within a few rounds. */
const RACERS = 6;

interface RaceResult {
  readonly outcome: string;
  readonly triedAt: number;
  readonly gotAt?: number;
  readonly releasedAt?: number;
}

function racer(dir: string, barrier: string): Promise<RaceResult> {
  return runScript<RaceResult>('test/faults/support/take-state-lock.ts', [dir, barrier]);
}

/** Start the racers, wait until every one of them is loaded and waiting, then let them go at once. */
async function race(dir: string): Promise<RaceResult[]> {
  const barrier = await mkdtemp(join(tmpdir(), 'hld-race-barrier-'));
  try {
    const racing = Array.from({ length: RACERS }, () => racer(dir, barrier));
    const ready = async () => (await readdir(barrier)).filter((name) => name.startsWith('ready-')).length;
    if (!(await waitUntil(async () => (await ready()) === RACERS, 120_000)))
      throw new Error(`only ${await ready()} of ${RACERS} racers started within 120 s`);
    await writeFile(join(barrier, 'go'), '');
    return await Promise.all(racing);
  } finally {
    await rm(barrier, { recursive: true, force: true });
  }
}

describe('racing commands for one state folder (separate processes)', () => {
  for (const start of ['no PID file', 'a stale PID file'] as const) {
    it(`gives the folder to exactly one of ${RACERS} racers, starting from ${start}, in each round`, async () => {
      const rounds: RaceResult[][] = [];
      // Creating a PID file from nothing is one atomic link; taking over a stale one is where races hid.
      const roundCount = start === 'no PID file' ? Math.ceil(ROUNDS / 2) : ROUNDS;
      for (let round = 0; round < roundCount; round += 1) {
        const dir = await mkdtemp(join(tmpdir(), 'hld-race-'));
        if (start === 'a stale PID file') await stalePidFile(dir);
        rounds.push(await race(dir));
        await rm(dir, { recursive: true, force: true });
      }

      let races = 0;
      for (const [round, results] of rounds.entries()) {
        const holders = results.filter((result) => result.outcome === 'got');
        const context = `round ${round}: ${JSON.stringify(results)}`;
        // Never two holders at once.
        for (const a of holders) {
          for (const b of holders) {
            if (a !== b) expect(a.releasedAt! <= b.gotAt! || b.releasedAt! <= a.gotAt!, context).toBe(true);
          }
        }
        // When all of them tried while the first holder held it (a real race), exactly one got it.
        const firstRelease = Math.min(...holders.map((holder) => holder.releasedAt!));
        if (results.every((result) => result.triedAt < firstRelease)) {
          races += 1;
          expect(holders, context).toHaveLength(1);
          expect(
            results.filter((result) => result.outcome === 'refused: BackendUnavailableError'),
          ).toHaveLength(RACERS - 1);
        }
      }
      process.stdout.write(`[pid race] ${start}: ${races} of ${roundCount} rounds were real races\n`);
      expect(races).toBeGreaterThan(roundCount / 2);
    });
  }
});
