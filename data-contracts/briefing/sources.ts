import * as z from '../zod.ts';

/**
 * The body of the `sources` item (one per version, id `all`): every document the briefing cites,
 * with the tables and rows citing it, and every broken reference across files.
 */

const optionalText = () => z.optional(z.string());

/** A document cited by a briefing, described by its `source_document` row when there is one. */
export const citedSource = z.strictObject({
  source_doc_id: z.string(),
  title: optionalText(),
  doc_type: optionalText(),
  /** Present when the document has a `source_document` row: invented sample content, never evidence. */
  illustrative: z.optional(z.boolean()),
  licence: optionalText(),
  url: optionalText(),
  tables: z.array(z.string()),
  rows: z.number().check(z.int(), z.positive()),
});
export type CitedSource = z.infer<typeof citedSource>;

/**
 * A foreign key across files that does not resolve (a lesson in one upload naming a project no
 * upload has). Listed, never silently dropped.
 */
export const integrityProblem = z.strictObject({
  table: z.string(),
  field: z.string(),
  value: z.string(),
  /** `<table>.<field>` the value should name. */
  references: z.string(),
  locator: z.string(),
  source_doc_id: z.string(),
});
export type IntegrityProblem = z.infer<typeof integrityProblem>;

export const sourcesBody = z.strictObject({
  sources: z.array(citedSource),
  integrity_problems: z.array(integrityProblem),
});
export type SourcesBody = z.infer<typeof sourcesBody>;
