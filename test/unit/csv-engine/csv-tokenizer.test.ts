import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvTokenizer, cellText } from '#packages/csv-engine/csv-tokenizer.ts';
import { FastPathIneligibleError } from '#packages/csv-engine/errors.ts';
import { iterateCsvRecords } from '#packages/formats/csv.ts';

interface Tokenized {
  readonly line: number;
  readonly record: string[];
}

/** Tokenize `bytes` fed in chunks cut at `cuts` (byte offsets). */
function tokenize(bytes: Uint8Array, cuts: readonly number[], delimiter = ','): Tokenized[] {
  const tokenizer = new CsvTokenizer(delimiter.charCodeAt(0));
  const out: Tokenized[] = [];
  const bounds = [...new Set([0, ...cuts.filter((cut) => cut > 0 && cut < bytes.length), bytes.length])].sort(
    (a, b) => a - b,
  );
  for (let index = 1; index < bounds.length || index === 1; index += 1) {
    const chunk = bytes.subarray(bounds[index - 1] ?? 0, bounds[index] ?? bytes.length);
    const final = index >= bounds.length - 1;
    const block = tokenizer.push(chunk, final);
    for (let record = 0; record < block.records; record += 1) {
      const cells: string[] = [];
      for (let cell = block.recordCells[record]!; cell < block.recordCells[record + 1]!; cell += 1) {
        cells.push(
          cellText(
            Buffer.from(block.bytes.buffer, block.bytes.byteOffset, block.bytes.byteLength),
            block.cellStart[cell]!,
            block.cellEnd[cell]!,
          ),
        );
      }
      out.push({ line: block.recordLine[record]!, record: cells });
    }
    if (final) break;
  }
  return out;
}

function reference(text: string, delimiter = ','): Tokenized[] | 'refused' {
  try {
    return [...iterateCsvRecords(text, { delimiter: delimiter as ',' })].map(({ line, record }) => ({
      line,
      record,
    }));
  } catch {
    return 'refused';
  }
}

const csvText = fc
  .array(fc.constantFrom('a', 'b', 'é', '😀', ',', '"', '""', '\r', '\n', '\r\n', ' ', 'NA', ';'), {
    maxLength: 60,
  })
  .map((parts) => parts.join(''));

describe('CsvTokenizer', () => {
  it('splits quoted fields with embedded CRLF and doubled quotes, counting physical lines', () => {
    const text = 'id,note\r\n1,"two\r\nlines"\r\n\r\n2,"say ""hi"""\n3,plain\n';
    const records = tokenize(Buffer.from(text), []);
    expect(records).toEqual([
      { line: 1, record: ['id', 'note'] },
      { line: 2, record: ['1', 'two\r\nlines'] },
      { line: 5, record: ['2', 'say "hi"'] },
      { line: 6, record: ['3', 'plain'] },
    ]);
  });

  it('gives the same records whatever the chunk boundaries (inside quotes, CRLF, multi-byte characters)', () => {
    const text = 'a,b\r\n"x\r\ny","😀é"\r\n"q""",z\rlast,"é"';
    const bytes = Buffer.from(text);
    const whole = tokenize(bytes, []);
    for (let cut = 1; cut < bytes.length; cut += 1) {
      expect(tokenize(bytes, [cut])).toEqual(whole);
    }
    expect(
      tokenize(
        bytes,
        Array.from({ length: bytes.length }, (_, index) => index),
      ),
    ).toEqual(whole);
  });

  it('matches the reference reader on random text, or declines it', () => {
    let compared = 0;
    fc.assert(
      fc.property(csvText, fc.array(fc.nat(200), { maxLength: 6 }), (text, cuts) => {
        const expected = reference(text);
        let actual: Tokenized[];
        try {
          actual = tokenize(Buffer.from(text), cuts);
        } catch (error) {
          expect(error).toBeInstanceOf(FastPathIneligibleError);
          return;
        }
        compared += 1;
        expect(actual).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
    expect(compared).toBeGreaterThan(1000);
  });

  it('declines a quote that is never closed and text after a closing quote', () => {
    expect(() => tokenize(Buffer.from('a,"b\n'), [])).toThrow(FastPathIneligibleError);
    expect(() => tokenize(Buffer.from('a,"b"c\n'), [])).toThrow(FastPathIneligibleError);
  });

  it('declines bytes that are not UTF-8', () => {
    expect(() => tokenize(Uint8Array.from([0x61, 0x2c, 0xff, 0x0a]), [])).toThrow(FastPathIneligibleError);
  });
});
