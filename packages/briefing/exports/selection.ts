import { HLD_RT_SHORT, THEME_HLD_RT, THEME_JMDI } from '#contracts/vocabularies.ts';
import type { BriefingItem } from '#packages/storage/briefing-store.ts';

/** Which part of a briefing an export (or an API answer) covers. Both filters are optional. */
export interface ExportSelection {
  /** ISO3: the country row, theme rows scoped to it, its events and its projects. */
  readonly country?: string;
  /** Full theme code (`RT3_partnerships_coherence_mainstreaming`, `remittances`): theme rows and events of it. */
  readonly theme?: string;
}

/**
 * `RT3`, `rt3`, the full round-table code or a JMDI theme → the theme code used in item ids;
 * `undefined` when the value names no theme (the caller says what to use instead).
 */
export function resolveThemeCode(value: string): string | undefined {
  const short = HLD_RT_SHORT[value.toUpperCase()];
  if (short) return short;
  if (
    (THEME_HLD_RT as readonly string[]).includes(value) ||
    (THEME_JMDI as readonly string[]).includes(value)
  )
    return value;
  return undefined;
}

/** What to tell a user who named an unknown theme. */
export const THEME_CHOICES = `RT1–RT4 (or ${THEME_HLD_RT.join(', ')}) or a JMDI theme (${THEME_JMDI.join(', ')})`;

type Body = Record<string, unknown>;

const asList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

function eventCountries(body: Body): string[] {
  return [...(typeof body.iso3 === 'string' ? [body.iso3] : []), ...asList(body.country_iso3s)];
}

function eventThemes(body: Body): string[] {
  return [...asList(body.hld_rt), ...asList(body.theme_jmdi), ...asList(body.theme_codes)];
}

/** Document ids an item cites (country/theme `sources[]`, event `source`). */
function citedDocuments(item: BriefingItem): string[] {
  const body = item.body as Body;
  const ids: string[] = [];
  if (Array.isArray(body.sources) && item.type !== 'sources') {
    for (const source of body.sources as Body[])
      if (typeof source.source_doc_id === 'string') ids.push(source.source_doc_id);
  }
  const single = body.source as Body | undefined;
  if (single && typeof single.source_doc_id === 'string') ids.push(single.source_doc_id);
  if (typeof body.source_doc_id === 'string') ids.push(body.source_doc_id);
  return ids;
}

/**
 * The items an export covers. Without filters: every item. With `country`: that country, the
 * theme rows scoped to it (not GLOBAL), the events held in or linked to it. With `theme`: the
 * theme rows of that theme and its events; country rows stay (themes refer to them). The
 * `sources` item keeps only the documents the selected items cite, so every export lists what
 * it rests on and nothing else.
 */
export function selectItems(items: readonly BriefingItem[], selection: ExportSelection = {}): BriefingItem[] {
  const { country, theme } = selection;
  if (!country && !theme) return [...items];
  const kept = items.filter((item) => {
    const body = item.body as Body;
    switch (item.type) {
      case 'country':
        return !country || item.id === country;
      case 'theme':
        return (!country || body.scope === country) && (!theme || body.theme === theme);
      case 'event':
        return (
          (!country || eventCountries(body).includes(country)) &&
          (!theme || eventThemes(body).includes(theme))
        );
      case 'sources':
        return false;
      default:
        return !country && !theme;
    }
  });
  const cited = new Set(kept.flatMap(citedDocuments));
  return [
    ...kept,
    ...items
      .filter((item) => item.type === 'sources')
      .map((item) => {
        const body = item.body as Body;
        const list = Array.isArray(body.sources) ? (body.sources as Body[]) : [];
        const sources = list.filter((source) => cited.has(String(source.source_doc_id)));
        const lineage = item.lineage
          ? { sources: item.lineage.sources.filter((source) => cited.has(source.source_doc_id)) }
          : undefined;
        return { type: item.type, id: item.id, body: { ...body, sources }, ...(lineage ? { lineage } : {}) };
      }),
  ];
}
