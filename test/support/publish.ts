import type { BriefingItem, CountryItem } from '#contracts/briefing/item.ts';
import { pipelineContext } from '#packages/pipeline/context.ts';
import type { PublishStores } from '#packages/pipeline/publish.ts';
import type { BriefingStore } from '#packages/storage/briefing-store.ts';
import type { Ledger } from '#packages/storage/ledger.ts';

/** The stores publishVersion writes to, on the running backend (through the client factory). */
export function publishStores(): PublishStores & { briefings: BriefingStore; ledger: Ledger } {
  const ctx = pipelineContext();
  return { briefings: ctx.briefings, ledger: ctx.ledger };
}

/** The same briefing with one more caveat on Moldova's country item: different content, one item changed. */
export const withMoldovaCaveat = (items: readonly BriefingItem[], caveat: string): BriefingItem[] =>
  items.map((item) =>
    item.type === 'country' && item.id === 'MDA'
      ? ({ ...item, body: { ...item.body, caveats: [...item.body.caveats, caveat] } } satisfies CountryItem)
      : item,
  );
