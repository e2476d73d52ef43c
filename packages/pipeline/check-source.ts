import { type ValidationSummary, validateSource } from '#packages/contracts/validate.ts';
import { FastPathIneligibleError } from '#packages/csv-engine/errors.ts';
import { validateContractCsvStream } from '#packages/csv-engine/validate-contract-csv.ts';
import {
  createSourceReader,
  detectFormat,
  type FormatOptions,
  hasReader,
  READABLE_EXTENSIONS,
} from '#packages/formats/index.ts';
import { type ReaderInput, SourceRefusedError } from '#packages/formats/reader.ts';
import { LOCATOR_COLUMN } from './snapshots.ts';

/**
 * Checking one source file against its contracts: the one policy ingest (in Lambda and locally)
 * and `hld validate` follow, so a file is accepted, quarantined or refused the same way
 * everywhere.
 *
 *   1. a file whose name no reader reads (formats/index.ts registry) is refused, unless a format
 *      is declared;
 *   2. a plain contract CSV (what the readers' own detection calls `csv`, nothing declared) goes
 *      to the CSV engine, as a stream: any size, flat memory, the same summary problem for
 *      problem as its reader;
 *   3. anything else, or a CSV the engine declines, goes to its reader, in memory — when the
 *      file may be held in memory; a larger one is `not-streamable` and the caller refuses it.
 */

/** A file to check, as its holder can give it: first bytes, a stream, and the whole when small enough. */
export interface SourceToCheck extends Pick<ReaderInput, 'fileName' | 'kind' | 'docId' | 'receivedAt'> {
  /** The first bytes (a megabyte is plenty to tell a format). */
  readonly head: Uint8Array;
  /** The whole file in chunks (read again for each attempt). */
  readonly chunks: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  /** The whole file, when it may be held in memory (at most the in-memory limit); else absent. */
  readonly bytes?: () => Promise<Uint8Array>;
  /** A declared format (`kobo`, `iati` …): no detection, no CSV engine. */
  readonly format?: string;
  /** A declared text encoding (`windows-1252` …): no CSV engine (it reads UTF-8 only). */
  readonly encoding?: string;
  /** What some readers need beyond the file (a survey form, a statistics source and revision). */
  readonly readerOptions?: Omit<FormatOptions, 'maxBytes'>;
  /** Largest file a reader holds in memory. */
  readonly maxBytes: number;
}

export type SourceCheck =
  | { readonly status: 'checked'; readonly format: string; readonly summary: ValidationSummary }
  | { readonly status: 'refused'; readonly format?: string; readonly error: SourceRefusedError }
  | {
      /** Over the in-memory limit and not readable as a stream: not a plain contract CSV, or one the engine declined. */
      readonly status: 'not-streamable';
      readonly format: string;
      /** Why the CSV engine declined, when the file is a CSV. */
      readonly declined?: FastPathIneligibleError;
    };

/** The refusal of a file no reader reads. */
export function noReaderError(fileName: string): SourceRefusedError {
  return new SourceRefusedError(
    `No reader reads '${fileName}': the readers read ${READABLE_EXTENSIONS.join(', ')} files`,
    'unsupported-format',
    'Save it in one of those formats (CSV is always accepted), or declare its format',
  );
}

/** True when the CSV engine may try the file: nothing declared, and the readers would read it as `csv`. */
export function csvEngineMayRead(
  source: Pick<SourceToCheck, 'fileName' | 'kind' | 'format' | 'encoding' | 'readerOptions'>,
  head: Uint8Array,
): boolean {
  if (source.format || source.encoding) return false;
  if (source.readerOptions?.statistics || source.readerOptions?.survey) return false;
  return detectFormat({ bytes: head, fileName: source.fileName, kind: source.kind }) === 'csv';
}

/** Check a source against its contracts (see the module comment for the order of the attempts). */
export async function checkSource(source: SourceToCheck): Promise<SourceCheck> {
  const input = {
    fileName: source.fileName,
    kind: source.kind,
    docId: source.docId,
    ...(source.receivedAt ? { receivedAt: source.receivedAt } : {}),
  };
  if (!source.format && !hasReader(source.fileName)) {
    return { status: 'refused', error: noReaderError(source.fileName) };
  }
  let declined: FastPathIneligibleError | undefined;
  if (csvEngineMayRead(source, source.head)) {
    try {
      const fast = await validateContractCsvStream(source.chunks(), {
        ...input,
        locatorColumn: LOCATOR_COLUMN,
      });
      return { status: 'checked', format: 'csv', summary: fast.summary };
    } catch (error) {
      if (!(error instanceof FastPathIneligibleError)) throw error;
      declined = error;
    }
  }
  if (!source.bytes) {
    const format =
      source.format ?? detectFormat({ bytes: source.head, fileName: source.fileName, kind: source.kind });
    return { status: 'not-streamable', format, ...(declined ? { declined } : {}) };
  }
  try {
    const read = await createSourceReader({ ...source.readerOptions, maxBytes: source.maxBytes })({
      bytes: await source.bytes(),
      ...input,
      ...(source.format ? { format: source.format } : {}),
      ...(source.encoding ? { encoding: source.encoding } : {}),
    });
    return { status: 'checked', format: read.format, summary: await validateSource(read, source.fileName) };
  } catch (error) {
    if (!(error instanceof SourceRefusedError)) throw error;
    return { status: 'refused', error };
  }
}
