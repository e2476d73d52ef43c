import type { CountryBody } from './country.ts';
import type { EventBody } from './event.ts';
import type { BriefingLineage } from './provenance.ts';
import type { SourcesBody } from './sources.ts';
import type { ThemeBody } from './theme.ts';

/**
 * The briefing item: the product of the pipeline, one per country, theme × scope, event, plus the
 * list of sources. Types only (no zod at run time), so storage, the API and the CLI can use them
 * without carrying the schemas; the schemas, and the check against them, are in `check.ts`.
 */

/** The item types, in the order a version lists them. */
export const BRIEFING_ITEM_TYPES = ['country', 'theme', 'event', 'sources'] as const;
export type BriefingItemType = (typeof BRIEFING_ITEM_TYPES)[number];

/** The body of each item type. */
export interface BriefingBodies {
  readonly country: CountryBody;
  readonly theme: ThemeBody;
  readonly event: EventBody;
  readonly sources: SourcesBody;
}

/** One item of a type: what analysts read (`body`, hashed and diffed) and where it came from. */
export interface BriefingItemOf<T extends BriefingItemType> {
  readonly type: T;
  /** `MDA`, `RT3_partnerships_coherence_mainstreaming@GLOBAL`, `EV-20131003-hld`, `all`. */
  readonly id: string;
  readonly body: BriefingBodies[T];
  /** Provenance, kept beside the content but outside its hash. */
  readonly lineage?: BriefingLineage;
}

export type CountryItem = BriefingItemOf<'country'>;
export type ThemeItem = BriefingItemOf<'theme'>;
export type EventItem = BriefingItemOf<'event'>;
export type SourcesItem = BriefingItemOf<'sources'>;

/** Any briefing item; `item.type` tells the body's type. */
export type BriefingItem = CountryItem | ThemeItem | EventItem | SourcesItem;

/** An item with its hash (SHA-256 of its canonical body), as a version stores it. */
export type StoredBriefingItem = BriefingItem & { readonly hash: string };

/** True when `value` names an item type. */
export function isBriefingItemType(value: unknown): value is BriefingItemType {
  return typeof value === 'string' && (BRIEFING_ITEM_TYPES as readonly string[]).includes(value);
}
