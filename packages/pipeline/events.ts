// zod/mini as a namespace import (esbuild tree-shakes it): stages that parse events carry ≈ 16 KB of zod.
import * as z from 'zod/mini';
import { SOURCE_KINDS } from '#contracts/source-kinds.ts';

/** EventBridge `source` of every event the pipeline emits. */
export const PIPELINE_EVENT_SOURCE = 'hld.evidence';

// Source kinds are vocabulary of the ground floor; re-exported for the pipeline's own importers.
export { SOURCE_KINDS, type SourceKind } from '#contracts/source-kinds.ts';

/** Detail of S3's `Object Created` event as EventBridge delivers it. */
export const objectCreatedDetail = z.object({
  bucket: z.object({ name: z.string().check(z.minLength(1)) }),
  object: z.object({
    key: z.string().check(z.minLength(1)),
    size: z.optional(z.number().check(z.int(), z.nonnegative())),
  }),
});
export type ObjectCreatedDetail = z.infer<typeof objectCreatedDetail>;

const sourceAcceptedFile = {
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  kind: z.enum(SOURCE_KINDS),
  sourceName: z.string().check(z.minLength(1)),
  rawKey: z.string().check(z.minLength(1)),
  docId: z.string().check(z.minLength(1)),
  format: z.string().check(z.minLength(1)),
};

/**
 * Emitted by ingest when a file has been kept and recorded: validated, with its row counts; or,
 * for a large upload whose head passed, `rows: 'pending'`: normalise counts the rows and gives
 * the file its verdict (docs/ingest-one-pass.md).
 */
export const sourceAcceptedDetail = z.union([
  z.object({
    ...sourceAcceptedFile,
    rowsAccepted: z.number().check(z.int(), z.nonnegative()),
    rowsQuarantined: z.number().check(z.int(), z.nonnegative()),
  }),
  z.object({ ...sourceAcceptedFile, rows: z.literal('pending') }),
]);
export type SourceAcceptedDetail = z.infer<typeof sourceAcceptedDetail>;

/** Emitted by normalise when the Arrow tables of one source file are in the curated bucket. */
export const snapshotWrittenDetail = z.object({
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  kind: z.enum(SOURCE_KINDS),
  tables: z.array(
    z.object({ table: z.string(), key: z.string(), rows: z.number().check(z.int(), z.nonnegative()) }),
  ),
});
export type SnapshotWrittenDetail = z.infer<typeof snapshotWrittenDetail>;

/** Emitted by assemble when a new briefing version is live. */
export const briefingPublishedDetail = z.object({
  dataset: z.string(),
  version: z.number().check(z.int(), z.positive()),
  previousVersion: z.number().check(z.int(), z.nonnegative()),
  contentHash: z.string(),
  diff: z.object({
    added: z.number().check(z.int()),
    removed: z.number().check(z.int()),
    changed: z.number().check(z.int()),
    /** Why the replaced version could not be compared (it is damaged); the counts are 0 then. */
    previousDamaged: z.optional(z.string()),
  }),
});
export type BriefingPublishedDetail = z.infer<typeof briefingPublishedDetail>;

export const PIPELINE_EVENTS = {
  'Object Created': objectCreatedDetail,
  SourceAccepted: sourceAcceptedDetail,
  SnapshotWritten: snapshotWrittenDetail,
  BriefingPublished: briefingPublishedDetail,
} as const;

export type PipelineEventType = keyof typeof PIPELINE_EVENTS;

/** An event as the router and EventBridge carry it. `id` makes redelivery detectable. */
export interface PipelineEvent<T extends PipelineEventType = PipelineEventType> {
  readonly id: string;
  readonly source: string;
  readonly detailType: T;
  readonly detail: z.infer<(typeof PIPELINE_EVENTS)[T]>;
  readonly time: string;
}

/** Parse and check the detail of an event of a known type. */
export function parseEventDetail<T extends PipelineEventType>(
  detailType: T,
  detail: unknown,
): z.infer<(typeof PIPELINE_EVENTS)[T]> {
  return PIPELINE_EVENTS[detailType].parse(detail) as z.infer<(typeof PIPELINE_EVENTS)[T]>;
}
