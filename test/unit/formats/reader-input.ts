import { readFileSync } from 'node:fs';
import type { SourceKind } from '#contracts/source-kinds.ts';
import type { ReaderInput, RowProblem, SourceReadResult, SourceRow } from '#packages/formats/reader.ts';

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

/** A reader's problem with the table and locator of the row it belongs to (notices: rejectsRow false). */
export type LocatedProblem = RowProblem & { readonly table?: string; readonly locator: string };

/** Every problem the reader attached to a row, at that row's locator, then the file's notices. */
export async function readerProblems(result: SourceReadResult): Promise<LocatedProblem[]> {
  const problems: LocatedProblem[] = [];
  for await (const row of result.rows) {
    for (const problem of row.problems ?? [])
      problems.push({ table: row.table, locator: row.locator, ...problem });
  }
  for (const notice of result.notices) problems.push({ ...notice, rejectsRow: false });
  return problems;
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
