import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { renderBriefingExport } from '#packages/briefing/exports/render.ts';
import { sampleBriefing } from '../test/support/sample-briefing.ts';

/**
 * The HTML briefing book of the bundled evidence base, rendered in-process (what
 * `hld briefing export --format html` writes after `npm start`): wall time per render, the number
 * of pages and of Vega-Lite charts compiled to SVG. `npx tsx bench/book-html.ts [rounds]`.
 * Prints one JSON line with the machine (CPUs, load average) and the Node that ran it.
 */
const rounds = Number(process.argv[2] ?? 3);
const items = await sampleBriefing();
const meta = { dataset: 'hld2013', version: 1, asOf: '2013-09-30' };
const times: number[] = [];
let pages = 0;
let charts = 0;
for (let round = 0; round < rounds; round += 1) {
  const started = performance.now();
  const files = await renderBriefingExport('html', items, meta);
  times.push(performance.now() - started);
  const decoder = new TextDecoder();
  const html = files.filter((file) => file.path.endsWith('.html') && !file.path.startsWith('lineage/'));
  pages = html.length;
  charts = html.reduce(
    (sum, file) => sum + (decoder.decode(file.bytes).match(/<svg role="img"/g)?.length ?? 0),
    0,
  );
}
times.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    name: 'book-html-bundled',
    medianMs: Math.round(times[Math.floor(times.length / 2)]!),
    minMs: Math.round(times[0]!),
    maxMs: Math.round(times.at(-1)!),
    rounds,
    pages,
    charts,
    node: process.version,
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    loadavg: loadavg().map((value) => Number(value.toFixed(2))),
  }),
);
