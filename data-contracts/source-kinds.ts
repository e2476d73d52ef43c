/**
 * The source kinds the pipeline ingests: the `incoming/<kind>/` prefix of an upload, the folder a
 * file sits in for `hld run`, and the kind every table contract belongs to.
 */
export const SOURCE_KINDS = ['pilot', 'survey', 'stocktaking', 'reference', 'statistics'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** True when `value` names a source kind. */
export function isSourceKind(value: unknown): value is SourceKind {
  return typeof value === 'string' && (SOURCE_KINDS as readonly string[]).includes(value);
}
