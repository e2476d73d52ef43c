import type { EventBody } from '#contracts/briefing/event.ts';
import type { BriefingItem, CountryItem, SourcesItem } from '#contracts/briefing/item.ts';
import { HLD_RT_SHORT, THEME_HLD_RT, THEME_JMDI } from '#contracts/vocabularies.ts';

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

function eventCountries(body: EventBody): string[] {
  return [...(typeof body.iso3 === 'string' ? [body.iso3] : []), ...(body.country_iso3s ?? [])];
}

function eventThemes(body: EventBody): string[] {
  return [...(body.hld_rt ?? []), ...(body.theme_jmdi ?? [])];
}

/** Document ids an item cites (country/theme `sources[]`, event `source`). */
function citedDocuments(item: BriefingItem): string[] {
  switch (item.type) {
    case 'country':
    case 'theme':
      return item.body.sources.map((source) => source.source_doc_id);
    case 'event':
      return [
        item.body.source.source_doc_id,
        ...(item.body.source_doc_id === undefined ? [] : [item.body.source_doc_id]),
      ];
    case 'sources':
      return [];
  }
}

/** Whether an item (other than `sources`) belongs to a country and theme selection. */
function inSelection(item: BriefingItem, country: string | undefined, theme: string | undefined): boolean {
  switch (item.type) {
    case 'country':
      return !country || item.id === country;
    case 'theme':
      return (!country || item.body.scope === country) && (!theme || item.body.theme === theme);
    case 'event':
      return (
        (!country || eventCountries(item.body).includes(country)) &&
        (!theme || eventThemes(item.body).includes(theme))
      );
    case 'sources':
      return false;
  }
}

/** Whether a country item's project is on a theme: its round tables, or its primary JMDI theme. */
function projectOnTheme(project: CountryItem['body']['jmdi']['projects'][number], theme: string): boolean {
  return project.hld_rt.includes(theme) || project.theme_primary === theme;
}

/**
 * A country item seen through a theme: its projects and good practices only those on the theme
 * (so every format's project table lists the theme's projects, CSV included); identity, figures,
 * the survey and the country-level counts stay whole, as context.
 */
function countryOnTheme(item: CountryItem, theme: string): CountryItem {
  const projects = item.body.jmdi.projects.filter((project) => projectOnTheme(project, theme));
  const ids = new Set(projects.map((project) => project.project_id));
  return {
    ...item,
    body: {
      ...item.body,
      jmdi: {
        ...item.body.jmdi,
        projects,
        good_practices: item.body.jmdi.good_practices.filter((practice) => ids.has(practice.project_id)),
      },
    },
  };
}

/**
 * The items an export covers. Without filters: every item. With `country`: that country, the
 * theme rows scoped to it (not GLOBAL), the events held in or linked to it. With `theme`: the
 * theme rows of that theme and its events; country rows stay (themes refer to them) but list only
 * the projects and good practices on the theme. The
 * `sources` item keeps only the documents the selected items cite, so every export lists what
 * it rests on and nothing else.
 */
export function selectItems(items: readonly BriefingItem[], selection: ExportSelection = {}): BriefingItem[] {
  const { country, theme } = selection;
  if (!country && !theme) return [...items];
  const kept = items
    .filter((item) => inSelection(item, country, theme))
    .map((item) => (theme && item.type === 'country' ? countryOnTheme(item, theme) : item));
  const cited = new Set(kept.flatMap(citedDocuments));
  const sources = items
    .filter((item): item is SourcesItem => item.type === 'sources')
    .map(
      (item): SourcesItem => ({
        type: item.type,
        id: item.id,
        body: {
          ...item.body,
          sources: item.body.sources.filter((source) => cited.has(source.source_doc_id)),
        },
        ...(item.lineage
          ? { lineage: { sources: item.lineage.sources.filter((source) => cited.has(source.source_doc_id)) } }
          : {}),
      }),
    );
  return [...kept, ...sources];
}
