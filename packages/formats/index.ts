import { HLD_MAX_UPLOAD_BYTES } from '#packages/settings/settings.ts';
import { readContractCsv } from './csv.ts';
import { readIatiXml } from './iati.ts';
import { isNdjsonName, readContractJson, readContractNdjson } from './json.ts';
import { isKoboHeader, type KoboReadOptions, readKoboCsv } from './kobo.ts';
import { type ReaderInput, type SourceReader, type SourceReadResult, SourceRefusedError } from './reader.ts';
import {
  isWdiCsv,
  readSdmxCsv,
  readUndesaXlsx,
  readWdiCsv,
  type StatisticsOptions,
  sdmxCsvVersion,
} from './statistics.ts';
import { isKoboWorkbook, koboRowsFromSheets, looksLikeZip, readContractXlsx, readWorkbook } from './xlsx.ts';

/**
 * The one entry point of the format readers: `readSource` picks a reader from the declared
 * format, or from the file name, the source kind and the first bytes, after refusing files
 * above the size limit. The registry below is the one place a format is added: its reader and
 * the file name endings it is read from, which decide what `hld run`, `hld ingest <dir>`,
 * `hld validate` and ingest accept (packages/pipeline/check-source.ts, packages/cli/select-files.ts).
 */

/**
 * Largest upload a reader accepts unless the caller says otherwise (`maxBytes`, from
 * HLD_MAX_UPLOAD_BYTES): every reader holds the whole file in memory.
 */
export const MAX_SOURCE_BYTES = HLD_MAX_UPLOAD_BYTES.defaultValue;

/** Inputs some formats need beyond the file: a survey form, a statistics source and revision. */
export interface FormatOptions {
  readonly survey?: KoboReadOptions;
  readonly statistics?: StatisticsOptions;
  /** Largest file read (bytes); larger ones are refused as `too-large`. @default MAX_SOURCE_BYTES */
  readonly maxBytes?: number;
}

type FormatReader = (input: ReaderInput, options: FormatOptions) => Promise<SourceReadResult>;

interface FormatRegistration {
  readonly read: FormatReader;
  /**
   * File name endings (lower case) of this format's files. A format found by its content inside
   * another's files (a Kobo export is a .csv) lists none.
   */
  readonly extensions: readonly string[];
}

const FORMATS: Readonly<Record<string, FormatRegistration>> = {
  csv: { read: (input) => readContractCsv(input), extensions: ['.csv', '.tsv', '.txt'] },
  json: { read: (input) => readContractJson(input), extensions: ['.json'] },
  ndjson: { read: (input) => readContractNdjson(input), extensions: ['.ndjson', '.jsonl'] },
  xlsx: { read: (input, options) => readXlsxSource(input, options), extensions: ['.xlsx'] },
  'kobo-csv': { read: (input, options) => readKoboCsv(input, options.survey), extensions: [] },
  'kobo-xlsx': {
    read: async (input, options) =>
      koboRowsFromSheets(input, await readWorkbook(input.bytes, input.fileName), options.survey),
    extensions: [],
  },
  'iati-xml': { read: (input) => readIatiXml(input), extensions: ['.xml'] },
  'wdi-csv': { read: (input, options) => readWdiCsv(input, options.statistics), extensions: [] },
  'undesa-xlsx': { read: (input, options) => readUndesaXlsx(input, options.statistics), extensions: [] },
  'sdmx-csv': { read: (input, options) => readSdmxCsv(input, options.statistics), extensions: [] },
};

/** Format names `input.format` may declare. */
export const SUPPORTED_FORMATS: readonly string[] = Object.keys(FORMATS);

/** File name endings some reader reads (`.csv`, `.xlsx` …), from the registry. */
export const READABLE_EXTENSIONS: readonly string[] = [
  ...new Set(Object.values(FORMATS).flatMap((format) => format.extensions)),
].sort();

/** True when a reader reads files of this name (by its ending). */
export function hasReader(fileName: string): boolean {
  const name = fileName.toLowerCase();
  return READABLE_EXTENSIONS.some((extension) => name.endsWith(extension));
}

/** Declared aliases (`iati`, `kobo`, `sdmx`, versioned results of an earlier read). */
const FORMAT_ALIASES: Readonly<Record<string, string>> = {
  iati: 'iati-xml',
  xml: 'iati-xml',
  kobo: 'kobo-csv',
  odk: 'kobo-csv',
  'odk-csv': 'kobo-csv',
  sdmx: 'sdmx-csv',
  'sdmx-csv-1.0': 'sdmx-csv',
  'sdmx-csv-2.0': 'sdmx-csv',
  wdi: 'wdi-csv',
  undesa: 'undesa-xlsx',
  jsonl: 'ndjson',
};

function canonicalFormat(format: string): string {
  const lower = format.trim().toLowerCase();
  if (lower.startsWith('iati-xml')) return 'iati-xml';
  return FORMAT_ALIASES[lower] ?? lower;
}

/** First characters of the file for sniffing (lenient: the reader itself decodes strictly). */
function sniffText(bytes: Uint8Array): string {
  const head = bytes.subarray(0, 16 * 1024);
  if (head[0] === 0xff && head[1] === 0xfe) return new TextDecoder('utf-16le').decode(head.subarray(2));
  if (head[0] === 0xfe && head[1] === 0xff) return new TextDecoder('utf-16be').decode(head.subarray(2));
  return new TextDecoder('utf-8').decode(head).replace(/^\uFEFF/, '');
}

/** The format of a file from its name, kind and first bytes. */
export function detectFormat(input: Pick<ReaderInput, 'bytes' | 'fileName' | 'kind'>): string {
  const name = input.fileName.toLowerCase();
  // A zip under a text file's name (a zipped CSV) is refused by the text decoder, which names it.
  const textName = /\.(csv|tsv|txt|json|jsonl|ndjson|xml)$/.test(name);
  if (name.endsWith('.xlsx') || (looksLikeZip(input.bytes) && !textName))
    return input.kind === 'statistics' ? 'undesa-xlsx' : 'xlsx';
  const text = sniffText(input.bytes);
  const start = text.trimStart();
  if (name.endsWith('.xml') || start.startsWith('<')) return 'iati-xml';
  if (isNdjsonName(name)) return 'ndjson';
  if (name.endsWith('.json') || start.startsWith('{') || start.startsWith('[')) return 'json';
  if (input.kind === 'statistics') {
    if (sdmxCsvVersion(text)) return 'sdmx-csv';
    if (isWdiCsv(text)) return 'wdi-csv';
  }
  if (input.kind === 'survey') {
    const firstLine = start.split(/\r\n|\n|\r/, 1)[0] ?? '';
    const cells = firstLine.split(/[;,\t]/).map((cell) => cell.trim().replace(/^"|"$/g, ''));
    if (isKoboHeader(cells)) return 'kobo-csv';
  }
  return 'csv';
}

/** XLSX by content: a Kobo export (survey kind, `_uuid` header) or contract tables. */
async function readXlsxSource(input: ReaderInput, options: FormatOptions): Promise<SourceReadResult> {
  if (input.kind === 'survey') {
    const workbook = await readWorkbook(input.bytes, input.fileName);
    if (isKoboWorkbook(workbook.sheets)) return koboRowsFromSheets(input, workbook, options.survey);
  }
  if (input.kind === 'statistics') return readUndesaXlsx(input, options.statistics);
  return readContractXlsx(input);
}

/** A reader with the survey form and statistics metadata that some formats need. */
export function createSourceReader(options: FormatOptions = {}): SourceReader {
  const maxBytes = options.maxBytes ?? MAX_SOURCE_BYTES;
  return async (input) => {
    if (input.bytes.byteLength > maxBytes) {
      throw new SourceRefusedError(
        `File '${input.fileName}' is ${input.bytes.byteLength} bytes; the limit is ${maxBytes} bytes (${(maxBytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MiB)`,
        'too-large',
        'Split the file (for example one file per table or per year) and upload the parts.',
      );
    }
    const format = input.format ? canonicalFormat(input.format) : detectFormat(input);
    const reader = FORMATS[format]?.read;
    if (!reader) {
      throw new SourceRefusedError(
        `File '${input.fileName}': unsupported format '${input.format ?? format}'`,
        'unsupported-format',
        `Supported formats: ${SUPPORTED_FORMATS.join(', ')}.`,
      );
    }
    return reader(input, options);
  };
}

/** Read one uploaded file into contract-table rows; throws SourceRefusedError when it cannot. */
export const readSource: SourceReader = createSourceReader();

export type {
  ReaderInput,
  ReadNotice,
  RowProblem,
  SourceReader,
  SourceReadResult,
  SourceRow,
} from './reader.ts';
export { SourceRefusedError } from './reader.ts';
