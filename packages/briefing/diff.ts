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

/**
 * Fields that name a record of a list (a figure by its indicator, a value by source, revision and
 * year, a project by its id): a list that grew or shrank is compared record by record under them.
 */
const IDENTITY_FIELDS: readonly string[] = [
  'indicator_id',
  'project_id',
  'event_id',
  'lesson_id',
  'pilot_id',
  'milestone_id',
  'status_id',
  'source_doc_id',
  'capacity_area',
  'sex',
  'source',
  'revision',
  'year',
];

/** `source=national,revision=NBS-2011,year=2010`: the identity of a record, if it has one. */
function identityOf(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const parts = IDENTITY_FIELDS.filter(
    (field) => typeof value[field] === 'string' || typeof value[field] === 'number',
  ).map((field) => `${field}=${String(value[field])}`);
  return parts.length > 0 ? parts.join(',') : undefined;
}

/** Records by identity, when every element has one and no two share it. */
function byIdentity(values: readonly unknown[]): Map<string, unknown> | undefined {
  const records = new Map<string, unknown>();
  for (const value of values) {
    const identity = identityOf(value);
    if (identity === undefined || records.has(identity)) return undefined;
    records.set(identity, value);
  }
  return records;
}

/**
 * Leaf-level differences between two JSON values. Lists of the same length are compared position
 * by position; a list that grew or shrank, record by record when its records name themselves
 * (`context_figures[indicator_id=IMM_STOCK].values[source=national,…,year=2010]`: added or removed),
 * else element by element (`caveats[+]`, `caveats[-]`), never as two whole lists.
 */
export function fieldChanges(from: unknown, to: unknown, path = ''): FieldChange[] {
  if (JSON.stringify(from) === JSON.stringify(to)) return [];
  if (isObject(from) && isObject(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
    return keys.flatMap((key) => fieldChanges(from[key], to[key], path ? `${path}.${key}` : key));
  }
  if (Array.isArray(from) && Array.isArray(to)) {
    if (from.length === to.length) {
      return from.flatMap((value, index) => fieldChanges(value, to[index], `${path}[${index}]`));
    }
    const before = byIdentity(from);
    const after = byIdentity(to);
    if (before && after) {
      const identities = [...new Set([...before.keys(), ...after.keys()])];
      return identities.flatMap((identity) =>
        fieldChanges(before.get(identity), after.get(identity), `${path}[${identity}]`),
      );
    }
    const text = (value: unknown) => JSON.stringify(value);
    const kept = new Set(to.map(text));
    const had = new Set(from.map(text));
    return [
      ...from
        .filter((value) => !kept.has(text(value)))
        .map((value) => ({ path: `${path}[-]`, from: value, to: undefined })),
      ...to
        .filter((value) => !had.has(text(value)))
        .map((value) => ({ path: `${path}[+]`, from: undefined, to: value })),
    ];
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
