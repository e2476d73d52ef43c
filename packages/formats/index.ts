import { readContractCsv } from './csv.ts';
import { isNdjsonName, readContractJson, readContractNdjson } from './json.ts';
import { type ReaderInput, type SourceReader, type SourceReadResult, SourceRefusedError } from './reader.ts';

/**
 * The one entry point of the format readers: `readSource` picks a reader from the declared
 * format or from the file name and first bytes, after refusing files above the size limit.
 */

/** Largest upload a reader accepts (50 MiB); every reader holds the whole file in memory. */
export const MAX_SOURCE_BYTES = 50 * 1024 * 1024;

type FormatReader = (input: ReaderInput) => Promise<SourceReadResult>;

const READERS: Readonly<Record<string, FormatReader>> = {
  csv: readContractCsv,
  json: readContractJson,
  ndjson: readContractNdjson,
};

/** Format names `input.format` may declare. */
export const SUPPORTED_FORMATS: readonly string[] = Object.keys(READERS);

/** The format of a file from its name, kind and first bytes. */
export function detectFormat(input: Pick<ReaderInput, 'bytes' | 'fileName' | 'kind'>): string {
  const name = input.fileName.toLowerCase();
  if (isNdjsonName(name)) return 'ndjson';
  if (name.endsWith('.json')) return 'json';
  const head = firstNonSpaceByte(input.bytes);
  if (head === 0x7b || head === 0x5b) return 'json';
  return 'csv';
}

function firstNonSpaceByte(bytes: Uint8Array): number | undefined {
  let index = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) index = 3;
  while (index < bytes.length && [0x20, 0x09, 0x0a, 0x0d].includes(bytes[index] ?? 0)) index += 1;
  return bytes[index];
}

/** Read one uploaded file into contract-table rows; throws SourceRefusedError when it cannot. */
export const readSource: SourceReader = async (input) => {
  if (input.bytes.byteLength > MAX_SOURCE_BYTES) {
    throw new SourceRefusedError(
      `File '${input.fileName}' is ${input.bytes.byteLength} bytes; the limit is ${MAX_SOURCE_BYTES} bytes (${MAX_SOURCE_BYTES / 1024 / 1024} MiB)`,
      'too-large',
      'Split the file (for example one file per table or per year) and upload the parts.',
    );
  }
  const format = input.format ?? detectFormat(input);
  const reader = READERS[format];
  if (!reader) {
    throw new SourceRefusedError(
      `File '${input.fileName}': unsupported format '${format}'`,
      'unsupported-format',
      `Supported formats: ${SUPPORTED_FORMATS.join(', ')}.`,
    );
  }
  return reader(input);
};

export type { ReaderInput, ReadProblem, SourceReader, SourceReadResult, SourceRow } from './reader.ts';
export { SourceRefusedError } from './reader.ts';
