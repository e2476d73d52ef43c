import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCATOR_COLUMN } from '#contracts/curated-columns.ts';
import { repoPath } from '#infra/repo-root.ts';
import { normaliseContractCsvFile, streamContractCsvFast } from '#packages/csv-engine/csv-columns.ts';
import { FastPathIneligibleError } from '#packages/csv-engine/errors.ts';
import { validateContractCsvStream } from '#packages/csv-engine/validate-contract-csv.ts';
import { csvText } from './csv-text.ts';
import { expectSameArrow, metadataFor, referenceNormalise } from './reference.ts';

const HEADER = ['respondent_id', 'question_name', 'seq', 'value_raw', 'is_other', 'other_text', 'confidence'];

function surveyCsv(rows: number): Buffer {
  const lines = [HEADER];
  for (let row = 0; row < rows; row += 1) {
    lines.push([
      `GMG-UNCT-2011:r${Math.floor(row / 7)}`,
      `capacity/q${row % 7}`,
      String(row % 7 === 3 ? 'x' : 0),
      row % 11 === 0 ? 'a "quoted", multi\nline answer' : 'yes',
      row % 5 === 0 ? 'TRUE' : 'false',
      row % 13 === 0 ? 'Ñandú 😀' : '',
      row % 17 === 0 ? 'certain' : 'high',
    ]);
  }
  return Buffer.from(csvText(lines, { newline: '\r\n' }));
}

const OPTIONS = {
  fileName: 'survey.csv',
  kind: 'survey' as const,
  docId: 'DOC-test-file',
  locatorColumn: LOCATOR_COLUMN,
  batchSize: 100,
  metadata: (contract: { readonly table: string }) => metadataFor(contract.table),
};

/** The bytes as an async stream of `size`-byte chunks (like an S3 body). */
async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size);
}

async function drain(ipc: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of ipc) out.push(chunk);
  return out;
}

const concat = (chunks: readonly Uint8Array[]) => Buffer.concat(chunks.map((chunk) => Buffer.from(chunk)));

describe('the streaming fast path', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fastpath-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('streams chunks in and IPC bytes out, with the reference table and problems', async () => {
    const bytes = surveyCsv(1_000);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 999) }, (_, index) =>
      bytes.subarray(index * 999, (index + 1) * 999),
    );
    const stream = streamContractCsvFast(chunks, OPTIONS);
    const out: Uint8Array[] = [];
    for await (const chunk of stream.ipc) out.push(chunk);
    const reference = await referenceNormalise(bytes, {
      fileName: 'survey.csv',
      kind: 'survey',
      batchSize: 100,
    });
    if ('error' in reference) throw reference.error;
    expect(stream.summary().summary).toEqual(reference.summary);
    expect(stream.summary().batches).toBeGreaterThan(5);
    expectSameArrow(concat(out), reference.ipc);
  });

  it('reads a file from disk with the same result, handing over the IPC bytes batch by batch', async () => {
    const bytes = surveyCsv(2_000);
    const path = join(dir, 'survey.csv');
    await writeFile(path, bytes);
    const out: Uint8Array[] = [];
    const result = await normaliseContractCsvFile(path, {
      ...OPTIONS,
      write: (chunk) => void out.push(chunk),
    });
    const reference = await referenceNormalise(bytes, {
      fileName: 'survey.csv',
      kind: 'survey',
      batchSize: 100,
    });
    if ('error' in reference) throw reference.error;
    expect(result.summary).toEqual(reference.summary);
    expectSameArrow(concat(out), reference.ipc);
  });

  it('reads a file from disk in small reads, records across reads and longer than the room kept for them, with the same result', async () => {
    const long = `"${'a long, multi-line\nanswer about remittances '.repeat(60)}"`;
    const text = surveyCsv(600)
      .toString('utf8')
      .replace(/\r\n(GMG-UNCT-2011:r1[0-9],capacity\/q3),x,yes,/g, `\r\n$1,0,${long},`);
    const bytes = Buffer.from(text);
    expect(text).toContain(long);
    const path = join(dir, 'survey-long.csv');
    await writeFile(path, bytes);
    const reference = await referenceNormalise(bytes, {
      fileName: 'survey.csv',
      kind: 'survey',
      batchSize: 100,
    });
    if ('error' in reference) throw reference.error;
    for (const readBytes of [997, 4_096]) {
      const out: Uint8Array[] = [];
      const result = await normaliseContractCsvFile(path, {
        ...OPTIONS,
        readBytes,
        write: (chunk) => void out.push(chunk),
      });
      expect(result.summary).toEqual(reference.summary);
      expectSameArrow(concat(out), reference.ipc);
    }
  });

  it('validates a stream without writing Arrow, with the summary (every problem) the reference gives', async () => {
    const bytes = surveyCsv(1_500);
    const result = await validateContractCsvStream(pieces(bytes, 4_099), OPTIONS);
    const reference = await referenceNormalise(bytes, { fileName: 'survey.csv', kind: 'survey' });
    if ('error' in reference) throw reference.error;
    expect(result.summary.rowsQuarantined).toBeGreaterThan(0);
    expect(result.summary).toEqual(reference.summary);
  });

  it('writes a file mixing rows with and without a parent reference in two streamed passes, in the reference order', async () => {
    const bytes = await readFile(repoPath('data-contracts/samples/stocktaking/jmdi-lessons.csv'));
    const options = { ...OPTIONS, fileName: 'jmdi-lessons.csv', kind: 'stocktaking' as const, batchSize: 4 };
    const reference = await referenceNormalise(bytes, {
      fileName: 'jmdi-lessons.csv',
      kind: 'stocktaking',
      batchSize: 4,
    });
    if ('error' in reference) throw reference.error;

    // One pass cannot keep the reference order for this file…
    const single = streamContractCsvFast(pieces(bytes, 1_000), options);
    await expect(drain(single.ipc)).rejects.toMatchObject({ reason: 'row-order' });
    // …two passes over the same bytes can; the second pass arrives in other chunks.
    const stream = streamContractCsvFast(pieces(bytes, 1_000), {
      ...options,
      holdWaitingRows: true,
      replay: () => pieces(bytes, 313),
    });
    const out = await drain(stream.ipc);
    expect(stream.contract()?.table).toBe('jmdi_lesson');
    expect(stream.summary().summary).toEqual(reference.summary);
    expectSameArrow(concat(out), reference.ipc);
    // Validation alone needs one pass whatever the order.
    expect((await validateContractCsvStream(pieces(bytes, 1_000), options)).summary).toEqual(
      reference.summary,
    );
  });

  it('throws FastPathIneligibleError mid-stream when the file turns out not to be eligible', async () => {
    const bytes = Buffer.concat([surveyCsv(50), Buffer.from('too,few\r\n')]);
    const stream = streamContractCsvFast([bytes], OPTIONS);
    await expect(async () => {
      for await (const _chunk of stream.ipc) {
        // drained
      }
    }).rejects.toThrow(FastPathIneligibleError);
  });
});

describe('expectSameArrow', () => {
  it('notices a single changed value (the comparison can fail)', async () => {
    const bytes = surveyCsv(30);
    const changed = Buffer.from(bytes.toString('utf8').replace('capacity/q1', 'capacity/q9'));
    const a = await referenceNormalise(bytes, { fileName: 'survey.csv', kind: 'survey' });
    const b = await referenceNormalise(changed, { fileName: 'survey.csv', kind: 'survey' });
    if ('error' in a || 'error' in b) throw new Error('reference failed');
    expect(() => expectSameArrow(a.ipc, b.ipc)).toThrow();
  });
});
