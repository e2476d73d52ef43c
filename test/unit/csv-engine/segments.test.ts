import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCATOR_COLUMN } from '#contracts/curated-columns.ts';
import type { SourceKind } from '#contracts/source-kinds.ts';
import { normaliseContractCsvFast, normaliseContractCsvFile } from '#packages/csv-engine/csv-columns.ts';
import {
  countLineBreaks,
  normaliseContractCsvFileParallel,
  normaliseContractCsvParallel,
  type SplitReport,
} from '#packages/csv-engine/csv-segments.ts';
import { generateProjects, generateSurveyResponses } from '../../../bench/generate.ts';
import { metadataFor } from './reference.ts';

/**
 * The worker-thread path must give byte for byte what the single-threaded fast path gives: the
 * same Arrow IPC file and the same validation summary (every Problem, in order), whatever the
 * split points — or fall back to that path and say why.
 */

const SAMPLES = new URL('../../../data-contracts/samples/', import.meta.url);

interface Run {
  readonly fileName: string;
  readonly kind: SourceKind;
  readonly batchSize?: number;
}

function optionsOf(run: Run) {
  return {
    fileName: run.fileName,
    kind: run.kind,
    docId: 'DOC-test-file',
    receivedAt: '2013-01-05T12:00:00Z',
    locatorColumn: LOCATOR_COLUMN,
    metadata: (contract: { table: string }) => metadataFor(contract.table),
    ...(run.batchSize ? { batchSize: run.batchSize } : {}),
  };
}

/** Both paths on the same bytes; fails unless their results are identical. Returns the split report. */
async function expectSameAsSingleThread(
  bytes: Uint8Array,
  run: Run,
  split: { workers: number; segmentBytes: number },
): Promise<SplitReport> {
  const single = await normaliseContractCsvFast(bytes, optionsOf(run));
  let report: SplitReport | undefined;
  const parallel = await normaliseContractCsvParallel(bytes, {
    ...optionsOf(run),
    ...split,
    onSplit: (value) => {
      report = value;
    },
  });
  expect(parallel === undefined).toBe(single === undefined);
  if (single && parallel) {
    expect(parallel.summary).toEqual(single.summary);
    expect(JSON.stringify(parallel.summary)).toBe(JSON.stringify(single.summary));
    expect({ rows: parallel.rows, batches: parallel.batches, table: parallel.contract.table }).toEqual({
      rows: single.rows,
      batches: single.batches,
      table: single.contract.table,
    });
    expect(parallel.ipc === undefined).toBe(single.ipc === undefined);
    if (single.ipc && parallel.ipc) expect(Buffer.compare(parallel.ipc, single.ipc)).toBe(0);
  }
  return report!;
}

describe('normaliseContractCsvParallel on the bundled samples', () => {
  for (const name of ['jmdi-projects.csv', 'jmdi-lessons.csv']) {
    it(`gives the single-threaded bytes for stocktaking/${name} split every 64 bytes`, async () => {
      const bytes = await readFile(new URL(`stocktaking/${name}`, SAMPLES));
      const report = await expectSameAsSingleThread(
        bytes,
        { fileName: name, kind: 'stocktaking', batchSize: 3 },
        { workers: 2, segmentBytes: 64 },
      );
      // Segment 1 may only start after the 51 records the header search reads: the projects
      // (55 records, quoted line breaks) are split, the lessons (30) are not.
      if (name === 'jmdi-projects.csv') {
        expect(report.fallback).toBeUndefined();
        expect(report.segments).toBeGreaterThan(1);
      } else expect(report.fallback).toMatch(/header search/);
    });
  }

  it('gives the single-threaded bytes for the survey sample repeated 4 times, split every 200 bytes', async () => {
    const text = await readFile(new URL('survey/gmg-unct-2011-kobo.csv', SAMPLES), 'utf8');
    const [header, ...rows] = text.split(/\r?\n/).filter((line) => line !== '');
    const bytes = Buffer.from([header, ...rows, ...rows, ...rows, ...rows].join('\n'));
    await expectSameAsSingleThread(
      bytes,
      { fileName: 'kobo.csv', kind: 'survey' },
      { workers: 3, segmentBytes: 200 },
    );
  }, 60_000);
});

describe('normaliseContractCsvParallel on the benchmark generator output', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'segments-bench-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the single-threaded bytes for 12,000 survey responses split over 2 and 3 workers', async () => {
    const path = join(dir, 'survey.csv');
    await generateSurveyResponses(path, 12_000, 7);
    const bytes = await readFile(path);
    for (const workers of [2, 3]) {
      const report = await expectSameAsSingleThread(
        bytes,
        { fileName: 'survey.csv', kind: 'survey', batchSize: 4_096 },
        { workers, segmentBytes: 150_000 },
      );
      // The path under test ran: no fallback to the single thread.
      expect(report).toMatchObject({ workers, reruns: 0 });
      expect(report.fallback).toBeUndefined();
      expect(report.segments).toBeGreaterThan(10);
    }
  }, 120_000);

  it('gives the single-threaded bytes for 5,000 JMDI projects (refinement and country lists)', async () => {
    const path = join(dir, 'projects.csv');
    await generateProjects(path, 5_000, 11);
    const report = await expectSameAsSingleThread(
      await readFile(path),
      { fileName: 'projects.csv', kind: 'stocktaking', batchSize: 1_000 },
      { workers: 2, segmentBytes: 100_000 },
    );
    expect(report.segments).toBeGreaterThan(1);
  }, 120_000);
});

describe('countLineBreaks', () => {
  it('counts LF, CR and CRLF once each, quoted or not', () => {
    const bytes = Buffer.from('a\r\nb\rc\n"d\r\ne"\n\r');
    expect(countLineBreaks(bytes, 0, bytes.length)).toBe(6);
    expect(countLineBreaks(bytes, 3, bytes.length)).toBe(5);
  });

  it('counts as a byte-by-byte count does, for any bytes, range and alignment', () => {
    const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
    console.log(`countLineBreaks property: fast-check seed ${seed} (FC_SEED=${seed} to replay)`);
    const byByte = (bytes: Uint8Array, from: number, to: number) => {
      let count = 0;
      for (let at = from; at < to; at += 1) {
        if (bytes[at] === 0x0a) count += 1;
        else if (bytes[at] === 0x0d && (at + 1 >= to || bytes[at + 1] !== 0x0a)) count += 1;
      }
      return count;
    };
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(0x0a, 0x0d, 0x61, 0x22, 0x0b), { maxLength: 200 }),
        fc.boolean(),
        fc.nat(7),
        fc.nat(200),
        fc.nat(200),
        (values, withCr, offset, a, b) => {
          // A view at any byte offset of its buffer (the word loop must align itself).
          const backing = new Uint8Array(offset + values.length);
          backing.set(
            values.map((value) => (withCr || value !== 0x0d ? value : 0x0a)),
            offset,
          );
          const bytes = backing.subarray(offset);
          const from = Math.min(a, b, bytes.length);
          const to = Math.min(Math.max(a, b), bytes.length);
          expect(countLineBreaks(bytes, from, to)).toBe(byByte(bytes, from, to));
        },
      ),
      { seed, numRuns: 500 },
    );
  });
});

describe('normaliseContractCsvParallel, property', () => {
  let pool: string[];
  let header: string;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'segments-prop-'));
    const path = join(dir, 'survey.csv');
    await generateSurveyResponses(path, 400, 3);
    const lines = (await readFile(path, 'utf8')).split('\n').filter((line) => line !== '');
    header = lines[0]!;
    // Whole records without quotes only (the generator also writes quoted multi-line cells, which
    // a split on line feeds would cut); the property adds its own quotes and line breaks.
    const width = header.split(',').length;
    pool = lines.slice(1).filter((line) => !line.includes('"') && line.split(',').length === width);
    await rm(dir, { recursive: true, force: true });
  });

  /** A survey CSV: rows of the generator, some repeated (duplicate keys), some with quoted text, line breaks and doubled quotes. */
  const csv = fc.record({
    picks: fc.array(
      fc.tuple(fc.nat(), fc.constantFrom('plain', 'quoted', 'newline', 'doubled', 'blank-after')),
      {
        minLength: 55,
        maxLength: 90,
      },
    ),
    repeat: fc.boolean(),
    newline: fc.constantFrom('\n', '\r\n'),
    bom: fc.boolean(),
    workers: fc.constantFrom(2, 3, 4),
    segmentBytes: fc.integer({ min: 1, max: 700 }),
  });

  function render(input: { picks: [number, string][]; repeat: boolean; newline: string; bom: boolean }) {
    const { picks, repeat, newline, bom } = input;
    const used = new Set<number>();
    const rows = picks.map(([pick, style]) => {
      let index = pick % pool.length;
      // Without `repeat`, every row is another respondent answer (no duplicate key).
      if (!repeat) while (used.has(index)) index = (index + 1) % pool.length;
      used.add(index);
      const cells = pool[index]!.split(',');
      // value_label (5) and other_text (9) are free text.
      if (style === 'quoted') cells[5] = `"${cells[5]}"`;
      if (style === 'newline') cells[5] = `"${cells[5]}${newline}second line"`;
      if (style === 'doubled') cells[9] = `"said ""yes""${newline}"`;
      return cells.join(',') + (style === 'blank-after' ? newline : '');
    });
    return Buffer.from(`${bom ? '\uFEFF' : ''}${[header, ...rows].join(newline)}${newline}`);
  }

  it('gives the single-threaded bytes for generated CSVs split every few bytes over 2–4 workers', async () => {
    const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
    console.log(`segments property: fast-check seed ${seed} (FC_SEED=${seed} to replay)`);
    const reports: SplitReport[] = [];
    await fc.assert(
      fc.asyncProperty(csv, async (input) => {
        const bytes = render(input);
        reports.push(
          await expectSameAsSingleThread(
            bytes,
            { fileName: 'gen.csv', kind: 'survey', batchSize: 7 },
            { workers: input.workers, segmentBytes: input.segmentBytes },
          ),
        );
      }),
      { seed, numRuns: 12 },
    );
    // Runs must exercise the split itself, not only the fallback.
    const split = reports.filter((report) => report.fallback === undefined).length;
    const reruns = reports.reduce((sum, report) => sum + report.reruns, 0);
    console.log(
      `segments property: ${split} of ${reports.length} runs split, ${reruns} segments read again; fallbacks: ${reports.map((report) => report.fallback ?? 'none').join('; ')}`,
    );
    expect(split).toBeGreaterThan(0);
  }, 300_000);

  it('gives the single-threaded quarantine lines for keys repeated across segments, in memory and from a file', async () => {
    const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
    console.log(`segments duplicate-key property: fast-check seed ${seed} (FC_SEED=${seed} to replay)`);
    const dir = await mkdtemp(join(tmpdir(), 'segments-dup-'));
    let keyReruns = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          csv.map((input) => ({ ...input, repeat: true })),
          async (input) => {
            const bytes = render(input);
            const run: Run = { fileName: 'gen.csv', kind: 'survey', batchSize: 7 };
            const split = { workers: input.workers, segmentBytes: input.segmentBytes };
            const report = await expectSameAsSingleThread(bytes, run, split);
            expect(report.fallback).not.toBe('a primary key repeated across segments');
            keyReruns += report.keyReruns ?? 0;
            // The file variant: workers read their own segments from the file.
            const path = join(dir, 'gen.csv');
            await writeFile(path, bytes);
            const single: Uint8Array[] = [];
            const singleSummary = await normaliseContractCsvFile(path, {
              ...optionsOf(run),
              write: (chunk) => {
                single.push(chunk.slice());
              },
            });
            let parallel: Uint8Array[] = [];
            const parallelSummary = await normaliseContractCsvFileParallel(path, {
              ...optionsOf(run),
              ...split,
              write: (chunk) => {
                parallel.push(chunk.slice());
              },
              rewind: () => {
                parallel = [];
              },
            });
            expect(JSON.stringify(parallelSummary.summary)).toBe(JSON.stringify(singleSummary.summary));
            expect(Buffer.compare(Buffer.concat(parallel), Buffer.concat(single))).toBe(0);
          },
        ),
        { seed, numRuns: 8 },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    console.log(`segments duplicate-key property: ${keyReruns} segments read again told earlier keys`);
    expect(keyReruns).toBeGreaterThan(0);
  }, 300_000);

  it('reads a segment again from the proven record start when its speculative start is inside a quoted field', async () => {
    // Row 60's label spans 30 lines inside quotes: segments of a few hundred bytes start inside
    // it, and some of them also hold the true start of row 61.
    const rows = pool.slice(0, 80).map((line, index) => {
      if (index !== 60) return line;
      const cells = line.split(',');
      cells[5] = `"${Array.from({ length: 30 }, (_, at) => `line ${at}, ""quoted""`).join('\r\n')}"`;
      return cells.join(',');
    });
    const bytes = Buffer.from(`${[header, ...rows].join('\n')}\n`);
    let reruns = 0;
    for (const segmentBytes of [150, 230, 310, 390, 470]) {
      const report = await expectSameAsSingleThread(
        bytes,
        { fileName: 'gen.csv', kind: 'survey', batchSize: 5 },
        { workers: 2, segmentBytes },
      );
      expect(report.fallback).toBeUndefined();
      reruns += report.reruns;
    }
    expect(reruns).toBeGreaterThan(0);
  }, 300_000);
});

describe('normaliseContractCsvFileParallel', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'segments-file-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function bothFromFile(path: string) {
    const run: Run = { fileName: 'survey.csv', kind: 'survey', batchSize: 2_048 };
    const singleChunks: Uint8Array[] = [];
    const single = await normaliseContractCsvFile(path, {
      ...optionsOf(run),
      write: (chunk) => {
        singleChunks.push(chunk.slice());
      },
    });
    let chunks: Uint8Array[] = [];
    let rewinds = 0;
    let report: SplitReport | undefined;
    const parallel = await normaliseContractCsvFileParallel(path, {
      ...optionsOf(run),
      workers: 2,
      segmentBytes: 100_000,
      write: (chunk) => {
        chunks.push(chunk.slice());
      },
      rewind: () => {
        rewinds += 1;
        chunks = [];
      },
      onSplit: (value) => {
        report = value;
      },
    });
    expect(JSON.stringify(parallel.summary)).toBe(JSON.stringify(single.summary));
    expect({ rows: parallel.rows, batches: parallel.batches }).toEqual({
      rows: single.rows,
      batches: single.batches,
    });
    expect(Buffer.compare(Buffer.concat(chunks), Buffer.concat(singleChunks))).toBe(0);
    return { report: report!, rewinds, summary: single.summary };
  }

  it('streams the single-threaded IPC bytes from a file of 8,000 survey responses', async () => {
    const path = join(dir, 'survey.csv');
    await generateSurveyResponses(path, 8_000, 9);
    const { report, rewinds } = await bothFromFile(path);
    expect(report.fallback).toBeUndefined();
    expect(rewinds).toBe(0);
  }, 120_000);

  it('names the first line of a key repeated in later segments, as one thread does, without falling back', async () => {
    // prepare: the last rows repeat the keys of lines 2 and 3 (line 2's twice), segments apart
    const path = join(dir, 'duplicate.csv');
    await generateSurveyResponses(path, 8_000, 9);
    const lines = (await readFile(path, 'utf8')).split('\n').filter((line) => line !== '');
    await writeFile(path, `${[...lines, lines[1], lines[2], lines[1]].join('\n')}\n`);
    // act
    const { report, rewinds, summary } = await bothFromFile(path);
    // assess: same bytes and problems as one thread (bothFromFile), reached by the split itself
    expect(report.fallback).toBeUndefined();
    expect(report.keyReruns).toBeGreaterThan(0);
    expect(rewinds).toBe(0);
    const firstSeen = summary.problems.slice(-3).map((problem) => problem.message.split('first seen at ')[1]);
    expect(firstSeen).toEqual(['line 2', 'line 3', 'line 2']);
  }, 120_000);

  it('rewinds and gives the single-threaded bytes when a late row holds a 1.500-like number (file-wide evidence)', async () => {
    const path = join(dir, 'late-number.csv');
    await generateSurveyResponses(path, 8_000, 9);
    const lines = (await readFile(path, 'utf8')).split('\n').filter((line) => line !== '');
    const cells = lines.at(-1)!.split(',');
    cells[1] = 'late_question';
    cells[6] = '1.500'; // value_number
    await writeFile(path, `${[...lines, cells.join(',')].join('\n')}\n`);
    const { report, rewinds } = await bothFromFile(path);
    expect(report.fallback).toBe('a comma or 1.500-like number cell');
    expect(rewinds).toBe(1);
  }, 120_000);
});
