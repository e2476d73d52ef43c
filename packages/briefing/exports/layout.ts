/**
 * Where a briefing version's exports live in the exports bucket. Kept apart from the renderers
 * so the API (which only lists and signs) does not load Arrow.
 */
export function exportPrefix(dataset: string, version: number): string {
  return `briefings/${dataset}/v${version}/`;
}

/** The manifest of one version's exports; written last, so its presence means "complete". */
export const EXPORT_MANIFEST = 'manifest.json';
