import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseContractCsvFile, streamContractCsvFast } from '#packages/fastpath/csv-columns.ts';
import { FastPathIneligibleError } from '#packages/fastpath/errors.ts';
import { LOCATOR_COLUMN } from '#packages/pipeline/normalise.ts';
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
