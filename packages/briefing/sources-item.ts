import type { SourcesItem } from '#contracts/briefing/item.ts';
import type { CitedSource, IntegrityProblem } from '#contracts/briefing/sources.ts';
import { SOURCES_ITEM_ID } from '#contracts/briefing/vocabulary.ts';
import { RELATIONS } from '#contracts/relations.ts';
import { byText, ColumnText } from './column-text.ts';
import type { CuratedTableSet } from './curated-tables.ts';
import { lineageOf } from './provenance.ts';

/** The `sources` item (body: data-contracts/briefing/sources.ts). */

const DOCUMENT_FIELDS = ['title', 'doc_type', 'illustrative', 'licence', 'url'];

/**
 * Foreign keys across files (a lesson in one upload naming a project in another) can only be
 * checked here, once every source is in. Breaks are listed, never silently dropped.
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
    for (let row = 0; row < children.length; row += 1) {
      if (!broken[childKeys.codes[row]! + 1]) continue;
      problems.push({
        table: relation.table,
        field: relation.field,
        value: childKeys.text(row),
        references: `${relation.references.table}.${relation.references.field}`,
        locator: refs.locators[row]!,
        source_doc_id: set.docs[refs.doc[row]!]!,
      });
    }
  }
  return problems.sort((a, b) =>
    byText(`${a.table}|${a.value}|${a.locator}`, `${b.table}|${b.value}|${b.locator}`),
  );
}

/** The `sources` item: every cited document and every broken reference across files. */
export function buildSourcesItem(set: CuratedTableSet): SourcesItem {
  const documents = set.table('source_document');
  const documentIds = new ColumnText(documents.codes('doc_id'));
  const documentRow = new Map<string, number>();
  for (let row = 0; row < documents.length; row += 1) documentRow.set(documentIds.text(row), row);
  // Per document, in order of first citation: the tables citing it and how many rows.
  const cited = new Map<number, { tables: Set<string>; rows: number }>();
  const tables = set.all();
  for (const table of tables) {
    const { doc, origin } = table.refs();
    for (let row = 0; row < table.length; row += 1) {
      let entry = cited.get(doc[row]!);
      if (!entry) {
        entry = { tables: new Set(), rows: 0 };
        cited.set(doc[row]!, entry);
      }
      entry.tables.add(set.origins[origin[row]!]!.table);
      entry.rows += 1;
    }
  }
  const sources: CitedSource[] = [...cited]
    .map(([code, entry]) => [set.docs[code]!, entry] as const)
    .sort(([a], [b]) => byText(a, b))
    .map(([docId, entry]) => {
      const row = documentRow.get(docId);
      const document = row === undefined ? undefined : documents.row(row, DOCUMENT_FIELDS);
      return {
        source_doc_id: docId,
        ...(document?.title ? { title: String(document.title) } : {}),
        ...(document?.doc_type ? { doc_type: String(document.doc_type) } : {}),
        ...(document ? { illustrative: document.illustrative === true } : {}),
        ...(document?.licence ? { licence: String(document.licence) } : {}),
        ...(document?.url ? { url: String(document.url) } : {}),
        tables: [...entry.tables].sort(byText),
        rows: entry.rows,
      };
    });
  const runs = tables.map((table) => ({
    table,
    rows: Int32Array.from({ length: table.length }, (_, row) => row),
  }));
  return {
    type: 'sources',
    id: SOURCES_ITEM_ID,
    body: { sources, integrity_problems: integrityProblems(set) },
    lineage: lineageOf(set, runs),
  };
}
