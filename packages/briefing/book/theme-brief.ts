import type {
  BriefingItem,
  CountryItem,
  EventItem,
  SourcesItem,
  ThemeItem,
} from '#contracts/briefing/item.ts';
import type { SourceLink } from '#contracts/briefing/provenance.ts';
import type { SurveyStatistics } from '#contracts/briefing/survey.ts';
import type { TopPractice } from '#contracts/briefing/theme.ts';
import { GLOBAL_SCOPE } from '#contracts/briefing/vocabulary.ts';
import { type ThemeTitle, themeTitle } from '#contracts/round-tables.ts';
import { SURVEY_SMALL_BASE, THEME_CAPACITY_AREAS } from '#contracts/survey-statistics.ts';
import { eventDates, otherProgramme } from '../status-text.ts';
import { shareText } from '../survey-stats.ts';
import { type Citation, citationOf } from './citation.ts';

/**
 * A round-table or JMDI-theme brief, cut from the items of one version: the theme item of a scope
 * (GLOBAL or a country) with what the other items say about it — projects with their confidence,
 * evidence by pilot country, events, caveats and full citations. The Markdown and HTML briefs
 * render this one view, so they cannot say different things.
 */

export interface BriefProject {
  readonly project_id: string;
  readonly iso3: string;
  readonly country: string;
  readonly title: string;
  readonly theme_primary: string;
  readonly status: string;
  readonly budget?: number;
  readonly currency?: string;
  readonly confidence: string;
  readonly source: SourceLink;
}

/** What a theme item for one pilot country says (absent: nothing on the theme there). */
export interface PilotCountryEvidence {
  readonly iso3: string;
  readonly name: string;
  readonly participation_status: string;
  readonly status_as_of: string;
  readonly projects_n: number;
  readonly good_practices_n: number;
  readonly pilot_milestones_n: number;
  /** Capacity areas of the theme with high demand among the UNCT's counted respondents: `area n of base`. */
  readonly high_demand: readonly string[];
}

export interface BriefEvent {
  readonly event_id: string;
  readonly title: string;
  readonly dates: string;
  readonly place: string;
  readonly confidence: string;
  readonly source: SourceLink;
}

export interface ThemeBrief {
  readonly item: ThemeItem;
  readonly title: ThemeTitle;
  readonly scope: string;
  readonly scopeName: string;
  readonly projects: readonly BriefProject[];
  readonly practices: readonly (TopPractice & { readonly illustrative: boolean })[];
  readonly pilotEvidence: readonly PilotCountryEvidence[];
  readonly capacityAreas: readonly string[];
  readonly survey?: SurveyStatistics;
  readonly events: readonly BriefEvent[];
  readonly caveats: readonly string[];
  readonly sources: readonly Citation[];
}

/** A theme's file name stem: `RT3`, `remittances`, `RT3-MDA`. */
export function themeBriefName(item: ThemeItem): string {
  const short = themeTitle(item.body.theme).short;
  return item.body.scope === GLOBAL_SCOPE ? short : `${short}-${item.body.scope}`;
}

/** Citations of documents, from the sources item when it lists them, else visibly by id. */
export function citationsOf(docIds: Iterable<string>, items: readonly BriefingItem[]): Citation[] {
  const registry = new Map<string, SourcesItem['body']['sources'][number]>();
  for (const item of items)
    if (item.type === 'sources')
      for (const source of item.body.sources) registry.set(source.source_doc_id, source);
  return [...new Set(docIds)].sort().map((id) =>
    citationOf(
      registry.get(id) ?? {
        source_doc_id: id,
        title: id,
        illustrative: false,
        confidence: 'low',
        registered_by: 'untitled',
        tables: [],
        rows: 1,
      },
    ),
  );
}

/** The brief of one theme item, from the items of its version (or of an export's selection). */
export function themeBrief(item: ThemeItem, items: readonly BriefingItem[]): ThemeBrief {
  const body = item.body;
  const countries = items.filter((entry): entry is CountryItem => entry.type === 'country');
  const countryName = new Map(countries.map((country) => [country.id, country.body.name]));
  const themeItems = new Map(
    items.filter((entry): entry is ThemeItem => entry.type === 'theme').map((entry) => [entry.id, entry]),
  );
  const inTheme = new Set(body.projects);
  const projects: BriefProject[] = countries.flatMap((country) =>
    country.body.jmdi.projects
      .filter((project) => project.project_id !== undefined && inTheme.has(project.project_id))
      .map((project) => ({
        project_id: project.project_id ?? '',
        iso3: country.id,
        country: country.body.name,
        title: project.title ?? '',
        theme_primary: project.theme_primary ?? '',
        status: project.selection_status ?? '',
        ...(project.total_budget_amount === undefined ? {} : { budget: project.total_budget_amount }),
        ...(project.total_budget_currency ? { currency: project.total_budget_currency } : {}),
        confidence: project.confidence ?? 'unknown',
        source: project.source,
      })),
  );
  const scopeMatches = (iso3s: readonly string[]) =>
    body.scope === GLOBAL_SCOPE || iso3s.includes(body.scope);
  const pilotEvidence: PilotCountryEvidence[] = countries
    .filter((country) => country.body.pilots.length > 0 && scopeMatches([country.id]))
    .map((country) => {
      const scoped = themeItems.get(`${body.theme}@${country.id}`)?.body;
      const pilot = country.body.pilots[country.body.pilots.length - 1]!;
      return {
        iso3: country.id,
        name: country.body.name,
        participation_status: `${pilot.participation_status ?? ''}${otherProgramme(pilot.programme)}`,
        status_as_of: pilot.status_as_of ?? '',
        projects_n: scoped?.n_projects ?? 0,
        good_practices_n: scoped?.n_good_practices ?? 0,
        pilot_milestones_n: scoped?.pilot_evidence.length ?? 0,
        high_demand: (scoped?.survey_statistics?.areas ?? []).flatMap((area) => {
          const n = area.demand.choices.find((choice) => choice.choice === 'high')?.n ?? 0;
          return n > 0 ? [`${area.capacity_area} ${shareText(n, area.demand.base, false)}`] : [];
        }),
      };
    });
  const events: BriefEvent[] = items
    .filter((entry): entry is EventItem => entry.type === 'event')
    .filter((event) => [...(event.body.hld_rt ?? []), ...(event.body.theme_jmdi ?? [])].includes(body.theme))
    .filter((event) =>
      scopeMatches([...(event.body.iso3 ? [event.body.iso3] : []), ...(event.body.country_iso3s ?? [])]),
    )
    .map((event) => ({
      event_id: event.body.event_id ?? '',
      title: event.body.title ?? '',
      dates: event.body.start_date ? eventDates(event.body) : '',
      place: [event.body.city, event.body.iso3].filter(Boolean).join(', '),
      confidence: event.body.confidence ?? 'unknown',
      source: event.body.source,
    }));
  const sources = citationsOf(
    [
      ...body.sources.map((source) => source.source_doc_id),
      ...projects.map((project) => project.source.source_doc_id),
      ...events.map((event) => event.source.source_doc_id),
    ],
    items,
  );
  const illustrativeDocs = new Set(
    sources.filter((source) => source.illustrative).map((source) => source.id),
  );
  const caveats: string[] = [];
  const low = projects.filter((project) => project.confidence === 'low').length;
  if (low > 0)
    caveats.push(
      `${low} of ${projects.length} project(s) are of confidence "low" (illustrative or unverified): do not cite them as fact.`,
    );
  if (illustrativeDocs.size > 0)
    caveats.push(
      `${illustrativeDocs.size} of ${sources.length} source(s) are illustrative sample content (marked ILLUSTRATIVE), not evidence.`,
    );
  const unregistered = sources.filter((source) => !source.registered).length;
  if (unregistered > 0)
    caveats.push(`${unregistered} source(s) are not in the source registry and are cited by id only.`);
  const survey = body.survey_statistics;
  if (survey) {
    if (survey.validation.left_out > 0)
      caveats.push(
        `Survey statistics count ${survey.validation.included_statuses.join(', ')} submissions only: ${survey.validation.left_out} of ${survey.validation.included + survey.validation.left_out} were left out.`,
      );
    if (survey.areas.some((area) => area.has_capacity.small_base || area.demand.small_base))
      caveats.push(
        `Some survey bases are below ${SURVEY_SMALL_BASE.threshold} respondents (rule ${SURVEY_SMALL_BASE.rule}): read them as counts, not shares.`,
      );
  }
  if (body.theme_kind === 'hld_round_table' && body.pilot_evidence.length === 0 && pilotEvidence.length > 0)
    caveats.push('Pilot milestones are linked to round table 3 only; this round table lists none.');
  return {
    item,
    title: themeTitle(body.theme),
    scope: body.scope,
    scopeName: body.scope === GLOBAL_SCOPE ? 'all countries' : (countryName.get(body.scope) ?? body.scope),
    projects,
    practices: body.top_practices.map((practice) => ({
      ...practice,
      illustrative: illustrativeDocs.has(practice.source.source_doc_id),
    })),
    pilotEvidence,
    capacityAreas: THEME_CAPACITY_AREAS[body.theme],
    ...(survey ? { survey } : {}),
    events,
    caveats,
    sources,
  };
}
