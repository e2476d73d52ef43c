import type { ContextFigure, CountryBody, FigureValue } from '#contracts/briefing/country.ts';
import type { EventBody } from '#contracts/briefing/event.ts';
import type { BriefingItem, SourcesItem } from '#contracts/briefing/item.ts';
import type { ThemeBody } from '#contracts/briefing/theme.ts';
import { FIGURE_SEXES } from '#contracts/briefing/vocabulary.ts';
import { THEME_JMDI } from '#contracts/vocabularies.ts';
import type { ColumnSpec, ColumnType } from '#packages/contracts/columns.ts';
import { citationOf } from '../book/citation.ts';
import { jmdiEurTotals } from '../rules.ts';
import { ExportDataError } from './errors.ts';

/**
 * The flat tables of the HLD briefing dataset (DOMAIN.md §4.8), defined once: the CSV, HXL,
 * Arrow, Parquet and Data Package exports are all written from these specs, so a column cannot
 * exist in one format and not in another, and the Data Package schema cannot drift from the
 * CSV headers.
 *
 * Strings stay plain Utf8 (no dictionaries): a briefing table has tens to a few thousand rows,
 * where dictionary encoding saves nothing worth a fixed vocabulary per column.
 */

/** Provenance of the export, written into every format (schema metadata, descriptor, headers). */
export interface ExportMeta {
  readonly dataset: string;
  readonly version: number;
  /** The date the briefing version describes (its creation date), `YYYY-MM-DD`. */
  readonly asOf: string;
}

export interface ExportColumn extends ColumnSpec {
  readonly description: string;
  /** Table Schema constraints besides `required`/`unique` (pattern, enum). */
  readonly pattern?: string;
  readonly enum?: readonly string[];
  /** HXL hashtag (only `briefing_country` has an HXL variant). */
  readonly hxl?: string;
}

export interface ExportForeignKey {
  readonly fields: readonly string[];
  readonly reference: { readonly resource: string; readonly fields: readonly string[] };
  /**
   * False when the key cannot hold for a one-country export (an event linked to MDA may be held
   * in MUS, which that export does not contain); such a key is declared for full exports only.
   */
  readonly holdsForOneCountry: boolean;
}

export interface ExportTable {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly columns: readonly ExportColumn[];
  readonly primaryKey: readonly string[];
  readonly foreignKeys: readonly ExportForeignKey[];
}

export type ExportRow = Readonly<Record<string, unknown>>;

export interface ExportTableData {
  readonly table: ExportTable;
  readonly rows: readonly ExportRow[];
}

const UTF8: ColumnType = { kind: 'utf8' };
const INT: ColumnType = { kind: 'int32' };
const NUMBER: ColumnType = { kind: 'float64' };
const BOOL: ColumnType = { kind: 'bool' };
const DATE: ColumnType = { kind: 'date' };
const LIST: ColumnType = { kind: 'list-utf8' };

/** Lists are joined with this separator in CSV cells (DOMAIN.md §4.8: "lists joined with |"). */
export const LIST_SEPARATOR = '|';

function column(
  name: string,
  type: ColumnType,
  description: string,
  extra: { required?: boolean; pattern?: string; enum?: readonly string[]; hxl?: string } = {},
): ExportColumn {
  return {
    name,
    type,
    required: extra.required ?? false,
    description:
      type.kind === 'list-utf8'
        ? `${description} (list; in CSV joined with '${LIST_SEPARATOR}')`
        : description,
    ...(extra.pattern ? { pattern: extra.pattern } : {}),
    ...(extra.enum ? { enum: extra.enum } : {}),
    ...(extra.hxl ? { hxl: extra.hxl } : {}),
  };
}

const ISO3 = '^[A-Z]{3}$';
const CONFIDENCE_LEVELS = ['high', 'medium', 'low'] as const;

/**
 * The two provenance columns every briefing table carries (data-contracts/briefing/provenance.ts):
 * the weakest confidence of what the row shows, and whether any of it is illustrative.
 */
const provenanceColumns = (what: string, hxl = false) => [
  column(
    'confidence',
    UTF8,
    `Weakest confidence of the rows ${what} rests on ('low' for illustrative content)`,
    {
      required: true,
      enum: CONFIDENCE_LEVELS,
      ...(hxl ? { hxl: '#meta+confidence' } : {}),
    },
  ),
  column(
    'illustrative',
    BOOL,
    `True when ${what} rests on illustrative (invented) content: never cite it as fact`,
    {
      required: true,
      ...(hxl ? { hxl: '#meta+illustrative' } : {}),
    },
  ),
];
const jmdiThemeColumns = (hxlPrefix?: string) =>
  THEME_JMDI.map((theme) =>
    column(`jmdi_${theme}_n`, INT, `JMDI phase-1 projects whose primary theme is ${theme}`, {
      ...(hxlPrefix ? { hxl: `${hxlPrefix}+${theme}` } : {}),
    }),
  );

/**
 * Headline context figures of `briefing_country` (DOMAIN.md §4.8): one column per indicator and
 * source, holding that source's latest value, with its year and revision beside it. Sources are
 * never averaged, merged or made to share a column; every value is in `briefing_context_figure`.
 */
export const HEADLINE_FIGURES = [
  {
    column: 'immigrant_stock',
    indicator: 'IMM_STOCK',
    label: 'Immigrant stock (persons)',
    sources: ['UNDESA_IMS', 'WB_KNOMAD_BILAT', 'national'],
    hxl: '#affected+num+immigrants',
    hxlName: 'immigrants',
  },
  {
    column: 'emigrant_stock',
    indicator: 'EMIG_STOCK',
    label: 'Emigrant stock (persons)',
    sources: ['UNDESA_IMS', 'WB_KNOMAD_BILAT', 'national'],
    hxl: '#affected+num+emigrants',
    hxlName: 'emigrants',
  },
  {
    column: 'remittances_received_usd',
    indicator: 'REMIT_IN_USD',
    label: 'Remittances received (US$)',
    sources: ['WB_WDI', 'WB_KNOMAD_BILAT', 'national'],
    hxl: '#value+usd+remittances+received',
    hxlName: 'remittances_received',
  },
  {
    column: 'remittances_received_pct_gdp',
    indicator: 'REMIT_IN_PCT_GDP',
    label: 'Remittances received (% of GDP)',
    sources: ['WB_WDI', 'national'],
    hxl: '#indicator+pct+remittances+received',
    hxlName: 'remittances_pct_gdp',
  },
  {
    column: 'remittances_paid_usd',
    indicator: 'REMIT_OUT_USD',
    label: 'Remittances paid (US$)',
    sources: ['WB_WDI', 'WB_KNOMAD_BILAT', 'national'],
    hxl: '#value+usd+remittances+paid',
    hxlName: 'remittances_paid',
  },
  {
    column: 'refugee_stock',
    indicator: 'REFUGEE_STOCK',
    label: 'Refugee stock (persons)',
    sources: ['UNDESA_IMS', 'national'],
    hxl: '#affected+num+refugees',
    hxlName: 'refugees',
  },
] as const;

export const BRIEFING_COUNTRY: ExportTable = {
  name: 'briefing_country',
  title: 'Country briefings',
  description:
    'One row per country: identity, pilot role, mainstreaming, JMDI projects, UNCT survey, events, evidence.',
  columns: [
    column('iso3', UTF8, 'ISO 3166-1 alpha-3 code', { required: true, pattern: ISO3, hxl: '#country+code' }),
    column('name', UTF8, 'Country name (UNTERM short)', { required: true, hxl: '#country+name' }),
    column('m49', UTF8, 'UN M49 code, zero-padded', { pattern: '^\\d{3}$', hxl: '#country+code+v_m49' }),
    column('subregion', UTF8, 'UN M49 subregion', { hxl: '#region+name' }),
    column('ldc', BOOL, 'Least developed country', { hxl: '#indicator+bool+ldc' }),
    column('lldc', BOOL, 'Landlocked developing country', { hxl: '#indicator+bool+lldc' }),
    column('sids', BOOL, 'Small island developing state', { hxl: '#indicator+bool+sids' }),
    column('as_of', DATE, 'Date the briefing version describes', { required: true, hxl: '#date+reported' }),
    column('pilot_id', UTF8, 'Mainstreaming pilot id (first pilot record)', { hxl: '#activity+code+pilot' }),
    column('pilot_status', UTF8, 'Pilot participation status', { hxl: '#status+pilot' }),
    column('pilot_phase', UTF8, 'Pilot phase', { hxl: '#meta+phase+pilot' }),
    column('pilot_status_as_of', DATE, 'Date the pilot status was stated', { hxl: '#date+status+pilot' }),
    column('pilot_lead_gov', UTF8, 'Lead government body of the pilot', { hxl: '#org+name+lead+gov' }),
    column('pilot_un_leads', LIST, 'UN lead organisations of the pilot', { hxl: '#org+code+lead+un' }),
    column(
      'pilots_n',
      INT,
      'Pilot records for the country (more than one: sources disagree or several phases)',
      {
        hxl: '#meta+num+pilots',
      },
    ),
    column('milestones_achieved_n', INT, 'Mainstreaming milestones achieved', {
      hxl: '#indicator+num+milestones',
    }),
    column('latest_milestone_type', UTF8, 'Type of the latest achieved milestone', {
      hxl: '#indicator+type+milestone',
    }),
    column('latest_milestone_date', DATE, 'Date of the latest achieved milestone', {
      hxl: '#date+milestone',
    }),
    column('strategy_status', UTF8, 'Migration in the national strategy', {
      enum: ['none', 'drafting', 'adopted'],
      hxl: '#status+strategy',
    }),
    column('emp_status', UTF8, 'Extended Migration Profile status', { hxl: '#status+emp' }),
    column('coordination_mechanism', BOOL, 'A coordination mechanism was established', {
      hxl: '#indicator+bool+coordination',
    }),
    column('me_framework', BOOL, 'A monitoring and evaluation framework was established', {
      hxl: '#indicator+bool+me_framework',
    }),
    column('is_jmdi1_target', BOOL, 'One of the 16 JMDI phase-1 target countries', {
      hxl: '#indicator+bool+jmdi1',
    }),
    column('jmdi_projects_n', INT, 'JMDI phase-1 projects in the country', { hxl: '#activity+num+jmdi' }),
    ...jmdiThemeColumns('#activity+num+jmdi'),
    column(
      'jmdi_budget_eur_total',
      NUMBER,
      "Sum of the JMDI projects' total budgets in EUR: total budgets, not JMDI grants; withdrawn projects excluded (see jmdi_withdrawn_budget_eur_total); non-EUR budgets excluded",
      {
        hxl: '#value+budget+eur+jmdi',
      },
    ),
    column(
      'jmdi_withdrawn_budget_eur_total',
      NUMBER,
      "Sum of the withdrawn JMDI projects' total budgets in EUR: not part of jmdi_budget_eur_total",
      { hxl: '#value+budget+eur+jmdi+withdrawn' },
    ),
    column('unct_surveyed', BOOL, 'The UN Country Team answered the 2011 GMG survey', {
      hxl: '#indicator+bool+unct_surveyed',
    }),
    column('survey_respondents_n', INT, 'Survey respondents of the UNCT', {
      hxl: '#indicator+num+respondents',
    }),
    column('capacity_gaps', LIST, "Capacity areas without full capacity, as 'area:no' or 'area:partial'", {
      hxl: '#indicator+capacity_gaps',
    }),
    column('top_demands', LIST, 'Capacity areas in high demand', { hxl: '#indicator+demands' }),
    column('support_types_requested', LIST, "Support types requested, as 'type:respondents'", {
      hxl: '#indicator+support_requested',
    }),
    // One column per indicator AND source: two sources never share a column (DOMAIN.md §1).
    ...HEADLINE_FIGURES.flatMap((figure) =>
      figure.sources.flatMap((source) => {
        const name = headlineColumn(figure.column, source);
        const hxlSource = source.toLowerCase();
        return [
          column(
            name,
            NUMBER,
            `${figure.label} according to ${source}: its latest value (every value: briefing_context_figure)`,
            {
              hxl: `${figure.hxl}+${hxlSource}`,
            },
          ),
          column(`${name}_year`, UTF8, `${figure.label} according to ${source}: reference period`, {
            hxl: `#date+${figure.hxlName}+${hxlSource}`,
          }),
          column(`${name}_revision`, UTF8, `${figure.label} according to ${source}: dataset revision`, {
            hxl: `#meta+revision+${figure.hxlName}+${hxlSource}`,
          }),
          column(
            `${name}_obs_status`,
            UTF8,
            `${figure.label} according to ${source}: observation status (E estimate, P provisional; empty or A normal)`,
            { hxl: `#status+${figure.hxlName}+${hxlSource}` },
          ),
        ];
      }),
    ),
    column('events_n', INT, 'Events held in or linked to the country', { hxl: '#event+num' }),
    column('event_ids', LIST, 'Events held in or linked to the country', { hxl: '#event+code' }),
    column('key_documents', LIST, 'Source documents the briefing rests on', { hxl: '#meta+source' }),
    column('caveats', LIST, 'What to keep in mind before citing the figures', { hxl: '#meta+caveats' }),
    ...provenanceColumns('the briefing', true),
  ],
  primaryKey: ['iso3'],
  foreignKeys: [],
};

export const BRIEFING_THEME: ExportTable = {
  name: 'briefing_theme',
  title: 'Theme briefings',
  description: 'One row per theme (HLD round table or JMDI theme) and scope (a country or GLOBAL).',
  columns: [
    column('theme', UTF8, 'HLD round-table code or JMDI theme', { required: true }),
    column('scope', UTF8, "ISO3 of the country, or 'GLOBAL'", {
      required: true,
      pattern: '^([A-Z]{3}|GLOBAL)$',
    }),
    column('scope_iso3', UTF8, 'ISO3 of the country scope (empty for GLOBAL)', { pattern: ISO3 }),
    column('theme_kind', UTF8, 'Kind of theme', { required: true, enum: ['hld_round_table', 'jmdi_theme'] }),
    column('label', UTF8, 'Theme label'),
    column('as_of', DATE, 'Date the briefing version describes', { required: true }),
    column('n_projects', INT, 'JMDI projects on the theme in the scope'),
    column('projects', LIST, 'JMDI project ids'),
    column(
      'n_secondary_projects',
      INT,
      'JMDI themes: projects naming the theme as a secondary one, counted on their primary theme (not in n_projects)',
    ),
    column(
      'secondary_projects',
      LIST,
      'JMDI themes: ids of the projects naming the theme as a secondary one',
    ),
    ...jmdiThemeColumns(),
    column('n_good_practices', INT, 'Good practices (lessons flagged good_practice)'),
    column('top_practices', LIST, "Strongest good practices, as 'lesson_id: statement'"),
    column('common_conditions', LIST, "Most frequent conditions among good practices, as 'condition_tag:n'"),
    column('transnational_corridors', LIST, "Origin–destination pairs, as 'ORIGIN>DESTINATION:projects'"),
    column('pilot_evidence', LIST, 'Pilot milestone ids relevant to the theme'),
    column('survey_demands', LIST, "Capacity areas in high demand, as 'area:UNCTs'"),
    column('key_documents', LIST, 'Source documents the row rests on'),
    column(
      'caveats',
      LIST,
      'What to keep in mind before citing the row (illustrative or low-confidence content)',
    ),
    ...provenanceColumns('the row'),
  ],
  primaryKey: ['theme', 'scope'],
  foreignKeys: [
    {
      fields: ['scope_iso3'],
      reference: { resource: 'briefing_country', fields: ['iso3'] },
      holdsForOneCountry: true,
    },
  ],
};

export const BRIEFING_PROJECT: ExportTable = {
  name: 'briefing_project',
  title: 'JMDI projects in the briefing',
  description:
    'One row per JMDI phase-1 project listed in a country briefing (the "JMDI projects by theme" of a brief).',
  columns: [
    column('project_id', UTF8, 'JMDI project id', { required: true }),
    column('iso3', UTF8, 'Target country', { required: true, pattern: ISO3 }),
    column('title', UTF8, 'Project title (English, else French or Spanish)'),
    column('theme_primary', UTF8, 'Primary JMDI theme', { enum: THEME_JMDI }),
    column('hld_rt', LIST, 'HLD round tables (crosswalk from the JMDI theme unless overridden)'),
    column('selection_status', UTF8, 'Selection status'),
    column('total_budget_amount', NUMBER, 'Total budget'),
    column('total_budget_currency', UTF8, 'Currency of the total budget (ISO 4217)'),
    column('jmdi_grant_amount', NUMBER, 'JMDI (EC-UN) grant in EUR, part of the total budget'),
    column('partner_countries_iso3', LIST, 'Partner (destination) countries'),
    ...provenanceColumns('the project row'),
    column('source_doc_id', UTF8, 'Source document'),
  ],
  primaryKey: ['project_id'],
  foreignKeys: [
    {
      fields: ['iso3'],
      reference: { resource: 'briefing_country', fields: ['iso3'] },
      holdsForOneCountry: true,
    },
  ],
};

export const BRIEFING_PILOT_STATUS: ExportTable = {
  name: 'briefing_pilot_status',
  title: 'Pilot status as each source states it',
  description:
    "One row per source statement of a pilot's participation status, in the order the sources came: sources that disagree stay side by side, a later source is a later row, never a correction.",
  columns: [
    column('status_id', UTF8, 'Status statement id', { required: true }),
    column('iso3', UTF8, 'Country', { required: true, pattern: ISO3 }),
    column('pilot_id', UTF8, 'Mainstreaming pilot id'),
    column('seq', INT, 'Order of the source within the pilot (1 = earliest)'),
    column(
      'participation_status',
      UTF8,
      'Status the source states (none when it only leaves the country out)',
    ),
    column('listing', UTF8, 'Whether the source lists the country', { enum: ['listed', 'not_listed'] }),
    column('status_date', DATE, 'Date the source states the status on'),
    column('date_precision', UTF8, 'Precision of the date', { enum: ['day', 'month', 'year'] }),
    column('period', UTF8, 'Period the source says the status covers'),
    column('statement', UTF8, 'What the source says'),
    ...provenanceColumns('the status row'),
    column('source_doc_id', UTF8, 'Source document'),
    column('source_locator', UTF8, 'Where in the source document, with the words it rests on'),
  ],
  primaryKey: ['status_id', 'iso3'],
  foreignKeys: [
    {
      fields: ['iso3'],
      reference: { resource: 'briefing_country', fields: ['iso3'] },
      holdsForOneCountry: true,
    },
  ],
};

export const BRIEFING_CONTEXT_FIGURE: ExportTable = {
  name: 'briefing_context_figure',
  title: 'Context figures',
  description:
    'Migrant stocks, remittances and refugees per country: one row per indicator, sex, source, revision and period, with the row it came from. Sources are never merged; values by sex are kept as the source gives them, beside both sexes.',
  columns: [
    column('iso3', UTF8, 'Country (reference area)', { required: true, pattern: ISO3 }),
    column('indicator_id', UTF8, 'Indicator', { required: true }),
    column('label', UTF8, 'Indicator label'),
    column(
      'unmapped',
      BOOL,
      "A source's own series code that no indicator map names: never compared with a known indicator",
    ),
    column(
      'sex',
      UTF8,
      "Sex ('_T' both sexes, 'F' females, 'M' males); a share by sex is of that sex's population",
      { required: true, enum: ['_T', ...FIGURE_SEXES] },
    ),
    column('source', UTF8, 'Statistical source', { required: true }),
    column('revision', UTF8, 'Dataset revision of the source', { required: true }),
    column('year', UTF8, "Reference period ('2013', '2013-Q1')", { required: true }),
    column('value', NUMBER, 'Value as published (multiply by 10^unit_mult); empty when not available'),
    column('unit', UTF8, 'Unit (persons, USD, percent)'),
    column('unit_mult', INT, 'Power of ten the value is expressed in'),
    column('obs_status', UTF8, 'Observation status (A normal, E estimate, P provisional, M missing)'),
    ...provenanceColumns('the figure'),
    column('source_doc_id', UTF8, 'Source document'),
    column('source_table', UTF8, 'Curated table of the row the value came from'),
    column('source_locator', UTF8, 'Where that row is in its file (its lineage: hld lineage country#<iso3>)'),
  ],
  primaryKey: ['iso3', 'indicator_id', 'sex', 'source', 'revision', 'year'],
  foreignKeys: [
    {
      fields: ['iso3'],
      reference: { resource: 'briefing_country', fields: ['iso3'] },
      holdsForOneCountry: true,
    },
  ],
};

export const BRIEFING_EVENT: ExportTable = {
  name: 'briefing_event',
  title: 'Events',
  description: 'Meetings and milestones of the HLD process, with their country and theme links.',
  columns: [
    column('event_id', UTF8, 'Event id (EV-yyyymmdd-slug)', { required: true }),
    column('title', UTF8, 'Title', { required: true }),
    column('event_type', UTF8, 'Event type'),
    column('start_date', DATE, 'First day'),
    column('end_date', DATE, 'Last day'),
    column('date_precision', UTF8, 'Precision of the dates', { enum: ['day', 'month', 'year'] }),
    column('city', UTF8, 'City'),
    column('iso3', UTF8, 'Host country', { pattern: ISO3 }),
    column('country_iso3s', LIST, 'Countries linked to the event'),
    column('co_chair_iso3', LIST, 'Co-chairs'),
    column('co_host_iso3', LIST, 'Co-hosts (the host is iso3)'),
    column('organiser_org_ids', LIST, 'Organisers'),
    column('hld_rt', LIST, 'HLD round tables'),
    column('theme_jmdi', LIST, 'JMDI themes'),
    column('related_pilot_id', UTF8, 'Related mainstreaming pilot'),
    ...provenanceColumns('the event row'),
    column('source_doc_id', UTF8, 'Source document'),
    column('source_locator', UTF8, 'Where in the source document'),
  ],
  primaryKey: ['event_id'],
  foreignKeys: [
    {
      fields: ['iso3'],
      reference: { resource: 'briefing_country', fields: ['iso3'] },
      holdsForOneCountry: false,
    },
  ],
};

export const BRIEFING_SOURCES: ExportTable = {
  name: 'briefing_sources',
  title: 'Sources',
  description:
    'Every document and dataset the briefing cites, with the files (by SHA-256) that carried its rows.',
  columns: [
    column('source_doc_id', UTF8, 'Document id', { required: true }),
    column('title', UTF8, "Registered title ('untitled upload' when nobody registered the document)", {
      required: true,
    }),
    column('doc_type', UTF8, 'Document type'),
    column('publisher', UTF8, 'Publisher (organisation id or name)'),
    column('year', INT, 'Year of publication'),
    column('registered_by', UTF8, 'How the document was registered', {
      required: true,
      enum: ['source_document', 'sidecar', 'untitled'],
    }),
    ...provenanceColumns('the document'),
    column('licence', UTF8, 'Licence as stated by the source (empty: not stated)'),
    column('url', UTF8, 'Where the document is published'),
    column(
      'citation',
      UTF8,
      'Publisher (year). Title. URL. Licence. [document id] — the one citation style of every export; a document without a registry entry is cited by its id',
      { required: true },
    ),
    column('rows', INT, 'Curated rows citing the document'),
    column('tables', LIST, 'Curated tables citing the document'),
    column('file_sha256', LIST, 'SHA-256 of the uploaded files that carried the rows'),
    column('raw_keys', LIST, 'Raw-bucket keys of those files'),
  ],
  primaryKey: ['source_doc_id'],
  foreignKeys: [],
};

/** Every table, in the order they are written (referenced tables first). */
export const BRIEFING_TABLES: readonly ExportTable[] = [
  BRIEFING_COUNTRY,
  BRIEFING_THEME,
  BRIEFING_PROJECT,
  BRIEFING_PILOT_STATUS,
  BRIEFING_CONTEXT_FIGURE,
  BRIEFING_EVENT,
  BRIEFING_SOURCES,
];

const text = (value: unknown): string | undefined =>
  value === undefined || value === null || value === '' ? undefined : String(value);

function countryRow(body: CountryBody, meta: ExportMeta): ExportRow {
  const pilot = body.pilots[0];
  const { mainstreaming, survey, jmdi } = body;
  const budgets = jmdiEurTotals(jmdi.projects);
  return {
    iso3: body.iso3,
    name: body.name,
    m49: text(body.m49),
    subregion: text(body.subregion),
    ldc: body.ldc,
    lldc: body.lldc,
    sids: body.sids,
    as_of: meta.asOf,
    pilot_id: text(pilot?.pilot_id),
    pilot_status: text(pilot?.participation_status),
    pilot_phase: text(pilot?.phase),
    pilot_status_as_of: text(pilot?.status_as_of),
    pilot_lead_gov: text(pilot?.lead_gov),
    pilot_un_leads: pilot ? [...pilot.un_leads] : undefined,
    pilots_n: body.pilots.length,
    milestones_achieved_n: mainstreaming.milestones_achieved_n,
    latest_milestone_type: text(mainstreaming.latest_milestone_type),
    latest_milestone_date: text(mainstreaming.latest_milestone_date),
    strategy_status: text(mainstreaming.strategy_status),
    emp_status: text(mainstreaming.emp_status),
    coordination_mechanism: mainstreaming.coordination_mechanism,
    me_framework: mainstreaming.me_framework,
    is_jmdi1_target: jmdi.is_jmdi1_target,
    jmdi_projects_n: jmdi.projects_n,
    ...Object.fromEntries(THEME_JMDI.map((theme) => [`jmdi_${theme}_n`, jmdi.projects_by_theme[theme]])),
    jmdi_budget_eur_total: budgets.budgetEur,
    jmdi_withdrawn_budget_eur_total: budgets.withdrawnBudgetEur,
    unct_surveyed: survey.unct_surveyed,
    survey_respondents_n: survey.respondents_n,
    capacity_gaps: survey.capacity_gaps.map((gap) => `${gap.capacity_area}:${gap.has_capacity}`),
    top_demands: [...survey.top_demands],
    support_types_requested: survey.support_types_requested.map(
      (support) => `${support.support_type}:${support.respondents}`,
    ),
    ...headlineFigures(body.context_figures),
    events_n: body.events.length,
    event_ids: body.events.map((event) => String(event.event_id)),
    key_documents: documentIds(body.sources),
    caveats: [...body.caveats],
    confidence: body.confidence,
    illustrative: body.illustrative,
  };
}

function scaled(value: FigureValue): number | undefined {
  if (typeof value.value !== 'number') return undefined;
  return typeof value.unit_mult === 'number' && value.unit_mult !== 0
    ? value.value * 10 ** value.unit_mult
    : value.value;
}

/** `immigrant_stock_undesa_ims`: the headline column of one indicator from one source. */
export function headlineColumn(column: string, source: string): string {
  return `${column}_${source.toLowerCase()}`;
}

function headlineFigures(figures: readonly ContextFigure[]): Record<string, unknown> {
  const byIndicator = new Map<string, readonly FigureValue[]>();
  for (const figure of figures) byIndicator.set(figure.indicator_id, figure.values);
  const row: Record<string, unknown> = {};
  for (const headline of HEADLINE_FIGURES) {
    const values = (byIndicator.get(headline.indicator) ?? []).filter((value) => scaled(value) !== undefined);
    for (const source of headline.sources) {
      const latest = values
        .filter((value) => value.source === source)
        .sort((a, b) => `${a.year}|${a.revision}`.localeCompare(`${b.year}|${b.revision}`))
        .at(-1);
      const name = headlineColumn(headline.column, source);
      row[name] = latest ? scaled(latest) : undefined;
      row[`${name}_year`] = latest ? text(latest.year) : undefined;
      row[`${name}_revision`] = latest ? text(latest.revision) : undefined;
      row[`${name}_obs_status`] = latest ? text(latest.obs_status) : undefined;
    }
  }
  return row;
}

function contextRows(body: CountryBody): ExportRow[] {
  return body.context_figures.flatMap((figure) =>
    [
      { sex: '_T', values: figure.values },
      ...(figure.by_sex ?? []).map((entry) => ({ sex: entry.sex, values: entry.values })),
    ].flatMap(({ sex, values }) =>
      values.map((value) => ({
        iso3: body.iso3,
        indicator_id: figure.indicator_id,
        label: text(figure.label),
        unmapped: figure.unmapped === true,
        sex,
        source: text(value.source),
        revision: text(value.revision),
        year: text(value.year),
        value: typeof value.value === 'number' ? value.value : undefined,
        unit: text(value.unit),
        unit_mult: value.unit_mult,
        obs_status: text(value.obs_status),
        confidence: value.source_link.confidence,
        illustrative: value.source_link.illustrative,
        source_doc_id: text(value.source_link.source_doc_id),
        source_table: value.source_link.table,
        source_locator: value.source_link.locator,
      })),
    ),
  );
}

function documentIds(sources: readonly { readonly source_doc_id: string }[]): string[] {
  return [...new Set(sources.map((source) => source.source_doc_id))].sort();
}

function themeRow(body: ThemeBody, meta: ExportMeta): ExportRow {
  return {
    theme: body.theme,
    scope: body.scope,
    scope_iso3: body.scope === 'GLOBAL' ? undefined : body.scope,
    theme_kind: body.theme_kind,
    label: text(body.label),
    as_of: meta.asOf,
    n_projects: body.n_projects,
    projects: [...body.projects],
    n_secondary_projects: body.n_secondary_projects,
    secondary_projects: body.secondary_projects ? [...body.secondary_projects] : undefined,
    ...Object.fromEntries(THEME_JMDI.map((theme) => [`jmdi_${theme}_n`, body.jmdi_themes[theme]])),
    n_good_practices: body.n_good_practices,
    top_practices: body.top_practices.map((practice) => `${practice.lesson_id}: ${practice.statement ?? ''}`),
    common_conditions: body.common_conditions.map((entry) => `${entry.condition_tag}:${entry.n}`),
    transnational_corridors: body.transnational_corridors.map(
      (corridor) => `${corridor.origin_iso3}>${corridor.destination_iso3}:${corridor.projects_n}`,
    ),
    pilot_evidence: body.pilot_evidence.map((milestone) => String(milestone.milestone_id)),
    survey_demands: body.survey_demands.map((entry) => `${entry.capacity_area}:${entry.uncts_high_demand}`),
    key_documents: documentIds(body.sources),
    caveats: [...body.caveats],
    confidence: body.confidence,
    illustrative: body.illustrative,
  };
}

function projectRows(body: CountryBody): ExportRow[] {
  return body.jmdi.projects.map((project) => ({
    project_id: project.project_id,
    iso3: body.iso3,
    title: text(project.title),
    theme_primary: text(project.theme_primary),
    hld_rt: [...project.hld_rt],
    selection_status: text(project.selection_status),
    total_budget_amount: project.total_budget_amount,
    total_budget_currency: text(project.total_budget_currency),
    jmdi_grant_amount: project.jmdi_grant_amount,
    partner_countries_iso3: [...project.partner_countries_iso3],
    confidence: project.source.confidence,
    illustrative: project.source.illustrative,
    source_doc_id: text(project.source.source_doc_id),
  }));
}

function pilotStatusRows(body: CountryBody): ExportRow[] {
  return (body.pilot_status ?? []).map((status) => ({
    status_id: status.status_id,
    iso3: body.iso3,
    pilot_id: text(status.pilot_id),
    seq: status.seq,
    participation_status: text(status.participation_status),
    listing: text(status.listing),
    status_date: text(status.status_date),
    date_precision: text(status.date_precision),
    period: text(status.period),
    statement: text(status.statement),
    confidence: status.source.confidence,
    illustrative: status.source.illustrative,
    source_doc_id: text(status.source_doc_id ?? status.source.source_doc_id),
    source_locator: text(status.source_locator),
  }));
}

function eventRow(body: EventBody): ExportRow {
  return {
    event_id: body.event_id,
    title: body.title,
    event_type: text(body.event_type),
    start_date: text(body.start_date),
    end_date: text(body.end_date),
    date_precision: text(body.date_precision),
    city: text(body.city),
    iso3: text(body.iso3),
    country_iso3s: [...(body.country_iso3s ?? [])],
    co_chair_iso3: [...(body.co_chair_iso3 ?? [])],
    co_host_iso3: [...(body.co_host_iso3 ?? [])],
    organiser_org_ids: [...(body.organiser_org_ids ?? [])],
    hld_rt: [...(body.hld_rt ?? [])],
    theme_jmdi: [...(body.theme_jmdi ?? [])],
    related_pilot_id: text(body.related_pilot_id),
    confidence: body.source.confidence,
    illustrative: body.illustrative,
    source_doc_id: text(body.source_doc_id ?? body.source.source_doc_id),
    source_locator: text(body.source_locator),
  };
}

/** Files (SHA-256, raw key) per document, from the item's lineage. */
function filesByDocument(item: SourcesItem): Map<string, { file_sha256: string; raw_key: string }[]> {
  const files = new Map<string, { file_sha256: string; raw_key: string }[]>();
  for (const entry of item.lineage?.sources ?? []) {
    const list = files.get(entry.source_doc_id) ?? [];
    if (!list.some((file) => file.file_sha256 === entry.file_sha256))
      list.push({ file_sha256: entry.file_sha256, raw_key: entry.raw_key });
    files.set(entry.source_doc_id, list);
  }
  for (const list of files.values()) list.sort((a, b) => a.file_sha256.localeCompare(b.file_sha256));
  return files;
}

function sourceRows(item: SourcesItem): ExportRow[] {
  const files = filesByDocument(item);
  return item.body.sources.map((source) => ({
    source_doc_id: source.source_doc_id,
    title: text(source.title),
    doc_type: text(source.doc_type),
    publisher: text(source.publisher),
    year: source.year,
    registered_by: source.registered_by,
    confidence: source.confidence,
    illustrative: source.illustrative,
    licence: text(source.licence),
    url: text(source.url),
    citation: citationOf(source).text,
    rows: source.rows,
    tables: [...source.tables],
    file_sha256: (files.get(source.source_doc_id) ?? []).map((file) => file.file_sha256),
    raw_keys: (files.get(source.source_doc_id) ?? []).map((file) => file.raw_key),
  }));
}

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Refuse values a typed column cannot hold instead of writing them wrong (an unparseable date
 * would become 1970-01-01 in Arrow): the message names the table, the row key and the field.
 */
function checkRow(table: ExportTable, row: ExportRow): void {
  const key = table.primaryKey.map((name) => String(row[name])).join('/');
  for (const spec of table.columns) {
    const value = row[spec.name];
    if (value === undefined || value === null) {
      if (spec.required) throw new ExportDataError(table.name, key, spec.name, 'is required but empty');
      continue;
    }
    const ok =
      spec.type.kind === 'date'
        ? typeof value === 'string' && DATE_PATTERN.test(value) && !Number.isNaN(Date.parse(value))
        : spec.type.kind === 'int32'
          ? Number.isInteger(value)
          : spec.type.kind === 'float64'
            ? typeof value === 'number' && Number.isFinite(value)
            : spec.type.kind === 'bool'
              ? typeof value === 'boolean'
              : spec.type.kind === 'list-utf8'
                ? Array.isArray(value)
                : typeof value === 'string';
    if (!ok)
      throw new ExportDataError(
        table.name,
        key,
        spec.name,
        `holds ${JSON.stringify(value)}, not a ${spec.type.kind}`,
      );
  }
}

/** Flatten briefing items into the export tables, rows in item order (items are sorted by key). */
export function briefingTables(items: readonly BriefingItem[], meta: ExportMeta): ExportTableData[] {
  const rows = new Map<string, ExportRow[]>(BRIEFING_TABLES.map((table) => [table.name, []]));
  const push = (table: ExportTable, ...added: ExportRow[]) => rows.get(table.name)?.push(...added);
  for (const item of items) {
    switch (item.type) {
      case 'country':
        push(BRIEFING_COUNTRY, countryRow(item.body, meta));
        push(BRIEFING_PROJECT, ...projectRows(item.body));
        push(BRIEFING_PILOT_STATUS, ...pilotStatusRows(item.body));
        push(BRIEFING_CONTEXT_FIGURE, ...contextRows(item.body));
        break;
      case 'theme':
        push(BRIEFING_THEME, themeRow(item.body, meta));
        break;
      case 'event':
        push(BRIEFING_EVENT, eventRow(item.body));
        break;
      case 'sources':
        push(BRIEFING_SOURCES, ...sourceRows(item));
        break;
      default: {
        const unknown: never = item;
        throw new ExportDataError(
          'briefing',
          String((unknown as BriefingItem).id),
          'type',
          'is not an item type',
        );
      }
    }
  }
  return BRIEFING_TABLES.map((table) => {
    const tableRows = rows.get(table.name) ?? [];
    for (const row of tableRows) checkRow(table, row);
    return { table, rows: tableRows };
  });
}
