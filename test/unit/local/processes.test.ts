import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { currentProcess, identifyProcess } from '#packages/local/process-identity.ts';
import { stopOrphanedEmulators } from '#packages/local/processes.ts';
import { deadProcess, groupRuns } from '../../support/processes.ts';

const REGISTRY = join(tmpdir(), `hld-emulators-${process.getuid?.() ?? 'user'}`);

/** A stand-in emulator: a process leading its own group, as hld starts them. */
function standInEmulator(): number {
  const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid!;
}

describe('stopOrphanedEmulators', () => {
  it('stops an emulator whose hld is gone, says so, and leaves one whose hld still runs', async () => {
    await mkdir(REGISTRY, { recursive: true });
    const orphan = standInEmulator();
    const adopted = standInEmulator();
    const entry = (pid: number, owner: object) =>
      JSON.stringify({ backend: 'moto', command: 'python3', emulator: identifyProcess(pid), owner });
    await writeFile(join(REGISTRY, `${orphan}.json`), entry(orphan, await deadProcess()));
    await writeFile(join(REGISTRY, `${adopted}.json`), entry(adopted, currentProcess()));
    try {
      const notices = await stopOrphanedEmulators();

      expect(notices.some((notice) => notice.includes(`PID ${orphan}`))).toBe(true);
      expect(groupRuns(orphan)).toBe(false);
      expect(groupRuns(adopted)).toBe(true);
    } finally {
      for (const pid of [orphan, adopted]) {
        if (groupRuns(pid)) process.kill(-pid, 'SIGKILL');
        await rm(join(REGISTRY, `${pid}.json`), { force: true });
      }
    }
  });
});
