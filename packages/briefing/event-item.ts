import type { EventBody } from '#contracts/briefing/event.ts';
import type { EventItem } from '#contracts/briefing/item.ts';
import type { BriefingIndex } from './briefing-index.ts';
import { ColumnText, type Row, sortedByKeys, text, texts } from './column-text.ts';
import { lineageOf, lowConfidenceCount, sourceLink, summariseRefs } from './provenance.ts';
import { inHldPeriod, provenanceCaveats } from './rules.ts';

/** The `event` items (body: data-contracts/briefing/event.ts). */

/** An event row's fields as the body keeps them (the extraction time is not content). */
function eventBody(row: Row): Omit<EventBody, 'source' | 'illustrative' | 'caveats'> {
  return {
    event_id: text(row.event_id),
    title: text(row.title),
    event_type: text(row.event_type),
    start_date: text(row.start_date),
    end_date: text(row.end_date),
    date_precision: text(row.date_precision),
    city: text(row.city),
    iso3: text(row.iso3),
    country_iso3s: texts(row.country_iso3s),
    organiser_org_ids: texts(row.organiser_org_ids),
    co_chair_iso3: texts(row.co_chair_iso3),
    co_host_iso3: texts(row.co_host_iso3),
    hld_rt: texts(row.hld_rt),
    theme_jmdi: texts(row.theme_jmdi),
    related_pilot_id: text(row.related_pilot_id),
    outcome_doc_id: text(row.outcome_doc_id),
    source_doc_id: text(row.source_doc_id),
    source_locator: text(row.source_locator),
    extraction_method: text(row.extraction_method),
    confidence: text(row.confidence),
    as_of_date: text(row.as_of_date),
    reviewer: text(row.reviewer),
  };
}

/** One item per event of the HLD preparation period (2011–2013, DOMAIN.md §4.8), by event id. */
export function buildEventItems(index: BriefingIndex): EventItem[] {
  const { event, set } = index;
  const starts = new ColumnText(event.codes('start_date'));
  const ids = new ColumnText(event.codes('event_id'));
  const inPeriod = starts.perCode(inHldPeriod);
  const periodRows: number[] = [];
  for (let row = 0; row < event.length; row += 1) if (inPeriod[starts.codes[row]! + 1]) periodRows.push(row);
  const periodKeys = periodRows.map((row) => ids.text(row));
  return sortedByKeys(periodKeys).map((at) => {
    const row = periodRows[at]!;
    const runs = [{ table: event, rows: [row] }];
    const source = sourceLink(set, event, row);
    return {
      type: 'event',
      id: ids.text(row),
      body: {
        ...eventBody(event.row(row)),
        // The row's confidence, lowered to 'low' when its document is illustrative.
        confidence: source.confidence,
        source,
        illustrative: source.illustrative,
        caveats: provenanceCaveats(summariseRefs(set, runs), lowConfidenceCount(runs)),
      },
      lineage: lineageOf(set, runs),
    };
  });
}
