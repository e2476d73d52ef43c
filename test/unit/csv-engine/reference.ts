import { type Data, type Table, Type, tableFromIPC } from 'apache-arrow';
import { expect } from 'vitest';
import { contractId } from '#contracts/contract.ts';
import { LOCATOR_COLUMN } from '#contracts/curated-columns.ts';
import { contractForTable } from '#contracts/registry.ts';
import type { SourceKind } from '#contracts/source-kinds.ts';
import { ArrowTableWriter } from '#packages/arrow/table-writer.ts';
import { columnSpecs } from '#packages/contracts/columns.ts';
import { emptySummary, type ValidationSummary, validateRows } from '#packages/contracts/validate.ts';
import { normaliseContractCsvFast } from '#packages/csv-engine/csv-columns.ts';
import type { FastPathIneligibleError } from '#packages/csv-engine/errors.ts';
import { readSource } from '#packages/formats/index.ts';

/**
 * The reference path, exactly as `normaliseFile` runs it (readSource → validateRows →
 * ArrowTableWriter), and a comparison of Arrow files down to their buffers.
 */

export interface NormaliseInput {
  readonly fileName: string;
  readonly kind: SourceKind;
  readonly docId?: string;
  readonly receivedAt?: string;
  readonly batchSize?: number;
}

export interface Normalised {
  readonly table?: string;
  readonly ipc: Uint8Array | undefined;
  readonly rows: number;
  readonly summary: ValidationSummary;
}

export const metadataFor = (table: string) => ({
  'hld:contract': contractId(contractForTable(table)),
  'hld:source_sha256': 'f'.repeat(64),
  'hld:source_doc_id': 'DOC-test-file',
  'hld:snapshot_id': 'abc123',
});

export async function referenceNormalise(
  bytes: Uint8Array,
  input: NormaliseInput,
): Promise<Normalised | { error: Error }> {
  try {
    const read = await readSource({
      bytes,
      fileName: input.fileName,
      kind: input.kind,
      docId: input.docId ?? 'DOC-test-file',
      ...(input.receivedAt ? { receivedAt: input.receivedAt } : {}),
    });
    const summary = emptySummary();
    let writer: ArrowTableWriter | undefined;
    let table: string | undefined;
    for await (const accepted of validateRows(read, input.fileName, summary)) {
      table = accepted.table;
      writer ??= new ArrowTableWriter(
        [
          ...columnSpecs(contractForTable(accepted.table)),
          { name: LOCATOR_COLUMN, type: { kind: 'utf8' }, required: true },
        ],
        { ...(input.batchSize ? { batchSize: input.batchSize } : {}), metadata: metadataFor(accepted.table) },
      );
      writer.append({ ...accepted.row, [LOCATOR_COLUMN]: accepted.locator });
    }
    return {
      ...(table ? { table } : {}),
      ipc: writer ? await writer.finish() : undefined,
      rows: writer?.rows ?? 0,
      summary,
    };
  } catch (error) {
    return { error: error as Error };
  }
}

export async function fastNormalise(
  bytes: Uint8Array,
  input: NormaliseInput & { readonly chunkBytes?: number },
): Promise<{ result: Normalised | undefined; reason?: string }> {
  let reason: string | undefined;
  const result = await normaliseContractCsvFast(bytes, {
    fileName: input.fileName,
    kind: input.kind,
    docId: input.docId ?? 'DOC-test-file',
    ...(input.receivedAt ? { receivedAt: input.receivedAt } : {}),
    ...(input.batchSize ? { batchSize: input.batchSize } : {}),
    ...(input.chunkBytes ? { chunkBytes: input.chunkBytes } : {}),
    locatorColumn: LOCATOR_COLUMN,
    metadata: (contract) => metadataFor(contract.table),
    onIneligible: (error: FastPathIneligibleError) => {
      reason = `${error.reason}: ${error.message}`;
    },
  });
  return {
    result: result && {
      ...(result.rows > 0 ? { table: result.contract.table } : {}),
      ipc: result.ipc,
      rows: result.rows,
      summary: result.summary,
    },
    ...(reason ? { reason } : {}),
  };
}

/** Type text with dictionary ids left out (they count writers in the process, not content). */
function typeText(data: Data): string {
  return String(data.type).replace(/Dictionary<(.*?), (.*?)>/g, 'Dictionary<$1, $2>');
}

function bytesOf(view: ArrayBufferView | undefined): number[] {
  if (!view) return [];
  return [...new Uint8Array(view.buffer, view.byteOffset, view.byteLength)];
}

function expectSameData(actual: Data, expected: Data, where: string): void {
  expect(typeText(actual), `${where}: type`).toBe(typeText(expected));
  expect(actual.length, `${where}: length`).toBe(expected.length);
  expect(actual.nullCount, `${where}: null count`).toBe(expected.nullCount);
  expect(actual.offset, `${where}: offset`).toBe(expected.offset);
  expect(bytesOf(actual.nullBitmap), `${where}: validity`).toEqual(bytesOf(expected.nullBitmap));
  expect(bytesOf(actual.valueOffsets), `${where}: offsets`).toEqual(bytesOf(expected.valueOffsets));
  expect(bytesOf(actual.values), `${where}: values`).toEqual(bytesOf(expected.values));
  expect(actual.children.length, `${where}: children`).toBe(expected.children.length);
  for (const [index, child] of actual.children.entries()) {
    expectSameData(child, expected.children[index]!, `${where}.${index}`);
  }
  if (actual.type.typeId === Type.Dictionary) {
    expect(actual.dictionary?.toArray(), `${where}: dictionary`).toEqual(expected.dictionary?.toArray());
  }
}

function plainRows(table: Table): unknown[] {
  return table
    .toArray()
    .map((row) =>
      JSON.parse(
        JSON.stringify(row.toJSON(), (_key, value) => (typeof value === 'bigint' ? `${value}n` : value)),
      ),
    );
}

/** Two Arrow IPC files hold the same schema, metadata, batches, buffers and values. */
export function expectSameArrow(
  actualIpc: Uint8Array | undefined,
  expectedIpc: Uint8Array | undefined,
): void {
  if (!expectedIpc || !actualIpc) {
    expect(actualIpc === undefined, 'an Arrow file is written exactly when the reference writes one').toBe(
      expectedIpc === undefined,
    );
    return;
  }
  const actual = tableFromIPC(actualIpc);
  const expected = tableFromIPC(expectedIpc);
  expect(
    actual.schema.fields.map((field) => [
      field.name,
      field.nullable,
      String(field.type).replace(/\d+\]/, ']'),
    ]),
  ).toEqual(
    expected.schema.fields.map((field) => [
      field.name,
      field.nullable,
      String(field.type).replace(/\d+\]/, ']'),
    ]),
  );
  expect([...actual.schema.metadata]).toEqual([...expected.schema.metadata]);
  expect(actual.batches.map((batch) => batch.numRows)).toEqual(
    expected.batches.map((batch) => batch.numRows),
  );
  actual.batches.forEach((batch, index) => {
    expectSameData(batch.data, expected.batches[index]!.data, `batch ${index}`);
  });
  expect(plainRows(actual)).toEqual(plainRows(expected));
}

/** The fast path gives what the reference gives (and is not merely falling back). */
export async function expectSameAsReference(
  bytes: Uint8Array,
  input: NormaliseInput & { readonly chunkBytes?: number },
  options: { readonly eligible?: boolean } = {},
): Promise<Normalised | undefined> {
  const expected = await referenceNormalise(bytes, input);
  const { result, reason } = await fastNormalise(bytes, input);
  if (options.eligible !== false) expect(reason, 'the fast path handled the file').toBeUndefined();
  if (!result) return undefined;
  if ('error' in expected)
    throw new Error(`the fast path accepted a file the reference refuses: ${expected.error.message}`);
  expect(result.summary).toEqual(expected.summary);
  expect(result.rows).toBe(expected.rows);
  expectSameArrow(result.ipc, expected.ipc);
  return result;
}
