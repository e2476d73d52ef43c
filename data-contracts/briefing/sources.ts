import { REGISTRATION } from '../source-registry.ts';
import { CONFIDENCE } from '../vocabularies.ts';
import * as z from '../zod.ts';
import { locatorRange, provenanceMarks } from './provenance.ts';

/**
 * The body of the `sources` item (one per version, id `all`): every document the briefing cites,
 * with the tables and rows citing it, and every broken reference across files.
 */

const optionalText = () => z.optional(z.string());

/**
 * A document cited by a briefing, as the source registry describes it (a `source_document` row,
 * a sidecar, or `untitled upload` when nobody registered it: data-contracts/source-registry.ts).
 */
export const citedSource = z.strictObject({
  source_doc_id: z.string(),
  title: z.string(),
  doc_type: optionalText(),
  publisher: optionalText(),
  year: z.optional(z.number()),
  /** Invented sample content: never evidence. */
  illustrative: z.boolean(),
  /** The weakest confidence of the rows citing the document. */
  confidence: z.enum(CONFIDENCE),
  registered_by: z.enum(REGISTRATION),
  licence: optionalText(),
  url: optionalText(),
  tables: z.array(z.string()),
  rows: z.number().check(z.int(), z.positive()),
});
export type CitedSource = z.infer<typeof citedSource>;

/**
 * A foreign key across files that does not resolve (a lesson in one upload naming a project no
 * upload has): one value of one field, with every row of a document that names it, as locator
 * ranges (locator-ranges.ts; `rows` of them). Listed, never silently dropped.
 */
export const integrityProblem = z.strictObject({
  table: z.string(),
  field: z.string(),
  value: z.string(),
  /** `<table>.<field>` the value should name. */
  references: z.string(),
  source_doc_id: z.string(),
  rows: z.number().check(z.int(), z.positive()),
  ranges: z.array(locatorRange),
});
export type IntegrityProblem = z.infer<typeof integrityProblem>;

/** One file's claim on a primary key (a row of the table, where it stood, what it cites). */
export const keyClaim = z.strictObject({
  file_name: z.string(),
  file_sha256: z.string(),
  locator: z.string(),
  source_doc_id: z.string(),
});

/**
 * A primary key claimed by rows of two or more live files that differ in a field (rule
 * `key-conflict`, docs/evidence-rules.md): neither row is published or counted, and every country
 * the rows concern has a caveat naming the files (one per table and set of files, counting keys).
 */
export const keyConflict = z.strictObject({
  table: z.string(),
  /** The key's values, joined with ' / '. */
  key: z.string(),
  claims: z.array(keyClaim),
});
export type KeyConflict = z.infer<typeof keyConflict>;

/** A file that claims keys another file claims with the same row. */
export const claimingFile = z.strictObject({
  file_name: z.string(),
  file_sha256: z.string(),
});

/**
 * Keys of one table that the same files claim with rows equal in every contract field (all but
 * where the row came from: `source_doc_id`, `source_locator`, `extracted_at` and the locator):
 * not a conflict (rule `key-conflict`, docs/evidence-rules.md). Each key is published once, from
 * the row of the first file (`files[0]`: the first in the order the live sources are read, by
 * source name); the other files' rows are not published again and never counted twice. One entry
 * per table and set of files (briefing_item 4.3.0).
 */
export const agreeingClaims = z.strictObject({
  table: z.string(),
  /** The files claiming the keys; the first is the one whose rows are published. */
  files: z.array(claimingFile),
  /** How many keys. */
  keys: z.number().check(z.int(), z.positive()),
  /** The first keys (at most 5), their values joined with ' / '. */
  first_keys: z.array(z.string()),
});
export type AgreeingClaims = z.infer<typeof agreeingClaims>;

export const sourcesBody = z.strictObject({
  sources: z.array(citedSource),
  integrity_problems: z.array(integrityProblem),
  /** Primary keys claimed by two live files with rows that differ: held back from every item. */
  key_conflicts: z.array(keyConflict),
  /** Keys several live files claim with the same row: published once (absent when there are none). */
  agreeing_claims: z.optional(z.array(agreeingClaims)),
  /** Illustrative documents and untitled uploads, named; key conflicts and agreeing claims, counted per table and files. */
  caveats: z.array(z.string()),
  ...provenanceMarks,
});
export type SourcesBody = z.infer<typeof sourcesBody>;
