import { HLD_RT_SHORT } from '#contracts/vocabularies.ts';
import { countryReference } from '#packages/formats/countries.ts';
import { snapshotIdFor } from '#packages/pipeline/normalise.ts';
import { EXIT, type Output, table, UsageError } from '../output.ts';
import type { Session } from '../session.ts';

/** Parse `country#MDA`, `MDA`, `theme#RT3@GLOBAL`, `event#EV-…`. */
function parseItem(value: string): { type: string; id: string } {
  const [type, ...rest] = value.includes('#') ? value.split('#') : ['country', value];
  let id = rest.join('#');
  if (type === 'country') {
    const resolved = countryReference().resolve(id);
    if (!resolved.ok) throw new UsageError(resolved.message);
    id = resolved.iso3;
  }
  if (type === 'theme') {
    const [theme = '', scope = 'GLOBAL'] = id.split('@');
    id = `${HLD_RT_SHORT[theme.toUpperCase()] ?? theme}@${scope}`;
  }
  return { type: type ?? 'country', id };
}

/**
 * `hld lineage <item>`: from a briefing item to the curated rows it was built from, their
 * documents and row locators, and the raw objects (key + SHA-256) that carried them.
 */
export async function lineageCommand(
  session: Session,
  out: Output,
  args: { item?: string; version?: string },
): Promise<number> {
  if (!args.item)
    throw new UsageError(
      'Name a briefing item: hld lineage country#MDA (or MDA, theme#RT3@GLOBAL, event#EV-20131003-hld)',
    );
  const { type, id } = parseItem(args.item);
  const dataset = session.ctx.config.dataset;
  const current = await session.ctx.briefings.current(dataset);
  const version = args.version ? Number(args.version) : current?.version;
  if (!version) throw new UsageError(`No briefing of ${dataset} is published yet`);
  const item = await session.ctx.briefings.getItem(dataset, version, type, id);
  if (!item) {
    out.info(`No item ${type}#${id} in ${dataset} v${version}`);
    return EXIT.problems;
  }
  const refs = item.lineage?.sources ?? [];
  const files = await Promise.all(
    refs.map(async (ref) => {
      const file = await session.ctx.ledger.getFile(ref.file_sha256);
      const snapshot = file
        ? await session.ctx.ledger.getSnapshot(file.sha256, snapshotIdFor(file.kind))
        : undefined;
      return {
        source_doc_id: ref.source_doc_id,
        rows: ref.rows,
        locators: ref.locators,
        file: file
          ? {
              sha256: file.sha256,
              raw_key: file.rawKey,
              raw_uri: `s3://${session.ctx.config.rawBucket}/${file.rawKey}`,
              upload_key: file.uploadKey,
              doc_id: file.docId,
              received_at: file.receivedAt,
              size_bytes: file.sizeBytes,
            }
          : { sha256: ref.file_sha256, missing: true },
        curated: (snapshot?.tables ?? [])
          .filter((entry) => ref.tables.includes(entry.table))
          .map((entry) => ({
            table: entry.table,
            contract: entry.contract,
            key: entry.key,
            uri: `s3://${session.ctx.config.curatedBucket}/${entry.key}`,
          })),
      };
    }),
  );
  const result = { dataset, version, item: { type, id, hash: item.hash }, lineage: files };
  out.result(result, () =>
    [
      `${type}#${id} in ${dataset} v${version} (item hash ${item.hash.slice(0, 12)}) was built from:`,
      table(
        ['document', 'rows', 'raw object', 'sha256', 'curated tables'],
        files.map((entry) => [
          entry.source_doc_id,
          entry.rows,
          'raw_uri' in entry.file ? entry.file.raw_uri : '(missing)',
          entry.file.sha256.slice(0, 16),
          entry.curated.map((c) => c.table).join(' '),
        ]),
      ),
      '',
      'Row locators (first of each source):',
      ...files.map(
        (entry) =>
          `  ${entry.source_doc_id}: ${entry.locators.slice(0, 5).join('; ')}${entry.locators.length > 5 ? ' …' : ''}`,
      ),
    ].join('\n'),
  );
  return EXIT.ok;
}
