import {
  closeSync,
  ftruncateSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { open, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import type { StoredBriefingItem } from '#contracts/briefing/item.ts';
import { contractId } from '#contracts/contract.ts';
import { LOCATOR_COLUMN } from '#contracts/curated-columns.ts';
import { contractForTable } from '#contracts/registry.ts';
import type { SourceKind } from '#contracts/source-kinds.ts';
import { ArrowTableWriter } from '#packages/arrow/table-writer.ts';
import { groupByColumns } from '#packages/columnar/group-by.ts';
import { columnSpecs } from '#packages/contracts/columns.ts';
import { emptySummary, validateRows } from '#packages/contracts/validate.ts';
import { normaliseContractCsvFile } from '#packages/csv-engine/csv-columns.ts';
import { readSource } from '#packages/formats/index.ts';
import { peakRssMB, round } from './stats.ts';

/**
 * What one fresh child process measures. Each case returns seconds (wall time of the measured
 * step only: module loading and process start are outside it) and what it saw.
 */

export type CaseResult = Readonly<Record<string, number | string | boolean>>;

const metadata = (table: string) => ({
  'hld:contract': contractId(contractForTable(table)),
  'hld:source_doc_id': 'DOC-bench',
});

/**
 * CPU seconds (user + system, every thread of the process) since `before`: on a shared machine
 * the fair comparison, as the wall time includes the time other processes held the cores.
 */
function cpuSecondsSince(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return round((used.user + used.system) / 1e6, 3);
}

/** Fast path: CSV file → validated Arrow IPC file, streamed (parse + validate + IPC). */
async function normaliseFast(file: string, kind: string, out: string): Promise<CaseResult> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const fd = openSync(out, 'w');
  let bytes = 0;
  const result = await normaliseContractCsvFile(file, {
    fileName: file.split('/').pop() ?? file,
    kind: kind as SourceKind,
    docId: 'DOC-bench',
    receivedAt: '2013-01-05T12:00:00Z',
    locatorColumn: LOCATOR_COLUMN,
    metadata: (contract) => metadata(contract.table),
    write: (chunk) => {
      writeSync(fd, chunk);
      bytes += chunk.byteLength;
    },
  });
  closeSync(fd);
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    cpuSeconds: cpuSecondsSince(cpuBefore),
    rows: result.summary.rowsRead,
    accepted: result.rows,
    quarantined: result.summary.rowsQuarantined,
    problems: result.summary.problems.length,
    ipcMB: round(bytes / 1e6, 1),
    peakRssMB: await peakRssMB(),
  };
}

/**
 * Fast path on worker threads (packages/csv-engine/csv-segments.ts), run from a bundle built with
 * the Lambda's esbuild options, as deployed: the workers start the bundle itself. Segments are read
 * from the file and the IPC is written as batches come (`normaliseContractCsvFileParallel`).
 */
async function normaliseParallel(file: string, kind: string, out: string): Promise<CaseResult> {
  // Outside the repository: the linter would read a bundle left under bench/.data.
  const bundleDir = mkdtempSync(join(tmpdir(), 'hld-bench-segments-'));
  const bundle = join(bundleDir, 'csv-segments.mjs');
  const { buildSync } = await import('esbuild');
  const { lambdaEsbuildOptions } = await import('../infra/bundling.ts');
  buildSync(lambdaEsbuildOptions('packages/csv-engine/csv-segments.ts', bundle));
  const segments = (await import(
    pathToFileURL(bundle).href
  )) as typeof import('#packages/csv-engine/csv-segments.ts');
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const fd = openSync(out, 'w');
  let bytes = 0;
  let split: Record<string, unknown> = {};
  // Written at explicit positions: after a rewind (ftruncate) the next chunk goes at offset 0.
  let position = 0;
  const result = await segments.normaliseContractCsvFileParallel(file, {
    fileName: file.split('/').pop() ?? file,
    kind: kind as SourceKind,
    docId: 'DOC-bench',
    receivedAt: '2013-01-05T12:00:00Z',
    locatorColumn: LOCATOR_COLUMN,
    metadata: (contract) => metadata(contract.table),
    write: (chunk) => {
      writeSync(fd, chunk, 0, chunk.byteLength, position);
      position += chunk.byteLength;
      bytes += chunk.byteLength;
    },
    rewind: () => {
      ftruncateSync(fd, 0);
      position = 0;
      bytes = 0;
    },
    onSplit: (report) => {
      split = { ...report };
    },
  });
  closeSync(fd);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  rmSync(bundleDir, { recursive: true, force: true });
  return {
    seconds,
    cpuSeconds: round((cpu.user + cpu.system) / 1e6, 3),
    rows: result.summary.rowsRead,
    accepted: result.rows,
    quarantined: result.summary.rowsQuarantined,
    problems: result.summary.problems.length,
    ipcMB: round(bytes / 1e6, 1),
    workers: Number(split.workers ?? 0),
    segments: Number(split.segments ?? 0),
    reruns: Number(split.reruns ?? 0),
    keyReruns: Number(split.keyReruns ?? 0),
    fallback: String(split.fallback ?? ''),
    workerCpuSeconds: round(Number(split.workerCpuSeconds ?? 0), 3),
    mainCpuSeconds: round(Number(split.mainCpuSeconds ?? 0), 3),
    peakRssMB: await peakRssMB(),
  };
}

/** Reference path, as normaliseFile runs it: readSource → validateRows → ArrowTableWriter. */
async function normaliseReference(file: string, kind: string, out: string): Promise<CaseResult> {
  const started = performance.now();
  const bytes = await readFile(file);
  const fileName = file.split('/').pop() ?? file;
  const read = await readSource({
    bytes,
    fileName,
    kind: kind as SourceKind,
    docId: 'DOC-bench',
    receivedAt: '2013-01-05T12:00:00Z',
  });
  const summary = emptySummary();
  let writer: ArrowTableWriter | undefined;
  for await (const accepted of validateRows(read, fileName, summary)) {
    writer ??= new ArrowTableWriter(
      [
        ...columnSpecs(contractForTable(accepted.table)),
        { name: LOCATOR_COLUMN, type: { kind: 'utf8' }, required: true },
      ],
      { metadata: metadata(accepted.table) },
    );
    writer.append({ ...accepted.row, [LOCATOR_COLUMN]: accepted.locator });
  }
  if (writer) await writeFile(out, await writer.finish());
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    rows: summary.rowsRead,
    accepted: summary.rowsAccepted,
    quarantined: summary.rowsQuarantined,
    peakRssMB: await peakRssMB(),
  };
}

async function duckdb() {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const threads = (await connection.runAndReadAll("SELECT current_setting('threads')")).getRows()[0]?.[0];
  return { connection, threads: Number(threads) };
}

const sql = (path: string) => `'${path.replaceAll("'", "''")}'`;

/** DuckDB reading the same CSV into a table (types sniffed, no validation). */
async function duckdbCsv(file: string): Promise<CaseResult> {
  const { connection, threads } = await duckdb();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await connection.run(`CREATE TABLE t AS SELECT * FROM read_csv_auto(${sql(file)})`);
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuSecondsSince(cpuBefore);
  const rows = Number((await connection.runAndReadAll('SELECT count(*) FROM t')).getRows()[0]?.[0]);
  return { seconds, cpuSeconds, rows, threads, peakRssMB: await peakRssMB() };
}

const GROUP_KEYS = ['target_country_iso3', 'theme_primary'];
const GROUP_SUM = 'total_budget_amount';

/** Group-by kernel: Arrow IPC file → table (zero-copy) → count and sum per (country, theme). */
async function groupbyOurs(ipcFile: string): Promise<CaseResult> {
  const started = performance.now();
  const table = tableFromIPC(readFileSync(ipcFile));
  const kernelStarted = performance.now();
  const groups = groupByColumns(table, { keys: GROUP_KEYS, sums: [GROUP_SUM] });
  const finished = performance.now();
  return {
    seconds: (finished - started) / 1000,
    kernelSeconds: (finished - kernelStarted) / 1000,
    rows: table.numRows,
    groups: groups.length,
    count: groups.reduce((total, group) => total + group.count, 0),
    sum: groups.reduce((total, group) => total + (group.sums[0] ?? 0), 0),
    peakRssMB: await peakRssMB(),
  };
}

/** DuckDB on the same rows (parquet-wasm export of the fast path's Arrow file). */
async function groupbyDuckdb(parquetFile: string): Promise<CaseResult> {
  const { connection, threads } = await duckdb();
  const query = (from: string) =>
    `SELECT ${GROUP_KEYS.join(', ')}, count(*) AS n, sum(${GROUP_SUM}) AS total FROM ${from} GROUP BY ALL`;
  const started = performance.now();
  const result = await connection.runAndReadAll(query(`read_parquet(${sql(parquetFile)})`));
  const seconds = (performance.now() - started) / 1000;
  await connection.run(
    `CREATE TABLE t AS SELECT ${[...GROUP_KEYS, GROUP_SUM].join(', ')} FROM read_parquet(${sql(parquetFile)})`,
  );
  const kernelStarted = performance.now();
  await connection.runAndReadAll(query('t'));
  const kernelSeconds = (performance.now() - kernelStarted) / 1000;
  const rows = result.getRows();
  return {
    seconds,
    kernelSeconds,
    threads,
    groups: rows.length,
    count: rows.reduce((total, row) => total + Number(row[2]), 0),
    sum: rows.reduce((total, row) => total + Number(row[3] ?? 0), 0),
    peakRssMB: await peakRssMB(),
  };
}

/** parquet-wasm (zstd) export of an Arrow IPC file, for DuckDB. Setup, not measured. */
async function exportParquet(ipcFile: string, out: string): Promise<CaseResult> {
  const parquet = await import('parquet-wasm');
  const table = parquet.Table.fromIPCStream(tableToIPC(tableFromIPC(readFileSync(ipcFile)), 'stream'));
  const properties = new parquet.WriterPropertiesBuilder().setCompression(parquet.Compression.ZSTD).build();
  await writeFile(out, parquet.writeParquet(table, properties));
  return { seconds: 0 };
}

/**
 * parquet-wasm writing the 1M-row curated table to zstd Parquet (the Athena-friendly copy and the
 * `--format parquet` export): from the Arrow IPC file to the Parquet file on disk, through the
 * parquet-copy stage's own writer (record batch by record batch, bounded row groups).
 */
async function parquetWriteOurs(ipcFile: string, out: string): Promise<CaseResult> {
  const { arrowFileToParquet, loadParquetWasm } = await import('#packages/pipeline/parquet-copy.ts');
  loadParquetWasm();
  const started = performance.now();
  // Read lazily through a file handle, as the stage reads the curated object by ranges.
  const handle = await open(ipcFile);
  const written = await arrowFileToParquet(handle);
  await handle.close();
  await writeFile(out, written);
  const seconds = (performance.now() - started) / 1000;
  // The peak before the rows are counted (which reads the IPC file whole).
  const peak = await peakRssMB();
  return {
    seconds,
    rows: tableFromIPC(readFileSync(ipcFile)).numRows,
    parquetMB: round(written.byteLength / 2 ** 20, 1),
    peakRssMB: peak,
  };
}

/** DuckDB writing the same rows (loaded from the Parquet file first, not timed) to zstd Parquet. */
async function parquetWriteDuckdb(parquetFile: string, out: string): Promise<CaseResult> {
  const { connection, threads } = await duckdb();
  await connection.run(`CREATE TABLE t AS SELECT * FROM read_parquet(${sql(parquetFile)})`);
  const started = performance.now();
  await connection.run(`COPY t TO ${sql(out)} (FORMAT parquet, COMPRESSION zstd)`);
  const seconds = (performance.now() - started) / 1000;
  const rows = Number((await connection.runAndReadAll('SELECT count(*) FROM t')).getRows()[0]?.[0]);
  return {
    seconds,
    rows,
    threads,
    parquetMB: round(statSync(out).size / 2 ** 20, 1),
    peakRssMB: await peakRssMB(),
  };
}

/** A 200-country × 20-theme briefing (4,000 items of ~2.5 KB) written and published on embedded. */
async function publish(): Promise<CaseResult> {
  const { startBackend } = await import('#packages/local/backends.ts');
  const { resourceNames } = await import('#packages/storage/resources.ts');
  const { BriefingStore } = await import('#packages/storage/briefing-store.ts');
  const { canonicalJson, contentHash, itemHash } = await import('#contracts/briefing/hash.ts');
  const { countryReference } = await import('#packages/formats/countries.ts');
  const backend = await startBackend('embedded');
  try {
    const store = new BriefingStore(resourceNames().briefingsTable);
    const assembleStarted = performance.now();
    const countries = countryReference()
      .rows.map((row) => row.iso3)
      .slice(0, 200);
    const items = countries.flatMap((iso3, country) =>
      Array.from({ length: 20 }, (_, theme) => ({
        type: 'theme',
        id: `T${String(theme).padStart(2, '0')}@${iso3}`,
        body: {
          iso3,
          theme: `T${theme}`,
          summary: `Illustrative evidence for ${iso3}, theme ${theme}. `.repeat(26),
          projects: Array.from({ length: 10 }, (_, index) => ({
            project_id: `JMDI1-${iso3}-${theme}-${index}`,
            budget: (country * 1000 + theme * 10 + index) * 1.5,
            source: { source_doc_id: 'DOC-bench', table: 'jmdi_project', locator: `line ${index + 2}` },
          })),
        },
      })),
    );
    const bodyBytes = items.reduce((total, item) => total + canonicalJson(item.body).length, 0);
    const assembleSeconds = (performance.now() - assembleStarted) / 1000;
    const publishStarted = performance.now();
    // Synthetic bodies the size of real theme items: storage stores them without reading them.
    const stored = items.map((item) => ({
      ...item,
      hash: itemHash({ body: item.body as unknown as StoredBriefingItem['body'] }),
    })) as unknown as StoredBriefingItem[];
    const hash = contentHash(stored);
    await store.writeVersion(
      {
        dataset: 'bench',
        version: 1,
        contentHash: hash,
        itemCount: stored.length,
        createdAt: new Date().toISOString(),
        runId: 'bench',
        inputs: [],
        counts: { theme: items.length },
      },
      stored,
    );
    await store.registerDataset('bench');
    await store.movePointer('bench', 1, 0, hash);
    const publishSeconds = (performance.now() - publishStarted) / 1000;
    return {
      seconds: assembleSeconds + publishSeconds,
      assembleSeconds,
      publishSeconds,
      rows: items.length,
      itemKB: round(bodyBytes / items.length / 1024, 2),
      peakRssMB: await peakRssMB(),
    };
  } finally {
    await backend.stop();
  }
}

export const CASES: Readonly<Record<string, (...args: string[]) => Promise<CaseResult>>> = {
  'normalise-fast': (file = '', kind = 'survey', out = '') => normaliseFast(file, kind, out),
  'normalise-parallel': (file = '', kind = 'survey', out = '') => normaliseParallel(file, kind, out),
  'normalise-reference': (file = '', kind = 'survey', out = '') => normaliseReference(file, kind, out),
  'duckdb-csv': (file = '') => duckdbCsv(file),
  'groupby-ours': (file = '') => groupbyOurs(file),
  'groupby-duckdb': (file = '') => groupbyDuckdb(file),
  'export-parquet': (file = '', out = '') => exportParquet(file, out),
  'parquet-write-ours': (file = '', out = '') => parquetWriteOurs(file, out),
  'parquet-write-duckdb': (file = '', out = '') => parquetWriteDuckdb(file, out),
  publish: () => publish(),
};
