/**
 * The curated loading step of assemble alone, on a state folder after `hld ingest` (e.g. the
 * bench's 1M-row survey): `loadCuratedTables` (the large tables' briefing columns by range)
 * against reading every file whole, alternated in one process over the embedded backend's
 * emulator child. Prints one JSON line per run: wall and CPU seconds of this process (the
 * emulator child's not included) and its RSS after the step.
 *
 *   HLD_STATE_DIR=<copy of a state> HLD_EMBEDDED_OUT_OF_PROCESS=1 \
 *     node bench/curated-load.ts [rounds=3]
 *
 * Run it on a copy: starting the backend adopts the folder.
 */
import { join } from 'node:path';
import { readArrowTable } from '#packages/arrow/read.ts';
import { briefingTableLoader } from '#packages/briefing/build.ts';
import { startBackend } from '#packages/local/backends.ts';
import { loadCuratedTables } from '#packages/pipeline/assemble.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import { HLD_STATE_DIR, readSetting } from '#packages/settings/settings.ts';

/** The old way: every curated file read whole, then given to the same loader. */
async function loadWhole(ctx: ReturnType<typeof pipelineContext>): Promise<void> {
  const sources = (await ctx.ledger.listSources()).sort((a, b) => a.sourceName.localeCompare(b.sourceName));
  const loader = briefingTableLoader();
  for (const source of sources) {
    const snapshot = await ctx.ledger.latestSnapshot(source.sha256);
    const file = await ctx.ledger.getFile(source.sha256);
    for (const entry of snapshot?.tables ?? []) {
      loader.add({
        table: entry.table,
        arrow: readArrowTable(await ctx.curated.get(entry.key)),
        file_sha256: source.sha256,
        raw_key: file?.rawKey ?? '',
      });
    }
  }
  loader.finish();
}

const rounds = Number(process.argv[2] ?? 3);
const state = readSetting(HLD_STATE_DIR);
if (!state) throw new Error('Set HLD_STATE_DIR to a copy of a state folder');
const running = await startBackend('embedded', { stateDir: join(state, 'embedded') });
try {
  const ctx = pipelineContext();
  for (let round = 0; round < rounds; round += 1) {
    for (const mode of ['whole', 'ranges'] as const) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      if (mode === 'whole') await loadWhole(ctx);
      else await loadCuratedTables(ctx);
      const used = process.cpuUsage(cpu);
      const line = {
        mode,
        round,
        seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
        cpuSeconds: Number(((used.user + used.system) / 1e6).toFixed(2)),
        rssMB: Math.round(process.memoryUsage().rss / 1e6),
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
      globalThis.gc?.();
    }
  }
} finally {
  await running.stop();
}
