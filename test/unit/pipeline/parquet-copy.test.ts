import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArrowTable, tableRows } from '#packages/arrow/read.ts';
import { ArrowTableWriter } from '#packages/arrow/table-writer.ts';
import {
  arrowFileToParquet,
  PARQUET_ROW_GROUP_ROWS,
  windowedByteRanges,
} from '#packages/pipeline/parquet-copy.ts';
import { generateCuratedSet } from '../../../bench/curated-set.ts';
import { type DuckDb, openDuckDb, sqlString } from '../../support/readers.ts';
import { testSeed } from '../../support/seed.ts';

/**
 * The Parquet copy is written record batch by record batch (bounded row groups); DuckDB, an
 * independent reader, must find every row of the Arrow file in it, in order, with the file's
 * metadata.
 */

let folder: string;
let duckdb: DuckDb;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'hld-parquet-copy-'));
  duckdb = await openDuckDb();
});

afterAll(async () => {
  duckdb.close();
  await rm(folder, { recursive: true, force: true });
});

let written = 0;

/** The Parquet copy of an IPC file, on disk for DuckDB. */
async function parquetOf(ipcFile: Uint8Array): Promise<string> {
  written += 1;
  const path = join(folder, `copy-${written}.parquet`);
  await writeFile(path, await arrowFileToParquet(ipcFile));
  return path;
}

/** Rows as DuckDB reads them from the copy, in file order. */
const parquetRows = (path: string, columns: string) =>
  duckdb.rows(`SELECT ${columns} FROM read_parquet(${sqlString(path)})`);

const COUNTRIES = ['MDA', 'PHL', 'SEN', 'ÉCU', 'MAR'];

interface Row {
  id: string;
  country: string | null;
  value: number | null;
  tags: string[] | null;
}

const row: fc.Arbitrary<Row> = fc.record({
  id: fc.string({ maxLength: 12 }),
  country: fc.option(fc.constantFrom(...COUNTRIES), { nil: null }),
  value: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
  tags: fc.option(fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }), { nil: null }),
});

/** An IPC file of the rows in batches of `batchSize`, by the writer normalise uses. */
async function ipcFileOf(rows: readonly Row[], batchSize: number): Promise<Uint8Array> {
  const writer = new ArrowTableWriter(
    [
      { name: 'id', type: { kind: 'utf8' }, required: true },
      {
        name: 'country',
        type: { kind: 'dictionary', vocabulary: 'iso3', values: COUNTRIES },
        required: false,
      },
      { name: 'value', type: { kind: 'float64' }, required: false },
      { name: 'tags', type: { kind: 'list-utf8' }, required: false },
    ],
    { batchSize, metadata: { 'hld:contract': 'test@1' } },
  );
  for (const entry of rows) {
    writer.append(Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== null)));
  }
  return writer.finish();
}

describe('arrowFileToParquet', () => {
  it('keeps every row of every record batch, in order, for DuckDB', async () => {
    const seed = testSeed('parquet copy rows');
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 60 }),
        fc.integer({ min: 1, max: 16 }),
        async (rows, size) => {
          const path = await parquetOf(await ipcFileOf(rows, size));

          const read = await parquetRows(path, 'id, country, value, tags');

          expect(read).toEqual(rows);
        },
      ),
      { seed, numRuns: 40 },
    );
  }, 60_000);

  it('writes a generated curated table with the same rows and its metadata', async () => {
    const files = await generateCuratedSet({
      countries: 20,
      projects: 3_000,
      lessons: 10,
      respondents: 2,
      seed: 11,
    });
    const project = files.find((file) => file.table === 'jmdi_project')!;
    const arrow = readArrowTable(project.bytes);
    const path = await parquetOf(project.bytes);

    const read = await parquetRows(path, 'project_id, target_country_iso3, partner_countries_iso3');
    const [metadata] = await duckdb.rows(
      `SELECT decode(value) AS contract FROM parquet_kv_metadata(${sqlString(path)}) WHERE decode(key) = 'hld:contract'`,
    );

    expect(read).toEqual(
      tableRows(arrow).map((entry) => ({
        project_id: entry.project_id,
        target_country_iso3: entry.target_country_iso3 ?? null,
        partner_countries_iso3: entry.partner_countries_iso3 ?? null,
      })),
    );
    expect(metadata?.contract).toBe(arrow.schema.metadata.get('hld:contract'));
  }, 60_000);

  it('flushes a row group every PARQUET_ROW_GROUP_ROWS rows, so memory follows the group, not the file', async () => {
    const rows = Array.from({ length: PARQUET_ROW_GROUP_ROWS + 10 }, (_, at) => ({
      id: `r${at}`,
      country: COUNTRIES[at % COUNTRIES.length]!,
      value: at,
      tags: null,
    }));
    const path = await parquetOf(await ipcFileOf(rows, 65_536));

    const groups = await duckdb.rows(
      `SELECT DISTINCT row_group_id::INTEGER AS id, row_group_num_rows::INTEGER AS rows
       FROM parquet_metadata(${sqlString(path)}) ORDER BY id`,
    );
    const [last] = await duckdb.rows(
      `SELECT id, value FROM read_parquet(${sqlString(path)}) ORDER BY value DESC LIMIT 1`,
    );

    expect(groups).toEqual([
      { id: 0, rows: PARQUET_ROW_GROUP_ROWS },
      { id: 1, rows: 10 },
    ]);
    expect(last).toEqual({ id: `r${PARQUET_ROW_GROUP_ROWS + 9}`, value: PARQUET_ROW_GROUP_ROWS + 9 });
  }, 60_000);

  it('writes the same Parquet bytes when it reads the IPC file lazily, by ranges or through a file handle', async () => {
    const seed = testSeed('parquet copy from ranges');
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 60 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 4096 }),
        async (rows, size, windowBytes) => {
          const ipcFile = await ipcFileOf(rows, size);
          const fetched: number[] = [];
          const ranges = windowedByteRanges(
            ipcFile.byteLength,
            async (position, length) => {
              fetched.push(length);
              return ipcFile.slice(position, position + length);
            },
            windowBytes,
          );
          const path = join(folder, `ipc-${size}-${windowBytes}.arrow`);
          await writeFile(path, ipcFile);
          const handle = await open(path);

          const fromMemory = await arrowFileToParquet(ipcFile);
          const fromRanges = await arrowFileToParquet(ranges);
          const fromFile = await arrowFileToParquet(handle).finally(() => handle.close());

          expect(Buffer.from(fromRanges).equals(Buffer.from(fromMemory))).toBe(true);
          expect(Buffer.from(fromFile).equals(Buffer.from(fromMemory))).toBe(true);
          // Never the whole file in one read, once it holds more than one batch and a window is smaller.
          if (readArrowTable(ipcFile).batches.length > 1 && windowBytes < ipcFile.byteLength) {
            expect(Math.max(...fetched)).toBeLessThan(ipcFile.byteLength);
          }
        },
      ),
      { seed, numRuns: 40 },
    );
  }, 60_000);
});

describe('windowedByteRanges', () => {
  it('gives the bytes of any sequence of reads, fetching at most a window or the read itself', async () => {
    const seed = testSeed('windowed byte ranges');
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 2048 }),
        fc.integer({ min: 1, max: 512 }),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 700 })), { minLength: 1, maxLength: 30 }),
        async (bytes, windowBytes, reads) => {
          const fetches: [number, number][] = [];
          const ranges = windowedByteRanges(
            bytes.byteLength,
            async (position, length) => {
              fetches.push([position, length]);
              return bytes.slice(position, position + length);
            },
            windowBytes,
          );

          for (const [at, length] of reads) {
            const position = at % bytes.byteLength;
            const wanted = Math.min(length, bytes.byteLength - position);
            const read = await ranges.read(position, wanted);

            expect([...read]).toEqual([...bytes.subarray(position, position + wanted)]);
          }
          for (const [, length] of fetches) {
            expect(length).toBeLessThanOrEqual(Math.max(windowBytes, ...reads.map(([, asked]) => asked)));
          }
        },
      ),
      { seed, numRuns: 200 },
    );
  });
});
