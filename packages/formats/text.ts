import { isUtf8 } from 'node:buffer';
import { SourceRefusedError } from './reader.ts';

/**
 * Bytes → text for every text format. UTF-8 (with or without BOM) and BOM-marked UTF-16 are
 * detected; single-byte encodings are used only when declared, because any byte string is
 * "valid" Windows-1252 and guessing would silently turn UTF-8 mistakes into mojibake.
 */

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'latin1';

export interface DecodedText {
  /** The text, without its byte order mark. */
  readonly text: string;
  readonly encoding: TextEncodingName;
  /** True when the bytes started with a byte order mark. */
  readonly bom: boolean;
}

const ENCODING_LABELS: Readonly<Record<string, TextEncodingName>> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'utf-8-sig': 'utf-8',
  'utf-16le': 'utf-16le',
  utf16le: 'utf-16le',
  'utf-16be': 'utf-16be',
  utf16be: 'utf-16be',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  latin1: 'latin1',
  'latin-1': 'latin1',
  'iso-8859-1': 'latin1',
  'iso8859-1': 'latin1',
};

/** The canonical name of a declared encoding, or undefined when it is not supported. */
export function canonicalEncoding(label: string): TextEncodingName | undefined {
  return ENCODING_LABELS[label.trim().toLowerCase().replace(/_/g, '-')];
}

const REENCODE_HINT =
  "Re-save the file as UTF-8 (Excel: 'CSV UTF-8 (Comma delimited)'), or pass --encoding windows-1252 if it was saved by a Windows program in a Western European code page.";

/** File signatures (magic numbers) of what is uploaded by mistake in place of a text export. */
const SIGNATURES: readonly (readonly [readonly number[], string])[] = [
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive'],
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x25, 0x50, 0x44, 0x46, 0x2d], 'a PDF document'],
  [[0x1f, 0x8b], 'a gzip archive'],
  [[0xd0, 0xcf, 0x11, 0xe0], 'an old Office document (.xls, .doc)'],
];

/** What a file is when its first bytes are a known binary signature; undefined otherwise. */
export function binaryKind(bytes: Uint8Array): string | undefined {
  return SIGNATURES.find(([magic]) => magic.every((byte, index) => bytes[index] === byte))?.[1];
}

/**
 * UTF-16 without a byte order mark, told by where the zero bytes fall in the first 4 KB: text
 * that is mostly ASCII has a zero in every other byte (the odd ones in little-endian).
 */
export function likelyUtf16(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const pairs = Math.floor(Math.min(bytes.length, 4096) / 2);
  if (pairs < 2) return undefined;
  let zeroEven = 0;
  let zeroOdd = 0;
  for (let pair = 0; pair < pairs; pair += 1) {
    if (bytes[2 * pair] === 0) zeroEven += 1;
    if (bytes[2 * pair + 1] === 0) zeroOdd += 1;
  }
  if (zeroOdd >= pairs * 0.3 && zeroEven <= pairs * 0.05) return 'utf-16le';
  if (zeroEven >= pairs * 0.3 && zeroOdd <= pairs * 0.05) return 'utf-16be';
  return undefined;
}

/** "a CSV", "a JSON file": what the file's ending promises. */
function promised(fileName: string): string {
  const ending = fileName.toLowerCase().split('.').pop() ?? '';
  if (ending === 'csv' || ending === 'tsv') return `a ${ending.toUpperCase()}`;
  if (ending === 'json' || ending === 'ndjson' || ending === 'jsonl') return 'a JSON file';
  if (ending === 'xml') return 'an XML file';
  return 'a text file';
}

/**
 * Refuse bytes that are not text at all (an image, an archive) or UTF-16 without a BOM, before
 * any decoder sees them: the refusal then names what the file is, not an invalid UTF-8 byte.
 */
function refuseNonText(bytes: Uint8Array, fileName: string): void {
  const kind = binaryKind(bytes);
  if (kind) {
    throw new SourceRefusedError(
      `File '${fileName}' is ${kind}, not ${promised(fileName)}`,
      'not-text',
      kind === 'a zip archive'
        ? 'Unzip it and upload the file inside (an Excel workbook must end in .xlsx)'
        : 'Upload the data export itself (CSV, JSON, XML or XLSX), not a picture or an archive of it',
    );
  }
  const utf16 = likelyUtf16(bytes);
  if (utf16) {
    throw new SourceRefusedError(
      `File '${fileName}' looks like ${utf16.toUpperCase()} without a byte order mark (every other byte is zero)`,
      'encoding',
      `Pass --encoding ${utf16}, or re-save the file as UTF-8.`,
    );
  }
}

/** Decode the bytes of a text file; throws SourceRefusedError (rule `encoding`) rather than guess. */
export function decodeText(bytes: Uint8Array, fileName: string, declaredEncoding?: string): DecodedText {
  const declared = declaredEncoding ? canonicalEncoding(declaredEncoding) : undefined;
  if (declaredEncoding && !declared) {
    throw new SourceRefusedError(
      `File '${fileName}': unsupported encoding '${declaredEncoding}'`,
      'encoding',
      `Supported encodings: ${[...new Set(Object.values(ENCODING_LABELS))].join(', ')}.`,
    );
  }

  // A byte order mark is unambiguous, so it wins over the declaration.
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: decodeUtf8(bytes.subarray(3), fileName, 3), encoding: 'utf-8', bom: true };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { text: decodeUtf16(bytes.subarray(2), fileName, 'le'), encoding: 'utf-16le', bom: true };
  }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { text: decodeUtf16(bytes.subarray(2), fileName, 'be'), encoding: 'utf-16be', bom: true };
  }

  if (!declared) refuseNonText(bytes, fileName);
  switch (declared) {
    case 'utf-16le':
      return { text: decodeUtf16(bytes, fileName, 'le'), encoding: 'utf-16le', bom: false };
    case 'utf-16be':
      return { text: decodeUtf16(bytes, fileName, 'be'), encoding: 'utf-16be', bom: false };
    case 'windows-1252':
      return { text: decodeWindows1252(bytes), encoding: 'windows-1252', bom: false };
    case 'latin1':
      return {
        text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'),
        encoding: 'latin1',
        bom: false,
      };
    default:
      return { text: decodeUtf8(bytes, fileName, 0), encoding: 'utf-8', bom: false };
  }
}

function decodeUtf8(bytes: Uint8Array, fileName: string, offsetBase: number): string {
  if (!isUtf8(bytes)) {
    const offset = firstInvalidUtf8Offset(bytes);
    const badByte = bytes[offset] ?? 0;
    throw new SourceRefusedError(
      `File '${fileName}' is not valid UTF-8: invalid byte 0x${badByte.toString(16).toUpperCase().padStart(2, '0')} at byte offset ${offset + offsetBase} (line ${lineAt(bytes, offset)})`,
      'encoding',
      REENCODE_HINT,
      `byte ${offset + offsetBase}`,
    );
  }
  const text = new TextDecoder('utf-8').decode(bytes);
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    // NUL never occurs in a text export; it means UTF-16 without a BOM or a binary file.
    throw new SourceRefusedError(
      `File '${fileName}' contains a NUL character at character ${nul}: it is UTF-16 without a byte order mark or not a text file`,
      'encoding',
      'Re-save the file as UTF-8, or pass --encoding utf-16le (or utf-16be) if it is UTF-16 without a BOM.',
    );
  }
  return text;
}

/**
 * Windows-1252 differs from Latin-1 in 0x80–0x9F (€, curly quotes, dashes). Decoded by table
 * because Node 20's TextDecoder('windows-1252') returns Latin-1 for those bytes.
 */
const WINDOWS_1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function decodeWindows1252(bytes: Uint8Array): string {
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return latin1.replace(/[\u0080-\u009f]/g, (char) => WINDOWS_1252_HIGH[char.charCodeAt(0) - 0x80] ?? char);
}

function decodeUtf16(bytes: Uint8Array, fileName: string, endian: 'le' | 'be'): string {
  if (bytes.length % 2 !== 0) {
    throw new SourceRefusedError(
      `File '${fileName}' is UTF-16${endian.toUpperCase()} but has an odd number of bytes (${bytes.length}): it is truncated`,
      'encoding',
      'Export the file again; a UTF-16 file always has an even number of bytes.',
    );
  }
  const littleEndian = endian === 'le' ? bytes : swapBytePairs(bytes);
  try {
    return new TextDecoder('utf-16le', { fatal: true }).decode(littleEndian);
  } catch (cause) {
    throw new SourceRefusedError(
      `File '${fileName}' is not valid UTF-16${endian.toUpperCase()} (unpaired surrogate)`,
      'encoding',
      REENCODE_HINT,
      undefined,
      { cause },
    );
  }
}

function swapBytePairs(bytes: Uint8Array): Uint8Array {
  const swapped = new Uint8Array(bytes.length);
  for (let index = 0; index + 1 < bytes.length; index += 2) {
    swapped[index] = bytes[index + 1] ?? 0;
    swapped[index + 1] = bytes[index] ?? 0;
  }
  return swapped;
}

function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let index = 0; index < offset; index += 1) if (bytes[index] === 0x0a) line += 1;
  return line;
}

/** Byte offset of the first byte that does not start or continue a well-formed UTF-8 sequence. */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index] ?? 0;
    if (lead < 0x80) {
      index += 1;
      continue;
    }
    let length: number;
    let min: number;
    let max = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2;
      min = 0x80;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      min = lead === 0xe0 ? 0xa0 : 0x80; // no overlongs
      if (lead === 0xed) max = 0x9f; // no surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      min = lead === 0xf0 ? 0x90 : 0x80;
      if (lead === 0xf4) max = 0x8f; // ≤ U+10FFFF
    } else {
      return index;
    }
    for (let k = 1; k < length; k += 1) {
      const next = bytes[index + k];
      if (next === undefined) return index;
      const low = k === 1 ? min : 0x80;
      const high = k === 1 ? max : 0xbf;
      if (next < low || next > high) return index;
    }
    index += length;
  }
  return bytes.length;
}
