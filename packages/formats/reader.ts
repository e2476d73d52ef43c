import type { SourceKind } from '#contracts/source-kinds.ts';

/**
 * The contract between format readers and the pipeline.
 *
 * A reader turns the bytes of one uploaded file into rows of contract tables. It never decides
 * whether a row is valid against its contract (the contracts runtime does that); it reports
 * problems it alone can see (a cell it cannot decode, a select_multiple summary that disagrees
 * with its 0/1 columns) and refuses a file it cannot read at all by throwing SourceRefusedError.
 * Adding a format means adding a reader here and nothing outside it.
 */

export interface ReaderInput {
  readonly bytes: Uint8Array;
  /** Original file name (used for format detection and in messages). */
  readonly fileName: string;
  readonly kind: SourceKind;
  /** `DOC-…` id of this file; readers that extract facts use it as provenance `source_doc_id`. */
  readonly docId: string;
  /** Declared text encoding (`utf-8`, `utf-16le`, `windows-1252`, `latin1` …); detected when absent. */
  readonly encoding?: string;
  /** Declared format; detected from the name and bytes when absent. */
  readonly format?: string;
  /** Receive time of the file (ISO 8601); readers use it as provenance `extracted_at`. */
  readonly receivedAt?: string;
}

/**
 * A problem a reader found in the record one row comes from (a cell it cannot decode, an answer
 * outside the codebook, an element without an identifier). It travels with the row, so the
 * validator reports it at that row's locator and quarantines exactly that row (and the rows that
 * depend on it by key), never a neighbour.
 */
export interface RowProblem {
  readonly field?: string;
  /** Short machine-readable rule id, e.g. `select-multiple-consistency` (docs/evidence-rules.md). */
  readonly rule: string;
  readonly message: string;
  readonly value?: string;
  readonly hint?: string;
  /** True when the row must be quarantined because of this problem; false for a notice. */
  readonly rejectsRow: boolean;
  /**
   * Fields the reader could not fill because of this problem (`unct_id` follows from the
   * country), or `'every-field'` when no cell of the record can be placed (cells that do not line
   * up with the header). The contract's problems on these fields and on `field` are consequences
   * of this one, so they are not reported again: one cause, one problem. Only for `rejectsRow`.
   */
  readonly covers?: readonly string[] | 'every-field';
}

/** One row of one contract table, with where it came from. */
export interface SourceRow {
  readonly table: string;
  /** Human-readable place in the file: `line 12`, `sheet "Data" row 5`, `$.pilot[3]`, an XPath. */
  readonly locator: string;
  /** Values by contract field name; strings for text formats, JSON types for JSON. */
  readonly values: Readonly<Record<string, unknown>>;
  /** What the reader found wrong (or worth saying) about this row's record. */
  readonly problems?: readonly RowProblem[];
}

/**
 * Something about the file as a whole that the report must say (a column ignored, a hidden sheet
 * skipped, an aggregate area left out). It never quarantines a row.
 */
export interface ReadNotice {
  readonly table?: string;
  /** Where in the file: the header (`line 1`), a sheet (`sheet "Hidden"`), the first row concerned. */
  readonly locator: string;
  readonly field?: string;
  readonly rule: string;
  readonly message: string;
  readonly value?: string;
  readonly hint?: string;
}

export interface SourceReadResult {
  /** Detected or declared format, e.g. `kobo-csv`, `csv`, `json`, `iati-xml-2.03`. */
  readonly format: string;
  /** Contract versions the file declares, by table (`{"pilot": "1.0.0"}`). */
  readonly declaredContracts: Readonly<Record<string, string>>;
  /** The rows, in file order, each with its own problems. Iterated once. */
  readonly rows: AsyncIterable<SourceRow> | Iterable<SourceRow>;
  /** Notices about the whole file; complete once `rows` has been iterated. */
  readonly notices: ReadNotice[];
  /** Anything worth keeping about the file (HXL tags, sheet names, IATI version …). */
  readonly metadata: Record<string, unknown>;
}

export type SourceReader = (input: ReaderInput) => Promise<SourceReadResult>;

/** The whole file cannot be read: wrong encoding, not the format, a zip bomb, XML with DOCTYPE … */
export class SourceRefusedError extends Error {
  override readonly name = 'SourceRefusedError';
  readonly rule: string;
  readonly hint?: string;
  readonly locator?: string;
  constructor(message: string, rule: string, hint?: string, locator?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.rule = rule;
    this.hint = hint;
    this.locator = locator;
  }
}
