import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { isSourceKind, SOURCE_KINDS, type SourceKind } from '#contracts/source-kinds.ts';
import { isSidecarName } from '#contracts/source-registry.ts';
import { hasReader, READABLE_EXTENSIONS } from '#packages/formats/index.ts';
import { UsageError } from './output.ts';

/**
 * Which local files `hld run` and `hld ingest` upload: the one rule for both. A file path means
 * that file, exactly; a directory means every file under it that a reader reads (the extensions
 * of the reader registry, packages/formats/index.ts). A file no reader reads is reported, never
 * silently dropped; hidden files (`.DS_Store`) are passed over.
 */

export interface SelectedFile {
  readonly path: string;
  readonly kind: SourceKind;
}

export interface SkippedFile {
  readonly path: string;
  /** True when the file was named on the command line (not found in a directory). */
  readonly named: boolean;
  readonly reason: string;
}

export interface FileSelection {
  readonly files: readonly SelectedFile[];
  readonly skipped: readonly SkippedFile[];
}

const noReader = (path: string) =>
  `no reader reads ${basename(path)} (readers read ${READABLE_EXTENSIONS.join(', ')})`;

/** The source kind of a file: `--kind`, else the first folder under the root, else its own folder's name. */
function kindOf(path: string, root: string | undefined, kindFlag?: string): SourceKind {
  if (kindFlag !== undefined) {
    if (isSourceKind(kindFlag)) return kindFlag;
    throw new UsageError(`--kind ${kindFlag} is not a source kind: use one of ${SOURCE_KINDS.join(', ')}`);
  }
  const candidates = [
    root === undefined ? undefined : relative(root, path).split(/[\\/]/)[0],
    basename(dirname(path)),
  ];
  const kind = candidates.find((candidate) => candidate !== undefined && isSourceKind(candidate));
  if (kind && isSourceKind(kind)) return kind;
  throw new UsageError(
    `Cannot tell the source kind of ${path}: put it in a folder named after its kind (${SOURCE_KINDS.join(', ')}) or pass --kind`,
  );
}

/** The files of the given paths (files and directories), in order, with what was skipped and why. */
export async function selectIngestFiles(paths: readonly string[], kindFlag?: string): Promise<FileSelection> {
  const files: SelectedFile[] = [];
  const skipped: SkippedFile[] = [];
  const walk = async (dir: string, root: string) => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const entry of entries) {
      // Hidden files, and sidecars: a sidecar travels with the file it describes (source-flags.ts).
      if (entry.name.startsWith('.') || isSidecarName(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path, root);
      else if (!hasReader(entry.name)) skipped.push({ path, named: false, reason: noReader(path) });
      else files.push({ path, kind: kindOf(path, root, kindFlag) });
    }
  };
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new UsageError(`${path} does not exist`);
    if (info.isDirectory()) await walk(path, path);
    else if (!hasReader(path)) skipped.push({ path, named: true, reason: noReader(path) });
    else files.push({ path, kind: kindOf(path, undefined, kindFlag) });
  }
  return { files, skipped };
}
