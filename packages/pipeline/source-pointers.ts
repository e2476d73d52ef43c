import type { FileRecord, Ledger, SourcePointer } from '#packages/storage/ledger.ts';

/** The latest accepted upload of each name (by when the ledger first saw its bytes). */
export function latestAcceptedUploads(files: readonly FileRecord[]): Map<string, FileRecord> {
  const latest = new Map<string, FileRecord>();
  for (const file of files) {
    if (file.status !== 'accepted') continue;
    const seen = latest.get(file.sourceName);
    if (!seen || seen.receivedAt < file.receivedAt) latest.set(file.sourceName, file);
  }
  return latest;
}

/** A name pointed at its upload because an ingest stopped between recording it and pointing the name. */
export interface RepointedSource {
  readonly sourceName: string;
  readonly sha256: string;
  readonly rowsAccepted: number;
}

/**
 * Point every name that points at nothing, while an accepted upload of it exists, at its latest
 * accepted upload: the unambiguous state an ingest stopped between `recordFile` and `pointSource`
 * leaves (no transaction joins the two: dynalite has none). A name pointing at an older upload is
 * left alone (a later upload of older bytes is legitimately current; `hld doctor` reports it).
 * Returns the names pointed. `hld doctor` and every refresh apply it.
 */
export async function pointUnpointedSources(
  ledger: Pick<Ledger, 'pointSource'>,
  pointers: readonly SourcePointer[],
  files: readonly FileRecord[],
): Promise<{ repointed: RepointedSource[]; pointers: SourcePointer[] }> {
  const named = new Set(pointers.map((pointer) => pointer.sourceName));
  const repointed: RepointedSource[] = [];
  const added: SourcePointer[] = [];
  for (const [sourceName, file] of latestAcceptedUploads(files)) {
    if (named.has(sourceName)) continue;
    const pointer: SourcePointer = {
      sourceName,
      kind: file.kind,
      sha256: file.sha256,
      receivedAt: file.receivedAt,
    };
    if (!(await ledger.pointSource(pointer))) continue;
    repointed.push({ sourceName, sha256: file.sha256, rowsAccepted: file.rowsAccepted });
    added.push(pointer);
  }
  return { repointed, pointers: [...pointers, ...added] };
}
