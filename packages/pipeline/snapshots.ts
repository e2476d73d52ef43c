/** Column added to every curated table: where the row stood in its source file. */
export const LOCATOR_COLUMN = '_locator';

export function curatedTableKey(table: string, sha256: string, snapshotId: string): string {
  return `tables/${table}/${sha256}/${snapshotId}.arrow`;
}
