/**
 * assemble-briefing: load the curated Arrow tables and build every briefing item, as assemble
 * does before it writes to DynamoDB (which is not part of this measurement).
 *
 * Inputs are seeded curated sets (bench/curated-set.ts) under bench/.data/, generated on first use:
 * - 200 countries, 250k JMDI projects, 250k lessons, 24k UNCT respondents (492k survey
 *   responses): about 1M curated rows. The columnar builder only: the row-based reference takes
 *   minutes here (BENCHMARKS.md has measured runs and the command).
 * - 200 countries, 20k projects, 20k lessons, 2k respondents (≈ 88k rows): the columnar builder
 *   and the row-based reference (what assemble ran before) back to back, alternating, every
 *   round. Their items must be identical (SHA-256 over every item's JSON) or the benchmark fails.
 *
 * One measurement runs in a fresh process: `node --import tsx bench/assemble-briefing.ts
 * <columnar|reference> <dir>` prints one JSON line. The suite (bench/run.ts) calls
 * `assembleBriefingBenchmark`.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CuratedSegmentFile } from './curated-set.ts';
import { DATA_DIR } from './generate.ts';
import { median, peakRssMB, round, spread } from './stats.ts';

export const LARGE_SET = { countries: 200, projects: 250_000, lessons: 250_000, respondents: 24_000 };
export const SMALL_SET = { countries: 200, projects: 20_000, lessons: 20_000, respondents: 2_000 };
const LARGE_DIR = join(DATA_DIR, 'curated-200x1m');
const SMALL_DIR = join(DATA_DIR, 'curated-200x88k');

const HERE = fileURLToPath(import.meta.url);
const ROOT = join(HERE, '..', '..');

type Result = Readonly<Record<string, number | string | boolean>>;

/** The files listed in `dir`/manifest.json, read one at a time (each let go once the next is asked for). */
async function* filesOneByOne(dir: string): AsyncGenerator<CuratedSegmentFile> {
  const { segments } = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
    segments: (Omit<CuratedSegmentFile, 'bytes'> & { file: string })[];
  };
  for (const { file, ...segment } of segments) yield { ...segment, bytes: await readFile(join(dir, file)) };
}

/**
 * One measurement in this process. The reference reads every file first, then maps and builds;
 * the columnar builder reads the files as assemble does: one at a time into the loader
 * (briefingTableLoader), each file's bytes let go before the next is read. Reading a file from
 * disk is not timed (assemble reads from S3); mapping and reading its columns is.
 */
async function measure(mode: string, dir: string): Promise<Result> {
  // Modules first: loading them is not part of the measurement.
  const { readCuratedSet, curatedSegments } = await import('./curated-set.ts');
  const { briefingItems, briefingTableLoader } = await import('#packages/briefing/build.ts');
  const { buildBriefingFromRows, curatedRowsFromSegments } = await import(
    '../test/support/reference-briefing.ts'
  );
  const digest = createHash('sha256');
  let bytes = 0;
  let count = 0;
  // Each item is serialised and hashed as it is handed over, as a writer takes it, and dropped.
  const take = (item: unknown) => {
    const json = JSON.stringify(item);
    bytes += json.length;
    count += 1;
    digest.update(json).update('\n');
  };
  let hashing = 0;
  let reading = 0;
  let rows = 0;
  let started: number;
  let loaded: number;
  if (mode === 'reference') {
    const files = await readCuratedSet(dir);
    started = performance.now();
    const segments = curatedSegments(files);
    rows = segments.reduce((total, segment) => total + segment.arrow.numRows, 0);
    const tables = curatedRowsFromSegments(segments);
    loaded = performance.now();
    const items = buildBriefingFromRows(tables);
    const built = performance.now();
    for (const item of items) take(item);
    hashing = performance.now() - built;
  } else {
    started = performance.now();
    const loader = briefingTableLoader();
    const files = filesOneByOne(dir);
    for (;;) {
      const asked = performance.now();
      const next = await files.next();
      reading += performance.now() - asked;
      if (next.done) break;
      const [segment] = curatedSegments([next.value]);
      rows += segment!.arrow.numRows;
      loader.add(segment!);
    }
    const tables = loader.finish();
    loaded = performance.now();
    for (const item of briefingItems(tables, { releaseTables: true })) {
      const taken = performance.now();
      take(item);
      hashing += performance.now() - taken;
    }
  }
  // Serialising and hashing the items stands for the writer, reading the files for S3: not the builder's time.
  const finished = performance.now() - hashing - reading;
  return {
    seconds: (finished - started) / 1000,
    loadSeconds: (loaded - started - reading) / 1000,
    buildSeconds: (finished - (loaded - reading)) / 1000,
    items: count,
    hashSeconds: hashing / 1000,
    readSeconds: reading / 1000,
    rows,
    itemsMB: round(bytes / 1e6, 1),
    digest: digest.digest('hex'),
    peakRssMB: await peakRssMB(),
  };
}

/** Generate a set in a child process unless it is on disk already. */
async function generate(dir: string, options: string): Promise<Result> {
  const { curatedSetOnDisk } = await import('./curated-set.ts');
  const started = performance.now();
  const files = await curatedSetOnDisk(dir, JSON.parse(options));
  return { seconds: (performance.now() - started) / 1000, files: files.length };
}

/**
 * The V8 heap flags AWS Lambda's Node.js runtime gives a function of `memoryMb` MB: its
 * `/var/runtime/bootstrap` takes a tenth of the memory as new space, half of that as the
 * semi-space, and the rest as old space (`--max-semi-space-size=M/10/2 --max-old-space-size=M-M/10`,
 * integer division, as the shell's `expr` does; seen in the nodejs14.x and nodejs18.x images).
 */
export function lambdaHeapFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}

/** One step of this benchmark (`generate`, `columnar`, `reference`) in a fresh process; its last JSON line. */
export function assembleBriefingChild(...args: string[]): Result {
  return assembleBriefingChildWith([], ...args);
}

/** `assembleBriefingChild` with `nodeFlags` (e.g. `lambdaHeapFlags`) given to `node` before the script. */
export function assembleBriefingChildWith(nodeFlags: readonly string[], ...args: string[]): Result {
  const run = spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', HERE, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  if (run.status !== 0)
    throw new Error(`assemble-briefing ${args[0]} failed (${run.status}):\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as Result;
}

interface Summary {
  median: number;
  spread: number[];
}

function summarise(values: readonly number[], digits = 3): Summary {
  return {
    median: round(median(values), digits),
    spread: spread(values).map((value) => round(value, digits)),
  };
}

const num = (result: Result, key: string) => Number(result[key]);

/** The suite's entry: prints one JSON line per benchmark through `line`. */
export async function assembleBriefingBenchmark<L>(options: {
  readonly rounds: number;
  readonly line: (fields: { name: string; value: number; unit: string; [extra: string]: unknown }) => L;
  /** Run the 1M set with the heap flags Lambda gives a function of this many MB (lambdaHeapFlags). @default none */
  readonly lambdaMemoryMb?: number;
}): Promise<L[]> {
  const { rounds, line, lambdaMemoryMb } = options;
  const largeFlags = lambdaMemoryMb ? lambdaHeapFlags(lambdaMemoryMb) : [];
  process.stderr.write('assemble-briefing: curated sets ');
  assembleBriefingChild('generate', LARGE_DIR, JSON.stringify(LARGE_SET));
  assembleBriefingChild('generate', SMALL_DIR, JSON.stringify(SMALL_SET));
  process.stderr.write('ready\nassemble-briefing-1m ');

  const large: Result[] = [];
  for (let round = 0; round < rounds; round += 1) {
    large.push(assembleBriefingChildWith(largeFlags, 'columnar', LARGE_DIR));
    process.stderr.write('.');
  }
  process.stderr.write('\nassemble-briefing-88k (reference vs columnar) ');
  const ours: Result[] = [];
  const reference: Result[] = [];
  for (let round = 0; round < rounds; round += 1) {
    if (round % 2 === 0) {
      ours.push(assembleBriefingChild('columnar', SMALL_DIR));
      reference.push(assembleBriefingChild('reference', SMALL_DIR));
    } else {
      reference.push(assembleBriefingChild('reference', SMALL_DIR));
      ours.push(assembleBriefingChild('columnar', SMALL_DIR));
    }
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  // Fast and wrong does not count: the same items, byte for byte, every round.
  for (const [index, result] of ours.entries()) {
    if (result.digest !== reference[index]!.digest || result.items !== reference[index]!.items) {
      throw new Error(
        `columnar and reference briefings differ: ${JSON.stringify(result)} vs ${JSON.stringify(reference[index])}`,
      );
    }
  }
  if (new Set(large.map((result) => result.digest)).size !== 1) {
    throw new Error('the columnar briefing of the large set differs between runs');
  }

  const seconds = (results: Result[], key = 'seconds') =>
    summarise(results.map((result) => num(result, key)));
  const rss = (results: Result[]) =>
    summarise(
      results.map((result) => num(result, 'peakRssMB')),
      1,
    );
  const first = large[0]!;
  const speedups = summarise(
    reference.map((result, index) => num(result, 'seconds') / num(ours[index]!, 'seconds')),
    1,
  );
  return [
    line({
      name: 'assemble-briefing-1m',
      value: seconds(large).median,
      unit: 's',
      rows: num(first, 'rows'),
      peakRssMB: rss(large).median,
      spread: seconds(large).spread,
      loadSeconds: seconds(large, 'loadSeconds').median,
      buildSeconds: seconds(large, 'buildSeconds').median,
      buildSpread: seconds(large, 'buildSeconds').spread,
      items: num(first, 'items'),
      itemsMB: num(first, 'itemsMB'),
      digest: String(first.digest),
      peakRssSpread: rss(large).spread,
      rounds,
      ...(lambdaMemoryMb ? { lambdaMemoryMb, nodeFlags: largeFlags.join(' ') } : {}),
      note: `curated Arrow tables (${LARGE_SET.countries} countries, ${LARGE_SET.projects} projects, ${LARGE_SET.lessons} lessons, ${LARGE_SET.respondents} respondents) read one file at a time into briefingTableLoader (file reads not timed) + briefingItems, each item serialised and hashed as it is handed over (not timed) and dropped; no DynamoDB`,
    }),
    line({
      name: 'assemble-briefing-88k-reference',
      value: seconds(reference).median,
      unit: 's',
      peer: 'columnar builder (same tables)',
      peerValue: seconds(ours).median,
      ratio: speedups.median,
      rows: num(ours[0]!, 'rows'),
      peakRssMB: rss(reference).median,
      spread: seconds(reference).spread,
      peerSpread: seconds(ours).spread,
      ratioSpread: speedups.spread,
      peerPeakRssMB: rss(ours).median,
      referenceBuildSeconds: seconds(reference, 'buildSeconds').median,
      peerBuildSeconds: seconds(ours, 'buildSeconds').median,
      items: num(ours[0]!, 'items'),
      digest: String(ours[0]!.digest),
      rounds,
      note: 'row-based reference (tableRows + buildBriefingFromRows, what assemble ran before) vs the columnar builder; identical items required; ratio = reference / columnar',
    }),
  ];
}

if (process.argv[1] === HERE) {
  const [mode = '', dir = '', extra = '{}'] = process.argv.slice(2);
  const result = mode === 'generate' ? await generate(dir, extra) : await measure(mode, dir);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
