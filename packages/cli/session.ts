import { resolve } from 'node:path';
import {
  type BackendName,
  backendFromEnvironment,
  type RunningBackend,
  startBackend,
} from '#packages/local/backends.ts';
import { type PipelineContext, pipelineContext } from '#packages/pipeline/context.ts';

/** Where local state lives between commands (embedded backend). Override with HLD_STATE_DIR. */
export function stateDirectory(): string {
  return resolve(process.env.HLD_STATE_DIR ?? '.hld');
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
    name === 'embedded' && process.env.HLD_EPHEMERAL !== '1'
      ? resolve(stateDirectory(), 'embedded')
      : undefined;
  const backend = await startBackend(name, stateDir ? { stateDir } : {});
  try {
    return await work({ backend, ctx: pipelineContext(), stateDir });
  } finally {
    await backend.stop();
  }
}
