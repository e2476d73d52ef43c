/**
 * Where one cold import of each Lambda bundle spends its CPU, from V8's CPU profile: the shares
 * that do not depend on how busy the machine is, unlike the wall times of bench/bundle-size.ts.
 *
 *   npx tsx bench/cold-import-profile.ts [--runs 3] [--only ingest,normalise] [--readable]
 *                                        [--baseline <dir>] [--keep <dir>] [--instructions]
 *
 * Each bundle is built exactly as `NodejsFunction` builds it (infra/bundling.ts) and imported
 * `--runs` times in a fresh process of the Node running this script, with prod's NODE_OPTIONS plus
 * `--cpu-prof --cpu-prof-interval 100`. Every sample is put in one bucket:
 * - `compile`: V8 compiling the bundle (`compileSourceTextModule`);
 * - `top level`: the bundle's own code running at import, with everything it calls (Node built-ins
 *   it requires, garbage collection excepted) — what a lazier top level saves;
 * - `gc`, and `node` (Node's start-up, loaders and the rest).
 * The `top level` bucket is split by the source file of the innermost bundle frame (the bundle's
 * source map), grouped by package (`zod`, `@aws-sdk/*`…) or by our folder (`data-contracts`…);
 * Node built-ins the bundle loads are `(node built-ins)`. A minified bundle's module body is one
 * line, so its own statements stay one bucket, `(module body)`; `--readable` builds the bundles
 * without minifying (same modules, larger file: compile and total grow) to split it by line.
 *
 * `--instructions` counts instead of sampling: each bundle's import runs once under Valgrind's
 * callgrind (`valgrind` and `callgrind_annotate` on PATH), as does an empty `node`, and the
 * instructions executed (all threads) are split by the V8/Node function they ran under:
 * - `compile`: V8 compiling the bundle (`ModuleWrap::CompileSourceTextModule`: the full parse of
 *   the module's top level and the pre-parse of every function in it);
 * - `lazy compile`: functions compiled when first called (`Compiler::Compile` of a JSFunction):
 *   what the import runs is parsed a second time, fully;
 * - `root certificates`: Node parsing its bundled root CAs (`crypto::LoadCACertificates`), which
 *   loading `node:tls` starts on a separate thread, so a CPU profile of the main thread never
 *   shows it;
 * - `built-ins compile`: Node compiling its own modules the bundle loads (from its code cache);
 * - `gc`; and the rest (running top-level code, Node's loaders).
 * Instruction counts do not move with the machine's load (±1 % between runs): compare them
 * across runs and branches where wall and CPU times cannot be compared. ≈ 100× slower than a
 * plain import.
 *
 * `--baseline <dir>` profiles the bundles of an earlier tree too (`<dir>/<function>/index.mjs` and
 * its map, e.g. written by this script's `--keep <dir>` on that tree, which keeps the bundles it
 * builds there), alternating with this tree's, so that both see the same load.
 *
 * stdout: one JSON line per function (and per baseline) with the medians, in ms and as shares of the profile;
 * stderr: a table. Run it on Node 24 (`node_modules/.bin/node node_modules/.bin/tsx …` or the npm
 * scripts' node): the profile is of the Node that runs this script.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { lambdaEsbuildOptions, lambdaNodeOptions } from '#infra/bundling.ts';
import { REPO_ROOT, repoPath } from '#infra/repo-root.ts';
import { taskDirectory } from '#infra/task-directory.ts';
import { PIPELINE } from '#packages/pipeline/definition.ts';

const API_ENTRY = 'functions/api/handler.ts';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
    readonly columnNumber: number;
  };
  readonly children?: readonly number[];
  /** Samples per source line (1-based) of this frame's own code. */
  readonly positionTicks?: readonly { readonly line: number; readonly ticks: number }[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** Milliseconds per bucket of one profile, and of the top level per source group. */
interface ImportProfile {
  readonly totalMs: number;
  /** CPU time (user + system) of the process at the end of the import, profiler included. */
  readonly cpuMs: number;
  readonly compileMs: number;
  readonly topLevelMs: number;
  readonly gcMs: number;
  readonly nodeMs: number;
  readonly bySource: ReadonlyMap<string, number>;
}

/**
 * A source of the bundle's map (a file URL, or a path relative to the bundle) as a group:
 * `node_modules/@aws-sdk/client-s3/…` → `@aws-sdk/*`; `data-contracts/x.ts` → `data-contracts`.
 */
function sourceGroup(mapSource: string): string {
  const source = path.relative(
    REPO_ROOT,
    mapSource.startsWith('file:') ? fileURLToPath(mapSource) : mapSource,
  );
  const modules = source.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const [scopeOrName = '', name = ''] = source.slice(modules + 'node_modules/'.length).split('/');
    if (scopeOrName === '@aws-sdk' || scopeOrName === '@smithy') return `${scopeOrName}/*`;
    return scopeOrName.startsWith('@') ? `${scopeOrName}/${name}` : scopeOrName;
  }
  const parts = source.replace(/^(\.\.\/)+/, '').split('/');
  return parts[0] === 'packages' ? `packages/${parts[1] ?? ''}` : (parts[0] ?? source);
}

/** Node's own modules the bundle loads (`require('node:tls')` and what compiling them costs). */
const isNodeInternal = (frame: ProfileNode['callFrame']) =>
  frame.url.startsWith('node:') ||
  frame.functionName === 'compileForInternalLoader' ||
  frame.functionName === 'internalBinding';

/**
 * The buckets of one profile. With `bundleLines` (a bundle built without minifying), the module
 * body's own samples are split by source line too; minified, the body is one line and stays one
 * bucket, `(module body)`.
 */
function analyse(
  { profile, cpuMs }: { readonly profile: CpuProfile; readonly cpuMs: number },
  bundleUrl: string,
  sourceMap: SourceMap,
  bundleLines?: readonly string[],
): ImportProfile {
  const parent = new Map<number, ProfileNode>();
  const selfMs = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  profile.samples.forEach((id, index) => {
    selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000);
  });
  const groupAt = (line: number, column: number): string | undefined => {
    const entry = sourceMap.findEntry(line, column);
    return 'originalSource' in entry ? sourceGroup(entry.originalSource) : undefined;
  };
  const totals = new Map<string, number>();
  const add = (bucket: string, ms: number) => totals.set(bucket, (totals.get(bucket) ?? 0) + ms);
  for (const node of profile.nodes) {
    const ms = selfMs.get(node.id) ?? 0;
    if (ms === 0) continue;
    if (node.callFrame.functionName === '(garbage collector)') {
      add('gc', ms);
      continue;
    }
    let bucket = 'node';
    let calledInternal = false;
    for (let at: ProfileNode | undefined = node; at; at = parent.get(at.id)) {
      const frame = at.callFrame;
      if (frame.functionName === 'compileSourceTextModule') {
        bucket = 'compile';
        break;
      }
      if (frame.url !== bundleUrl) {
        calledInternal ||= isNodeInternal(frame);
        continue;
      }
      if (calledInternal) {
        bucket = 'top:(node built-ins)';
        break;
      }
      const isModuleBody = frame.functionName === '' && frame.lineNumber === 0 && frame.columnNumber === 0;
      if (!isModuleBody) {
        // esbuild's own helpers (`__esm`, `__commonJS`…) map to no source: their time is their caller's.
        const group = groupAt(frame.lineNumber, frame.columnNumber);
        if (group === undefined) continue;
        bucket = `top:${group}`;
        break;
      }
      const ticks = at === node && bundleLines ? (node.positionTicks ?? []) : [];
      const allTicks = ticks.reduce((sum, tick) => sum + tick.ticks, 0);
      if (allTicks === 0) {
        bucket = 'top:(module body)';
        break;
      }
      for (const tick of ticks) {
        const text = bundleLines?.[tick.line - 1] ?? '';
        const column = text.length - text.trimStart().length;
        add(`top:${groupAt(tick.line - 1, column) ?? '(module body)'}`, (ms * tick.ticks) / allTicks);
      }
      bucket = '';
      break;
    }
    if (bucket) add(bucket, ms);
  }
  const bySource = new Map<string, number>();
  let topLevelMs = 0;
  for (const [bucket, ms] of totals) {
    if (!bucket.startsWith('top:')) continue;
    topLevelMs += ms;
    bySource.set(bucket.slice(4), ms);
  }
  return {
    totalMs: (profile.endTime - profile.startTime) / 1000,
    cpuMs,
    compileMs: totals.get('compile') ?? 0,
    topLevelMs,
    gcMs: totals.get('gc') ?? 0,
    nodeMs: totals.get('node') ?? 0,
    bySource,
  };
}

/** Prod's NODE_OPTIONS (infra/bundling.ts) as node flags. */
const PROD_FLAGS = (lambdaNodeOptions({ sourceMaps: false }).NODE_OPTIONS ?? '').split(' ').filter(Boolean);

/** The environment of every measured import: a region keeps SDK clients constructible, nothing else leaks in. */
const IMPORT_ENV = {
  PATH: process.env.PATH,
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

function profileImport(bundle: string, profileDir: string): { profile: CpuProfile; cpuMs: number } {
  rmSync(profileDir, { recursive: true, force: true });
  const result = spawnSync(
    process.execPath,
    [
      ...PROD_FLAGS,
      '--cpu-prof',
      '--cpu-prof-interval',
      '100',
      '--cpu-prof-dir',
      profileDir,
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(pathToFileURL(bundle).href)});` +
        'const cpu = process.cpuUsage(); process.stdout.write(String((cpu.user + cpu.system) / 1000));',
    ],
    { encoding: 'utf8', env: IMPORT_ENV, timeout: 60_000 },
  );
  if (result.status !== 0)
    throw new Error(`importing ${bundle} failed: ${result.stderr.trim().split('\n')[0]}`);
  const [file] = readdirSync(profileDir);
  if (!file) throw new Error(`no profile written for ${bundle}`);
  return {
    profile: JSON.parse(readFileSync(path.join(profileDir, file), 'utf8')) as CpuProfile,
    cpuMs: Number(result.stdout),
  };
}

/**
 * The phases of `--instructions`, each the inclusive cost of one function as callgrind_annotate
 * names it (Node 24's symbols; a phase whose function is not found counts 0).
 */
const INSTRUCTION_PHASES = {
  compile: 'node::loader::ModuleWrap::CompileSourceTextModule(',
  lazyCompile:
    'v8::internal::Compiler::Compile(v8::internal::Isolate*, v8::internal::DirectHandle<v8::internal::JSFunction>',
  rootCertificates: 'node::crypto::LoadCACertificates(',
  builtinsCompile: 'node::builtins::BuiltinLoader::LookupAndCompile(',
  gc: 'v8::internal::Heap::CollectGarbage(',
} as const;

type InstructionPhase = keyof typeof INSTRUCTION_PHASES;

interface ImportInstructions {
  readonly total: number;
  readonly phases: Readonly<Record<InstructionPhase, number>>;
}

/**
 * Instructions a fresh `node` executes (all threads) to import `bundle`, or to run an empty
 * script without one, counted by callgrind, and split into {@link INSTRUCTION_PHASES}.
 */
function countInstructions(bundle: string | undefined, workDir: string): ImportInstructions {
  const output = path.join(workDir, 'callgrind.out');
  rmSync(output, { force: true });
  const script = bundle ? `await import(${JSON.stringify(pathToFileURL(bundle).href)});` : '';
  const result = spawnSync(
    'valgrind',
    [
      '--tool=callgrind',
      `--callgrind-out-file=${output}`,
      process.execPath,
      ...PROD_FLAGS,
      '--input-type=module',
      '-e',
      script,
    ],
    { encoding: 'utf8', env: IMPORT_ENV, timeout: 900_000 },
  );
  if (result.error) throw new Error(`--instructions needs valgrind on PATH: ${result.error.message}`);
  if (result.status !== 0)
    throw new Error(
      `importing ${bundle ?? 'nothing'} under valgrind failed: ${result.stderr.trim().split('\n').at(-1)}`,
    );
  const annotated = spawnSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', output], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  if (annotated.status !== 0) throw new Error(`callgrind_annotate failed: ${annotated.stderr.trim()}`);
  const lines = annotated.stdout.split('\n');
  const count = (line: string | undefined) => Number(line?.trim().split(/\s+/)[0]?.replaceAll(',', '') ?? 0);
  // A recursive call is listed again with a `'2` suffix; the outermost entry is the one without.
  const costOf = (name: string) =>
    count(lines.find((line) => line.includes(`:${name}`) && !/'\d+ \[/.test(line)));
  const phases = Object.fromEntries(
    Object.entries(INSTRUCTION_PHASES).map(([phase, name]) => [phase, costOf(name)]),
  ) as Record<InstructionPhase, number>;
  return { total: count(lines.find((line) => line.includes('PROGRAM TOTALS'))), phases };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      only: { type: 'string' },
      readable: { type: 'boolean', default: false },
      baseline: { type: 'string' },
      keep: { type: 'string' },
      instructions: { type: 'boolean', default: false },
    },
  });
  const runs = Number(values.runs);
  const only = values.only?.split(',');
  const targets = [
    ...PIPELINE.stages.map((stage) => ({ id: stage.id, entry: stage.entry })),
    { id: 'api', entry: API_ENTRY },
  ].filter((target) => !only || only.includes(target.id));
  const workDir = values.keep ? path.resolve(values.keep) : taskDirectory('hld-cold-import-profile-');
  const profileDir = mkdtempSync(path.join(os.tmpdir(), 'hld-cpu-prof-'));
  const rows: string[][] = [];
  const mi = (instructions: number) => Math.round(instructions / 1e5) / 10;
  let empty: ImportInstructions | undefined;
  try {
    // Node's own start-up, counted once: every import's count is shown over it too.
    if (values.instructions) empty = countInstructions(undefined, profileDir);
    for (const target of targets) {
      const outfile = path.join(workDir, target.id, 'index.mjs');
      const options = lambdaEsbuildOptions(repoPath(target.entry), outfile);
      await build(
        values.readable
          ? {
              ...options,
              minify: false,
              // Unminified, esbuild keeps the banner's name beside a dependency's own `createRequire` import.
              banner: {
                js: "import { createRequire as bannerCreateRequire } from 'module'; const require = bannerCreateRequire(import.meta.url);",
              },
            }
          : options,
      );
      const variants = [{ label: 'now', outfile }];
      const baseline = values.baseline && path.join(values.baseline, target.id, 'index.mjs');
      if (baseline) variants.unshift({ label: 'baseline', outfile: baseline });
      if (empty) {
        const emptyPhases = empty.phases;
        for (const variant of variants) {
          const counted = countInstructions(variant.outfile, profileDir);
          const phases = Object.fromEntries(
            Object.entries(counted.phases).map(([phase, count]) => [
              phase,
              mi(count - emptyPhases[phase as InstructionPhase]),
            ]),
          ) as Record<InstructionPhase, number>;
          const line = {
            name: `cold-import-instructions-${target.id}`,
            bundle: variant.label,
            sizeKB: Math.round(statSync(variant.outfile).size / 102.4) / 10,
            unit: 'million instructions',
            total: mi(counted.total),
            emptyNode: mi(empty.total),
            import: mi(counted.total - empty.total),
            ...phases,
            node: process.version,
          };
          process.stdout.write(`${JSON.stringify(line)}\n`);
          const share = (value: number) => `${value} (${Math.round((value / line.import) * 100)} %)`;
          rows.push([
            baseline ? `${target.id} (${variant.label})` : target.id,
            `${line.sizeKB}`,
            `${line.import}`,
            share(phases.compile),
            share(phases.lazyCompile),
            share(phases.rootCertificates),
            share(phases.builtinsCompile),
            share(phases.gc),
          ]);
        }
        continue;
      }
      const profiles = new Map<string, ImportProfile[]>(variants.map((variant) => [variant.label, []]));
      const maps = new Map(
        variants.map((variant) => [
          variant.label,
          {
            sourceMap: new SourceMap(JSON.parse(readFileSync(`${variant.outfile}.map`, 'utf8'))),
            lines: values.readable ? readFileSync(variant.outfile, 'utf8').split('\n') : undefined,
          },
        ]),
      );
      // Alternating, so that a change of load on a shared machine hits both alike.
      for (let run = 0; run < runs; run += 1) {
        for (const variant of variants) {
          const map = maps.get(variant.label)!;
          profiles
            .get(variant.label)
            ?.push(
              analyse(
                profileImport(variant.outfile, profileDir),
                pathToFileURL(variant.outfile).href,
                map.sourceMap,
                map.lines,
              ),
            );
        }
      }
      for (const variant of variants) {
        const measured = profiles.get(variant.label) ?? [];
        const pick = (key: 'totalMs' | 'compileMs' | 'topLevelMs' | 'gcMs' | 'nodeMs' | 'cpuMs') =>
          round(median(measured.map((profile) => profile[key])));
        const share = (key: 'topLevelMs' | 'compileMs') =>
          Math.round(median(measured.map((profile) => profile[key] / profile.totalMs)) * 1000) / 1000;
        const sources = new Set(measured.flatMap((profile) => [...profile.bySource.keys()]));
        const bySource = Object.fromEntries(
          [...sources]
            .map(
              (source) => [source, round(median(measured.map((p) => p.bySource.get(source) ?? 0)))] as const,
            )
            .filter(([, ms]) => ms >= 0.5)
            .sort((a, b) => b[1] - a[1]),
        );
        const line = {
          name: `cold-import-profile-${target.id}`,
          bundle: variant.label,
          sizeKB: Math.round(statSync(variant.outfile).size / 102.4) / 10,
          totalMs: pick('totalMs'),
          cpuMs: pick('cpuMs'),
          compileMs: pick('compileMs'),
          compileShare: share('compileMs'),
          topLevelMs: pick('topLevelMs'),
          topLevelShare: share('topLevelMs'),
          gcMs: pick('gcMs'),
          nodeMs: pick('nodeMs'),
          topLevelBySource: bySource,
          runs,
          minified: !values.readable,
          loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100),
          node: process.version,
        };
        process.stdout.write(`${JSON.stringify(line)}\n`);
        const top = Object.entries(bySource)
          .slice(0, 4)
          .map(([source, ms]) => `${source} ${ms}`)
          .join(', ');
        rows.push([
          baseline ? `${target.id} (${variant.label})` : target.id,
          `${line.sizeKB}`,
          `${line.totalMs}`,
          `${line.cpuMs}`,
          `${line.compileMs} (${Math.round(line.compileShare * 100)} %)`,
          `${line.topLevelMs} (${Math.round(line.topLevelShare * 100)} %)`,
          `${line.gcMs}`,
          top,
        ]);
      }
    }
  } finally {
    if (!values.keep) rmSync(workDir, { recursive: true, force: true });
    rmSync(profileDir, { recursive: true, force: true });
  }
  const header = empty
    ? [
        'function',
        'KB',
        'import, M instructions over an empty node',
        'compile',
        'lazy compile',
        'root certificates',
        'built-ins compile',
        'gc',
      ]
    : [
        'function',
        'KB',
        'profile ms',
        'CPU ms',
        'compile (share)',
        'top level (share)',
        'gc',
        'top level by source, ms',
      ];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  process.stderr.write(`\n${format(header)}\n`);
  for (const row of rows) process.stderr.write(`${format(row)}\n`);
  process.stderr.write(
    empty
      ? `\none callgrind count per import (all threads), phases over an empty node's (${mi(empty.total)} M), node ${process.version}\n`
      : `\nmedians of ${runs} profiled imports each, node ${process.version}, load average ${os
          .loadavg()
          .map((load) => load.toFixed(2))
          .join(' / ')}\n`,
  );
}

await main();
