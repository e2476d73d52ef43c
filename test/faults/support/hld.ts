import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const HLD = join(ROOT, 'bin/hld.js');
export const SAMPLES = join(ROOT, 'data-contracts/samples');

export interface HldResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** A running `hld` child: its output so far, and its end. */
export interface HldChild {
  readonly process: ChildProcess;
  readonly output: { stdout: string; stderr: string };
  readonly done: Promise<HldResult>;
}

/** Start `hld args…` on the embedded backend in `stateDir` (or as `env` says). */
export function startHld(args: readonly string[], env: Record<string, string | undefined> = {}): HldChild {
  const started = Date.now();
  const child = spawn(process.execPath, [HLD, ...args], {
    cwd: ROOT,
    env: { ...process.env, HLD_BACKEND: 'embedded', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => {
    output.stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString();
  });
  const done = new Promise<HldResult>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, ...output, ms: Date.now() - started }));
  });
  return { process: child, output, done };
}

/** Run `hld args…` to its end; a command that has not ended after `timeoutMs` is killed (a hang is a failure). */
export async function hld(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 180_000,
): Promise<HldResult> {
  const child = startHld(args, env);
  const timer = setTimeout(() => child.process.kill('SIGKILL'), timeoutMs);
  try {
    const result = await child.done;
    if (result.signal === 'SIGKILL' && result.ms >= timeoutMs) {
      throw new Error(`hld ${args.join(' ')} hung: killed after ${timeoutMs} ms\n${result.stderr}`);
    }
    return result;
  } finally {
    clearTimeout(timer);
  }
}

/** Wait until `predicate` holds on the child's output (or it ends). */
export async function waitForOutput(
  child: HldChild,
  predicate: (text: string) => boolean,
  timeoutMs = 120_000,
) {
  const deadline = Date.now() + timeoutMs;
  let ended = false;
  void child.done.then(() => {
    ended = true;
  });
  while (!predicate(child.output.stdout + child.output.stderr) && !ended && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** SHA-256 of each bundled sample, by source name (`survey/gmg-unct-2011-kobo.csv`). */
export async function sampleShas(): Promise<Map<string, string>> {
  const shas = new Map<string, string>();
  for (const kind of await readdir(SAMPLES, { withFileTypes: true })) {
    if (!kind.isDirectory()) continue;
    for (const file of await readdir(join(SAMPLES, kind.name))) {
      // Sidecars (<file>.source.json) describe a file; they are never a source of their own.
      if (!/\.(csv|json|xml|xlsx)$/.test(file) || file.endsWith('.source.json')) continue;
      const bytes = await readFile(join(SAMPLES, kind.name, file));
      shas.set(`${kind.name}/${file}`, createHash('sha256').update(bytes).digest('hex'));
    }
  }
  return shas;
}

/** Emulators registered by hld (the watchdog registry) whose owner is the given hld process. */
export async function emulatorsOf(ownerPid: number): Promise<{ backend: string; pid: number }[]> {
  const folder = join(tmpdir(), `hld-emulators-${process.getuid?.() ?? 'user'}`);
  const found: { backend: string; pid: number }[] = [];
  for (const name of await readdir(folder).catch(() => [] as string[])) {
    try {
      const entry = JSON.parse(await readFile(join(folder, name), 'utf8'));
      if (entry.owner?.pid === ownerPid) found.push({ backend: entry.backend, pid: entry.emulator.pid });
    } catch {
      // written or removed meanwhile
    }
  }
  return found;
}

export { groupRuns } from '../../support/processes.ts';

/** Run a TypeScript helper script in a fresh Node process and parse the JSON it prints. */
export function runScript<T>(script: string, args: readonly string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', () => {
      try {
        resolve(JSON.parse(output) as T);
      } catch (error) {
        reject(new Error(`${script} printed no JSON: ${output}`, { cause: error }));
      }
    });
  });
}

export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}
