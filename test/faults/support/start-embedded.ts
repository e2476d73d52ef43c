// Start the embedded backend on a state folder as a read command does, read one item, and print
// how long the start took and how much memory the process holds (JSON on stdout).
import { startBackend } from '#packages/local/backends.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';

const [stateDir = ''] = process.argv.slice(2);
// The modules are loaded first: start-up of Node and the CLI's code is not the backend's.
await import('dynalite');
await import('fauxqs');
const started = performance.now();
const backend = await startBackend('embedded', { stateDir });
const startMs = performance.now() - started;
const ctx = pipelineContext();
const current = await ctx.briefings.current(ctx.config.dataset);
const { rss } = process.memoryUsage();
await backend.stop();
process.stdout.write(
  `${JSON.stringify({ startMs, rssMb: rss / 2 ** 20, version: current?.version ?? null })}\n`,
);
