import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { locateStateDirectory, lockStateDirectory } from '#packages/cli/session.ts';
import { BackendUnavailableError } from '#packages/local/errors.ts';

describe('lockStateDirectory', () => {
  it('refuses a state folder another live process holds, naming its PID', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hld-lock-'));
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)']);
    try {
      await writeFile(join(dir, 'hld.pid'), String(other.pid));

      const locking = lockStateDirectory(dir);

      await expect(locking).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(locking).rejects.toThrow(String(other.pid));
    } finally {
      other.kill();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('takes over a lock left by a process that died, and releases it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hld-lock-'));
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.once('exit', resolve));
    await writeFile(join(dir, 'hld.pid'), String(dead.pid));

    const release = await lockStateDirectory(dir);

    expect(JSON.parse(await readFile(join(dir, 'hld.pid'), 'utf8')).holder.pid).toBe(process.pid);
    await release();
    await expect(readFile(join(dir, 'hld.pid'), 'utf8')).rejects.toThrow();
    await rm(dir, { recursive: true, force: true });
  });
});

describe('locateStateDirectory', () => {
  it('finds .hld in a parent folder up to the project root, as git finds .git', async () => {
    const project = await mkdtemp(join(tmpdir(), 'hld-project-'));
    const saved = process.env.HLD_STATE_DIR;
    delete process.env.HLD_STATE_DIR;
    try {
      await writeFile(join(project, 'package.json'), '{}');
      await mkdir(join(project, '.hld', 'embedded'), { recursive: true });
      await mkdir(join(project, 'packages', 'cli'), { recursive: true });

      const found = locateStateDirectory(join(project, 'packages', 'cli'));

      expect(found).toMatchObject({ path: join(project, '.hld'), exists: true });
    } finally {
      if (saved !== undefined) process.env.HLD_STATE_DIR = saved;
      await rm(project, { recursive: true, force: true });
    }
  });

  it('does not look above the project root, and proposes the project root for new state', async () => {
    const outer = await mkdtemp(join(tmpdir(), 'hld-outer-'));
    const saved = process.env.HLD_STATE_DIR;
    delete process.env.HLD_STATE_DIR;
    try {
      await mkdir(join(outer, '.hld', 'embedded'), { recursive: true });
      await mkdir(join(outer, 'project', 'sub'), { recursive: true });
      await writeFile(join(outer, 'project', 'package.json'), '{}');

      const found = locateStateDirectory(join(outer, 'project', 'sub'));

      expect(found).toMatchObject({ path: join(outer, 'project', '.hld'), exists: false });
    } finally {
      if (saved !== undefined) process.env.HLD_STATE_DIR = saved;
      await rm(outer, { recursive: true, force: true });
    }
  });
});
