/**
 * key-claims: two observation files that claim the same keys (trial 2026-12-03-c, findings 2 and
 * 3), built into a briefing: how long the key check and the build take, and what a country item
 * says about it (figures shown, key-conflict caveats). `agree`: the second file states every row
 * the same; `differ`: every row of the second file has another value.
 *
 *   node --import tsx bench/key-claims.ts <agree|differ> [rows per file]
 *
 * prints one JSON line. Rows: 200 countries × years 1950… × sexes _T/F/M, one indicator.
 */
import { performance } from 'node:perf_hooks';
import { LOCATOR_COLUMN } from '#contracts/curated-columns.ts';
import { contractForTable } from '#contracts/registry.ts';
import { readArrowTable } from '#packages/arrow/read.ts';
import { ArrowTableWriter } from '#packages/arrow/table-writer.ts';
import { buildBriefing } from '#packages/briefing/build.ts';
import { type CuratedSegment, curatedTablesFromArrow } from '#packages/briefing/curated-tables.ts';
import { checkKeys } from '#packages/briefing/key-conflicts.ts';
import { columnSpecs } from '#packages/contracts/columns.ts';
import { countryReference } from '#packages/formats/countries.ts';

const mode = process.argv[2] === 'differ' ? 'differ' : 'agree';
const perFile = Number(process.argv[3] ?? 120_000);
const countries = countryReference()
  .rows.map((country) => country.iso3)
  .slice(0, 200);
const SEXES = ['_T', 'F', 'M'];

async function file(name: string, sha: string, shift: number): Promise<CuratedSegment> {
  const writer = new ArrowTableWriter([
    ...columnSpecs(contractForTable('observation')),
    { name: LOCATOR_COLUMN, type: { kind: 'utf8' }, required: true },
  ]);
  for (let at = 0; at < perFile; at += 1) {
    const iso3 = countries[at % countries.length]!;
    const sex = SEXES[Math.floor(at / countries.length) % 3]!;
    const year = 1950 + Math.floor(at / (countries.length * 3));
    writer.append({
      indicator_id: 'IMM_STOCK',
      ref_area_iso3: iso3,
      time_period: String(year),
      value: 1000 + at + shift,
      unit: 'persons',
      ...(sex === '_T' ? {} : { sex }),
      source: 'UNDESA_IMS',
      dataset_revision: 'POP/DB/MIG/Stock/Rev.2019',
      source_doc_id: `DOC-${name}`,
      source_locator: `line ${at + 2}`,
      extraction_method: 'parser',
      confidence: 'high',
      [LOCATOR_COLUMN]: `line ${at + 2}`,
    });
  }
  // One more figure of each country in the first file alone, so that every country has its item.
  if (shift === 0 && name === 'first')
    for (const [at, iso3] of countries.entries())
      writer.append({
        indicator_id: 'IMM_STOCK',
        ref_area_iso3: iso3,
        time_period: '2019',
        value: 1,
        unit: 'persons',
        source: 'WB_WDI',
        dataset_revision: 'WDI-2020',
        source_doc_id: 'DOC-first',
        source_locator: `line ${perFile + at + 2}`,
        extraction_method: 'parser',
        confidence: 'high',
        [LOCATOR_COLUMN]: `line ${perFile + at + 2}`,
      });
  return {
    table: 'observation',
    arrow: readArrowTable(await writer.finish()),
    file_sha256: sha,
    raw_key: `raw/statistics/${sha}/${name}.csv`,
  };
}

const segments = [
  await file('first', 'a'.repeat(64), 0),
  await file('second', 'b'.repeat(64), mode === 'differ' ? 1 : 0),
];
let started = performance.now();
const keys = checkKeys(curatedTablesFromArrow(segments));
const checkSeconds = (performance.now() - started) / 1000;
started = performance.now();
const items = buildBriefing(curatedTablesFromArrow(segments));
const buildSeconds = (performance.now() - started) / 1000;
const first = items.find((item) => item.type === 'country');
const body = first?.body as { caveats: string[]; context_figures: { values: unknown[] }[] } | undefined;
const caveatCounts = items
  .filter((item) => item.type === 'country')
  .map(
    (item) => (item.body as { caveats: string[] }).caveats.filter((c) => c.includes('[key-conflict]')).length,
  );
console.log(
  JSON.stringify({
    mode,
    rowsPerFile: perFile,
    heldKeys: keys.conflicts.length,
    heldRows: [...keys.held.values()].reduce((sum, rows) => sum + rows.size, 0),
    checkSeconds: Math.round(checkSeconds * 1000) / 1000,
    buildSeconds: Math.round(buildSeconds * 1000) / 1000,
    countryItems: caveatCounts.length,
    keyConflictCaveatsMax: Math.max(0, ...caveatCounts),
    firstCountry: first?.id,
    firstCountryFigureValues: body?.context_figures.reduce((sum, figure) => sum + figure.values.length, 0),
  }),
);
