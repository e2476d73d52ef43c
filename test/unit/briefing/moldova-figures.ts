import type { CountryItem } from '#contracts/briefing/item.ts';
import { buildBriefing } from '#packages/briefing/build.ts';
import type { CuratedRow, CuratedTables } from '#packages/briefing/model.ts';

/** One source's immigrant stock for Moldova in one year, as a test states it. */
export interface Stated {
  readonly source: string;
  readonly year: string;
  readonly value: number;
  readonly unitMult?: number;
}

/** The figures as curated observation rows, each from its own line of one statistics file. */
export function observations(figures: readonly Stated[]): CuratedRow[] {
  return figures.map((figure, index) => ({
    row: {
      indicator_id: 'IMM_STOCK',
      ref_area_iso3: 'MDA',
      time_period: figure.year,
      value: figure.value,
      unit: 'persons',
      ...(figure.unitMult === undefined ? {} : { unit_mult: figure.unitMult }),
      source: figure.source,
      dataset_revision: `${figure.source}-rev`,
    },
    ref: {
      table: 'observation',
      locator: `line ${index + 2}`,
      file_sha256: 'a'.repeat(64),
      raw_key: `raw/statistics/${'a'.repeat(64)}/figures.csv`,
      source_doc_id: 'DOC-test',
      confidence: 'high',
    },
  }));
}

/** Moldova's country item built from the figures alone. */
export function moldova(figures: readonly Stated[]): CountryItem {
  const tables: CuratedTables = { observation: observations(figures) };
  const item = buildBriefing(tables).find(
    (candidate): candidate is CountryItem => candidate.type === 'country' && candidate.id === 'MDA',
  );
  if (!item) throw new Error('no MDA item');
  return item;
}
