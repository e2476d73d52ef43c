import { SourceRefusedError } from './reader.ts';

/**
 * Zip-bomb guard for XLSX (a zip of XML parts), run BEFORE exceljs sees the bytes: the central
 * directory is read by hand (sizes, entry count, ratio), then every deflated entry is inflated
 * in a stream with a byte budget, so a header that lies about sizes cannot blow up memory either.
 */

export interface ZipLimits {
  /** Sum of the uncompressed sizes of all entries. @default 100 MiB */
  readonly maxUncompressedBytes: number;
  /** Number of entries. @default 1000 */
  readonly maxEntries: number;
  /** Uncompressed / compressed, per entry and overall, checked above `ratioFloorBytes`. @default 100 */
  readonly maxRatio: number;
  /** Entries (and archives) smaller than this are exempt from the ratio check. @default 1 MiB */
  readonly ratioFloorBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxUncompressedBytes: 100 * 1024 * 1024,
  maxEntries: 1000,
  maxRatio: 100,
  ratioFloorBytes: 1024 * 1024,
};

export interface ZipEntryInfo {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
}

export interface ZipSummary {
  readonly entries: readonly ZipEntryInfo[];
  readonly uncompressedBytes: number;
  readonly compressedBytes: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const ZIP64_EOCD_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;

function notAZip(fileName: string, detail: string): SourceRefusedError {
  return new SourceRefusedError(
    `File '${fileName}' is not a readable XLSX/zip file: ${detail}`,
    'malformed',
    'Open the file in Excel or LibreOffice and save it again as .xlsx.',
  );
}

function bomb(fileName: string, detail: string, limits: ZipLimits): SourceRefusedError {
  return new SourceRefusedError(
    `File '${fileName}' was refused as a possible zip bomb: ${detail}`,
    'zip-bomb',
    `Limits: ${limits.maxEntries} entries, ${limits.maxUncompressedBytes} bytes uncompressed, compression ratio ${limits.maxRatio}×. Save the workbook again without embedded objects, or split it.`,
  );
}

/** Entries of a zip from its central directory; refuses archives over the limits. */
export function inspectZip(
  bytes: Uint8Array,
  fileName: string,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
): ZipSummary {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (offset: number) => (offset + 4 <= bytes.length ? view.getUint32(offset, true) : -1);
  const u16 = (offset: number) => (offset + 2 <= bytes.length ? view.getUint16(offset, true) : -1);
  const u64 = (offset: number) =>
    offset + 8 <= bytes.length
      ? view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 2 ** 32
      : -1;

  let eocd = -1;
  for (let offset = bytes.length - 22; offset >= Math.max(0, bytes.length - 22 - 0xffff); offset -= 1) {
    if (u32(offset) === EOCD_SIGNATURE) {
      eocd = offset;
      break;
    }
  }
  if (eocd < 0) throw notAZip(fileName, 'no end-of-central-directory record');
  let entryCount = u16(eocd + 10);
  let directorySize = u32(eocd + 12);
  let directoryOffset = u32(eocd + 16);
  if (entryCount === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (u32(locator) !== ZIP64_EOCD_LOCATOR_SIGNATURE) throw notAZip(fileName, 'ZIP64 locator missing');
    const zip64 = u64(locator + 8);
    if (zip64 < 0 || u32(zip64) !== ZIP64_EOCD_SIGNATURE) throw notAZip(fileName, 'ZIP64 directory missing');
    entryCount = u64(zip64 + 32);
    directorySize = u64(zip64 + 40);
    directoryOffset = u64(zip64 + 48);
  }
  if (entryCount > limits.maxEntries) {
    throw bomb(fileName, `${entryCount} entries (limit ${limits.maxEntries})`, limits);
  }
  if (directoryOffset < 0 || directoryOffset + directorySize > bytes.length) {
    throw notAZip(fileName, 'central directory outside the file');
  }

  const entries: ZipEntryInfo[] = [];
  let uncompressedBytes = 0;
  let compressedBytes = 0;
  let offset = directoryOffset;
  for (let index = 0; index < entryCount; index += 1) {
    if (u32(offset) !== CENTRAL_SIGNATURE)
      throw notAZip(fileName, `central directory entry ${index} is damaged`);
    const method = u16(offset + 10);
    let compressedSize = u32(offset + 20);
    let uncompressedSize = u32(offset + 24);
    const nameLength = u16(offset + 28);
    const extraLength = u16(offset + 30);
    const commentLength = u16(offset + 32);
    let localHeaderOffset = u32(offset + 42);
    const nameEnd = offset + 46 + nameLength;
    if (nameEnd > bytes.length) throw notAZip(fileName, `central directory entry ${index} is truncated`);
    const name = new TextDecoder().decode(bytes.subarray(offset + 46, nameEnd));
    // ZIP64 extra field (0x0001) carries the sizes that do not fit 32 bits, in this order.
    let extra = nameEnd;
    const extraEnd = Math.min(nameEnd + extraLength, bytes.length);
    while (extra + 4 <= extraEnd) {
      const id = u16(extra);
      const size = u16(extra + 2);
      if (id === 0x0001) {
        let field = extra + 4;
        if (uncompressedSize === 0xffffffff) {
          uncompressedSize = u64(field);
          field += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = u64(field);
          field += 8;
        }
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = u64(field);
      }
      extra += 4 + size;
    }
    if (uncompressedSize < 0 || compressedSize < 0 || localHeaderOffset < 0) {
      throw notAZip(fileName, `central directory entry '${name}' is damaged`);
    }
    uncompressedBytes += uncompressedSize;
    compressedBytes += compressedSize;
    if (uncompressedBytes > limits.maxUncompressedBytes) {
      throw bomb(fileName, `entries expand to more than ${limits.maxUncompressedBytes} bytes`, limits);
    }
    if (
      uncompressedSize >= limits.ratioFloorBytes &&
      uncompressedSize > limits.maxRatio * Math.max(compressedSize, 1)
    ) {
      throw bomb(
        fileName,
        `entry '${name}' expands ${Math.round(uncompressedSize / Math.max(compressedSize, 1))}× (${compressedSize} → ${uncompressedSize} bytes; limit ${limits.maxRatio}×)`,
        limits,
      );
    }
    entries.push({ name, method, compressedSize, uncompressedSize, localHeaderOffset });
    offset = nameEnd + extraLength + commentLength;
  }
  if (
    uncompressedBytes >= limits.ratioFloorBytes &&
    uncompressedBytes > limits.maxRatio * Math.max(compressedBytes, 1)
  ) {
    throw bomb(
      fileName,
      `the archive expands ${Math.round(uncompressedBytes / Math.max(compressedBytes, 1))}×`,
      limits,
    );
  }
  return { entries, uncompressedBytes, compressedBytes };
}

/**
 * Inflate every entry in a stream and stop as soon as one produces more bytes than its header
 * declares (or the archive more than the limit): the declared sizes are what the checks above
 * trusted. The inflated data is discarded; exceljs unpacks the archive again.
 */
export async function verifyZipEntries(
  bytes: Uint8Array,
  summary: ZipSummary,
  fileName: string,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
): Promise<void> {
  // fflate builds its Huffman tables as it loads, and only workbooks need it: it loads on the first.
  const { Inflate } = await import('./zip-inflate.ts');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let total = 0;
  for (const entry of summary.entries) {
    const local = entry.localHeaderOffset;
    if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL_SIGNATURE) {
      throw notAZip(fileName, `local header of '${entry.name}' is missing`);
    }
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const dataEnd = dataStart + entry.compressedSize;
    if (dataEnd > bytes.length) throw notAZip(fileName, `entry '${entry.name}' is truncated`);
    if (entry.method === 0) {
      total += entry.compressedSize;
      continue;
    }
    if (entry.method !== 8)
      throw notAZip(fileName, `entry '${entry.name}' uses unsupported compression ${entry.method}`);
    let produced = 0;
    let overflow = false;
    let failure: unknown;
    const inflater = new Inflate((chunk) => {
      produced += chunk.length;
      if (produced > entry.uncompressedSize || total + produced > limits.maxUncompressedBytes)
        overflow = true;
    });
    const step = 16 * 1024;
    try {
      for (let position = dataStart; position < dataEnd && !overflow; position += step) {
        const end = Math.min(position + step, dataEnd);
        inflater.push(bytes.subarray(position, end), end === dataEnd);
      }
    } catch (cause) {
      failure = cause;
    }
    if (overflow) {
      throw bomb(
        fileName,
        `entry '${entry.name}' inflates beyond the ${entry.uncompressedSize} bytes its header declares`,
        limits,
      );
    }
    if (failure !== undefined) {
      throw notAZip(
        fileName,
        `entry '${entry.name}' cannot be inflated (${failure instanceof Error ? failure.message : String(failure)})`,
      );
    }
    total += produced;
  }
}
