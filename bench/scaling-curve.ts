/**
 * Scaling curve (issue 14, point 7): normalise and assemble at 10k, 100k and 1M rows, and 5M with
 * `--large`, time and peak RSS of each, so a reader sees how cost grows with the input.
 *
 * - normalise: the `normalise-fast` case of the suite (CSV file → validated Arrow IPC file) on
 *   seeded survey-response CSVs of that many rows (bench/generate.ts, same seed at every size).
 * - assemble: the `assemble-briefing` entry (bench/assemble-briefing.ts, columnar builder) on a
 *   seeded curated set (bench/curated-set.ts) scaled from the 1M set: 200 countries, projects,
 *   lessons and respondents in the 1M set's proportions.
 *
 * Each measurement runs in a fresh process; `rounds` rounds per size (one at 5M), medians.
 */
import { join } from 'node:path';
import { assembleBriefingChild, LARGE_SET } from './assemble-briefing.ts';
import { DATA_DIR, ensureFile, generateSurveyResponses, SURVEY_1M, SURVEY_100K } from './generate.ts';
import { median, round, spread } from './stats.ts';

type Result = Readonly<Record<string, number | string | boolean>>;

interface Size {
  readonly label: string;
  readonly rows: number;
  readonly surveyCsv: string;
  /** Share of the 1M curated set (LARGE_SET, 1,021,237 rows). */
  readonly curatedScale: number;
}

const SIZES: readonly Size[] = [
  { label: '10k', rows: 10_000, surveyCsv: join(DATA_DIR, 'survey-response-10k.csv'), curatedScale: 0.01 },
  { label: '100k', rows: 100_000, surveyCsv: SURVEY_100K, curatedScale: 0.1 },
  { label: '1m', rows: 1_000_000, surveyCsv: SURVEY_1M, curatedScale: 1 },
];
const LARGE: Size = {
  label: '5m',
  rows: 5_000_000,
  surveyCsv: join(DATA_DIR, 'survey-response-5m.csv'),
  curatedScale: 5,
};

/** The 1M curated set's proportions at `scale` (200 countries at every size). */
function curatedSet(scale: number) {
  return {
    countries: LARGE_SET.countries,
    projects: Math.round(LARGE_SET.projects * scale),
    lessons: Math.round(LARGE_SET.lessons * scale),
    respondents: Math.round(LARGE_SET.respondents * scale),
  };
}

const num = (result: Result, key: string) => Number(result[key]);

function summarise(results: readonly Result[], key: string, digits: number) {
  const values = results.map((result) => num(result, key));
  return {
    median: round(median(values), digits),
    spread: spread(values).map((value) => round(value, digits)),
  };
}

/** The suite's entry: one JSON line per step and size through `line`. */
export async function scalingCurveBenchmark<L>(options: {
  readonly rounds: number;
  readonly large: boolean;
  /** Runs one case of bench/cases.ts in a fresh process (bench/run.ts `child`). */
  readonly child: (name: string, ...args: string[]) => Result;
  readonly outDir: string;
  readonly line: (fields: { name: string; value: number; unit: string; [extra: string]: unknown }) => L;
}): Promise<L[]> {
  const { child, line } = options;
  const sizes = options.large ? [...SIZES, LARGE] : SIZES;
  const lines: L[] = [];
  for (const size of sizes) {
    const rounds = size === LARGE ? 1 : options.rounds;
    await ensureFile(size.surveyCsv, (path) => generateSurveyResponses(path, size.rows));
    process.stderr.write(`scaling-normalise-${size.label} `);
    const normalised: Result[] = [];
    for (let round = 0; round < rounds; round += 1) {
      normalised.push(
        child(
          'normalise-fast',
          size.surveyCsv,
          'survey',
          join(options.outDir, `scaling-${size.label}.arrow`),
        ),
      );
      process.stderr.write('.');
    }
    process.stderr.write('\n');
    const seconds = summarise(normalised, 'seconds', 3);
    const rows = num(normalised[0]!, 'rows');
    lines.push(
      line({
        name: `scaling-normalise-${size.label}`,
        value: seconds.median,
        unit: 's',
        rows,
        rowsPerSecond: Math.round(rows / seconds.median),
        peakRssMB: summarise(normalised, 'peakRssMB', 1).median,
        spread: seconds.spread,
        rounds,
        note: 'survey-response CSV → validated Arrow IPC file (fast path, one thread)',
      }),
    );

    const set = curatedSet(size.curatedScale);
    // curated-200x1m is the assemble-briefing-1m set (the same options): generated once for both.
    const dir = join(DATA_DIR, `curated-200x${size.label}`);
    process.stderr.write(`scaling-assemble-${size.label}: curated set `);
    assembleBriefingChild('generate', dir, JSON.stringify(set));
    process.stderr.write('ready ');
    const assembled: Result[] = [];
    for (let round = 0; round < rounds; round += 1) {
      assembled.push(assembleBriefingChild('columnar', dir));
      process.stderr.write('.');
    }
    process.stderr.write('\n');
    const assembleSeconds = summarise(assembled, 'seconds', 3);
    const curatedRows = num(assembled[0]!, 'rows');
    lines.push(
      line({
        name: `scaling-assemble-${size.label}`,
        value: assembleSeconds.median,
        unit: 's',
        rows: curatedRows,
        rowsPerSecond: Math.round(curatedRows / assembleSeconds.median),
        peakRssMB: summarise(assembled, 'peakRssMB', 1).median,
        spread: assembleSeconds.spread,
        loadSeconds: summarise(assembled, 'loadSeconds', 3).median,
        buildSeconds: summarise(assembled, 'buildSeconds', 3).median,
        items: num(assembled[0]!, 'items'),
        rounds,
        note: `curated set ${JSON.stringify(set)} → curatedTablesFromArrow + buildBriefing (bench/assemble-briefing.ts columnar)`,
      }),
    );
  }
  return lines;
}
