import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { s3Client } from '#packages/storage/client-factory.ts';
import type { ObjectStore } from '#packages/storage/object-store.ts';

/** Default lifetime of a download link. */
export const DEFAULT_LINK_SECONDS = 3600;
/** SigV4 presigned URLs cannot live longer than 7 days. */
export const MAX_LINK_SECONDS = 7 * 24 * 3600;

export interface ExportLink {
  readonly key: string;
  /** Path below the prefix (`parquet/briefing_country.parquet`). */
  readonly path: string;
  /** First folder below the prefix: the export format (`manifest` for the manifest). */
  readonly format: string;
  readonly size: number;
  readonly url: string;
  readonly expiresAt: string;
}

export interface PresignOptions {
  /** Link lifetime. @default 3600 (1 h); at most 7 days */
  readonly expiresInSeconds?: number;
  /** @default the client factory's S3 client (same endpoint as the store) */
  readonly client?: S3Client;
  /** @default new Date() */
  readonly now?: Date;
}

/**
 * Presigned GET links to every object under `prefix` in the exports bucket: analysts download
 * without AWS credentials and without the bucket being public. Links expire (default 1 h). A link
 * signed with temporary credentials (a Lambda role) also stops working when those expire.
 */
export async function presignExportLinks(
  store: ObjectStore,
  prefix: string,
  options: PresignOptions = {},
): Promise<ExportLink[]> {
  const expiresIn = options.expiresInSeconds ?? DEFAULT_LINK_SECONDS;
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_LINK_SECONDS) {
    throw new RangeError(`Link lifetime must be 1–${MAX_LINK_SECONDS} s, not ${expiresIn}`);
  }
  const client = options.client ?? s3Client();
  const now = options.now ?? new Date();
  const expiresAt = new Date(now.getTime() + expiresIn * 1000).toISOString();
  const objects = (await store.list(prefix)).sort((a, b) => a.key.localeCompare(b.key));
  return Promise.all(
    objects.map(async (object) => {
      const path = object.key.slice(prefix.length);
      const url = await getSignedUrl(
        client,
        new GetObjectCommand({ Bucket: store.bucket, Key: object.key }),
        {
          expiresIn,
          signingDate: now,
        },
      );
      const slash = path.indexOf('/');
      return {
        key: object.key,
        path,
        format: slash > 0 ? path.slice(0, slash) : path.replace(/\.json$/, ''),
        size: object.size,
        url,
        expiresAt,
      };
    }),
  );
}
