import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { BriefingItem } from '#contracts/briefing/item.ts';
import { buildBriefing } from '#packages/briefing/build.ts';
import type { CuratedRow } from '#packages/briefing/model.ts';
import { emptySummary, validateRows } from '#packages/contracts/validate.ts';
import { readSource } from '#packages/formats/index.ts';
import { SAMPLE_FILES, SAMPLES } from './pipeline.ts';

/**
 * The briefing of the bundled evidence base, built in-process by the real readers, contracts and
 * builder (no backend): what `npm start` publishes, for tests of what is rendered from it.
 * Files are addressed by SHA-256 and raw key as ingest addresses them.
 */
export async function sampleBriefing(): Promise<BriefingItem[]> {
  const tables: Record<string, CuratedRow[]> = {};
  for (const file of SAMPLE_FILES) {
    const bytes = new Uint8Array(await readFile(new URL(file.path, SAMPLES)));
    const sha = createHash('sha256').update(bytes).digest('hex');
    const fileName = file.path.split('/').pop()!;
    const rawKey = `raw/${file.kind}/${sha}/${fileName}`;
    const docId = `DOC-${sha.slice(0, 12)}`;
    const read = await readSource({
      bytes,
      fileName,
      kind: file.kind,
      docId,
      receivedAt: '2013-01-05T12:00:00Z',
    });
    for await (const accepted of validateRows(read, fileName, emptySummary())) {
      const rows = tables[accepted.table] ?? [];
      tables[accepted.table] = rows;
      const confidence = accepted.row.confidence;
      rows.push({
        row: accepted.row,
        ref: {
          table: accepted.table,
          locator: accepted.locator,
          file_sha256: sha,
          raw_key: rawKey,
          source_doc_id: String(accepted.row.source_doc_id ?? docId),
          ...(typeof confidence === 'string' ? { confidence } : {}),
        },
      });
    }
  }
  return buildBriefing(tables);
}
