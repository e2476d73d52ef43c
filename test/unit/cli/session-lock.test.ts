import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockStateDirectory } from '#packages/cli/session.ts';
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

    expect(await readFile(join(dir, 'hld.pid'), 'utf8')).toBe(String(process.pid));
    await release();
    await expect(readFile(join(dir, 'hld.pid'), 'utf8')).rejects.toThrow();
    await rm(dir, { recursive: true, force: true });
  });
});
