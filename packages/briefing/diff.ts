import type { BriefingItemType, StoredBriefingItem } from '#contracts/briefing/item.ts';

export interface FieldChange {
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

export interface ItemChange {
  readonly type: BriefingItemType;
  readonly id: string;
  readonly changes: readonly FieldChange[];
}

export interface BriefingDiff {
  readonly from: number;
  readonly to: number;
  readonly added: readonly { type: BriefingItemType; id: string }[];
  readonly removed: readonly { type: BriefingItemType; id: string }[];
  readonly changed: readonly ItemChange[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Leaf-level differences between two JSON values (arrays compared whole unless same length). */
export function fieldChanges(from: unknown, to: unknown, path = ''): FieldChange[] {
  if (JSON.stringify(from) === JSON.stringify(to)) return [];
  if (isObject(from) && isObject(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
    return keys.flatMap((key) => fieldChanges(from[key], to[key], path ? `${path}.${key}` : key));
  }
  if (Array.isArray(from) && Array.isArray(to) && from.length === to.length) {
    return from.flatMap((value, index) => fieldChanges(value, to[index], `${path}[${index}]`));
  }
  return [{ path, from, to }];
}

/** What changed between two versions: items added, removed, and changed with old → new values. */
export function diffVersions(
  from: { version: number; items: readonly StoredBriefingItem[] },
  to: { version: number; items: readonly StoredBriefingItem[] },
): BriefingDiff {
  const key = (item: { type: string; id: string }) => `${item.type}#${item.id}`;
  const before = new Map(from.items.map((item) => [key(item), item]));
  const after = new Map(to.items.map((item) => [key(item), item]));
  const added = to.items.filter((item) => !before.has(key(item))).map(({ type, id }) => ({ type, id }));
  const removed = from.items.filter((item) => !after.has(key(item))).map(({ type, id }) => ({ type, id }));
  const changed: ItemChange[] = [];
  for (const item of to.items) {
    const old = before.get(key(item));
    if (old && old.hash !== item.hash) {
      changed.push({ type: item.type, id: item.id, changes: fieldChanges(old.body, item.body) });
    }
  }
  return { from: from.version, to: to.version, added, removed, changed };
}
