import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type BackendName,
  backendFromEnvironment,
  type RunningBackend,
  startBackend,
} from '#packages/local/backends.ts';
import { BackendUnavailableError } from '#packages/local/errors.ts';
import { type PipelineContext, pipelineContext } from '#packages/pipeline/context.ts';
import { HLD_EPHEMERAL, HLD_STATE_DIR, readSetting } from '#packages/settings/settings.ts';

/** Where local state lives between commands (embedded backend). Override with HLD_STATE_DIR. */
export function stateDirectory(): string {
  return resolve(readSetting(HLD_STATE_DIR));
}

export interface Session {
  readonly backend: RunningBackend;
  readonly ctx: PipelineContext;
  readonly stateDir: string | undefined;
}

/**
 * Start the chosen backend for one command and stop it afterwards. The embedded backend keeps
 * its DynamoDB (leveldb) and S3 objects under `.hld/embedded`, so `hld briefing show` works on
 * what `npm start` built without re-running the pipeline.
 */
export async function withSession<T>(
  flag: string | undefined,
  work: (session: Session) => Promise<T>,
): Promise<T> {
  const name: BackendName = backendFromEnvironment(flag);
  const stateDir =
    name === 'embedded' && !readSetting(HLD_EPHEMERAL) ? resolve(stateDirectory(), 'embedded') : undefined;
  const release = stateDir ? await lockStateDirectory(stateDir) : async () => {};
  try {
    const backend = await startBackend(name, stateDir ? { stateDir } : {});
    try {
      return await work({ backend, ctx: pipelineContext(), stateDir });
    } finally {
      await backend.stop();
    }
  } finally {
    await release();
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One command at a time per state folder: the embedded DynamoDB (leveldb) allows one process.
 * A second command gets a clear error instead of a crash inside the emulator; a lock left by a
 * process that died is taken over.
 */
export async function lockStateDirectory(stateDir: string): Promise<() => Promise<void>> {
  await mkdir(stateDir, { recursive: true });
  const lockFile = join(stateDir, 'hld.pid');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await writeFile(lockFile, String(process.pid), { flag: 'wx' });
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (holder && holder !== process.pid && processAlive(holder)) {
        throw new BackendUnavailableError(
          'embedded',
          `${stateDir} is in use by another hld command (PID ${holder}, e.g. 'hld serve'); stop it, or point HLD_STATE_DIR elsewhere`,
        );
      }
      await rm(lockFile, { force: true });
    }
  }
  throw new BackendUnavailableError('embedded', `Could not lock ${stateDir}`);
}
