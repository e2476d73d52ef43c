import { isUtf8 } from 'node:buffer';
import { ineligible } from './errors.ts';
import { bufferView } from './text-bytes.ts';

/**
 * Byte-level RFC 4180 tokenizer with the reference reader's conventions (csv-parse with
 * `relax_quotes`, `skip_empty_lines` and CR, LF or CRLF record delimiters): a field that starts
 * with `"` is quoted and `""` inside it is one quote; a quote inside an unquoted field is kept
 * as text; empty lines are skipped; every record carries the physical line it starts on,
 * counting line breaks inside quoted fields too, as `line N` locators do.
 *
 * Records may be split anywhere across chunks (inside a quoted field, between CR and LF, inside a
 * multi-byte character): the incomplete record is carried over and scanned again with the next
 * chunk. Anything the reference reads differently or refuses (a quote left open at the end, text
 * after a closing quote, invalid UTF-8, NUL) throws FastPathIneligibleError.
 */

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

const PLAIN = 0;
const DELIMITER = 1;
const CARRIAGE_RETURN = 2;
const LINE_FEED = 3;
const QUOTE_CLASS = 4;

/** The complete records of one chunk (plus the carried-over start of the first). */
export interface RecordBlock {
  /** Bytes the cells point into. Valid until the next `push`. */
  readonly bytes: Uint8Array;
  readonly records: number;
  /**
   * Cell `c` spans `[cellStart[c], cellEnd[c])` of `bytes`, without its enclosing quotes. A cell
   * whose text holds doubled quotes has a negative end, `-end`: read it with `cellText`, which
   * turns `""` into `"` (the bytes themselves are never modified).
   */
  readonly cellStart: Int32Array;
  readonly cellEnd: Int32Array;
  /** Record `r` has cells `recordCells[r]` … `recordCells[r + 1] - 1`. */
  readonly recordCells: Int32Array;
  /** Physical line (1-based) on which record `r` starts. */
  readonly recordLine: Int32Array;
}

function grow(array: Int32Array<ArrayBuffer>, needed: number): Int32Array<ArrayBuffer> {
  if (needed <= array.length) return array;
  const grown = new Int32Array(Math.max(needed, array.length * 2));
  grown.set(array);
  return grown;
}

export class CsvTokenizer {
  private readonly classes = new Uint8Array(256);
  private readonly delimiter: number;
  private tail: Uint8Array | undefined;
  private line = 1;
  /** The last chunk ended with a CR record delimiter: an LF starting the next one belongs to it. */
  private pendingCR = false;
  private cellStart = new Int32Array(1024);
  private cellEnd = new Int32Array(1024);
  private recordCells = new Int32Array(256);
  private recordLine = new Int32Array(256);
  /** Offset in the input of `data[0]` of the next push (bytes consumed so far). */
  private base = 0;
  /** Input offset at which the tokenizer stops: no record starting there or later is read. */
  private stopAt = Number.POSITIVE_INFINITY;
  /** Input offset of the first record at or after `stopAt`, once reached (-1 before). */
  private stopped = -1;

  constructor(delimiter: number) {
    this.delimiter = delimiter;
    this.classes[delimiter] = DELIMITER;
    this.classes[CR] = CARRIAGE_RETURN;
    this.classes[LF] = LINE_FEED;
    this.classes[QUOTE] = QUOTE_CLASS;
  }

  /**
   * Read on from input offset `base` as the start of a record on physical line `line`, and stop
   * before the first record that starts at input offset `stopAt` or later (a segment of a file
   * split for worker threads, csv-segments.ts). Called between pushes, with no tail carried over.
   */
  beginSegment(base: number, line: number, stopAt = Number.POSITIVE_INFINITY): void {
    if (this.tail && this.tail.length > 0)
      throw new Error('CsvTokenizer: beginSegment with a record carried over');
    this.base = base;
    this.line = line;
    this.pendingCR = false;
    this.stopAt = stopAt;
    this.stopped = -1;
  }

  /**
   * Input offset of the first record starting at or after the `stopAt` of `beginSegment` (after
   * the empty lines before it), or -1 while not reached.
   */
  get stoppedAt(): number {
    return this.stopped;
  }

  /** Tokenize every record completed by `chunk`; with `final`, the end of input ends the last one. */
  push(chunk: Uint8Array, final: boolean): RecordBlock {
    if (this.stopped >= 0) chunk = new Uint8Array(0);
    const data = this.join(chunk);
    const n = data.length;
    const classes = this.classes;
    const delimiter = this.delimiter;
    let cellStart = this.cellStart;
    let cellEnd = this.cellEnd;
    let recordCells = this.recordCells;
    let recordLine = this.recordLine;
    let records = 0;
    let cells = 0;
    let line = this.line;
    let pos = 0;
    if (this.pendingCR && n > 0) {
      if (data[0] === LF) pos = 1;
      this.pendingCR = false;
    }
    let consumed = pos;
    // Next quote, LF and CR at or after `pos` (n when none), found with Buffer#indexOf (memchr).
    const search = bufferView(data);
    const find = (byte: number, from: number) => {
      const at = search.indexOf(byte, from);
      return at < 0 ? n : at;
    };
    let nextQuote = -1;
    let nextLf = -1;
    let nextCr = -1;
    // The bytes as aligned 32-bit words, to test four bytes for the delimiter at once.
    const wordBase = data.byteOffset & 3;
    const words = new Uint32Array(data.buffer, data.byteOffset - wordBase, (data.byteLength + wordBase) >> 2);
    const delimiterWord = Math.imul(delimiter, 0x01010101) >>> 0;

    scan: for (;;) {
      // Empty lines between records (skip_empty_lines).
      while (pos < n) {
        const byte = data[pos]!;
        if (byte === LF) {
          pos += 1;
          line += 1;
        } else if (byte === CR) {
          if (pos + 1 < n) pos += data[pos + 1] === LF ? 2 : 1;
          else {
            pos += 1;
            if (!final) this.pendingCR = true;
          }
          line += 1;
        } else break;
      }
      consumed = pos;
      if (pos >= n) break;
      if (this.base + pos >= this.stopAt) {
        this.stopped = this.base + pos;
        break;
      }

      const recordStart = pos;
      const startLine = line;
      const firstCell = cells;

      // Fast path: a whole line with no quote and no CR but the one of a CRLF ending it.
      if (nextLf < pos) nextLf = find(LF, pos);
      if (nextLf < n) {
        if (nextQuote < pos) nextQuote = find(QUOTE, pos);
        if (nextCr < pos) nextCr = find(CR, pos);
        if (nextQuote > nextLf && nextCr >= nextLf - 1) {
          const end = nextCr === nextLf - 1 ? nextCr : nextLf;
          // At most one cell per byte, plus one.
          if (cells + end - pos + 1 > cellStart.length) {
            cellStart = grow(cellStart, cells + end - pos + 1);
            cellEnd = grow(cellEnd, cells + end - pos + 1);
          }
          cells = splitLine(
            data,
            words,
            wordBase,
            pos,
            end,
            delimiter,
            delimiterWord,
            cellStart,
            cellEnd,
            cells,
          );
          if (records + 1 >= recordCells.length) {
            recordCells = grow(recordCells, records + 2);
            recordLine = grow(recordLine, records + 2);
          }
          recordCells[records] = firstCell;
          recordLine[records] = startLine;
          records += 1;
          line += 1;
          pos = nextLf + 1;
          consumed = pos;
          continue;
        }
      }
      for (;;) {
        let start: number;
        let end: number;
        if (data[pos] === QUOTE) {
          pos += 1;
          start = pos;
          let escaped = false;
          for (;;) {
            while (pos < n && classes[data[pos]!]! <= DELIMITER) pos += 1;
            if (pos >= n) {
              if (final) ineligible('quote', `a quoted field opened on line ${startLine} is never closed`);
              break;
            }
            const byte = data[pos]!;
            if (byte === QUOTE) {
              if (pos + 1 < n && data[pos + 1] === QUOTE) {
                escaped = true;
                pos += 2;
                continue;
              }
              if (pos + 1 >= n && !final) {
                pos = n; // cannot tell `"` from `""` yet
                break;
              }
              break;
            }
            if (byte === CR && pos + 1 < n && data[pos + 1] === LF) pos += 1;
            pos += 1;
            line += 1;
          }
          if (pos >= n) {
            // Incomplete record: carry it over.
            cells = firstCell;
            line = startLine;
            pos = recordStart;
            break scan;
          }
          end = pos;
          pos += 1;
          if (pos < n) {
            const next = classes[data[pos]!]!;
            if (next === PLAIN || next === QUOTE_CLASS) {
              ineligible('quote', `text follows a closing quote on line ${line}`);
            }
          }
          // A cell with `""` keeps its raw span, marked by a negative end (see `cellText`).
          if (escaped) end = -end;
        } else {
          start = pos;
          while (pos < n) {
            const kind = classes[data[pos]!]!;
            if (kind === PLAIN || kind === QUOTE_CLASS) pos += 1;
            else break;
          }
          end = pos;
        }
        if (pos >= n && !final) {
          cells = firstCell;
          line = startLine;
          pos = recordStart;
          break scan;
        }
        if (cells >= cellStart.length) {
          cellStart = grow(cellStart, cells + 1);
          cellEnd = grow(cellEnd, cells + 1);
        }
        cellStart[cells] = start;
        cellEnd[cells] = end;
        cells += 1;
        if (pos < n) {
          const byte = data[pos]!;
          if (byte === delimiter) {
            pos += 1;
            continue;
          }
          if (byte === LF) pos += 1;
          else if (pos + 1 < n) pos += data[pos + 1] === LF ? 2 : 1;
          else {
            pos += 1;
            if (!final) this.pendingCR = true;
          }
          line += 1;
        }
        if (records + 1 >= recordCells.length) {
          recordCells = grow(recordCells, records + 2);
          recordLine = grow(recordLine, records + 2);
        }
        recordCells[records] = firstCell;
        recordLine[records] = startLine;
        records += 1;
        consumed = pos;
        break;
      }
    }
    recordCells[records] = cells;

    const complete = data.subarray(0, consumed);
    // Checked here, on whole records: a multi-byte character split across chunks is complete.
    if (!isUtf8(complete)) ineligible('encoding', 'the file is not valid UTF-8');
    if (search.indexOf(0) >= 0 && search.subarray(0, consumed).indexOf(0) >= 0) {
      ineligible('encoding', 'the file contains a NUL byte');
    }
    this.tail = consumed < n && this.stopped < 0 ? data.subarray(consumed) : undefined;
    this.base += consumed;
    this.line = line;
    this.cellStart = cellStart;
    this.cellEnd = cellEnd;
    this.recordCells = recordCells;
    this.recordLine = recordLine;
    return { bytes: data, records, cellStart, cellEnd, recordCells, recordLine };
  }

  /**
   * Take the incomplete record carried over to the next chunk (a view into the last chunk): the
   * caller puts it in front of the next chunk itself, saving the copy of that chunk.
   */
  takeTail(): Uint8Array | undefined {
    const tail = this.tail;
    this.tail = undefined;
    return tail;
  }

  /** The carried-over tail followed by the chunk; a view, not a copy, when they are adjacent. */
  private join(chunk: Uint8Array): Uint8Array {
    const tail = this.tail;
    if (!tail || tail.length === 0) return chunk;
    if (tail.buffer === chunk.buffer && tail.byteOffset + tail.byteLength === chunk.byteOffset) {
      return new Uint8Array(tail.buffer, tail.byteOffset, tail.byteLength + chunk.byteLength);
    }
    const joined = new Uint8Array(tail.length + chunk.length);
    joined.set(tail);
    joined.set(chunk, tail.length);
    return joined;
  }
}

/**
 * Split the quote-free line `[start, end)` at the delimiter into cells (appended from `cells`);
 * returns the new cell count. Four bytes at a time: a word has a delimiter byte exactly when
 * its XOR with the repeated delimiter has a zero byte (the exact, borrow-free test).
 */
function splitLine(
  data: Uint8Array,
  words: Uint32Array,
  wordBase: number,
  start: number,
  end: number,
  delimiter: number,
  delimiterWord: number,
  cellStart: Int32Array,
  cellEnd: Int32Array,
  cells: number,
): number {
  let from = start;
  let at = start;
  // Bytes up to the first word boundary.
  while (at < end && ((at + wordBase) & 3) !== 0) {
    if (data[at] === delimiter) {
      cellStart[cells] = from;
      cellEnd[cells] = at;
      cells += 1;
      from = at + 1;
    }
    at += 1;
  }
  while (at + 4 <= end) {
    const x = words[(at + wordBase) >> 2]! ^ delimiterWord;
    let zeros = ~(((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x | 0x7f7f7f7f);
    while (zeros !== 0) {
      const lowest = zeros & -zeros;
      const position = at + ((31 - Math.clz32(lowest)) >> 3);
      cellStart[cells] = from;
      cellEnd[cells] = position;
      cells += 1;
      from = position + 1;
      zeros ^= lowest;
    }
    at += 4;
  }
  while (at < end) {
    if (data[at] === delimiter) {
      cellStart[cells] = from;
      cellEnd[cells] = at;
      cells += 1;
      from = at + 1;
    }
    at += 1;
  }
  cellStart[cells] = from;
  cellEnd[cells] = end;
  return cells + 1;
}

/** The text of a cell (`end` negative for a cell with doubled quotes). */
export function cellText(buffer: Buffer, start: number, end: number): string {
  return end >= 0
    ? buffer.toString('utf8', start, end)
    : buffer.toString('utf8', start, -end).replaceAll('""', '"');
}
