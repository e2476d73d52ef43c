import { readFileSync } from 'node:fs';
import type { SourceKind } from '#contracts/source-kinds.ts';
import type { ReaderInput, SourceReadResult, SourceRow } from '#packages/formats/reader.ts';

const FIXTURES = new URL('../../fixtures/formats/', import.meta.url);

/** Bytes of a file under test/fixtures/formats/. */
export function fixtureBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(path, FIXTURES)));
}

/** A reader input for a fixture file or for literal text. */
export function readerInput(
  kind: SourceKind,
  fileName: string,
  content: Uint8Array | string,
  extra: Partial<ReaderInput> = {},
): ReaderInput {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  return { bytes, fileName, kind, docId: 'DOC-test0001', receivedAt: '2013-06-01T12:00:00Z', ...extra };
}

/** The rows of a result as an array (readers may return any iterable). */
export async function collectRows(result: SourceReadResult): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const row of result.rows) rows.push(row);
  return rows;
}

/** The error a call throws (synchronously or as a rejected promise), for assertions on its fields. */
export async function caught(action: () => unknown): Promise<Error & Record<string, unknown>> {
  try {
    await action();
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to throw');
}
