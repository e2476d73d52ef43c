import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readContractCsv } from '#packages/formats/csv.ts';
import { readIatiXml } from '#packages/formats/iati.ts';
import { readSource } from '#packages/formats/index.ts';
import { readContractJson, readContractNdjson } from '#packages/formats/json.ts';
import { readKoboCsv } from '#packages/formats/kobo.ts';
import { type ReaderInput, type SourceReadResult, SourceRefusedError } from '#packages/formats/reader.ts';
import { readSdmxCsv, readUndesaXlsx, readWdiCsv } from '#packages/formats/statistics.ts';
import { readContractXlsx, readKoboXlsx } from '#packages/formats/xlsx.ts';
import { collectRows, fixtureBytes, readerInput } from './reader-input.ts';
import { workbookBytes } from './workbook.ts';

type Reader = (input: ReaderInput) => Promise<SourceReadResult>;

const TEXT_READERS: readonly [string, Reader, ReaderInput['kind'], string][] = [
  ['readContractCsv', readContractCsv, 'pilot', 'csv/pilots-semicolon-hxl.csv'],
  ['readContractJson', readContractJson, 'pilot', 'csv/pilots-semicolon-hxl.csv'],
  ['readContractNdjson', readContractNdjson, 'pilot', 'csv/pilots-semicolon-hxl.csv'],
  ['readKoboCsv', (input) => readKoboCsv(input), 'survey', 'kobo/kobo-hxl-both.csv'],
  ['readIatiXml', readIatiXml, 'stocktaking', 'iati/activity-standard-example-annotated.xml'],
  ['readWdiCsv', (input) => readWdiCsv(input), 'statistics', 'statistics/wdi-remittances.csv'],
  ['readSdmxCsv', (input) => readSdmxCsv(input), 'statistics', 'statistics/sdmx-1.0.csv'],
  ['readSource', readSource, 'survey', 'kobo/odk-central.csv'],
];

const WORKBOOK_READERS: readonly [string, Reader][] = [
  ['readContractXlsx', readContractXlsx],
  ['readKoboXlsx', (input) => readKoboXlsx(input)],
  ['readUndesaXlsx', (input) => readUndesaXlsx(input)],
];

/** Reading ends in a result (rows fully iterable) or a SourceRefusedError, nothing else. */
async function endsCleanly(reader: Reader, input: ReaderInput): Promise<void> {
  try {
    const result = await reader(input);
    await collectRows(result);
  } catch (error) {
    if (!(error instanceof SourceRefusedError)) throw error;
    expect(error.message.length).toBeGreaterThan(0);
  }
}

// Each run is bounded: a reader that hangs fails the property instead of the suite timing out.
const RUN = { numRuns: 60, timeout: 5_000, interruptAfterTimeLimit: 20_000 } as const;

describe.each(TEXT_READERS)('%s on hostile input', (_name, reader, kind, fixture) => {
  it('ends in a result or a SourceRefusedError for random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        await endsCleanly(reader, readerInput(kind, 'random.bin', bytes));
      }),
      RUN,
    );
  });

  it('ends in a result or a SourceRefusedError for a truncated or corrupted real file', async () => {
    const original = fixtureBytes(fixture);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: original.length }),
        fc.array(fc.tuple(fc.nat({ max: original.length }), fc.integer({ min: 0, max: 255 })), {
          maxLength: 4,
        }),
        async (cut, flips) => {
          const bytes = original.slice(0, cut);
          for (const [at, value] of flips) if (at < bytes.length) bytes[at] = value;
          await endsCleanly(reader, readerInput(kind, fixture.split('/').pop() ?? 'x', bytes));
        },
      ),
      RUN,
    );
  });

  it('ends in a result or a SourceRefusedError for random text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 400 }), async (text) => {
        await endsCleanly(reader, readerInput(kind, 'random.txt', text));
      }),
      RUN,
    );
  });
});

describe.each(WORKBOOK_READERS)('%s on hostile input', (_name, reader) => {
  it('ends in a result or a SourceRefusedError for a truncated or corrupted workbook', async () => {
    const original = await workbookBytes([
      {
        name: 'Table 1',
        rows: [
          ['Country code', 2013, '_uuid'],
          [498, 391508, 'u-1'],
          [900, '..', 'u-2'],
        ],
      },
    ]);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: original.length }),
        fc.array(fc.tuple(fc.nat({ max: original.length }), fc.integer({ min: 0, max: 255 })), {
          maxLength: 4,
        }),
        async (cut, flips) => {
          const bytes = original.slice(0, cut);
          for (const [at, value] of flips) if (at < bytes.length) bytes[at] = value;
          await endsCleanly(reader, readerInput('statistics', 'book.xlsx', bytes));
        },
      ),
      { ...RUN, numRuns: 40 },
    );
  });

  it('ends in a result or a SourceRefusedError for random bytes behind a zip signature', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (tail) => {
        const bytes = new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...tail]);
        await endsCleanly(reader, readerInput('survey', 'book.xlsx', bytes));
      }),
      { ...RUN, numRuns: 40 },
    );
  });
});
