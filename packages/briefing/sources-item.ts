import type { SourcesItem } from '#contracts/briefing/item.ts';
import type {
  AgreeingClaims,
  CitedSource,
  IntegrityProblem,
  KeyConflict,
} from '#contracts/briefing/sources.ts';
import { SOURCES_ITEM_ID } from '#contracts/briefing/vocabulary.ts';
import { RELATIONS } from '#contracts/relations.ts';
import { CONFIDENCE } from '#contracts/vocabularies.ts';
import { byText, ColumnText } from './column-text.ts';
import type { CuratedTableSet } from './curated-tables.ts';
import { agreeingClaimsNote, keyConflictCaveats } from './key-conflicts.ts';
import { lineageOf, marksOf } from './provenance.ts';
import { RowRangeList } from './row-ranges.ts';
import { provenanceCaveats, untitledUploadsCaveat } from './rules.ts';

/** The `sources` item (body: data-contracts/briefing/sources.ts). */

/**
 * Foreign keys across files (a lesson in one upload naming a project in another) can only be
 * checked here, once every source is in. Breaks are listed, never silently dropped: one problem
 * per table, value and document, naming every row that holds the value as locator ranges.
 */
function integrityProblems(set: CuratedTableSet): IntegrityProblem[] {
  const problems: IntegrityProblem[] = [];
  for (const relation of RELATIONS) {
    if (!set.has(relation.table)) continue;
    const children = set.table(relation.table);
    if (children.length === 0) continue;
    const parents = set.table(relation.references.table);
    const parentKeys = new ColumnText(parents.codes(relation.references.field));
    const keys = new Set<string>();
    for (let row = 0; row < parents.length; row += 1) keys.add(parentKeys.text(row));
    // Per distinct child value, once: is it a key?
    const childKeys = new ColumnText(children.codes(relation.field));
    const broken = childKeys.perCode((value) => value !== undefined && !keys.has(String(value)));
    const refs = children.refs();
    // One entry per (value text, document), found by numbers: the value's first code of that
    // text (two values may print alike) times the documents, plus the document's code (documents
    // are interned: one code per text). No text is made per row (1M broken rows at 1M survey rows).
    const sameText = new Int32Array(childKeys.texts.length);
    const firstOfText = new Map<string, number>();
    childKeys.texts.forEach((value, code) => {
      if (!broken[code]) return;
      let first = firstOfText.get(value);
      if (first === undefined) {
        first = code;
        firstOfText.set(value, first);
      }
      sameText[code] = first;
    });
    const docCount = set.docs.length;
    const found = new Map<number, { value: string; doc: string; ranges: RowRangeList }>();
    for (let row = 0; row < children.length; row += 1) {
      const code = childKeys.codes[row]! + 1;
      if (!broken[code]) continue;
      const key = sameText[code]! * docCount + refs.doc[row]!;
      let entry = found.get(key);
      if (!entry) {
        entry = { value: childKeys.texts[code]!, doc: set.docs[refs.doc[row]!]!, ranges: new RowRangeList() };
        found.set(key, entry);
      }
      entry.ranges.add(relation.table, refs.locators, row);
    }
    for (const entry of found.values()) {
      problems.push({
        table: relation.table,
        field: relation.field,
        value: entry.value,
        references: `${relation.references.table}.${relation.references.field}`,
        source_doc_id: entry.doc,
        rows: entry.ranges.rows,
        ranges: entry.ranges.ranges(),
      });
    }
  }
  // Sorted by one text per problem, made once (not twice per comparison: 49k problems at 1M rows);
  // the sort is stable, as before.
  return problems
    .map((problem) => ({
      problem,
      order: `${problem.table}|${problem.field}|${problem.value}|${problem.source_doc_id}`,
    }))
    .sort((a, b) => byText(a.order, b.order))
    .map(({ problem }) => problem);
}

/** One cited document as the registry describes it, with the rows citing it. */
export function citedSource(
  document: ReturnType<ReturnType<CuratedTableSet['registry']>['get']>,
  cited: { readonly tables: ReadonlySet<string>; readonly rows: number; readonly rank: number },
): CitedSource {
  return {
    source_doc_id: document.doc_id,
    title: document.title,
    ...(document.doc_type ? { doc_type: document.doc_type } : {}),
    ...(document.publisher ? { publisher: document.publisher } : {}),
    ...(document.year !== undefined ? { year: document.year } : {}),
    illustrative: document.illustrative,
    confidence: CONFIDENCE[cited.rank]!,
    registered_by: document.registered_by,
    ...(document.licence ? { licence: document.licence } : {}),
    ...(document.url ? { url: document.url } : {}),
    tables: [...cited.tables].sort(byText),
    rows: cited.rows,
  };
}

/** The sources item's caveats: illustrative documents and untitled uploads, named. */
export function sourcesCaveats(sources: readonly CitedSource[]): string[] {
  const caveats = provenanceCaveats(sources, 0);
  const untitled = sources.filter((source) => source.registered_by === 'untitled');
  if (untitled.length > 0)
    caveats.push(untitledUploadsCaveat(untitled.map((source) => source.source_doc_id)));
  return caveats;
}

/** The `sources` item: every cited document and every broken reference across files. */
export function buildSourcesItem(
  set: CuratedTableSet,
  keyConflicts: readonly KeyConflict[] = [],
  agreeing: readonly AgreeingClaims[] = [],
): SourcesItem {
  const registry = set.registry();
  // Per document, in order of first citation: the tables citing it, how many rows, the weakest.
  const cited = new Map<number, { tables: Set<string>; rows: number; rank: number }>();
  const tables = set.all();
  for (const table of tables) {
    const { doc, origin, rank } = table.refs();
    for (let row = 0; row < table.length; row += 1) {
      let entry = cited.get(doc[row]!);
      if (!entry) {
        entry = { tables: new Set(), rows: 0, rank: 0 };
        cited.set(doc[row]!, entry);
      }
      entry.tables.add(set.origins[origin[row]!]!.table);
      entry.rows += 1;
      if (rank[row]! > entry.rank) entry.rank = rank[row]!;
    }
  }
  const sources: CitedSource[] = [...cited]
    .map(([code, entry]) => [set.docs[code]!, entry] as const)
    .sort(([a], [b]) => byText(a, b))
    .map(([docId, entry]) => citedSource(registry.get(docId), entry));
  const runs = tables.map((table) => ({
    table,
    rows: Int32Array.from({ length: table.length }, (_, row) => row),
  }));
  return {
    type: 'sources',
    id: SOURCES_ITEM_ID,
    body: {
      sources,
      integrity_problems: integrityProblems(set),
      key_conflicts: [...keyConflicts],
      ...(agreeing.length > 0 ? { agreeing_claims: [...agreeing] } : {}),
      caveats: [
        ...sourcesCaveats(sources),
        ...keyConflictCaveats(keyConflicts),
        ...agreeing.map(agreeingClaimsNote),
      ],
      ...marksOf(sources),
    },
    lineage: lineageOf(set, runs),
  };
}
