/**
 * The benchmark suite (`npm run bench`): every measurement runs in a fresh child process, several
 * rounds in rotating order; each benchmark prints ONE JSON line on stdout
 *   {"name","value","unit","peer","peerValue","ratio","rows","peakRssMB","node","cpus", …}
 * with the median of the rounds (spread = [min, max]; ratios are taken within a round, ours /
 * peer, because this machine's speed drifts between rounds), then a readable table on stderr.
 *
 *   npm run bench                          every benchmark, 3 rounds
 *   npm run bench -- --rounds 5 --only normalise-survey-1m,assemble-groupby-1m
 *   npm run bench -- --runtime deployed --only e2e-survey-1m   (one round; minutes)
 *   npm run bench -- --only scaling-curve --large   the scaling curve with its 5M-row step
 *   npm run bench -- --only assemble-briefing-1m --lambda-memory-mb 512   with Lambda's heap flags for 512 MB
 *
 * Inputs are generated (seeded) under bench/.data/ on first use. Never part of `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assembleBriefingBenchmark } from './assemble-briefing.ts';
import { e2eSurveyBenchmark } from './e2e-survey.ts';
import {
  DATA_DIR,
  ensureFile,
  generateProjects,
  generateSurveyResponses,
  PROJECTS_1M,
  SURVEY_1M,
  SURVEY_100K,
} from './generate.ts';
import { scalingCurveBenchmark } from './scaling-curve.ts';
import { median, round, spread } from './stats.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const CHILD = join(HERE, 'child.ts');

type Result = Readonly<Record<string, number | string | boolean>>;

interface Line {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly peer?: string;
  readonly peerValue?: number;
  readonly ratio?: number;
  readonly rows?: number;
  readonly peakRssMB?: number;
  readonly node: string;
  readonly runtime: string;
  readonly cpus: number;
  readonly [extra: string]: unknown;
}

const argv = process.argv.slice(2);
const option = (name: string) => {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 ? argv[index + 1] : undefined;
};
const ROUNDS = Math.max(1, Number(option('rounds') ?? 3));
const ONLY = option('only')?.split(',');
/** Also the 5M-row step of the scaling curve (minutes, and GBs for the assemble side). */
const LARGE = argv.includes('--large');
/** assemble-briefing-1m with the heap flags Lambda gives a function of this many MB (`--lambda-memory-mb 512`). */
const LAMBDA_MEMORY_MB = option('lambda-memory-mb') ? Number(option('lambda-memory-mb')) : undefined;
/** `deployed` (the Lambda runtime's Node) or `machine` (set by bin/bench.js, which runs the suite on each). */
const RUNTIME = process.env.BENCH_SUITE_RUNTIME ?? 'this-process';
const MACHINE = { node: process.version, runtime: RUNTIME, cpus: os.cpus().length };

/** Run one case in a fresh `node` and parse its JSON line. */
function child(name: string, ...args: string[]): Result {
  const started = performance.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', CHILD, name, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  if (run.status !== 0) throw new Error(`bench case ${name} failed (${run.status}):\n${run.stderr}`);
  const last = run.stdout.trim().split('\n').at(-1) ?? '{}';
  return { ...(JSON.parse(last) as Result), processSeconds: (performance.now() - started) / 1000 };
}

const num = (result: Result, key: string) => Number(result[key]);

function line(fields: Omit<Line, 'node' | 'cpus' | 'runtime'>): Line {
  const full = { ...fields, ...MACHINE } as Line;
  process.stdout.write(`${JSON.stringify(full)}\n`);
  return full;
}

function summarise(values: readonly number[], digits = 3) {
  return {
    median: round(median(values), digits),
    spread: spread(values).map((value) => round(value, digits)),
  };
}

/** Rounds of `ours` and `peer` measured back to back, in alternating order. */
function paired(ours: () => Result, peer: () => Result): { ours: Result[]; peer: Result[] } {
  const results = { ours: [] as Result[], peer: [] as Result[] };
  for (let round = 0; round < ROUNDS; round += 1) {
    if (round % 2 === 0) {
      results.ours.push(ours());
      results.peer.push(peer());
    } else {
      results.peer.push(peer());
      results.ours.push(ours());
    }
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  return results;
}

const OUT_DIR = join(DATA_DIR, 'out');

async function normaliseSurvey(): Promise<Line[]> {
  await ensureFile(SURVEY_1M, (path) => generateSurveyResponses(path, 1_000_000));
  await ensureFile(SURVEY_100K, (path) => generateSurveyResponses(path, 100_000));
  process.stderr.write('normalise-survey-1m ');
  const big = paired(
    () => child('normalise-fast', SURVEY_1M, 'survey', join(OUT_DIR, 'survey-1m.arrow')),
    () => child('duckdb-csv', SURVEY_1M),
  );
  const ratios = big.ours.map((result, index) => num(result, 'seconds') / num(big.peer[index]!, 'seconds'));
  const ours = summarise(big.ours.map((result) => num(result, 'seconds')));
  const peer = summarise(big.peer.map((result) => num(result, 'seconds')));
  const ratio = summarise(ratios);
  const rss = summarise(
    big.ours.map((result) => num(result, 'peakRssMB')),
    1,
  );
  // CPU beside wall time: with other work on the cores, wall times stretch and CPU times do not.
  const cpu = summarise(big.ours.map((result) => num(result, 'cpuSeconds')));
  const peerCpu = summarise(big.peer.map((result) => num(result, 'cpuSeconds')));
  const cpuRatio = summarise(
    big.ours.map((result, index) => num(result, 'cpuSeconds') / num(big.peer[index]!, 'cpuSeconds')),
  );
  const loadAverage = os.loadavg().map((value) => round(value, 2));
  process.stderr.write(
    `  wall ${ours.median} s (DuckDB ${peer.median} s, ratio ${ratio.median}); CPU ${cpu.median} s (DuckDB ${peerCpu.median} s, ratio ${cpuRatio.median}); load ${loadAverage.join(' ')}\n`,
  );
  const first = big.ours[0]!;
  const lines = [
    line({
      name: 'normalise-survey-1m',
      value: ours.median,
      unit: 's',
      peer: `duckdb read_csv_auto (${big.peer[0]?.threads} threads, no validation)`,
      peerValue: peer.median,
      ratio: ratio.median,
      rows: num(first, 'rows'),
      peakRssMB: rss.median,
      spread: ours.spread,
      peerSpread: peer.spread,
      ratioSpread: ratio.spread,
      peakRssSpread: rss.spread,
      peerPeakRssMB: summarise(
        big.peer.map((result) => num(result, 'peakRssMB')),
        1,
      ).median,
      accepted: num(first, 'accepted'),
      quarantined: num(first, 'quarantined'),
      ipcMB: num(first, 'ipcMB'),
      cpuSeconds: cpu.median,
      cpuSpread: cpu.spread,
      peerCpuSeconds: peerCpu.median,
      cpuRatio: cpuRatio.median,
      cpuRatioSpread: cpuRatio.spread,
      loadAverage,
      rounds: ROUNDS,
      target: 'ratio <= 1.0, peak <= 512 MB',
    }),
  ];

  process.stderr.write('normalise-survey-100k (reference vs fast) ');
  const small = paired(
    () => child('normalise-fast', SURVEY_100K, 'survey', join(OUT_DIR, 'survey-100k.arrow')),
    () => child('normalise-reference', SURVEY_100K, 'survey', join(OUT_DIR, 'survey-100k-reference.arrow')),
  );
  const fast = summarise(small.ours.map((result) => num(result, 'seconds')));
  const reference = summarise(small.peer.map((result) => num(result, 'seconds')));
  const speedups = small.peer.map(
    (result, index) => num(result, 'seconds') / num(small.ours[index]!, 'seconds'),
  );
  lines.push(
    line({
      name: 'normalise-survey-100k-reference',
      value: reference.median,
      unit: 's',
      peer: 'fast path (same file)',
      peerValue: fast.median,
      ratio: summarise(speedups).median,
      rows: num(small.peer[0]!, 'rows'),
      peakRssMB: summarise(
        small.peer.map((result) => num(result, 'peakRssMB')),
        1,
      ).median,
      spread: reference.spread,
      peerSpread: fast.spread,
      ratioSpread: summarise(speedups).spread,
      rounds: ROUNDS,
      note: 'reference path (readSource + validateRows + ArrowTableWriter); ratio = reference / fast',
    }),
  );
  return lines;
}

async function groupBy(): Promise<Line[]> {
  await ensureFile(PROJECTS_1M, (path) => generateProjects(path, 1_000_000));
  const ipc = join(DATA_DIR, 'jmdi-project-1m.arrow');
  const parquet = join(DATA_DIR, 'jmdi-project-1m.parquet');
  if (!existsSync(ipc)) child('normalise-fast', PROJECTS_1M, 'stocktaking', ipc);
  if (!existsSync(parquet)) child('export-parquet', ipc, parquet);
  process.stderr.write('assemble-groupby-1m ');
  const runs = paired(
    () => child('groupby-ours', ipc),
    () => child('groupby-duckdb', parquet),
  );
  const ours = runs.ours[0]!;
  const peer = runs.peer[0]!;
  // Fast and wrong does not count: the same groups, counts and (to rounding) sums.
  const sameSum = Math.abs(num(ours, 'sum') - num(peer, 'sum')) <= 1e-6 * Math.abs(num(peer, 'sum'));
  if (num(ours, 'groups') !== num(peer, 'groups') || num(ours, 'count') !== num(peer, 'count') || !sameSum) {
    throw new Error(`group-by results differ: ours ${JSON.stringify(ours)}, DuckDB ${JSON.stringify(peer)}`);
  }
  const kernel = summarise(
    runs.ours.map((result) => num(result, 'kernelSeconds')),
    4,
  );
  const peerKernel = summarise(
    runs.peer.map((result) => num(result, 'kernelSeconds')),
    4,
  );
  const kernelRatios = summarise(
    runs.ours.map((result, index) => num(result, 'kernelSeconds') / num(runs.peer[index]!, 'kernelSeconds')),
  );
  const file = summarise(runs.ours.map((result) => num(result, 'seconds')));
  const peerFile = summarise(runs.peer.map((result) => num(result, 'seconds')));
  const fileRatios = summarise(
    runs.ours.map((result, index) => num(result, 'seconds') / num(runs.peer[index]!, 'seconds')),
  );
  return [
    line({
      name: 'assemble-groupby-1m',
      value: kernel.median,
      unit: 's',
      peer: `duckdb GROUP BY on an in-memory table (${peer.threads} threads)`,
      peerValue: peerKernel.median,
      ratio: kernelRatios.median,
      rows: num(ours, 'rows'),
      peakRssMB: summarise(
        runs.ours.map((result) => num(result, 'peakRssMB')),
        1,
      ).median,
      spread: kernel.spread,
      peerSpread: peerKernel.spread,
      ratioSpread: kernelRatios.spread,
      fileSeconds: file.median,
      fileSpread: file.spread,
      peerFileSeconds: peerFile.median,
      peerFileSpread: peerFile.spread,
      fileRatio: fileRatios.median,
      fileRatioSpread: fileRatios.spread,
      groups: num(ours, 'groups'),
      rounds: ROUNDS,
      target: 'ratio <= 1.0',
      note: 'count + sum(total_budget_amount) by (target_country_iso3, theme_primary), first run in a fresh process. value: kernel on the table in memory (ours: after tableFromIPC; DuckDB: after loading the Parquet into a table). file*: from the file on disk (ours: the whole 23-column uncompressed IPC file; DuckDB: 3 columns of a zstd Parquet file)',
    }),
  ];
}

/** parquet-wasm vs DuckDB writing the 1M-row curated table to zstd Parquet (issue 6: measure the writer). */
async function parquetWrite(): Promise<Line[]> {
  await ensureFile(PROJECTS_1M, (path) => generateProjects(path, 1_000_000));
  const ipc = join(DATA_DIR, 'jmdi-project-1m.arrow');
  const parquet = join(DATA_DIR, 'jmdi-project-1m.parquet');
  if (!existsSync(ipc)) child('normalise-fast', PROJECTS_1M, 'stocktaking', ipc);
  if (!existsSync(parquet)) child('export-parquet', ipc, parquet);
  process.stderr.write('parquet-write-1m ');
  const runs = paired(
    () => child('parquet-write-ours', ipc, join(OUT_DIR, 'parquet-ours.parquet')),
    () => child('parquet-write-duckdb', parquet, join(OUT_DIR, 'parquet-duckdb.parquet')),
  );
  const ours = summarise(runs.ours.map((result) => num(result, 'seconds')));
  const peer = summarise(runs.peer.map((result) => num(result, 'seconds')));
  const ratios = summarise(
    runs.ours.map((result, index) => num(result, 'seconds') / num(runs.peer[index]!, 'seconds')),
  );
  return [
    line({
      name: 'parquet-write-1m',
      value: ours.median,
      unit: 's',
      peer: `duckdb COPY … (FORMAT parquet, COMPRESSION zstd) (${runs.peer[0]?.threads} threads)`,
      peerValue: peer.median,
      ratio: ratios.median,
      rows: num(runs.ours[0]!, 'rows'),
      peakRssMB: summarise(
        runs.ours.map((result) => num(result, 'peakRssMB')),
        1,
      ).median,
      spread: ours.spread,
      peerSpread: peer.spread,
      ratioSpread: ratios.spread,
      parquetMB: num(runs.ours[0]!, 'parquetMB'),
      peerParquetMB: num(runs.peer[0]!, 'parquetMB'),
      peerPeakRssMB: summarise(
        runs.peer.map((result) => num(result, 'peakRssMB')),
        1,
      ).median,
      rounds: ROUNDS,
      note: 'ours: the parquet-copy writer (parquet-wasm transformParquetStream, zstd, row groups of 131,072 rows) from the 23-column IPC file, batch by batch; DuckDB: COPY of the same rows already in a table',
    }),
  ];
}

function publish(): Line[] {
  process.stderr.write('publish-200x20 ');
  const runs: Result[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    runs.push(child('publish'));
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  const seconds = summarise(runs.map((result) => num(result, 'seconds')));
  return [
    line({
      name: 'publish-200x20',
      value: seconds.median,
      unit: 's',
      rows: num(runs[0]!, 'rows'),
      peakRssMB: summarise(
        runs.map((result) => num(result, 'peakRssMB')),
        1,
      ).median,
      spread: seconds.spread,
      assembleSeconds: summarise(runs.map((result) => num(result, 'assembleSeconds'))).median,
      publishSeconds: summarise(runs.map((result) => num(result, 'publishSeconds'))).median,
      itemKB: num(runs[0]!, 'itemKB'),
      rounds: ROUNDS,
      target: '<= 5 s',
      note: 'embedded backend (dynalite + fauxqs): BriefingStore.writeVersion + registerDataset + movePointer',
    }),
  ];
}

function bundles(): Line[] {
  const script = join(HERE, 'bundle-size.ts');
  if (!existsSync(script)) return [];
  process.stderr.write('bundle sizes (bench/bundle-size.ts)\n');
  const run = spawnSync(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  process.stderr.write(run.stderr);
  const lines: Line[] = [];
  for (const text of run.stdout.split('\n')) {
    if (!text.trim().startsWith('{')) continue;
    const parsed = JSON.parse(text) as Line;
    process.stdout.write(`${JSON.stringify(parsed)}\n`);
    lines.push(parsed);
  }
  if (run.status !== 0 && lines.length === 0) throw new Error(`bench/bundle-size.ts failed:\n${run.stderr}`);
  return lines;
}

function startEndToEnd(): Line[] {
  process.stderr.write('start-e2e ');
  const seconds: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const state = mkdtempSync(join(os.tmpdir(), 'hld-bench-state-'));
    try {
      const started = performance.now();
      const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'hld.js'), 'run'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, HLD_STATE_DIR: state },
      });
      seconds.push((performance.now() - started) / 1000);
      if (run.status !== 0) throw new Error(`hld run failed (${run.status}):\n${run.stderr}`);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  const summary = summarise(seconds);
  return [
    line({
      name: 'start-e2e',
      value: summary.median,
      unit: 's',
      spread: summary.spread,
      rounds: ROUNDS,
      target: '<= 15 s',
      note: 'node bin/hld.js run (what npm start runs) with HLD_STATE_DIR set to a fresh temp dir',
    }),
  ];
}

/**
 * `hld --help` as a user's shell starts it (the first start of a fresh compile cache is
 * excluded: one warm-up run), against a bare `node -e 0` in the same round: the budget is 300 ms.
 */
function cliHelp(): Line[] {
  process.stderr.write('cli-help ');
  const rounds = Math.max(ROUNDS, 10);
  const timed = (args: readonly string[]) => {
    const started = performance.now();
    const ran = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
    if (ran.status !== 0) throw new Error(`${args.join(' ')} failed (${ran.status}):\n${ran.stderr}`);
    return (performance.now() - started) / 1000;
  };
  const help = [join(ROOT, 'bin', 'hld.js'), '--help'];
  timed(help);
  const ours: number[] = [];
  const bare: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    ours.push(timed(help));
    bare.push(timed(['-e', '0']));
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  const summary = summarise(ours.map((seconds) => seconds * 1000));
  const peer = summarise(bare.map((seconds) => seconds * 1000));
  return [
    line({
      name: 'cli-help',
      value: round(summary.median, 0),
      unit: 'ms',
      spread: summary.spread.map((ms) => round(ms, 0)),
      peer: 'node -e 0 (bare Node.js start)',
      peerValue: round(peer.median, 0),
      rounds,
      target: '<= 300 ms',
      note: 'node bin/hld.js --help, after one warm-up run',
    }),
  ];
}

/**
 * The same file on worker threads (packages/csv-engine/csv-segments.ts, from a bundle built with
 * the Lambda esbuild options), paired with DuckDB; CPU seconds (user + sys of the whole child,
 * workers included) beside the times, as wall times mean little on a shared machine.
 */
async function normaliseSurveyParallel(): Promise<Line[]> {
  await ensureFile(SURVEY_1M, (path) => generateSurveyResponses(path, 1_000_000));
  process.stderr.write('normalise-survey-1m-parallel ');
  const runs = paired(
    () => child('normalise-parallel', SURVEY_1M, 'survey', join(OUT_DIR, 'survey-1m-parallel.arrow')),
    () => child('duckdb-csv', SURVEY_1M),
  );
  const seconds = (result: Result) => num(result, 'seconds');
  const ours = summarise(runs.ours.map(seconds));
  const ratio = summarise(runs.ours.map((result, index) => seconds(result) / seconds(runs.peer[index]!)));
  const first = runs.ours[0]!;
  return [
    line({
      name: 'normalise-survey-1m-parallel',
      value: ours.median,
      spread: ours.spread,
      unit: 's',
      peer: `duckdb read_csv_auto (${runs.peer[0]?.threads} threads, no validation)`,
      peerValue: summarise(runs.peer.map(seconds)).median,
      ratio: ratio.median,
      ratioSpread: ratio.spread,
      rows: num(first, 'rows'),
      peakRssMB: summarise(
        runs.ours.map((result) => num(result, 'peakRssMB')),
        1,
      ).median,
      cpuSeconds: summarise(runs.ours.map((result) => num(result, 'cpuSeconds'))).median,
      peerCpuSeconds: summarise(runs.peer.map((result) => num(result, 'cpuSeconds'))).median,
      cpuRatio: summarise(
        runs.ours.map((result, index) => num(result, 'cpuSeconds') / num(runs.peer[index]!, 'cpuSeconds')),
      ).median,
      workerCpuSeconds: summarise(runs.ours.map((result) => num(result, 'workerCpuSeconds'))).median,
      mainCpuSeconds: summarise(runs.ours.map((result) => num(result, 'mainCpuSeconds'))).median,
      workers: num(first, 'workers'),
      segments: num(first, 'segments'),
      reruns: num(first, 'reruns'),
      keyReruns: num(first, 'keyReruns'),
      fallback: first.fallback,
      loadAverage: os.loadavg().map((value) => round(value, 2)),
      rounds: ROUNDS,
      target: 'ratio <= 1.0, peak <= 512 MB',
    }),
  ];
}

const BENCHMARKS: Readonly<Record<string, () => Promise<Line[]> | Line[]>> = {
  'normalise-survey-1m': normaliseSurvey,
  'normalise-survey-1m-parallel': normaliseSurveyParallel,
  'assemble-groupby-1m': groupBy,
  'assemble-briefing-1m': () =>
    assembleBriefingBenchmark({ rounds: ROUNDS, line, lambdaMemoryMb: LAMBDA_MEMORY_MB }),
  'parquet-write-1m': parquetWrite,
  'publish-200x20': publish,
  bundles,
  'start-e2e': startEndToEnd,
  'e2e-survey-1m': () => e2eSurveyBenchmark({ line }),
  'cli-help': cliHelp,
  'scaling-curve': () =>
    scalingCurveBenchmark({ rounds: ROUNDS, large: LARGE, child, outDir: OUT_DIR, line }),
};

function table(lines: readonly Line[]): string {
  const rows = lines.map((entry) => [
    entry.name,
    `${entry.value} ${entry.unit}`,
    Array.isArray(entry.spread) ? `${entry.spread.join('–')}` : '',
    entry.peerValue === undefined ? '' : `${entry.peerValue} ${entry.unit}`,
    entry.ratio === undefined ? '' : String(entry.ratio),
    entry.peakRssMB === undefined ? '' : String(entry.peakRssMB),
    typeof entry.target === 'string' ? entry.target : '',
  ]);
  const header = ['benchmark', 'median', 'spread', 'peer median', 'ratio', 'peak MB', 'target'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const format = (row: readonly string[]) =>
    row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
  return [format(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(format)].join(
    '\n',
  );
}

mkdirSync(OUT_DIR, { recursive: true });
const cpu = os.cpus()[0];
process.stderr.write(
  `hld-evidence benchmarks: ${cpu?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${round(os.totalmem() / 2 ** 30, 1)} GiB, Node ${process.version} (${RUNTIME} runtime), load ${os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}, ${ROUNDS} rounds\n`,
);
const all: Line[] = [];
for (const [name, benchmark] of Object.entries(BENCHMARKS)) {
  if (ONLY && !ONLY.some((wanted) => name.startsWith(wanted) || wanted.startsWith(name))) continue;
  all.push(...(await benchmark()));
}
writeFileSync(
  join(DATA_DIR, `results-${RUNTIME}.json`),
  JSON.stringify(
    {
      at: new Date().toISOString(),
      machine: {
        cpu: cpu?.model,
        cores: os.cpus().length,
        memoryGiB: round(os.totalmem() / 2 ** 30, 1),
        node: process.version,
        runtime: RUNTIME,
        execPath: process.execPath,
        loadAfter: os.loadavg(),
      },
      results: all,
    },
    null,
    2,
  ),
);
process.stderr.write(`\n${table(all)}\n`);
