import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom, testSeed } from '../support/seed.ts';
import { hld, ROOT, startHld, waitForOutput } from './support/hld.ts';

/** Interrupts per test: each costs a process start and an emulator start (a few seconds). */
const INTERRUPTS = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const STACK_TRACE = /^\s+at |Node\.js v\d+|Database is (?:not open|closed)/m;

describe('a command interrupted with Ctrl-C (SIGINT) on the embedded backend', () => {
  const dirs: string[] = [];
  const stateDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hld-sigint-'));
    dirs.push(dir);
    return dir;
  };

  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it(`exits 130 with its one-line message, no stack trace, when requests are in flight at the signal (${INTERRUPTS} seeded instants)`, async () => {
    const seed = testSeed('SIGINT with requests in flight');
    const random = seededRandom(seed);
    for (let interrupt = 0; interrupt < INTERRUPTS; interrupt += 1) {
      // prepare: a session busy with DynamoDB writes and reads through the production client factory
      const dir = await stateDir();
      const child = spawn(
        process.execPath,
        [join(ROOT, 'test/faults/support/interrupt-busy-session.ts'), dir],
        {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const output = { stdout: '', stderr: '' };
      child.stdout.on('data', (chunk: Buffer) => {
        output.stdout += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output.stderr += chunk.toString();
      });
      const ended = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
      const busy = await Promise.race([
        (async () => {
          while (!output.stdout.includes('busy')) await sleep(10);
          return true;
        })(),
        ended.then(() => false),
      ]);
      expect(busy, output.stderr).toBe(true);
      const at = Math.round(random() * 400);
      const context = `seed ${seed}, interrupt ${interrupt + 1} of ${INTERRUPTS}, ${at} ms after the requests began`;

      // act
      await sleep(at);
      child.kill('SIGINT');
      const code = await ended;

      // assess: the user sees the signal's exit code and the one line saying the state is kept
      expect(code, `${context}\n${output.stderr}`).toBe(130);
      expect(output.stderr, context).toContain('SIGINT: stopping (the state is kept');
      expect(output.stderr, context).not.toMatch(STACK_TRACE);
      const doctor = await hld(['doctor', '--dry-run', '--json'], { HLD_STATE_DIR: dir });
      expect(doctor.code, `${context}\n${doctor.stderr}`).toBe(0);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('hld refresh interrupted at a seeded instant exits 130, leaves a state doctor finds consistent, and the next refresh publishes', async () => {
    // prepare: every bundled sample ingested, nothing published
    const seed = testSeed('SIGINT of hld refresh');
    const random = seededRandom(seed);
    const dir = await stateDir();
    const env = { HLD_STATE_DIR: dir };
    const ingest = await hld(['ingest', join(ROOT, 'data-contracts/samples'), '--quiet'], env);
    expect(ingest.code, ingest.stderr).toBe(0);

    // act: Ctrl-C once the refresh has begun its work, at a seeded point of it
    const victim = startHld(['refresh'], env);
    await waitForOutput(victim, (text) => text.includes('refresh:'));
    const at = Math.round(random() * 1500);
    await sleep(at);
    victim.process.kill('SIGINT');
    const interrupted = await victim.done;
    const context = `seed ${seed}, SIGINT ${at} ms after the refresh began`;

    // assess: a clean stop (or the refresh had already ended), a consistent state, and a rerun that publishes
    expect([0, 130], `${context}\n${interrupted.stderr}`).toContain(interrupted.code);
    expect(interrupted.stderr, context).not.toMatch(STACK_TRACE);
    const doctor = await hld(['doctor', '--dry-run', '--json'], env);
    expect(doctor.code, `${context}\n${doctor.stdout}`).toBe(0);
    const rerun = await hld(['refresh', '--json'], env);
    expect(rerun.code, `${context}\n${rerun.stderr}`).toBe(0);
    const status = JSON.parse((await hld(['status', '--json'], env)).stdout);
    expect(status.lock, context).toBeNull();
    expect(
      status.runs.filter((run: { status: string }) => run.status === 'running'),
      context,
    ).toEqual([]);
  });
});
