import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const HLD = fileURLToPath(new URL('../../bin/hld.js', import.meta.url));

/** `hld args…` from `cwd`, with no HLD_STATE_DIR: the state folder is found as git finds .git. */
async function hldIn(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { HLD_STATE_DIR: _ignored, ...inherited } = process.env;
  const env = { ...inherited, HLD_BACKEND: 'embedded' };
  try {
    const { stdout, stderr } = await run(process.execPath, [HLD, ...args], {
      cwd,
      env,
      maxBuffer: 32 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the state folder, found like .git', () => {
  let project: string;
  let sub: string;

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'hld-project-'));
    sub = join(project, 'notes', 'moldova');
    await writeFile(join(project, 'package.json'), '{"name":"my-briefings"}');
    await mkdir(sub, { recursive: true });
  });

  afterAll(async () => {
    await rm(project, { recursive: true, force: true });
  });

  it('a read command without state says where it looked, exits 1 and creates nothing', async () => {
    const shown = await hldIn(sub, ['briefing', 'show', 'MDA']);

    expect(shown.code).toBe(1);
    expect(shown.stderr).toContain(`No local state (looked from ${sub} up to ${project}`);
    expect(await readdir(project)).toEqual(['notes', 'package.json']);
    expect(await readdir(sub)).toEqual([]);
  });

  it('a run from a sub-folder keeps its state in the project root, and every folder below finds it', async () => {
    const built = await hldIn(sub, ['run', '--json']);
    const shown = await hldIn(join(project, 'notes'), ['briefing', 'show', 'MDA', '--json']);
    const status = await hldIn(sub, ['status', '--json']);

    expect(built.code, built.stderr).toBe(0);
    expect((await readdir(project)).sort()).toEqual(['.hld', 'notes', 'package.json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ iso3: 'MDA', version: 1 });
    expect(JSON.parse(status.stdout).state).toBe(join(project, '.hld', 'embedded'));
  });
});
