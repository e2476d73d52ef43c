/**
 * Byte-level helpers over UTF-8 cells that give exactly what the reference path computes on
 * JavaScript strings: `String.prototype.trim`, `.length` (UTF-16 code units) and decoding.
 * The input is known to be valid UTF-8 (checked with `buffer.isUtf8` before any cell is read).
 */

/** ASCII whitespace `String.prototype.trim` removes: TAB, LF, VT, FF, CR, SPACE. */
function isAsciiSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}

/**
 * Byte length of the non-ASCII whitespace character (ECMAScript WhiteSpace or LineTerminator)
 * starting at `index`, or 0: U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F,
 * U+3000, U+FEFF.
 */
function wideSpaceAt(bytes: Uint8Array, index: number, end: number): number {
  const lead = bytes[index]!;
  if (lead === 0xc2) return index + 1 < end && bytes[index + 1] === 0xa0 ? 2 : 0;
  if (index + 2 >= end) return 0;
  const b1 = bytes[index + 1]!;
  const b2 = bytes[index + 2]!;
  if (lead === 0xe1) return b1 === 0x9a && b2 === 0x80 ? 3 : 0;
  if (lead === 0xe2) {
    if (b1 === 0x80) return b2 <= 0x8a || b2 === 0xa8 || b2 === 0xa9 || b2 === 0xaf ? 3 : 0;
    return b1 === 0x81 && b2 === 0x9f ? 3 : 0;
  }
  if (lead === 0xe3) return b1 === 0x80 && b2 === 0x80 ? 3 : 0;
  if (lead === 0xef) return b1 === 0xbb && b2 === 0xbf ? 3 : 0;
  return 0;
}

/** First byte of `[start, end)` after leading whitespace, as `trim()` would cut it. */
export function trimStart(bytes: Uint8Array, start: number, end: number): number {
  let index = start;
  while (index < end) {
    const byte = bytes[index]!;
    if (isAsciiSpace(byte)) index += 1;
    else if (byte >= 0xc2) {
      const width = wideSpaceAt(bytes, index, end);
      if (width === 0) break;
      index += width;
    } else break;
  }
  return index;
}

/** End of `[start, end)` before trailing whitespace, as `trim()` would cut it. */
export function trimEnd(bytes: Uint8Array, start: number, end: number): number {
  let index = end;
  while (index > start) {
    const byte = bytes[index - 1]!;
    if (isAsciiSpace(byte)) {
      index -= 1;
      continue;
    }
    if (byte < 0x80) break;
    // A multi-byte space is 2 (C2 A0) or 3 bytes; its lead is never a continuation byte.
    if (index - 2 >= start && bytes[index - 2] === 0xc2 && byte === 0xa0) {
      index -= 2;
      continue;
    }
    if (index - 3 >= start && wideSpaceAt(bytes, index - 3, index) === 3) {
      index -= 3;
      continue;
    }
    break;
  }
  return index;
}

/** `.length` of the decoded string: UTF-16 code units of the UTF-8 bytes. */
export function utf16Length(bytes: Uint8Array, start: number, end: number): number {
  let length = 0;
  for (let index = start; index < end; index += 1) {
    const byte = bytes[index]!;
    if ((byte & 0xc0) !== 0x80) length += byte >= 0xf0 ? 2 : 1;
  }
  return length;
}

/** True when every byte of `[start, end)` is ASCII. */
export function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let index = start; index < end; index += 1) if (bytes[index]! >= 0x80) return false;
  return true;
}

/** Bytes `[start, end)` equal the ASCII text `word`, ignoring ASCII letter case. */
export function equalsAsciiIgnoreCase(bytes: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let index = 0; index < word.length; index += 1) {
    let byte = bytes[start + index]!;
    if (byte >= 0x41 && byte <= 0x5a) byte |= 0x20;
    if (byte !== word.charCodeAt(index)) return false;
  }
  return true;
}

/** A Buffer view of the bytes, for `toString(encoding, start, end)` without copying. */
export function bufferView(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A DataView of the bytes, starting at their first byte. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
