import { type RegisteredDocument, untitledDocument } from '#contracts/source-registry.ts';

/**
 * The source document registry a briefing cites from (data-contracts/source-registry.ts): the
 * `source_document` rows of the reference files, merged with the documents registered at ingest
 * by a sidecar. A document nobody registered is an untitled upload.
 *
 * When both describe a document, the `source_document` row gives its title and details, and the
 * document is illustrative if either says so: the weaker claim wins, never the stronger.
 */
export class DocumentRegistry {
  private readonly byId = new Map<string, RegisteredDocument & { readonly doc_type?: string }>();

  constructor(
    rows: readonly Readonly<Record<string, unknown>>[],
    registered: readonly RegisteredDocument[] = [],
  ) {
    for (const entry of registered) {
      const seen = this.byId.get(entry.doc_id);
      this.byId.set(
        entry.doc_id,
        seen ? { ...seen, illustrative: seen.illustrative || entry.illustrative } : entry,
      );
    }
    for (const row of rows) {
      const docId = String(row.doc_id);
      const sidecar = this.byId.get(docId);
      const year = /^\d{4}/.exec(String(row.publication_date ?? ''))?.[0];
      this.byId.set(docId, {
        doc_id: docId,
        title: String(row.title),
        ...(row.doc_type ? { doc_type: String(row.doc_type) } : {}),
        ...(row.publisher_org_id
          ? { publisher: String(row.publisher_org_id) }
          : sidecarText(sidecar?.publisher, 'publisher')),
        ...(year ? { year: Number(year) } : sidecar?.year !== undefined ? { year: sidecar.year } : {}),
        ...(row.url ? { url: String(row.url) } : sidecarText(sidecar?.url, 'url')),
        ...(row.licence ? { licence: String(row.licence) } : sidecarText(sidecar?.licence, 'licence')),
        illustrative: row.illustrative === true || sidecar?.illustrative === true,
        registered_by: 'source_document',
      });
    }
  }

  /** The entry of a document: registered, or visibly an untitled upload. */
  get(docId: string): RegisteredDocument & { readonly doc_type?: string } {
    return this.byId.get(docId) ?? untitledDocument(docId);
  }

  /** True when the document is registered as illustrative. */
  illustrative(docId: string): boolean {
    return this.byId.get(docId)?.illustrative === true;
  }
}

function sidecarText(value: string | undefined, key: 'publisher' | 'url' | 'licence') {
  return value ? { [key]: value } : {};
}
