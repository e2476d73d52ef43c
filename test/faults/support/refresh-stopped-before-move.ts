// A refresh stopped after its version is complete and before CURRENT moves to it, as a kill
// leaves it: runs `hld refresh`'s steps in a session on the embedded backend in the state folder
// given, and kills its own process (SIGKILL: no catch, no abandon runs) just before the move,
// after printing the version number it wrote as JSON.
import { withSession } from '#packages/cli/session.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import { assembleBriefing } from '#packages/pipeline/stages/assemble-step.ts';
import { refreshNow } from '../../support/pipeline.ts';

const [stateDir = ''] = process.argv.slice(2);
process.env.HLD_STATE_DIR = stateDir;
process.env.HLD_BACKEND = 'embedded';

await withSession(undefined, async () => {
  await refreshNow({
    assemble: (state) =>
      assembleBriefing(state, pipelineContext(), {
        beforePublish: async (version) => {
          process.stdout.write(`${JSON.stringify({ stoppedBeforeMoving: version })}\n`);
          process.kill(process.pid, 'SIGKILL');
          await new Promise(() => {});
        },
      }),
  });
});
