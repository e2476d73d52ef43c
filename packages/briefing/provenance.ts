import type { BriefingLineage, DocumentSummary, SourceLink } from '#contracts/briefing/provenance.ts';
import { MAX_SUMMARY_LOCATORS } from '#contracts/briefing/vocabulary.ts';
import { type Confidence, weakestConfidence } from '#contracts/source-registry.ts';
import { CONFIDENCE } from '#contracts/vocabularies.ts';
import { byText, type Rows } from './column-text.ts';
import type { CuratedTable, CuratedTableSet } from './curated-tables.ts';
import { RowRangeList } from './row-ranges.ts';

/**
 * What an item rests on, from the provenance columns of its rows: the documents (content), the
 * files and raw objects (lineage), and the link from one statement to its row.
 */

/** Some rows of one table that an item is built from. */
export interface RefRun {
  readonly table: CuratedTable;
  readonly rows: Rows;
}

export function refCount(runs: readonly RefRun[]): number {
  return runs.reduce((total, run) => total + run.rows.length, 0);
}

export function lowConfidenceCount(runs: readonly RefRun[]): number {
  let low = 0;
  for (const { table, rows } of runs) {
    const flags = table.refs().low;
    for (let index = 0; index < rows.length; index += 1) low += flags[rows[index]!]!;
  }
  return low;
}

/**
 * Documents behind an item, as content: which documents, tables, rows. File SHA-256s and raw
 * keys are provenance, not content: they go to the item's lineage (`lineageOf`), so a re-upload
 * that changes one row changes only the items that row feeds.
 */
export function summariseRefs(set: CuratedTableSet, runs: readonly RefRun[]): DocumentSummary[] {
  const grouped = new Map<
    number,
    { source_doc_id: string; tables: Set<string>; rows: number; rank: number; locators: string[] }
  >();
  for (const { table, rows } of runs) {
    const { doc, origin, rank, locators } = table.refs();
    // Rows come in runs of one document and origin: look them up when they change, not per row.
    let lastCode = -1;
    let lastOrigin = -1;
    let name = '';
    let entry: { tables: Set<string>; rows: number; rank: number; locators: string[] } | undefined;
    for (let index = 0; index < rows.length; index += 1) {
      const row = rows[index]!;
      const code = doc[row]!;
      if (code !== lastCode || !entry) {
        let found = grouped.get(code);
        if (!found) {
          found = { source_doc_id: set.docs[code]!, tables: new Set(), rows: 0, rank: 0, locators: [] };
          grouped.set(code, found);
        }
        entry = found;
        lastCode = code;
        lastOrigin = -1;
      }
      if (origin[row] !== lastOrigin) {
        lastOrigin = origin[row]!;
        name = set.origins[lastOrigin]!.table;
        entry.tables.add(name);
      }
      entry.rows += 1;
      if (rank[row]! > entry.rank) entry.rank = rank[row]!;
      if (entry.locators.length < MAX_SUMMARY_LOCATORS) entry.locators.push(`${name} ${locators.text(row)}`);
    }
  }
  const registry = set.registry();
  return [...grouped.values()]
    .map((entry) => ({
      source_doc_id: entry.source_doc_id,
      title: registry.get(entry.source_doc_id).title,
      illustrative: registry.illustrative(entry.source_doc_id),
      confidence: CONFIDENCE[entry.rank]!,
      tables: [...entry.tables].sort(byText),
      rows: entry.rows,
      locators: entry.locators,
    }))
    .sort((a, b) => byText(a.source_doc_id, b.source_doc_id));
}

/**
 * Lineage of an item: per document and file, the raw object (key + SHA-256) and every row as
 * locator ranges (contract: data-contracts/briefing/locator-ranges.ts), cut as the rows come.
 */
export function lineageOf(set: CuratedTableSet, runs: readonly RefRun[]): BriefingLineage {
  const grouped = new Map<
    number,
    {
      source_doc_id: string;
      file_sha256: string;
      raw_key: string;
      tables: Set<string>;
      ranges: RowRangeList;
    }
  >();
  // Provenance codes first: reading a table's refs may add files, and the keys count them.
  const refs = runs.map((run) => run.table.refs());
  const files = set.files.length;
  for (const [position, { rows }] of runs.entries()) {
    const { doc, origin, locators } = refs[position]!;
    let lastOrigin = -1;
    let table = '';
    let entry: { tables: Set<string>; ranges: RowRangeList } | undefined;
    let lastKey = -1;
    let lastDoc = -1;
    for (let index = 0; index < rows.length; index += 1) {
      const row = rows[index]!;
      // Rows come in runs of one document and origin: the entry and table change only with them.
      if (origin[row] === lastOrigin && doc[row] === lastDoc && entry) {
        entry.ranges.add(table, locators, row);
        continue;
      }
      lastDoc = doc[row]!;
      const from = set.origins[origin[row]!]!;
      const key = lastDoc * files + from.file;
      if (key !== lastKey || !entry) {
        let found = grouped.get(key);
        if (!found) {
          found = {
            source_doc_id: set.docs[doc[row]!]!,
            file_sha256: from.file_sha256,
            raw_key: from.raw_key,
            tables: new Set(),
            ranges: new RowRangeList(),
          };
          grouped.set(key, found);
        }
        entry = found;
        lastKey = key;
        lastOrigin = -1;
      }
      if (origin[row] !== lastOrigin) {
        entry.tables.add(from.table);
        table = from.table;
        lastOrigin = origin[row]!;
      }
      entry.ranges.add(table, locators, row);
    }
  }
  return {
    sources: [...grouped.values()]
      .map((entry) => ({
        source_doc_id: entry.source_doc_id,
        file_sha256: entry.file_sha256,
        raw_key: entry.raw_key,
        tables: [...entry.tables].sort(byText),
        rows: entry.ranges.rows,
        ranges: entry.ranges.ranges(),
      }))
      .sort((a, b) => byText(`${a.source_doc_id}|${a.file_sha256}`, `${b.source_doc_id}|${b.file_sha256}`)),
  };
}

/** The link from one statement to the row it comes from. */
export function sourceLink(set: CuratedTableSet, table: CuratedTable, row: number): SourceLink {
  const refs = table.refs();
  return {
    source_doc_id: set.docs[refs.doc[row]!]!,
    table: set.origins[refs.origin[row]!]!.table,
    locator: refs.locators.text(row),
    confidence: CONFIDENCE[refs.rank[row]!]!,
    illustrative: refs.illustrative[row] === 1,
  };
}

/** Confidence and illustrative flag of what rests on some documents (provenance.ts in the contract). */
export interface ProvenanceMarks {
  readonly confidence: Confidence;
  readonly illustrative: boolean;
}

/**
 * The marks of an item or section from the documents it rests on: the weakest confidence, and
 * illustrative when any document is. Derived facts call this on the rows they are derived from.
 */
export function marksOf(
  summaries: readonly Pick<DocumentSummary, 'confidence' | 'illustrative'>[],
): ProvenanceMarks {
  return {
    confidence: weakestConfidence(summaries.map((summary) => summary.confidence)),
    illustrative: summaries.some((summary) => summary.illustrative),
  };
}
