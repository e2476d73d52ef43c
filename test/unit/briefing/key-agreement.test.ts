import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BriefingItem, CountryItem, SourcesItem } from '#contracts/briefing/item.ts';
import { LOCATOR_COLUMN } from '#contracts/curated-columns.ts';
import { contractForTable } from '#contracts/registry.ts';
import { readArrowTable } from '#packages/arrow/read.ts';
import { ArrowTableWriter } from '#packages/arrow/table-writer.ts';
import { buildBriefing } from '#packages/briefing/build.ts';
import { type CuratedSegment, curatedTablesFromArrow } from '#packages/briefing/curated-tables.ts';
import { columnSpecs } from '#packages/contracts/columns.ts';
import { buildBriefingFromRows, curatedRowsFromSegments } from '../../support/reference-briefing.ts';
import { propertyRuns } from '../contracts/property-runs.ts';

/**
 * Keys across files (docs/evidence-rules.md, `key-conflict`): two live files that claim a key
 * with the same row (equal in every field but where it was read) agree — the figure is published
 * once, from the first file, and the sources item names both files; claims that differ in any
 * field are held back as now, and each country gets one caveat per table and set of files whose
 * count is exact.
 */

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);
const COUNTRIES = ['MDA', 'SEN', 'PHL'] as const;
const YEARS = ['2000', '2005', '2010', '2015', '2019'] as const;
const SEXES = ['_T', 'F', 'M'] as const;
const REVISION = 'POP/DB/MIG/Stock/Rev.2019';

interface Key {
  readonly iso3: string;
  readonly year: string;
  readonly sex: string;
}
const keyOf = (key: Key) => `${key.iso3}|${key.year}|${key.sex}`;
/** The key as the sources item writes it: the primary key's values, the absent ones left out. */
const conflictKey = (key: Key) =>
  ['IMM_STOCK', key.iso3, key.year, key.sex === '_T' ? '' : key.sex, 'UNDESA_IMS', REVISION]
    .filter(Boolean)
    .join(' / ');

/** An observation row of a key as a file states it; `place` is where it was read. */
function observation(key: Key, value: number, file: 'a' | 'b', line: number, change?: string) {
  return {
    indicator_id: 'IMM_STOCK',
    ref_area_iso3: key.iso3,
    time_period: key.year,
    value: change === 'value' ? value + 1 : value,
    unit: 'persons',
    ...(key.sex === '_T' ? {} : { sex: key.sex }),
    ...(change === 'obs_status' ? { obs_status: 'E' } : {}),
    ...(change === 'data_type_note' ? { data_type_note: 'estimate' } : {}),
    source: 'UNDESA_IMS',
    dataset_revision: REVISION,
    // Where and when the row was read: never part of what it claims.
    source_doc_id: file === 'a' ? 'DOC-a' : 'DOC-b',
    source_locator: `line ${line}`,
    extraction_method: 'parser',
    extracted_at: file === 'a' ? '2026-12-01T10:00:00Z' : '2026-12-03T18:00:00Z',
    confidence: change === 'confidence' ? 'medium' : 'high',
    [LOCATOR_COLUMN]: `line ${line}`,
  };
}

async function segment(file: 'a' | 'b', rows: readonly Record<string, unknown>[]): Promise<CuratedSegment> {
  const writer = new ArrowTableWriter([
    ...columnSpecs(contractForTable('observation')),
    { name: LOCATOR_COLUMN, type: { kind: 'utf8' }, required: true },
  ]);
  for (const row of rows) writer.append(row);
  const sha = file === 'a' ? SHA_A : SHA_B;
  return {
    table: 'observation',
    arrow: readArrowTable(await writer.finish()),
    file_sha256: sha,
    raw_key: `raw/statistics/${sha}/${file === 'a' ? 'undesa-ims-2019.csv' : 'undesa-all.csv'}`,
  };
}

/** Two files over a few keys: each key in a, b or both; a key in both is stated the same or with one field changed. */
const pairs = fc.uniqueArray(
  fc.record({
    iso3: fc.constantFrom(...COUNTRIES),
    year: fc.constantFrom(...YEARS),
    sex: fc.constantFrom(...SEXES),
    value: fc.integer({ min: 0, max: 5_000_000 }),
    in: fc.constantFrom('a', 'b', 'both'),
    change: fc.constantFrom(undefined, undefined, 'value', 'obs_status', 'data_type_note', 'confidence'),
  }),
  { selector: keyOf, maxLength: 30 },
);

type Figures = CountryItem['body']['context_figures'];
/** Each figure value of a country item as `iso3|year|sex`, with its source link. */
function published(iso3: string, figures: Figures) {
  const values = figures.flatMap((figure) => [
    ...figure.values.map((value) => ({ key: `${iso3}|${value.year}|_T`, value })),
    ...(figure.by_sex ?? []).flatMap((entry) =>
      entry.values.map((value) => ({ key: `${iso3}|${value.year}|${entry.sex}`, value })),
    ),
  ]);
  return values;
}

/** The number of keys a key-conflict caveat counts (one for a single key). */
function countOf(caveat: string): number {
  const many = /^Held back \[key-conflict\]: (\d+) observation keys are each claimed by 2 files/.exec(caveat);
  if (many) return Number(many[1]);
  expect(caveat).toMatch(/^Held back \[key-conflict\]: observation IMM_STOCK \/ .* is claimed by 2 files, /);
  return 1;
}

describe('keys two files claim', () => {
  it('holds a key back iff its claims differ; an agreeing key is published exactly once, from the first file, and the sources item names both files; the caveats count every held-back key once', async () => {
    await fc.assert(
      fc.asyncProperty(pairs, async (keys) => {
        // One figure of each country in file a alone, so that every country has its item.
        const rowsA: Record<string, unknown>[] = COUNTRIES.map((iso3, at) =>
          observation({ iso3, year: '1990', sex: '_T' }, 1000, 'a', at + 2),
        );
        const rowsB: Record<string, unknown>[] = [];
        for (const key of keys) {
          if (key.in !== 'b') rowsA.push(observation(key, key.value, 'a', rowsA.length + 2));
          if (key.in !== 'a') {
            const change = key.in === 'both' ? key.change : undefined;
            rowsB.push(observation(key, key.value, 'b', rowsB.length + 7, change));
          }
        }
        const segments = [await segment('a', rowsA), ...(rowsB.length ? [await segment('b', rowsB)] : [])];
        const items: BriefingItem[] = buildBriefing(curatedTablesFromArrow(segments));
        const sources = items.find((item): item is SourcesItem => item.type === 'sources')!.body;

        const differ = keys.filter((key) => key.in === 'both' && key.change !== undefined);
        const agree = keys.filter((key) => key.in === 'both' && key.change === undefined);
        // Held back iff the claims differ.
        expect(sources.key_conflicts.map((conflict) => conflict.key).sort()).toEqual(
          differ.map((key) => conflictKey(key)).sort(),
        );
        // Every agreeing key counted once, for the pair of files, first file first.
        const agreeing = sources.agreeing_claims ?? [];
        expect(agreeing.reduce((sum, entry) => sum + entry.keys, 0)).toBe(agree.length);
        for (const entry of agreeing)
          expect(entry.files.map((file) => file.file_name)).toEqual([
            'undesa-ims-2019.csv',
            'undesa-all.csv',
          ]);
        if (agree.length === 0) expect(sources).not.toHaveProperty('agreeing_claims');

        for (const iso3 of COUNTRIES) {
          const item = items.find(
            (candidate): candidate is CountryItem => candidate.type === 'country' && candidate.id === iso3,
          );
          const shown = item ? published(iso3, item.body.context_figures) : [];
          const times = (key: Key) => shown.filter((value) => value.key === keyOf(key)).length;
          for (const key of keys.filter((candidate) => candidate.iso3 === iso3)) {
            const held = key.in === 'both' && key.change !== undefined;
            // Published exactly once (never counted twice), or not at all when held back.
            expect(times(key), keyOf(key)).toBe(held ? 0 : 1);
          }
          for (const key of agree.filter((candidate) => candidate.iso3 === iso3)) {
            const value = shown.find((candidate) => candidate.key === keyOf(key))!.value;
            expect(value.source_link.source_doc_id).toBe('DOC-a');
          }
          // One caveat per cause; their counts add up to the country's held-back keys.
          const caveats = (item?.body.caveats ?? []).filter((caveat) =>
            caveat.startsWith('Held back [key-conflict]'),
          );
          const heldHere = differ.filter((key) => key.iso3 === iso3).length;
          expect(caveats.length).toBe(heldHere > 0 ? 1 : 0);
          expect(caveats.map(countOf).reduce((sum, count) => sum + count, 0)).toBe(heldHere);
        }
        // The row-based reference says the same, byte for byte.
        expect(items.map((item) => JSON.stringify(item)).join('\n')).toBe(
          buildBriefingFromRows(curatedRowsFromSegments(segments))
            .map((item) => JSON.stringify(item))
            .join('\n'),
        );
      }),
      propertyRuns('a key two files claim is held back iff its claims differ', 150),
    );
  }, 120_000);
});
