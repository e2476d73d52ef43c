import { createHash } from 'node:crypto';
import type { BriefingItem, StoredBriefingItem } from './item.ts';

/**
 * The hashing rules of the briefing contract: equal content gives equal bytes and equal hashes,
 * whoever computes them (assemble before writing, storage, exports, tests).
 */

/** Deterministic JSON: object keys sorted, so equal content gives equal bytes and hashes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
      return Object.fromEntries(
        Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      );
    }
    return inner;
  });
}

/** SHA-256 of an item's canonical body (lineage is not part of it). */
export function itemHash(item: Pick<BriefingItem, 'body'>): string {
  return createHash('sha256').update(canonicalJson(item.body)).digest('hex');
}

/**
 * The canonical body text each `withHash` item was hashed from, for `storedItemJson` to reuse:
 * serialising the bodies is most of hashing them (17 MB of bodies at 1M survey rows), and
 * storage would otherwise serialise them again. Weak: the text lives as long as its item.
 */
const hashedBodies = new WeakMap<object, string>();

/**
 * The stored text of an item: `canonicalJson({ body, lineage: lineage ?? null })`, with the body
 * text `withHash` hashed when the item came from it (the same bytes either way).
 */
export function storedItemJson(item: Pick<BriefingItem, 'body' | 'lineage'>): string {
  const body = hashedBodies.get(item);
  if (body === undefined) return canonicalJson({ body: item.body, lineage: item.lineage ?? null });
  // The keys in canonical order ('body' < 'lineage'), each value as canonicalJson writes it.
  return `{"body":${body},"lineage":${canonicalJson(item.lineage ?? null)}}`;
}

/** `<type>#<id>`: an item's key within a version. */
export function itemKey(item: Pick<BriefingItem, 'type' | 'id'>): string {
  return `${item.type}#${item.id}`;
}

/** The item with its hash (its canonical body text kept for `storedItemJson`). */
export function withHash<T extends BriefingItem>(item: T): T & { readonly hash: string } {
  const body = canonicalJson(item.body);
  const hashed = { ...item, hash: createHash('sha256').update(body).digest('hex') };
  hashedBodies.set(hashed, body);
  return hashed;
}

/** The content hash of a version: over the sorted (key, item hash) pairs. */
export function contentHash(items: readonly Pick<StoredBriefingItem, 'type' | 'id' | 'hash'>[]): string {
  const hash = createHash('sha256');
  for (const item of [...items].sort((a, b) => itemKey(a).localeCompare(itemKey(b)))) {
    hash.update(`${itemKey(item)}\u0000${item.hash}\n`);
  }
  return hash.digest('hex');
}
