import type { CountryBody, CountryPilotStatus } from '#contracts/briefing/country.ts';

/**
 * Dates and pilot status statements as every surface prints them (Markdown, HTML book, CLI):
 * a date no more precise than its source gives it, and each status statement with its own date,
 * source and the words it rests on, in the order the sources came (DOMAIN.md §6).
 */

/** A date cut to its precision: `2011` for `year`, `2012-03` for `month`, the day otherwise. */
export function datedAs(date: string | undefined, precision: string | undefined): string {
  if (!date) return '?';
  if (precision === 'year') return date.slice(0, 4);
  if (precision === 'month') return date.slice(0, 7);
  return date;
}

/** `2011-12-01 – 2011-12-02`, `2012-03`, `2011`: an event's dates as precise as its source. */
export function eventDates(event: {
  readonly start_date?: string;
  readonly end_date?: string;
  readonly date_precision?: string;
}): string {
  const start = datedAs(event.start_date, event.date_precision);
  const end = event.end_date ? datedAs(event.end_date, event.date_precision) : undefined;
  return end && end !== start ? `${start} – ${end}` : start;
}

/** When the source states the status: its date, else the period it covers, else `undated`. */
export function statusWhen(status: CountryPilotStatus): string {
  if (status.status_date) return datedAs(status.status_date, status.date_precision);
  return status.period ? `undated source, period ${status.period}` : 'undated source';
}

/** What the source says: `active (listed)`, `not listed`, `candidate (listed)`. */
export function statusWhat(status: CountryPilotStatus): string {
  const listing = status.listing === 'not_listed' ? 'not listed' : 'listed';
  return status.participation_status
    ? `${status.participation_status.replace(/_/g, ' ')} (${listing})`
    : listing;
}

/** The status statements of one pilot, in source order. */
export function statusHistoryOf(body: CountryBody, pilotId: string | undefined): CountryPilotStatus[] {
  return (body.pilot_status ?? []).filter((status) => status.pilot_id === pilotId);
}

/** The pilot programme in a few words: `JMDI pilot` for the JMDI's, nothing for the UNDP/IOM/GMG pilot. */
export function otherProgramme(programme: string | undefined): string {
  return programme?.startsWith('EC-UN Joint Migration and Development Initiative') ? ' (JMDI pilot)' : '';
}
