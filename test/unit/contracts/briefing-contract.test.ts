import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BriefingContractError, checkBriefingItem } from '#contracts/briefing/check.ts';
import { EVENT_BODY_FIELDS } from '#contracts/briefing/event.ts';
import { canonicalJson, contentHash, withHash } from '#contracts/briefing/hash.ts';
import type { BriefingItem, CountryItem } from '#contracts/briefing/item.ts';
import { PROVENANCE_FIELDS } from '#contracts/contract.ts';
import { LOCATOR_COLUMN } from '#contracts/curated-columns.ts';
import { eventContract } from '#contracts/reference.ts';
import { buildBriefing } from '#packages/briefing/build.ts';
import { curatedTablesFromArrow } from '#packages/briefing/curated-tables.ts';
import type { CuratedRow } from '#packages/briefing/model.ts';
import { emptySummary, validateRows } from '#packages/contracts/validate.ts';
import { readSource } from '#packages/formats/index.ts';
import { curatedSegments, generateCuratedSet } from '../../../bench/curated-set.ts';
import { SAMPLE_FILES, SAMPLES } from '../../support/pipeline.ts';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

/** The bundled evidence base through its readers and contracts, as curated rows, then the builder. */
async function sampleItems(): Promise<BriefingItem[]> {
  const tables: Record<string, CuratedRow[]> = {};
  for (const file of SAMPLE_FILES) {
    const bytes = await readFile(new URL(file.path, SAMPLES));
    const fileName = file.path.split('/').pop()!;
    const read = await readSource({ bytes, fileName, kind: file.kind, docId: 'DOC-sample' });
    for await (const accepted of validateRows(read, fileName, emptySummary())) {
      const { [LOCATOR_COLUMN]: _locator, ...row } = accepted.row as Record<string, unknown>;
      const rows = tables[accepted.table] ?? [];
      tables[accepted.table] = rows;
      rows.push({
        row,
        ref: {
          table: accepted.table,
          locator: accepted.locator,
          file_sha256: 'a'.repeat(64),
          raw_key: `raw/${file.kind}/${'a'.repeat(64)}/${fileName}`,
          source_doc_id: String(row.source_doc_id ?? 'DOC-sample'),
          ...(typeof row.confidence === 'string' ? { confidence: row.confidence } : {}),
        },
      });
    }
  }
  return buildBriefing(tables);
}

describe('the briefing contract', () => {
  it('accepts every item the builder makes from the bundled evidence base', async () => {
    const items = await sampleItems();

    for (const item of items) expect(() => checkBriefingItem(item), `${item.type}#${item.id}`).not.toThrow();
    expect(new Set(items.map((item) => item.type))).toEqual(
      new Set(['country', 'theme', 'event', 'sources']),
    );
  });

  it('accepts every item of a generated 30-country evidence base (thousands of projects, lessons, answers)', async () => {
    const files = await generateCuratedSet({
      countries: 30,
      projects: 1_500,
      lessons: 1_500,
      respondents: 150,
    });

    const items = buildBriefing(curatedTablesFromArrow(curatedSegments(files)));

    expect(items.length).toBeGreaterThan(200);
    for (const item of items) expect(() => checkBriefingItem(item), `${item.type}#${item.id}`).not.toThrow();
  });

  it('refuses a body with a field it does not define, one it lacks or one of the wrong type, naming item and field', async () => {
    const mda = (await sampleItems()).find(
      (item): item is CountryItem => item.id === 'MDA' && item.type === 'country',
    )!;
    const variants: [unknown, RegExp][] = [
      [{ ...mda.body, confidence_score: 3 }, /country#MDA: body: .*confidence_score/],
      [
        { ...mda.body, jmdi: { ...mda.body.jmdi, projects_n: 'many' } },
        /country#MDA: body\.jmdi\.projects_n: /,
      ],
      [(({ name: _name, ...rest }) => rest)(mda.body), /country#MDA: body\.name: /],
    ];

    for (const [body, message] of variants) {
      const item = { ...mda, body } as BriefingItem;
      expect(() => checkBriefingItem(item)).toThrowError(BriefingContractError);
      expect(() => checkBriefingItem(item)).toThrowError(message);
    }
  });

  it("keeps an event's body to the event contract's fields, in its order, without the extraction time", () => {
    const contractFields = Object.keys(eventContract.schema.shape).filter(
      (field) => field !== 'extracted_at',
    );

    expect(contractFields).toEqual(
      expect.arrayContaining(PROVENANCE_FIELDS.filter((f) => f !== 'extracted_at')),
    );

    expect([...EVENT_BODY_FIELDS]).toEqual(contractFields);
  });

  it(`hashes a version by content: item order and key order do not matter, any changed value does (fast-check seed ${SEED})`, async () => {
    const items = (await sampleItems()).slice(0, 40).map((item) => withHash(item));
    const reversedKeys = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reversedKeys)
        : value && typeof value === 'object'
          ? Object.fromEntries(
              Object.entries(value)
                .reverse()
                .map(([key, inner]) => [key, reversedKeys(inner)]),
            )
          : value;

    fc.assert(
      fc.property(
        fc.shuffledSubarray(items, { minLength: items.length }),
        fc.nat(items.length - 1),
        (shuffled, at) => {
          const rekeyed = shuffled.map((item) =>
            withHash({ ...item, body: reversedKeys(item.body) } as BriefingItem),
          );
          const target = items[at]!;
          const changed = items.map((item) =>
            item === target
              ? withHash({
                  ...item,
                  body: { ...item.body, changed: canonicalJson(item.body).length },
                } as unknown as BriefingItem)
              : item,
          );

          expect(contentHash(rekeyed)).toBe(contentHash(items));
          expect(contentHash(changed)).not.toBe(contentHash(items));
        },
      ),
      { seed: SEED, numRuns: 50 },
    );
  });
});
