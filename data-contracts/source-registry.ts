import { CONFIDENCE } from './vocabularies.ts';
import * as z from './zod.ts';

/**
 * The source document registry: what a briefing can say about a document it cites — its title,
 * publisher, year, URL, licence, and whether it is `illustrative` (invented sample content, never
 * evidence). Entries come from two places, merged by `doc_id` at assemble:
 *
 * - `source_document` rows of a reference file (data-contracts/reference.ts);
 * - the sidecar `<file>.source.json` uploaded beside a file (or written by the CLI from
 *   `--title --publisher --year --url --licence`), read by ingest and kept on the file's record.
 *
 * A file uploaded without either is an **untitled upload**: its rows cite `DOC-<sha1>` and the
 * briefing shows the title {@link UNTITLED_UPLOAD}, so nobody mistakes it for a known source.
 */

/** The title a briefing shows for a document nobody registered. */
export const UNTITLED_UPLOAD = 'untitled upload';

/** A sidecar's name is its file's name plus this suffix: `figures.csv` → `figures.csv.source.json`. */
export const SIDECAR_SUFFIX = '.source.json';

/** True when a file name is a sidecar (it describes a file; it is never read as a source). */
export function isSidecarName(fileName: string): boolean {
  return fileName.endsWith(SIDECAR_SUFFIX);
}

/** The sidecar key or path of a file key or path. */
export function sidecarOf(fileKey: string): string {
  return `${fileKey}${SIDECAR_SUFFIX}`;
}

const DOC_ID = /^DOC-[A-Za-z0-9-]{3,40}$/;
const optionalText = (max: number) => z.optional(z.string().check(z.minLength(1), z.maxLength(max)));
const year = () => z.number().check(z.int(), z.gte(1900), z.lte(2100));

/**
 * A sidecar `<file>.source.json`: the document a file's rows state. `doc_id` is optional: without
 * it the file keeps its content id (`DOC-<sha1>`), now with a title. With it, every row the file's
 * reader extracts cites that id (register the bundled survey export under
 * `DOC-illustrative-gmg-unct-2011-kobo`, say), so a reference file can describe it further.
 */
export const sourceSidecar = z.strictObject({
  doc_id: z.optional(z.string().check(z.regex(DOC_ID, 'must look like DOC-<id>'))),
  title: z.string().check(z.minLength(1), z.maxLength(500)),
  publisher: optionalText(200),
  year: z.optional(year()),
  url: z.optional(z.url()),
  licence: optionalText(200),
  /** Invented content (samples, tests, drafts): shown as illustrative on every surface. */
  illustrative: z._default(z.boolean(), false),
});
export type SourceSidecar = z.infer<typeof sourceSidecar>;

/** Where a registry entry came from. */
export const REGISTRATION = ['source_document', 'sidecar', 'untitled'] as const;

/** One entry of the registry, as the briefing and its exports cite it. */
export const registeredDocument = z.strictObject({
  doc_id: z.string().check(z.minLength(1)),
  title: z.string().check(z.minLength(1)),
  publisher: z.optional(z.string()),
  year: z.optional(z.number()),
  url: z.optional(z.string()),
  licence: z.optional(z.string()),
  illustrative: z.boolean(),
  registered_by: z.enum(REGISTRATION),
});
export type RegisteredDocument = z.infer<typeof registeredDocument>;

/** The entry of a file uploaded with a sidecar. */
export function documentFromSidecar(docId: string, sidecar: SourceSidecar): RegisteredDocument {
  return {
    doc_id: docId,
    title: sidecar.title,
    ...(sidecar.publisher ? { publisher: sidecar.publisher } : {}),
    ...(sidecar.year !== undefined ? { year: sidecar.year } : {}),
    ...(sidecar.url ? { url: sidecar.url } : {}),
    ...(sidecar.licence ? { licence: sidecar.licence } : {}),
    illustrative: sidecar.illustrative,
    registered_by: 'sidecar',
  };
}

/** The entry of a document nobody registered: visibly an untitled upload. */
export function untitledDocument(docId: string): RegisteredDocument {
  return { doc_id: docId, title: UNTITLED_UPLOAD, illustrative: false, registered_by: 'untitled' };
}

/** A row's confidence, strongest first (data-contracts/vocabularies.ts CONFIDENCE). */
export type Confidence = (typeof CONFIDENCE)[number];

/**
 * The confidence a fact can be cited with: its row's own, but never above `low` when its document
 * is illustrative (invented content is never evidence), and `low` when the row states none.
 */
export function effectiveConfidence(stated: unknown, illustrative: boolean): Confidence {
  if (illustrative) return 'low';
  return (CONFIDENCE as readonly unknown[]).includes(stated) ? (stated as Confidence) : 'low';
}

/** The weakest of some confidences (`high` for none: nothing shown, nothing weak). */
export function weakestConfidence(values: Iterable<Confidence>): Confidence {
  let rank = 0;
  for (const value of values) rank = Math.max(rank, CONFIDENCE.indexOf(value));
  return CONFIDENCE[rank]!;
}
