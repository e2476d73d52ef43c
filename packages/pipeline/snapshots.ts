// The locator column is vocabulary of the ground floor; re-exported for the pipeline's own importers.
export { LOCATOR_COLUMN } from '#contracts/curated-columns.ts';

export function curatedTableKey(table: string, sha256: string, snapshotId: string): string {
  return `tables/${table}/${sha256}/${snapshotId}.arrow`;
}
