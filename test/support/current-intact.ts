import { expect } from 'vitest';
import { versionItemsIntact } from '#packages/pipeline/publish.ts';
import type { BriefingStore, VersionRecord } from '#packages/storage/briefing-store.ts';

/**
 * The invariant every publish test ends with: CURRENT names a complete version, the pointer's
 * hash is the version's recorded hash, and the version's stored items hash to it (as many as it
 * records). Returns the live version's record.
 */
export async function expectCurrentIntact(
  briefings: Pick<BriefingStore, 'current' | 'getVersion' | 'listItems'>,
  dataset: string,
): Promise<VersionRecord> {
  const current = await briefings.current(dataset);
  expect(current, `${dataset} has a CURRENT pointer`).toBeDefined();
  const version = current?.version ?? 0;
  const record = await briefings.getVersion(dataset, version);
  expect(record, `CURRENT v${version} of ${dataset} is a complete version`).toBeDefined();
  if (!record) throw new Error('unreachable');
  expect(current?.contentHash, `CURRENT's hash is v${version}'s recorded hash`).toBe(record.contentHash);
  expect(await versionItemsIntact(briefings, record), `v${version}'s items hash to its record`).toBe(true);
  return record;
}
