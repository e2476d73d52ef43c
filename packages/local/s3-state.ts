import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ObjectStore } from '#packages/storage/object-store.ts';

/**
 * Keeps the embedded S3 emulator's objects on disk between CLI runs (fauxqs is in-memory).
 * Bodies are stored content-addressed under `blobs/`, with one index per bucket, so any key,
 * odd characters included, round-trips without becoming a file path.
 */

interface BucketIndex {
  readonly objects: Record<string, string>;
}

async function readIndex(path: string): Promise<BucketIndex> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as BucketIndex;
  } catch {
    return { objects: {} };
  }
}

export async function restoreBuckets(stateDir: string, buckets: readonly string[]): Promise<number> {
  let restored = 0;
  for (const bucket of buckets) {
    const index = await readIndex(join(stateDir, `${bucket}.index.json`));
    const store = new ObjectStore(bucket);
    const entries = Object.entries(index.objects);
    for (let start = 0; start < entries.length; start += 16) {
      await Promise.all(
        entries.slice(start, start + 16).map(async ([key, digest]) => {
          await store.put(key, await readFile(join(stateDir, 'blobs', digest)));
          restored += 1;
        }),
      );
    }
  }
  return restored;
}

export async function saveBuckets(stateDir: string, buckets: readonly string[]): Promise<void> {
  await mkdir(join(stateDir, 'blobs'), { recursive: true });
  for (const bucket of buckets) {
    const store = new ObjectStore(bucket);
    const previous = await readIndex(join(stateDir, `${bucket}.index.json`));
    const objects: Record<string, string> = {};
    for (const object of await store.list('')) {
      const bytes = await store.get(object.key);
      const digest = createHash('sha256').update(bytes).digest('hex');
      if (previous.objects[object.key] !== digest) await writeFile(join(stateDir, 'blobs', digest), bytes);
      objects[object.key] = digest;
    }
    const indexPath = join(stateDir, `${bucket}.index.json`);
    await writeFile(`${indexPath}.tmp`, JSON.stringify({ objects }));
    await rename(`${indexPath}.tmp`, indexPath);
  }
}
