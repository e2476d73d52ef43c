import { type BriefingItemType, isBriefingItemType } from '#contracts/briefing/item.ts';
import type { LocatorRange } from '#contracts/briefing/provenance.ts';
import { GLOBAL_SCOPE } from '#contracts/briefing/vocabulary.ts';
import { HLD_RT_SHORT } from '#contracts/vocabularies.ts';
import type { BriefingStore } from '#packages/storage/briefing-store.ts';
import type { FileRecord, Ledger } from '#packages/storage/ledger.ts';

/**
 * Tracing a briefing item back to the raw bytes: item → its lineage (documents, files, row
 * locator ranges) → each file's ledger record (raw object key, SHA-256, upload) → the curated tables
 * of the snapshot assemble read. One function, answered the same by `hld lineage` and by the API
 * (`GET /datasets/{dataset}/lineage/{item}`).
 */

/** A briefing item named by type and id. */
export interface ItemRef {
  readonly type: BriefingItemType;
  readonly id: string;
}

/** The item reference cannot be read (an unknown type or country). */
export class ItemRefError extends Error {
  override readonly name = 'ItemRefError';
}

/** Turns what a person typed for a country (a name, an alias) into its ISO3 code, or explains why not. */
export type CountryResolver = (value: string) => { ok: true; iso3: string } | { ok: false; message: string };

/**
 * `country#MDA`, `MDA`, `theme#RT3@GLOBAL` (or the full round-table code), `event#EV-…`,
 * `sources#all`. Without a resolver, a country must be given as its ISO3 code.
 */
export function parseItemRef(value: string, resolveCountry?: CountryResolver): ItemRef {
  const [type, ...rest] = value.includes('#') ? value.split('#') : ['country', value];
  if (!isBriefingItemType(type)) {
    throw new ItemRefError(
      `Unknown item type '${type}' in '${value}': use country#ISO3, theme#RT3@GLOBAL, event#EV-… or sources#all`,
    );
  }
  let id = rest.join('#');
  if (type === 'country') {
    if (resolveCountry) {
      const resolved = resolveCountry(id);
      if (!resolved.ok) throw new ItemRefError(resolved.message);
      id = resolved.iso3;
    } else if (/^[A-Za-z]{3}$/.test(id)) {
      id = id.toUpperCase();
    } else {
      throw new ItemRefError(`'${id}' is not an ISO 3166-1 alpha-3 code such as MDA`);
    }
  }
  if (type === 'theme') {
    const [theme = '', scope = GLOBAL_SCOPE] = id.split('@');
    id = `${HLD_RT_SHORT[theme.toUpperCase()] ?? theme}@${scope}`;
  }
  return { type, id };
}

/** Where an item's rows were read from, per document and file. */
export interface LineageEntry {
  readonly source_doc_id: string;
  readonly rows: number;
  /** Every row, as locator ranges (data-contracts/briefing/locator-ranges.ts). */
  readonly ranges: readonly LocatorRange[];
  readonly file:
    | {
        readonly sha256: string;
        readonly raw_key: string;
        readonly raw_uri: string;
        readonly upload_key: string;
        readonly doc_id: string;
        readonly received_at: string;
        readonly size_bytes: number;
      }
    | { readonly sha256: string; readonly missing: true };
  readonly curated: readonly { table: string; contract: string; key: string; uri: string }[];
}

export interface LineageTrace {
  readonly dataset: string;
  readonly version: number;
  readonly item: { readonly type: BriefingItemType; readonly id: string; readonly hash: string };
  readonly lineage: readonly LineageEntry[];
}

export interface LineageDependencies {
  readonly briefings: Pick<BriefingStore, 'current' | 'getItem'>;
  readonly ledger: Pick<Ledger, 'getFile' | 'latestSnapshot'>;
  readonly rawBucket: string;
  readonly curatedBucket: string;
}

/** Nothing to trace: no version published, or no such item in the version. */
export class LineageNotFoundError extends Error {
  override readonly name = 'LineageNotFoundError';
  /** `no-version`: nothing published (or no such version); `no-item`: the version has no such item. */
  readonly reason: 'no-version' | 'no-item';
  constructor(reason: 'no-version' | 'no-item', message: string) {
    super(message);
    this.reason = reason;
  }
}

function fileOf(file: FileRecord, rawBucket: string): LineageEntry['file'] {
  return {
    sha256: file.sha256,
    raw_key: file.rawKey,
    raw_uri: `s3://${rawBucket}/${file.rawKey}`,
    upload_key: file.uploadKey,
    doc_id: file.docId,
    received_at: file.receivedAt,
    size_bytes: file.sizeBytes,
  };
}

/**
 * The lineage of an item of a version (default: CURRENT), with each file's ledger record and the
 * curated tables of the snapshot assemble read for it. Throws LineageNotFoundError when there is
 * no such version or item.
 */
export async function traceLineage(
  deps: LineageDependencies,
  request: { readonly dataset: string; readonly ref: ItemRef; readonly version?: number },
): Promise<LineageTrace> {
  const { dataset, ref } = request;
  const version = request.version ?? (await deps.briefings.current(dataset))?.version;
  if (!version) throw new LineageNotFoundError('no-version', `No briefing of ${dataset} is published yet`);
  const item = await deps.briefings.getItem(dataset, version, ref.type, ref.id);
  if (!item)
    throw new LineageNotFoundError('no-item', `No item ${ref.type}#${ref.id} in ${dataset} v${version}`);
  const lineage = await Promise.all(
    (item.lineage?.sources ?? []).map(async (source): Promise<LineageEntry> => {
      const file = await deps.ledger.getFile(source.file_sha256);
      const snapshot = file ? await deps.ledger.latestSnapshot(file.sha256) : undefined;
      return {
        source_doc_id: source.source_doc_id,
        rows: source.rows,
        ranges: source.ranges,
        file: file ? fileOf(file, deps.rawBucket) : { sha256: source.file_sha256, missing: true },
        curated: (snapshot?.tables ?? [])
          .filter((entry) => source.tables.includes(entry.table))
          .map((entry) => ({
            table: entry.table,
            contract: entry.contract,
            key: entry.key,
            uri: `s3://${deps.curatedBucket}/${entry.key}`,
          })),
      };
    }),
  );
  return { dataset, version, item: { type: item.type, id: item.id, hash: item.hash }, lineage };
}
