import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOCATOR_COLUMN } from '#contracts/curated-columns.ts';
import { streamContractCsvFast } from '#packages/csv-engine/csv-columns.ts';
import { expectedRecords, PrimaryKeySet } from '#packages/csv-engine/primary-keys.ts';
import { testSeed } from '../../support/seed.ts';
import { csvText } from './csv-text.ts';

/**
 * Property: the primary-key check finds exactly the rows whose key an earlier accepted row already
 * had, and names the line that row was first accepted on, whatever the keys (repeats next to each
 * other and far apart, parts holding U+001F, the separator the reference joins parts with, quotes,
 * commas and accents) and however wrong the table's up-front size (`inputBytes`) is.
 */

/** Key parts from a small alphabet, so that keys repeat often. */
const PART = fc.constantFrom(
  'a',
  'b',
  'A',
  'é',
  'a\u001fb',
  '\u001f',
  'b\u001f',
  'x,y',
  'q"r',
  '1',
  '01',
  '😀',
);

/** Also numbers: enough distinct keys to grow and rehash the table (past 512 keys). */
const MANY_PARTS = fc.oneof(PART, fc.nat({ max: 1500 }).map(String));

/** The reference's check (validate.ts): a Map keyed by the parts joined with U+001F. */
function expectedDuplicates(keys: readonly (readonly string[])[]): Map<number, number> {
  const firstLine = new Map<string, number>();
  const duplicates = new Map<number, number>();
  keys.forEach((key, index) => {
    const line = index + 2;
    const joined = key.join('\u001f');
    const first = firstLine.get(joined);
    if (first === undefined) firstLine.set(joined, line);
    else duplicates.set(line, first);
  });
  return duplicates;
}

describe('PrimaryKeySet', () => {
  it('finds a key exactly when it was inserted before, with the line it was inserted on, for any keys and any up-front size', () => {
    const seed = testSeed('primary key set');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(MANY_PARTS, PART), { maxLength: 1200, size: 'max' }),
        fc.nat({ max: 5000 }),
        (keys, expectedKeys) => {
          // prepare: keys whose parts hold U+001F go through the joined map, as the normaliser does
          const set = new PrimaryKeySet(2, false, expectedKeys);
          const encoder = new TextEncoder();
          const found: [number, number][] = [];
          // act
          keys.forEach((key, index) => {
            const line = index + 2;
            key.forEach((part, at) => {
              const bytes = encoder.encode(part);
              set.setPart(at, bytes, 0, bytes.length);
            });
            const joined = set.separatorInKey ? key.join('\u001f') : undefined;
            const first = joined === undefined ? set.find() : set.findJoined(joined);
            if (first >= 0) found.push([line, first]);
            else if (joined === undefined) set.insert(line);
            else set.insertJoined(joined, line);
          });
          // assess
          expect(found).toEqual([...expectedDuplicates(keys)]);
        },
      ),
      { seed, numRuns: 100 },
    );
  });
});

describe('expectedRecords', () => {
  it('estimates the records of the input from the length of its first ones', () => {
    expect(expectedRecords(1000, [0, 10, 20, 30])).toBe(100);
    expect(expectedRecords(undefined, [0, 10, 20])).toBe(0);
    expect(expectedRecords(1000, [5])).toBe(0);
  });
});

describe('streamContractCsvFast primary-key check', () => {
  it('quarantines exactly the rows repeating an earlier key, naming their line and the first line, for any keys and input size', async () => {
    const seed = testSeed('primary keys in a CSV');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(PART, PART), { minLength: 1, maxLength: 300, size: 'max' }),
        fc.constantFrom(undefined, 1, 100, 1 << 30),
        fc.integer({ min: 1, max: 64 }),
        async (keys, inputBytes, batchSize) => {
          // prepare: survey_choice, primary key (list_name, choice_name)
          const rows = [
            ['list_name', 'choice_name', 'label_en', 'maps_to_code'],
            ...keys.map(([list, choice], index) => [list, choice, `label ${index}`, '']),
          ];
          const bytes = new TextEncoder().encode(csvText(rows));
          const chunks = Array.from({ length: Math.ceil(bytes.length / 4096) }, (_, index) =>
            bytes.subarray(index * 4096, (index + 1) * 4096),
          );
          // act
          const stream = streamContractCsvFast(chunks, {
            fileName: 'choices.csv',
            kind: 'survey',
            docId: 'DOC-test-file',
            locatorColumn: LOCATOR_COLUMN,
            batchSize,
            ...(inputBytes === undefined ? {} : { inputBytes }),
          });
          for await (const _chunk of stream.ipc);
          const result = stream.summary();
          // assess
          const duplicates = expectedDuplicates(keys);
          expect(result.contract.table).toBe('survey_choice');
          expect(result.rows).toBe(keys.length - duplicates.size);
          const problems = result.summary.problems;
          expect(problems.every((problem) => problem.rule === 'duplicate-key')).toBe(true);
          expect(
            problems.map((problem) => [
              problem.locator,
              /first seen at (line \d+)/.exec(problem.message)?.[1],
            ]),
          ).toEqual([...duplicates].map(([line, first]) => [`line ${line}`, `line ${first}`]));
        },
      ),
      { seed, numRuns: 60 },
    );
  });
});
