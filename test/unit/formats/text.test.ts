import { describe, expect, it } from 'vitest';
import { SourceRefusedError } from '#packages/formats/reader.ts';
import { decodeText, firstInvalidUtf8Offset } from '#packages/formats/text.ts';
import { caught } from './reader-input.ts';

const TEXT = 'iso3;name\nMDA;Moldova — Chișinău\n';

function utf16(text: string, endian: 'le' | 'be', bom = true): Uint8Array {
  const body = Buffer.from(text, 'utf16le');
  if (endian === 'be') body.swap16();
  const mark = endian === 'le' ? [0xff, 0xfe] : [0xfe, 0xff];
  return new Uint8Array(bom ? [...mark, ...body] : [...body]);
}

describe('decodeText', () => {
  it('reads plain UTF-8 without a BOM', () => {
    // act
    const decoded = decodeText(Buffer.from(TEXT, 'utf8'), 'a.csv');

    // assess
    expect(decoded).toEqual({ text: TEXT, encoding: 'utf-8', bom: false });
  });

  it('strips the UTF-8 byte order mark', () => {
    // prepare
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(TEXT, 'utf8')]);

    // act
    const decoded = decodeText(bytes, 'a.csv');

    // assess
    expect(decoded).toEqual({ text: TEXT, encoding: 'utf-8', bom: true });
    expect(decoded.text.charCodeAt(0)).not.toBe(0xfeff);
  });

  it.each(['le', 'be'] as const)('decodes UTF-16%s marked by its BOM', (endian) => {
    // act
    const decoded = decodeText(utf16(TEXT, endian), 'excel-unicode.txt');

    // assess
    expect(decoded).toEqual({ text: TEXT, encoding: `utf-16${endian}`, bom: true });
  });

  it('decodes UTF-16 without a BOM only when declared', async () => {
    // prepare
    const bytes = utf16(TEXT, 'le', false);

    // act
    const declared = decodeText(bytes, 'a.csv', 'UTF-16LE');
    const undeclared = await caught(() => decodeText(bytes, 'a.csv'));

    // assess
    expect(declared.text).toBe(TEXT);
    expect(undeclared).toBeInstanceOf(SourceRefusedError);
    expect(undeclared.rule).toBe('encoding');
    expect(undeclared.hint).toContain('utf-16le');
  });

  it('diagnoses UTF-16 without a BOM as likely UTF-16 (not bad UTF-8), in either byte order, non-ASCII text included', async () => {
    // prepare: "Chișinău" makes bytes that are not valid UTF-8 either
    const little = utf16(TEXT, 'le', false);
    const big = utf16(TEXT, 'be', false);

    // act
    const refusedLittle = await caught(() => decodeText(little, 'a.csv'));
    const refusedBig = await caught(() => decodeText(big, 'a.csv'));

    // assess
    expect(refusedLittle.message).toMatch(/looks like UTF-16LE without a byte order mark/);
    expect(refusedLittle.hint).toMatch(/--encoding utf-16le/);
    expect(refusedLittle.hint).not.toMatch(/windows-1252/);
    expect(refusedBig.message).toMatch(/looks like UTF-16BE/);
  });

  it('refuses a binary file as what it is: a PNG "not a CSV", a zip "a zip archive, not a CSV"', async () => {
    // prepare
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0]);

    // act
    const image = await caught(() => decodeText(png, 'figures.csv'));
    const archive = await caught(() => decodeText(zip, 'projects.csv'));
    const json = await caught(() => decodeText(zip, 'pilots.json'));

    // assess
    expect(image).toMatchObject({
      rule: 'not-text',
      message: "File 'figures.csv' is a PNG image, not a CSV",
    });
    expect(archive).toMatchObject({
      rule: 'not-text',
      message: "File 'projects.csv' is a zip archive, not a CSV",
    });
    expect(json.message).toBe("File 'pilots.json' is a zip archive, not a JSON file");
  });

  it('refuses Latin-1 bytes without a declared encoding, naming the file and byte offset', async () => {
    // prepare: "Chișinău" is not Latin-1; use a French name with é (0xE9) at a known offset
    const bytes = Buffer.from('name\nCôte\n', 'latin1');

    // act
    const error = await caught(() => decodeText(bytes, 'pilots-2012.csv'));

    // assess
    expect(error).toBeInstanceOf(SourceRefusedError);
    expect(error.rule).toBe('encoding');
    expect(error.message).toContain("'pilots-2012.csv'");
    expect(error.message).toContain('byte offset 6');
    expect(error.message).toContain('0xF4');
    expect(error.hint).toContain('UTF-8');
    expect(error.hint).toContain('--encoding windows-1252');
  });

  it.each(['windows-1252', 'latin1', 'ISO-8859-1', 'cp1252'])(
    'decodes single-byte text declared as %s',
    (label) => {
      // prepare
      const bytes = Buffer.from('name\nCôte d’Ivoire\nSão Tomé\n'.replace('’', "'"), 'latin1');

      // act
      const decoded = decodeText(bytes, 'a.csv', label);

      // assess
      expect(decoded.text).toBe("name\nCôte d'Ivoire\nSão Tomé\n");
    },
  );

  it('decodes the Windows-1252 characters that Latin-1 lacks (€, curly quotes)', () => {
    // prepare
    const bytes = new Uint8Array([0x80, 0x20, 0x93, 0x61, 0x94]);

    // act
    const decoded = decodeText(bytes, 'a.csv', 'windows-1252');

    // assess
    expect(decoded.text).toBe('€ “a”');
  });

  it('refuses an encoding it does not support', async () => {
    // act
    const error = await caught(() => decodeText(Buffer.from('x'), 'a.csv', 'ebcdic'));

    // assess
    expect(error.rule).toBe('encoding');
    expect(error.message).toContain("'ebcdic'");
  });

  it('refuses truncated UTF-16', async () => {
    // prepare
    const bytes = utf16(TEXT, 'le').subarray(0, 9);

    // act
    const error = await caught(() => decodeText(bytes, 'a.csv'));

    // assess
    expect(error.rule).toBe('encoding');
    expect(error.message).toContain('odd number of bytes');
  });
});

describe('firstInvalidUtf8Offset', () => {
  it.each([
    [[0x61, 0x62], 2],
    [[0x61, 0xc3, 0xa9, 0xff], 3],
    [[0x61, 0xc0, 0xaf], 1], // overlong
    [[0xed, 0xa0, 0x80], 0], // surrogate
    [[0x61, 0xe2, 0x82], 1], // truncated
  ])('finds the first invalid sequence in %j at %i', (bytes, offset) => {
    // act
    const found = firstInvalidUtf8Offset(new Uint8Array(bytes));

    // assess
    expect(found).toBe(offset);
  });
});
