import { createHash } from 'node:crypto';
import type { BriefingItem } from '#contracts/briefing/item.ts';
import { forEachConcurrently } from '#packages/storage/concurrently.ts';
import type { ObjectStore } from '#packages/storage/object-store.ts';
import { EXPORT_FORMATS, type ExportFormat } from './formats.ts';
import { EXPORT_MANIFEST } from './layout.ts';
import { type RenderOptions, renderBriefingExport } from './render.ts';
import type { ExportMeta } from './tables.ts';

export interface ExportObject {
  readonly key: string;
  readonly format: ExportFormat | 'manifest';
  readonly size: number;
  readonly sha256: string;
  readonly contentType: string;
}

/** Export objects put at once (each a PutObject of its own). */
const PUTS_IN_FLIGHT = 8;

function metaFromPrefix(prefix: string): ExportMeta {
  const match = /(?:^|\/)briefings\/([^/]+)\/v(\d+)\/$/.exec(prefix);
  return {
    dataset: match?.[1] ?? 'briefing',
    version: Number(match?.[2] ?? 0),
    asOf: new Date().toISOString().slice(0, 10),
  };
}

/**
 * Render the given formats of a briefing and put them under `prefix` in the exports bucket, one
 * folder per format (`briefings/hld2013/v3/parquet/briefing_country.parquet`), then a
 * `manifest.json` listing every object with its size and SHA-256. `meta` defaults to the dataset
 * and version read from a `briefings/<dataset>/v<N>/` prefix and today's date; pass the
 * version's creation date as `asOf` so exports of one version are the same bytes every time.
 */
export async function writeExportsToBucket(
  items: readonly BriefingItem[],
  store: ObjectStore,
  prefix: string,
  formats: readonly ExportFormat[] = EXPORT_FORMATS,
  meta: ExportMeta = metaFromPrefix(prefix.endsWith('/') ? prefix : `${prefix}/`),
  options: Pick<RenderOptions, 'onProgress' | 'storedHashes'> = {},
): Promise<ExportObject[]> {
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const written: ExportObject[] = [];
  for (const format of formats) {
    const files = await renderBriefingExport(format, items, meta, options);
    // A format's files go up PUTS_IN_FLIGHT at a time (one at a time, the 188 small Markdown
    // files of a version spent 0.8 s waiting on round trips); the manifest lists them in order.
    // A failed put stops the others taking new files; nothing is left in flight when it throws.
    const objects = new Array<ExportObject>(files.length);
    await forEachConcurrently(files, PUTS_IN_FLIGHT, async (file, index) => {
      const key = `${base}${format}/${file.path}`;
      await store.put(key, file.bytes, {
        contentType: file.contentType,
        metadata: { dataset: meta.dataset, version: String(meta.version), format },
      });
      objects[index] = {
        key,
        format,
        size: file.bytes.byteLength,
        sha256: createHash('sha256').update(file.bytes).digest('hex'),
        contentType: file.contentType,
      };
    });
    written.push(...objects);
  }
  const manifest = JSON.stringify(
    { dataset: meta.dataset, version: meta.version, as_of: meta.asOf, formats, objects: written },
    null,
    2,
  );
  const manifestKey = `${base}${EXPORT_MANIFEST}`;
  await store.put(manifestKey, manifest, { contentType: 'application/json; charset=utf-8' });
  written.push({
    key: manifestKey,
    format: 'manifest',
    size: Buffer.byteLength(manifest),
    sha256: createHash('sha256').update(manifest).digest('hex'),
    contentType: 'application/json; charset=utf-8',
  });
  return written;
}
