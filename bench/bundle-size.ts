/**
 * Bundle size and cold import time of every Lambda, bundled exactly as `NodejsFunction` bundles
 * it (the esbuild options come from infra/bundling.ts, shared with the CDK construct).
 *
 *   npx tsx bench/bundle-size.ts        (npm run bundle-size)
 *
 * stdout: one JSON line per function
 *   {"name":"bundle-<id>","value":<median cold import ms>,"unit":"ms","cpuMs":…,"sourceMapsMs":…,
 *    "emptyNodeMs":…,"emptyNodeCpuMs":…,"sizeKB":…,"node":…,"cpus":…}
 * stderr: a readable table. Budget per function: ≤ 1 MB bundle and ≤ 100 ms cold import.
 *
 * Each bundle is imported with the NODE_OPTIONS prod gives it (`value`, `cpuMs`: no source maps)
 * and with those of dev (`sourceMapsMs`: `--enable-source-maps`), alternating, RUNS times each.
 * `cpuMs` is the process's CPU time (user + system, all threads) at the end of the import: on a
 * busy machine it moves far less than the wall time, so compare it across runs. An empty `node`
 * runs in the same rotation (`emptyNodeMs`, `emptyNodeCpuMs`): what the import adds over Node's
 * own start-up is the difference, taken under the same load.
 * Exits 1 when a function does not bundle (sizes over budget are reported, not fatal).
 *
 * The workbook layer (exceljs, which the bundles leave out) is built as the CDK stack builds it
 * and reported on its own line: its size, and what loading it adds to the first XLSX a cold
 * function reads ({"name":"workbook-layer","value":<median ms of the require>,…}).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import {
  buildWorkbookLayer,
  lambdaEsbuildOptions,
  lambdaNodeOptions,
  WORKBOOK_LAYER,
} from '#infra/bundling.ts';
import { repoPath } from '#infra/repo-root.ts';
import { taskDirectory } from '#infra/task-directory.ts';
import { PIPELINE } from '#packages/pipeline/definition.ts';

const RUNS = 5;
const SIZE_BUDGET_KB = 1024;
const IMPORT_BUDGET_MS = 100;
const API_ENTRY = 'functions/api/handler.ts';

interface BundleTarget {
  readonly id: string;
  readonly entry: string;
}

interface BundleResult {
  readonly id: string;
  readonly sizeKB?: number;
  readonly sourceMapKB?: number;
  /** Median wall time of the import with prod's NODE_OPTIONS. */
  readonly coldImportMs?: number;
  readonly coldImportRunsMs?: number[];
  /** Median CPU time of the same imports. */
  readonly cpuMs?: number;
  /** Median wall time with dev's NODE_OPTIONS (source-mapped stack traces). */
  readonly sourceMapsMs?: number;
  readonly sourceMapsCpuMs?: number;
  /** Median wall and CPU time of an empty `node`, run alternating with the imports. */
  readonly emptyNodeMs?: number;
  readonly emptyNodeCpuMs?: number;
  readonly error?: string;
}

/** The node flags of a function's NODE_OPTIONS (infra/bundling.ts), for prod and for dev. */
const NODE_FLAGS = {
  prod: (lambdaNodeOptions({ sourceMaps: false }).NODE_OPTIONS ?? '').split(' ').filter(Boolean),
  dev: (lambdaNodeOptions({ sourceMaps: true }).NODE_OPTIONS ?? '').split(' ').filter(Boolean),
};

function targets(): BundleTarget[] {
  const stages = PIPELINE.stages.map((stage) => ({ id: stage.id, entry: stage.entry }));
  return existsSync(repoPath(API_ENTRY)) ? [...stages, { id: 'api', entry: API_ENTRY }] : stages;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const kilobytes = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;

interface ImportTime {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/**
 * Milliseconds from process start to the bundle's import resolving, in a fresh `node` each time
 * (performance.now() counts from process start), and the CPU time the process used by then.
 * `flags` are the function's NODE_OPTIONS. Without a bundle, measures the same for an empty
 * script: Node's own start-up on this machine.
 */
function coldImport(bundle: string | undefined, flags: readonly string[]): ImportTime {
  const load = bundle ? `await import(${JSON.stringify(pathToFileURL(bundle).href)});` : '';
  const script =
    `${load} const cpu = process.cpuUsage();` +
    'process.stdout.write(JSON.stringify([performance.now(), (cpu.user + cpu.system) / 1000]));';
  const result = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    // A region keeps SDK clients constructible; no endpoint or credential is ever used.
    env: {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    timeout: 60_000,
  });
  const [wallMs, cpuMs] = (result.status === 0 ? JSON.parse(result.stdout) : []) as number[];
  if (result.status !== 0 || !Number.isFinite(wallMs) || !Number.isFinite(cpuMs)) {
    throw new Error(
      `importing the bundle failed: ${(result.stderr || result.stdout).trim().split('\n')[0] ?? ''}`,
    );
  }
  return { wallMs: wallMs as number, cpuMs: cpuMs as number };
}

/**
 * Milliseconds `require('exceljs')` takes in a fresh `node` that has imported `bundle` and finds
 * exceljs only in the layer (NODE_PATH, as Lambda sets it for /opt/nodejs/node_modules): what the
 * first workbook adds to a cold function. Not included: the one-time parse of the function's own
 * source map, which any first stack trace costs (bluebird reads one as it loads).
 */
function workbookLayerLoadMs(bundle: string, layerModules: string): number {
  const url = JSON.stringify(pathToFileURL(bundle).href);
  const script =
    `import { createRequire } from 'node:module'; await import(${url}); const started = performance.now();` +
    `createRequire(${url})(${JSON.stringify(WORKBOOK_LAYER.packageName)});` +
    'process.stdout.write(String(performance.now() - started));';
  const result = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: path.dirname(bundle),
    env: {
      PATH: process.env.PATH,
      NODE_PATH: layerModules,
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    timeout: 60_000,
  });
  const elapsed = Number(result.stdout);
  if (result.status !== 0 || !Number.isFinite(elapsed)) {
    throw new Error(
      `loading the workbook layer failed: ${(result.stderr || result.stdout).trim().split('\n')[0] ?? ''}`,
    );
  }
  return elapsed;
}

interface LayerResult {
  readonly sizeKB: number;
  readonly loadMs?: number;
  readonly loadRunsMs?: number[];
  readonly error?: string;
}

/** The workbook layer, built as the CDK stack builds it, loaded after the first reading stage's bundle. */
function measureWorkbookLayer(workDir: string): LayerResult | undefined {
  const reader = PIPELINE.stages.find((stage) => stage.readsWorkbooks);
  if (!reader) return undefined;
  const layerDir = path.join(workDir, 'workbook-layer');
  buildWorkbookLayer(layerDir);
  const sizeKB = kilobytes(statSync(path.join(layerDir, WORKBOOK_LAYER.modulePath, 'index.js')).size);
  try {
    const bundle = path.join(workDir, reader.id, 'index.mjs');
    const layerModules = path.join(layerDir, 'nodejs', 'node_modules');
    const runs = Array.from({ length: RUNS }, () => workbookLayerLoadMs(bundle, layerModules));
    return {
      sizeKB,
      loadMs: Math.round(median(runs) * 10) / 10,
      loadRunsMs: runs.map((run) => Math.round(run)),
    };
  } catch (error) {
    return { sizeKB, error: (error as Error).message };
  }
}

async function measure(target: BundleTarget, workDir: string): Promise<BundleResult> {
  const outfile = path.join(workDir, target.id, 'index.mjs');
  try {
    await build(lambdaEsbuildOptions(repoPath(target.entry), outfile));
  } catch (error) {
    const message = (error as { errors?: { text: string }[] }).errors?.[0]?.text ?? (error as Error).message;
    return { id: target.id, error: `did not bundle: ${message}` };
  }
  const sizeKB = kilobytes(statSync(outfile).size);
  const sourceMapKB = existsSync(`${outfile}.map`) ? kilobytes(statSync(`${outfile}.map`).size) : 0;
  try {
    // Alternating, so that a change of load on a shared machine hits both alike.
    const prod: ImportTime[] = [];
    const dev: ImportTime[] = [];
    const empty: ImportTime[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      prod.push(coldImport(outfile, NODE_FLAGS.prod));
      dev.push(coldImport(outfile, NODE_FLAGS.dev));
      empty.push(coldImport(undefined, NODE_FLAGS.prod));
    }
    const rounded = (values: number[]) => Math.round(median(values) * 10) / 10;
    return {
      id: target.id,
      sizeKB,
      sourceMapKB,
      coldImportMs: rounded(prod.map((time) => time.wallMs)),
      coldImportRunsMs: prod.map((time) => Math.round(time.wallMs)),
      cpuMs: rounded(prod.map((time) => time.cpuMs)),
      sourceMapsMs: rounded(dev.map((time) => time.wallMs)),
      sourceMapsCpuMs: rounded(dev.map((time) => time.cpuMs)),
      emptyNodeMs: rounded(empty.map((time) => time.wallMs)),
      emptyNodeCpuMs: rounded(empty.map((time) => time.cpuMs)),
    };
  } catch (error) {
    return { id: target.id, sizeKB, sourceMapKB, error: (error as Error).message };
  }
}

async function main(): Promise<void> {
  // No node_modules above it, as in /var/task: exceljs is found in the layer only.
  const workDir = taskDirectory('hld-bundle-size-');
  const results: BundleResult[] = [];
  let layer: LayerResult | undefined;
  // Node's start-up alone is part of every cold-import figure; it is printed so it can be told apart.
  const nodeStartMs =
    Math.round(
      median(Array.from({ length: RUNS }, () => coldImport(undefined, NODE_FLAGS.prod).wallMs)) * 10,
    ) / 10;
  try {
    for (const target of targets()) {
      const result = await measure(target, workDir);
      results.push(result);
      if (result.coldImportMs !== undefined) {
        process.stdout.write(
          `${JSON.stringify({
            name: `bundle-${result.id}`,
            value: result.coldImportMs,
            unit: 'ms',
            sizeKB: result.sizeKB,
            sourceMapKB: result.sourceMapKB,
            runsMs: result.coldImportRunsMs,
            cpuMs: result.cpuMs,
            sourceMapsMs: result.sourceMapsMs,
            sourceMapsCpuMs: result.sourceMapsCpuMs,
            emptyNodeMs: result.emptyNodeMs,
            emptyNodeCpuMs: result.emptyNodeCpuMs,
            nodeStartMs,
            loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100),
            node: process.version,
            cpus: os.cpus().length,
          })}\n`,
        );
      }
    }
    layer = measureWorkbookLayer(workDir);
    if (layer?.loadMs !== undefined) {
      process.stdout.write(
        `${JSON.stringify({
          name: 'workbook-layer',
          value: layer.loadMs,
          unit: 'ms',
          sizeKB: layer.sizeKB,
          runsMs: layer.loadRunsMs,
          node: process.version,
          cpus: os.cpus().length,
        })}\n`,
      );
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }

  const rows = results.map((result) => {
    const size =
      result.sizeKB === undefined
        ? '-'
        : `${result.sizeKB} KB${result.sizeKB > SIZE_BUDGET_KB ? ' (over)' : ''}`;
    const cold =
      result.coldImportMs === undefined
        ? '-'
        : `${result.coldImportMs} ms${result.coldImportMs > IMPORT_BUDGET_MS ? ' (over)' : ''}`;
    const cpu = result.cpuMs === undefined ? '-' : `${result.cpuMs} ms`;
    const maps =
      result.sourceMapsMs === undefined
        ? '-'
        : `${result.sourceMapsMs} ms (CPU ${result.sourceMapsCpuMs} ms)`;
    const overEmpty =
      result.coldImportMs === undefined ||
      result.emptyNodeMs === undefined ||
      result.emptyNodeCpuMs === undefined
        ? '-'
        : `${Math.round(result.coldImportMs - result.emptyNodeMs)} / ${Math.round((result.cpuMs ?? 0) - result.emptyNodeCpuMs)} ms`;
    return [result.id, size, cold, cpu, overEmpty, maps, result.error ?? ''];
  });
  const header = [
    'function',
    `bundle (≤ ${SIZE_BUDGET_KB} KB)`,
    `cold import, median of ${RUNS} (≤ ${IMPORT_BUDGET_MS} ms)`,
    'its CPU time',
    'over an empty node (wall / CPU)',
    'with --enable-source-maps (dev)',
    'note',
  ];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  process.stderr.write(`\n${line(header)}\n${line(widths.map((width) => '-'.repeat(width)))}\n`);
  for (const row of rows) process.stderr.write(`${line(row)}\n`);
  if (layer) {
    const load = layer.loadMs === undefined ? '-' : `+${layer.loadMs} ms on the first XLSX`;
    process.stderr.write(
      `${line(['workbook layer', `${layer.sizeKB} KB`, load, '', '', '', layer.error ?? `${WORKBOOK_LAYER.packageName}, not in any bundle above`])}\n`,
    );
  }
  process.stderr.write(
    `\nnode ${process.version}, ${os.cpus().length} cpus, load average ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(' / ')}; an empty node process takes ${nodeStartMs} ms (included in every cold-import figure)\n`,
  );

  if (results.some((result) => result.error?.startsWith('did not bundle'))) process.exitCode = 1;
}

await main();
