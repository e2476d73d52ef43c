import { BUCKETS, type ResourceNames, resourceNames } from '#packages/storage/resources.ts';

/**
 * The names of the buckets of `resources.ts` (what a local S3 emulator creates). Apart from
 * bootstrap.ts, which loads the AWS SDK: the emulator child is started before hld loads it.
 */
export function bucketNames(names: ResourceNames = resourceNames()): string[] {
  const byId = { raw: names.rawBucket, curated: names.curatedBucket, exports: names.exportsBucket };
  return Object.keys(BUCKETS).map((id) => byId[id as keyof typeof byId]);
}
