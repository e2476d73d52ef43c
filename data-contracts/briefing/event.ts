import * as z from '../zod.ts';
import { provenanceMarks, sourceLink } from './provenance.ts';

/**
 * The body of an `event` item: one event of the HLD preparation period (2011–2013) with every
 * field of its `event` row (data-contracts/reference.ts) except the extraction time, and the link
 * to that row.
 */

const optionalText = () => z.optional(z.string());
const optionalList = () => z.optional(z.array(z.string()));

/** The event row's fields, in the `event` contract's order (the body keeps that order). */
export const eventBody = z.strictObject({
  event_id: optionalText(),
  title: optionalText(),
  event_type: optionalText(),
  start_date: optionalText(),
  end_date: optionalText(),
  date_precision: optionalText(),
  city: optionalText(),
  iso3: optionalText(),
  country_iso3s: optionalList(),
  organiser_org_ids: optionalList(),
  co_chair_iso3: optionalList(),
  co_host_iso3: optionalList(),
  hld_rt: optionalList(),
  theme_jmdi: optionalList(),
  related_pilot_id: optionalText(),
  outcome_doc_id: optionalText(),
  source_doc_id: optionalText(),
  source_locator: optionalText(),
  extraction_method: optionalText(),
  confidence: optionalText(),
  as_of_date: optionalText(),
  reviewer: optionalText(),
  source: sourceLink,
  /** Whether the event row rests on an illustrative document. */
  illustrative: provenanceMarks.illustrative,
  /** What to keep in mind before citing the event. */
  caveats: z.array(z.string()),
});
export type EventBody = z.infer<typeof eventBody>;

/** What an event body adds to its row's fields. */
const EVENT_DERIVED_FIELDS = ['source', 'illustrative', 'caveats'] as const;

/**
 * The event fields an event body copies from its row (all but the derived ones, in order).
 * `confidence` is the row's, lowered to `low` when its document is illustrative.
 */
export const EVENT_BODY_FIELDS = Object.keys(eventBody.shape).filter(
  (field): field is Exclude<keyof EventBody, (typeof EVENT_DERIVED_FIELDS)[number]> =>
    !(EVENT_DERIVED_FIELDS as readonly string[]).includes(field),
);
