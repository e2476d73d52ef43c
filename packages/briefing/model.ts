/** The builder's input: curated rows with their provenance (the output contract: data-contracts/briefing/). */

/** Where one curated row came from: enough to walk back to the raw bytes. */
export interface SourceRef {
  readonly table: string;
  readonly locator: string;
  /** SHA-256 of the uploaded file that carried the row (the raw object's address). */
  readonly file_sha256: string;
  readonly raw_key: string;
  /** The document the row states (may differ from the file: a pilot report cited by a JSON file). */
  readonly source_doc_id: string;
  readonly confidence?: string;
}

export interface CuratedRow {
  readonly row: Readonly<Record<string, unknown>>;
  readonly ref: SourceRef;
}

/** Every curated table the briefing reads, by table name. */
export type CuratedTables = Readonly<Record<string, readonly CuratedRow[]>>;
