import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ByteRanges, readArrowColumns } from '#packages/arrow/column-ranges.ts';
import { readArrowTable, tableRows } from '#packages/arrow/read.ts';
import { ArrowTableWriter } from '#packages/arrow/table-writer.ts';
import type { ColumnSpec } from '#packages/contracts/columns.ts';
import { generateCuratedSet } from '../../../bench/curated-set.ts';
import { testSeed } from '../../support/seed.ts';

/**
 * Assemble reads only the columns the briefing needs from each large curated file, by range
 * (the footer, each batch's metadata, then the wanted buffers): the rows it sees must be the
 * rows of those columns as the whole file gives them.
 */

/** The file as ranges, counting the bytes fetched; with `readInto` or without (read, then copied). */
function rangesOf(file: Uint8Array, into = true): ByteRanges & { fetched: number } {
  const ranges = {
    size: file.byteLength,
    fetched: 0,
    async read(position: number, length: number) {
      ranges.fetched += length;
      return file.slice(position, position + length);
    },
  };
  if (!into) return ranges;
  return Object.assign(ranges, {
    async readInto(position: number, target: Uint8Array) {
      ranges.fetched += target.byteLength;
      target.set(file.subarray(position, position + target.byteLength));
    },
  });
}

/** Rows of only `columns`, from the whole file: what a range read must give. */
function wholeRows(file: Uint8Array, columns: ReadonlySet<string>): Record<string, unknown>[] {
  const table = readArrowTable(file);
  return tableRows(
    table.select(table.schema.fields.map((field) => field.name).filter((name) => columns.has(name))),
  );
}

const SPECS: ColumnSpec[] = [
  { name: 'id', type: { kind: 'utf8' }, required: true },
  {
    name: 'country',
    type: { kind: 'dictionary', vocabulary: 'iso3', values: ['MDA', 'PHL', 'ÉCU'] },
    required: false,
  },
  { name: 'count', type: { kind: 'int32' }, required: false },
  { name: 'value', type: { kind: 'float64' }, required: false },
  { name: 'flag', type: { kind: 'bool' }, required: false },
  { name: 'day', type: { kind: 'date' }, required: false },
  { name: 'at', type: { kind: 'timestamp' }, required: false },
  { name: 'tags', type: { kind: 'list-utf8' }, required: false },
  { name: 'note', type: { kind: 'utf8' }, required: false },
];

const row = fc.record(
  {
    id: fc.string({ maxLength: 12 }),
    country: fc.constantFrom('MDA', 'PHL', 'ÉCU'),
    count: fc.integer({ min: -1000, max: 1000 }),
    value: fc.double({ noNaN: true, noDefaultInfinity: true }),
    flag: fc.boolean(),
    day: fc.constantFrom('2013-10-03', '2024-02-29'),
    at: fc.constantFrom('2013-10-03T10:00:00.000Z', '2026-12-03T19:00:00.000Z'),
    tags: fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
    note: fc.string({ maxLength: 300 }),
  },
  { requiredKeys: ['id'] },
);

describe('readArrowColumns', () => {
  it('gives the wanted columns exactly as the whole file does, for any rows, batch size and columns', async () => {
    const seed = testSeed('arrow columns by range');
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 80 }),
        fc.integer({ min: 1, max: 20 }),
        fc.subarray(SPECS.map((spec) => spec.name)),
        fc.boolean(),
        async (rows, batchSize, names, into) => {
          const writer = new ArrowTableWriter(SPECS, { batchSize, metadata: { 'hld:contract': 'test@1' } });
          for (const entry of rows) writer.append(entry);
          const file = await writer.finish();
          const columns = new Set(names);

          const table = await readArrowColumns(rangesOf(file, into), columns);

          expect(table).toBeDefined();
          expect(table?.schema.fields.map((field) => field.name)).toEqual(
            SPECS.map((spec) => spec.name).filter((name) => columns.has(name)),
          );
          expect(table?.schema.metadata.get('hld:contract')).toBe('test@1');
          expect(table?.numRows).toBe(rows.length);
          expect(tableRows(table!)).toEqual(wholeRows(file, columns));
        },
      ),
      { seed, numRuns: 60 },
    );
  }, 60_000);

  it('reads a fraction of a generated curated table when a few of its columns are wanted', async () => {
    const files = await generateCuratedSet({ countries: 20, projects: 500, lessons: 50, respondents: 2_000 });
    const responses = files.find((file) => file.table === 'survey_response')!;
    const columns = new Set(['respondent_id', 'question_name', 'seq', 'value_code', '_locator']);
    const ranges = rangesOf(responses.bytes);

    const table = await readArrowColumns(ranges, columns);

    expect(tableRows(table!)).toEqual(wholeRows(responses.bytes, columns));
    expect(ranges.fetched).toBeLessThan(responses.bytes.byteLength * 0.75);
  }, 60_000);

  it('gives undefined for bytes that are not an Arrow IPC file, so the caller reads them whole', async () => {
    const text = new TextEncoder().encode('respondent_id,question_name\nR1,q1\n'.repeat(4));

    expect(await readArrowColumns(rangesOf(text), new Set(['respondent_id']))).toBeUndefined();
  });
});
