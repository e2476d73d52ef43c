import { CONFIDENCE } from '../vocabularies.ts';
import * as z from '../zod.ts';
import { isLocatorRange } from './locator-ranges.ts';
import { MAX_SUMMARY_LOCATORS } from './vocabulary.ts';

/**
 * Provenance shapes shared by every briefing item: the link from one statement to its source
 * row, the documents an item rests on (content), and the item's lineage (provenance kept beside
 * the content, outside its hash).
 */

/**
 * How far a statement (or an item, or a section derived from statements) can be cited:
 * `confidence` is the weakest of the rows it shows (a row of an illustrative document, or one
 * stating no confidence, counts as `low`), `illustrative` is true when any of them rests on an
 * illustrative document (data-contracts/source-registry.ts). Derived facts inherit both.
 */
export const provenanceMarks = {
  confidence: z.enum(CONFIDENCE),
  illustrative: z.boolean(),
} as const;

/** One statement's source: the document it states, the curated table, the row's locator, its marks. */
export const sourceLink = z.strictObject({
  source_doc_id: z.string(),
  table: z.string(),
  locator: z.string(),
  ...provenanceMarks,
});
export type SourceLink = z.infer<typeof sourceLink>;

/**
 * A document an item rests on, as content: which tables and how many rows cite it, and the first
 * row locators (`<table> <locator>`, at most {@link MAX_SUMMARY_LOCATORS}, vocabulary.ts). File SHA-256s and raw
 * keys are provenance, not content: they are in the item's lineage.
 */
export const documentSummary = z.strictObject({
  source_doc_id: z.string(),
  /** The registered title, or `untitled upload` (data-contracts/source-registry.ts). */
  title: z.string(),
  /** The document is illustrative: its rows are invented content. */
  illustrative: z.boolean(),
  /** The weakest confidence of the rows of this document behind the item. */
  confidence: z.enum(CONFIDENCE),
  tables: z.array(z.string()),
  rows: z.number().check(z.int(), z.nonnegative()),
  locators: z.array(z.string()),
});
export type DocumentSummary = z.infer<typeof documentSummary>;

/**
 * Consecutive rows of one table of one file, by their locators: `first`, then every locator that
 * counts up from it by one at one place, to `last` (`line 2` … `line 22`); `last` is absent for
 * one row. The rule, and expanding a range back into its locators: locator-ranges.ts.
 */
export const locatorRange = z
  .strictObject({
    table: z.string(),
    first: z.string(),
    last: z.optional(z.string()),
  })
  .check(
    z.refine((range) => isLocatorRange(range), {
      message: 'first and last must differ in one number only, first below last',
    }),
  );
export type LocatorRange = z.infer<typeof locatorRange>;

/**
 * Per document and uploaded file: the raw object (key + SHA-256), the tables, and every row the
 * item rests on as locator ranges (expanded, the rows in the builder's order; `rows` of them).
 */
export const lineageSource = z.strictObject({
  source_doc_id: z.string(),
  file_sha256: z.string(),
  /** '' when the ledger had no record of the file. */
  raw_key: z.string(),
  tables: z.array(z.string()),
  rows: z.number().check(z.int(), z.nonnegative()),
  ranges: z.array(locatorRange),
});
export type LineageSource = z.infer<typeof lineageSource>;

/**
 * Where an item's rows came from. Kept beside the content but outside its hash: re-uploading a
 * file with one row changed gives new SHA-256s everywhere, yet only the items that row feeds change.
 */
export const briefingLineage = z.strictObject({ sources: z.array(lineageSource) });
export type BriefingLineage = z.infer<typeof briefingLineage>;
