import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateCommand } from '#packages/cli/commands/validate.ts';
import type { Output } from '#packages/cli/output.ts';
import { MAX_SOURCE_BYTES } from '#packages/formats/index.ts';

/** `hld validate` for every failure class: the documented exit code and a reason a person can act on. */

const PROJECTS = new URL('../../../data-contracts/samples/stocktaking/jmdi-projects.csv', import.meta.url);
const LESSON_HEADER =
  'lesson_id,question,statement_en,theme,evidence_type,evidence_strength,good_practice,iso3,source_doc_id,source_locator,extraction_method,confidence';
const lesson = (id: string, theme = 'remittances', iso3 = 'MDA') =>
  `${id},what_works,Works well,${theme},self_assessment,strong,true,${iso3},DOC-x1,p.1,manual,high`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hld-validate-unit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function validate(name: string, bytes: Uint8Array | string, args: Record<string, string> = {}) {
  const path = join(dir, name);
  await writeFile(path, bytes);
  let result: Record<string, any> = {};
  const output: Output = {
    json: true,
    info: () => {},
    result: (value) => (result = value as Record<string, any>),
  };
  const code = await validateCommand(output, { file: path, kind: 'stocktaking', ...args });
  return { code, result };
}

describe('hld validate', () => {
  it('exits 0 for a valid file', async () => {
    const { code, result } = await validate('projects.csv', await readFile(PROJECTS));
    expect(code).toBe(0);
    expect(result.rowsAccepted).toBe(55);
  });

  it('says "1 row valid" of a one-row file, as a person reads it', async () => {
    const path = join(dir, 'one-lesson.csv');
    await writeFile(path, [LESSON_HEADER, lesson('LES-1')].join('\n'));
    let text = '';
    const output: Output = { json: false, info: () => {}, result: (_value, human) => (text = human()) };

    const code = await validateCommand(output, { file: path, kind: 'stocktaking' });

    expect(code).toBe(0);
    expect(text).toMatch(/\(stocktaking, csv\): 1 row valid, 0 would be quarantined$/);
  });

  it('prints a problem of one survey answer cell once, however many choice rows it holds back', async () => {
    const path = join(dir, 'kobo-problems.csv');
    await writeFile(
      path,
      await readFile(new URL('../../fixtures/formats/kobo/kobo-problems.csv', import.meta.url)),
    );
    let text = '';
    const output: Output = { json: false, info: () => {}, result: (_value, human) => (text = human()) };

    const code = await validateCommand(output, { file: path, kind: 'survey' });

    const lines = text.split('\n');
    const selectMultiple = lines.filter((line) => line.includes('[select-multiple-consistency]'));
    expect(code).toBe(1);
    expect(selectMultiple).toHaveLength(1);
    expect(selectMultiple[0]).toMatch(/line 3 column support_requested.*\(2 rows\)$/);
    expect(new Set(lines).size).toBe(lines.length);
  });

  it('exits 1 and names row, field, rule and value for a row that breaks a vocabulary', async () => {
    const { code, result } = await validate(
      'lessons.csv',
      [LESSON_HEADER, lesson('LES-1'), lesson('LES-2', 'tourism')].join('\n'),
    );
    expect(code).toBe(1);
    expect(result.problems).toContainEqual(
      expect.objectContaining({ locator: 'line 3', field: 'theme', rule: 'invalid_value', value: 'tourism' }),
    );
  });

  it('exits 1 for a duplicate key and points at the first occurrence', async () => {
    const { code, result } = await validate(
      'dupes.csv',
      [LESSON_HEADER, lesson('LES-1'), lesson('LES-1')].join('\n'),
    );
    expect(code).toBe(1);
    expect(result.problems[0]).toMatchObject({ rule: 'duplicate-key', locator: 'line 3' });
    expect(result.problems[0].message).toContain('line 2');
  });

  it('exits 1 for an unknown country code', async () => {
    const { code, result } = await validate(
      'country.csv',
      [LESSON_HEADER, lesson('LES-1', 'rights', 'XYZ')].join('\n'),
    );
    expect(code).toBe(1);
    expect(result.problems[0]).toMatchObject({ field: 'iso3', rule: 'foreign-key', value: 'XYZ' });
  });

  it('says of Kosovo (XKX) that it has no ISO 3166-1 code, rather than asking for one', async () => {
    const { code, result } = await validate(
      'kosovo.csv',
      [LESSON_HEADER, lesson('LES-1', 'rights', 'XKX')].join('\n'),
    );

    expect(code).toBe(1);
    expect(result.problems[0]).toMatchObject({ field: 'iso3', rule: 'foreign-key', value: 'XKX' });
    expect(result.problems[0].message).toContain('not an ISO 3166-1 country');
    expect(result.problems[0].hint).not.toMatch(/Use an ISO 3166-1 alpha-3 code/);
  });

  it('reads semicolon-separated UTF-16LE with a BOM', async () => {
    const text = [LESSON_HEADER, lesson('LES-1')].join('\r\n').replaceAll(',', ';');
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const { code, result } = await validate('utf16.csv', bytes);
    expect(code).toBe(0);
    expect(result.rowsAccepted).toBe(1);
  });

  it('exits 2 for Latin-1 bytes without --encoding, and reads them with it', async () => {
    const bytes = Buffer.from(
      [LESSON_HEADER, lesson('LES-1').replace('Works well', 'Caf\u00e9 works')].join('\n'),
      'latin1',
    );
    const refused = await validate('latin1.csv', bytes);
    const declared = await validate('latin1.csv', bytes, { encoding: 'windows-1252' });
    expect(refused.code).toBe(2);
    expect(refused.result).toMatchObject({ status: 'refused', rule: 'encoding' });
    expect(refused.result.hint).toMatch(/encoding/);
    expect(declared.code).toBe(0);
  });

  it('exits 2 naming the missing required columns', async () => {
    const { code, result } = await validate('columns.csv', 'lesson_id,statement\nLES-1,hello\n');
    expect(code).toBe(2);
    expect(result.rule).toBe('unknown-columns');
    expect(result.message).toContain('question');
  });

  it('exits 2 for XML with a DOCTYPE (entity expansion is never attempted)', async () => {
    const { code, result } = await validate(
      'bomb.xml',
      '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><iati-activities>&b;</iati-activities>',
    );
    expect(code).toBe(2);
    expect(result.rule).toBe('xml-doctype');
  });

  it('exits 2 for malformed XML and says where', async () => {
    const { code, result } = await validate(
      'broken.xml',
      '<iati-activities version="2.03">\n  <iati-activity>\n</iati-activities>\n',
    );
    expect(code).toBe(2);
    expect(result.rule).toBe('malformed');
    expect(`${result.message} ${result.locator ?? ''}`).toMatch(/line 3/);
  });

  it('exits 2 for malformed JSON', async () => {
    const { code, result } = await validate(
      'broken.json',
      '{"jmdi_project": [ {"project_id": "JMDI1-A",, } ]}',
    );
    expect(code).toBe(2);
    expect(result.rule).toBe('malformed');
  });

  it('checks a contract CSV larger than the in-memory reader limit as a stream, and refuses other large files', async () => {
    const statement = `Works well: ${'a municipality, its diaspora and the employment office. '.repeat(17)}`;
    const rows = [LESSON_HEADER];
    for (let index = 0; index < 52_000; index += 1) {
      rows.push(
        lesson(`LES-${index}`, index === 51_000 ? 'tourism' : 'remittances').replace(
          'Works well',
          `"${statement}"`,
        ),
      );
    }
    const big = Buffer.from(rows.join('\n'));
    expect(big.byteLength).toBeGreaterThan(MAX_SOURCE_BYTES);

    const { code, result } = await validate('lessons-big.csv', big);
    expect(code).toBe(1);
    expect(result).toMatchObject({
      format: 'csv',
      rowsRead: 52_000,
      rowsAccepted: 51_999,
      rowsQuarantined: 1,
    });
    expect(result.problems).toEqual([
      expect.objectContaining({
        locator: 'line 51002',
        field: 'theme',
        rule: 'invalid_value',
        value: 'tourism',
      }),
    ]);

    const json = await validate('lessons-big.json', Buffer.concat([Buffer.from('['), big, Buffer.from(']')]));
    expect(json.code).toBe(2);
    expect(json.result.rule).toBe('too-large');
  });

  it('exits 2 for a zip archive or an image named .csv, saying what it is', async () => {
    const zipped = zipSync({ 'projects.csv': new Uint8Array(await readFile(PROJECTS)) });
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48]);

    const archive = await validate('zipped-projects.csv', zipped);
    const image = await validate('chart.csv', png);

    expect(archive.code).toBe(2);
    expect(archive.result).toMatchObject({ rule: 'not-text' });
    expect(archive.result.message).toContain('is a zip archive, not a CSV');
    expect(image.code).toBe(2);
    expect(image.result.message).toContain('is a PNG image, not a CSV');
  });

  it('exits 2 for an XLSX zip bomb before inflating it', async () => {
    const bomb = zipSync({ 'xl/worksheets/sheet1.xml': new Uint8Array(30 * 1024 * 1024) }, { level: 9 });
    const { code, result } = await validate('bomb.xlsx', bomb);
    expect(code).toBe(2);
    expect(result.rule).toBe('zip-bomb');
  });
});
