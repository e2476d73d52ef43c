import { readFile } from 'node:fs/promises';
import { type SourceSidecar, sidecarOf, sourceSidecar } from '#contracts/source-registry.ts';
import { UsageError } from './output.ts';

/**
 * Registering the source document of an upload from the command line (data-contracts/
 * source-registry.ts): `hld ingest figures.csv --title … --publisher … --year … --url … --licence …`
 * writes the sidecar `figures.csv.source.json` beside the upload, which ingest reads. Without
 * flags, a `<file>.source.json` lying beside the file on disk is uploaded with it; without
 * either, the upload is an untitled upload.
 */

/** The options of `hld ingest` that describe the source document (as commander names them). */
const SOURCE_FLAGS = ['title', 'publisher', 'year', 'url', 'licence', 'docId', 'illustrative'] as const;

/** The flags as the CLI parsed them (`--doc-id` is `docId`); other options are ignored. */
export interface SourceFlags {
  readonly title?: string | undefined;
  readonly publisher?: string | undefined;
  readonly year?: string | undefined;
  readonly url?: string | undefined;
  readonly licence?: string | undefined;
  readonly docId?: string | undefined;
  readonly illustrative?: boolean | undefined;
}

/**
 * The sidecar the flags describe, or undefined when none is given. A flag without `--title`, a
 * year that is not a year, a URL that is not one: a UsageError naming the flag.
 */
export function sidecarFromFlags(flags: SourceFlags): SourceSidecar | undefined {
  // Only the source flags count: the CLI hands over every option it parsed.
  const given = SOURCE_FLAGS.map((name) => [name, flags[name]] as const).filter(
    ([, value]) => value !== undefined,
  );
  if (given.length === 0) return undefined;
  if (!flags.title)
    throw new UsageError(
      `--${given[0]![0] === 'docId' ? 'doc-id' : given[0]![0]} describes the source document: give its --title too (and --publisher, --year, --url, --licence)`,
    );
  const year = flags.year === undefined ? undefined : Number(flags.year);
  const checked = sourceSidecar.safeParse({
    title: flags.title,
    ...(flags.docId ? { doc_id: flags.docId } : {}),
    ...(flags.publisher ? { publisher: flags.publisher } : {}),
    ...(year !== undefined ? { year } : {}),
    ...(flags.url ? { url: flags.url } : {}),
    ...(flags.licence ? { licence: flags.licence } : {}),
    illustrative: flags.illustrative === true,
  });
  if (checked.success) return checked.data;
  const issue = checked.error.issues[0];
  const flag = issue?.path[0] === 'doc_id' ? 'doc-id' : String(issue?.path[0] ?? 'title');
  throw new UsageError(`--${flag}: ${issue?.message ?? 'invalid'}`);
}

/**
 * The sidecar bytes to upload beside a file: from the flags when given, else the file's own
 * `<file>.source.json` on disk, else none.
 */
export async function sidecarBytesFor(
  path: string,
  fromFlags: SourceSidecar | undefined,
): Promise<Uint8Array | undefined> {
  if (fromFlags) return Buffer.from(`${JSON.stringify(fromFlags, null, 2)}\n`);
  return readFile(sidecarOf(path)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
}
