/**
 * Where a briefing version's exports live in the exports bucket. Kept apart from the renderers
 * so the API (which only lists and signs) does not load Arrow.
 */
export function exportPrefix(dataset: string, version: number): string {
  return `briefings/${dataset}/v${version}/`;
}

/** The manifest of one version's exports; written last, so its presence means "complete". */
export const EXPORT_MANIFEST = 'manifest.json';

/** What {@link exportsIntact} reads: the manifest and the digest of each object it names. */
export interface ExportObjects {
  getText(key: string): Promise<string>;
  sha256(key: string): Promise<string>;
}

/**
 * True when a version's exports are complete and unchanged: its manifest (written last) is there
 * and every object it names still has the SHA-256 the manifest records.
 */
export async function exportsIntact(
  exports: ExportObjects,
  dataset: string,
  version: number,
): Promise<boolean> {
  try {
    const manifest = JSON.parse(
      await exports.getText(`${exportPrefix(dataset, version)}${EXPORT_MANIFEST}`),
    ) as {
      objects: { key: string; sha256: string }[];
    };
    for (const object of manifest.objects) {
      if ((await exports.sha256(object.key)) !== object.sha256) return false;
    }
    return true;
  } catch {
    return false;
  }
}
