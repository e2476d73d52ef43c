import type {
  ContextFigure,
  CountryBody,
  CountryEvent,
  CountryMilestone,
  CountryPilot,
  CountryPilotStatus,
  CountryProject,
  FigureBySex,
  FigureValue,
  GoodPractice,
} from '#contracts/briefing/country.ts';
import type { CountryItem } from '#contracts/briefing/item.ts';
import { FIGURE_SEXES } from '#contracts/briefing/vocabulary.ts';
import { SUPPORT_TYPE, type THEME_JMDI } from '#contracts/vocabularies.ts';
import { rowsOf } from '#packages/columnar/group-by.ts';
import { countryReference } from '#packages/formats/countries.ts';
import type { BriefingIndex } from './briefing-index.ts';
import { byText, ColumnText, list, num, type Rows, str, text } from './column-text.ts';
import type { CuratedTable } from './curated-tables.ts';
import {
  lineageOf,
  lowConfidenceCount,
  marksOf,
  type RefRun,
  sourceLink,
  summariseRefs,
} from './provenance.ts';
import {
  ADDITIVE_UNITS,
  empStatus,
  figureAmount,
  indicatorLabel,
  isMappedIndicator,
  noCurrencyBudgetsCaveat,
  nonEurBudgetsCaveat,
  pilotListingCaveats,
  provenanceCaveats,
  roundTablesOf,
  SEVERAL_PILOTS_CAVEAT,
  type SexSumGap,
  sexesDoNotAddUp,
  sexSumCaveat,
  sourceComparisonCaveats,
  strategyStatus,
  unmappedSeriesCaveat,
  unmappedSeriesLabel,
} from './rules.ts';

/** The `country` item (DOMAIN.md §4.8; body: data-contracts/briefing/country.ts). */

const PILOT_FIELDS = [
  'pilot_id',
  'programme',
  'phase',
  'participation_status',
  'status_as_of',
  'start_date',
  'lead_gov_name',
  'lead_gov_org_id',
  'un_lead_org_ids',
  'donor_org_ids',
  'national_strategy',
  'confidence',
];
const PILOT_STATUS_FIELDS = [
  'status_id',
  'pilot_id',
  'seq',
  'participation_status',
  'listing',
  'status_date',
  'date_precision',
  'period',
  'statement_en',
  'source_doc_id',
  'source_locator',
  'confidence',
];
const MILESTONE_FIELDS = [
  'milestone_id',
  'milestone_type',
  'status',
  'date_achieved',
  'date_planned',
  'date_precision',
  'handbook_stage',
  'output_area',
  'policy_dimension',
  'description_en',
  'legal_basis',
  'confidence',
];
/** Readers of the named columns of a table (`CuratedTable.column`), one per field. */
function columnReaders<F extends string>(
  table: CuratedTable,
  fields: readonly F[],
): Record<F, (row: number) => unknown> {
  return Object.fromEntries(fields.map((field) => [field, table.column(field)])) as Record<
    F,
    (row: number) => unknown
  >;
}

export const PROJECT_FIELDS = [
  'project_id',
  'title_en',
  'title_fr',
  'title_es',
  'theme_primary',
  'hld_rt',
  'selection_status',
  'total_budget_amount',
  'total_budget_currency',
  'jmdi_grant_amount',
  'partner_countries_iso3',
  'confidence',
] as const;
export const GOOD_PRACTICE_FIELDS = [
  'lesson_id',
  'project_id',
  'statement_en',
  'evidence_strength',
  'condition_tags',
] as const;
const EVENT_FIELDS = ['event_id', 'title', 'start_date', 'end_date', 'date_precision'];
const OBSERVATION_FIELDS = [
  'indicator_id',
  'value',
  'time_period',
  'unit',
  'unit_mult',
  'source',
  'dataset_revision',
  'obs_status',
];

/** Sorts a figure's values by source, revision and period. */
function bySourceAndYear(values: FigureValue[]): FigureValue[] {
  return values.sort((a, b) =>
    byText(`${a.source}|${a.revision}|${a.year}`, `${b.source}|${b.revision}|${b.year}`),
  );
}

/**
 * Context figures of one country: every value keeps its source, revision and year; values of
 * different sources stay side by side, and a caveat names sources that disagree in a year both
 * publish, or share no year (rules.ts, `sourceComparisonCaveats`). Values by sex
 * (`F`, `M`) are kept beside both sexes' (`_T`), each with its own row; where females + males is
 * not both sexes beyond rounding, a caveat says so and every value stays as the source gives it.
 */
function contextFigures(index: BriefingIndex, rows: Rows, caveats: string[]): ContextFigure[] {
  const { set, observation } = index;
  const counterparts = new ColumnText(observation.codes('counterpart_iso3'));
  const sexes = new ColumnText(observation.codes('sex'));
  const byIndicator = new Map<string, { total: FigureValue[]; F: FigureValue[]; M: FigureValue[] }>();
  for (let at = 0; at < rows.length; at += 1) {
    const row = rows[at]!;
    const sex = sexes.value(row) ?? '_T';
    if (counterparts.value(row) || (sex !== '_T' && sex !== 'F' && sex !== 'M')) continue;
    const values = observation.row(row, OBSERVATION_FIELDS);
    const indicator = String(values.indicator_id);
    const value: FigureValue = {
      value: num(values.value) ?? null,
      year: String(values.time_period),
      unit: text(values.unit),
      unit_mult: num(values.unit_mult),
      source: String(values.source),
      revision: String(values.dataset_revision),
      obs_status: text(values.obs_status),
      source_link: sourceLink(set, observation, row),
    };
    let entries = byIndicator.get(indicator);
    if (!entries) {
      entries = { total: [], F: [], M: [] };
      byIndicator.set(indicator, entries);
    }
    entries[sex === '_T' ? 'total' : sex].push(value);
  }
  return [...byIndicator.keys()].sort(byText).map((indicator) => {
    const entries = byIndicator.get(indicator)!;
    const values = bySourceAndYear(entries.total);
    caveats.push(
      ...sourceComparisonCaveats(
        indicator,
        values.flatMap((value) =>
          typeof value.value === 'number'
            ? [{ ...value, value: figureAmount(value.value, value.unit_mult) }]
            : [],
        ),
      ),
    );
    const bySex: FigureBySex[] = FIGURE_SEXES.filter((sex) => entries[sex].length > 0).map((sex) => ({
      sex,
      values: bySourceAndYear(entries[sex]),
    }));
    caveats.push(...sexSumCaveats(indicator, values, entries.F, entries.M));
    const mapped = isMappedIndicator(indicator);
    if (!mapped) {
      const sources = [...values, ...entries.F, ...entries.M].map((value) => value.source);
      caveats.push(unmappedSeriesCaveat(indicator, [...new Set(sources)].sort()));
    }
    return {
      indicator_id: indicator,
      label: mapped ? indicatorLabel(indicator) : unmappedSeriesLabel(indicator),
      ...(mapped ? {} : { unmapped: true as const }),
      values,
      ...(bySex.length > 0 ? { by_sex: bySex } : {}),
    };
  });
}

/**
 * One caveat per source and revision whose females + males is not both sexes beyond rounding,
 * for the periods all three are given (counts and amounts only: a share by sex has its own base).
 */
function sexSumCaveats(
  indicator: string,
  total: readonly FigureValue[],
  females: readonly FigureValue[],
  males: readonly FigureValue[],
): string[] {
  const key = (value: FigureValue) => `${value.source}\u0000${value.revision}\u0000${value.year}`;
  const numbers = (values: readonly FigureValue[]) =>
    new Map(
      values.flatMap((value) =>
        typeof value.value === 'number'
          ? [[key(value), figureAmount(value.value, value.unit_mult)] as const]
          : [],
      ),
    );
  const femaleValues = numbers(females);
  const maleValues = numbers(males);
  const gaps = new Map<string, { source: string; revision: string; gaps: SexSumGap[] }>();
  for (const value of total) {
    if (typeof value.value !== 'number' || !ADDITIVE_UNITS.includes(value.unit ?? '')) continue;
    const female = femaleValues.get(key(value));
    const male = maleValues.get(key(value));
    const amount = figureAmount(value.value, value.unit_mult);
    if (female === undefined || male === undefined || !sexesDoNotAddUp(amount, female, male)) continue;
    const series = `${value.source}\u0000${value.revision}`;
    const entry = gaps.get(series) ?? { source: value.source, revision: value.revision, gaps: [] };
    entry.gaps.push({ year: value.year, females: female, males: male, total: amount });
    gaps.set(series, entry);
  }
  return [...gaps.values()].map((entry) => sexSumCaveat(indicator, entry.source, entry.revision, entry.gaps));
}

/** One country's item: its rows in every table, the survey profile, the figures and the caveats. */
export function buildCountryItem(index: BriefingIndex, countryIndex: number): CountryItem {
  const { set, pilot, pilotStatus, milestone, project, lesson, event, observation } = index;
  const iso3 = index.countries[countryIndex]!;
  const country = countryReference().byIso3(iso3);
  const profileIndex = index.profileOf[countryIndex]!;
  const profile = profileIndex >= 0 ? index.profiles[profileIndex] : undefined;
  const pilotRows = rowsOf(index.pilotsOf, countryIndex);
  const statusRows = rowsOf(index.pilotStatusOf, countryIndex);
  const milestoneRows = rowsOf(index.milestonesOf, countryIndex);
  const projectRows = rowsOf(index.projectsOf, countryIndex);
  const lessonRows = rowsOf(index.lessonsOf, countryIndex);
  const eventRows = rowsOf(index.eventsOf, countryIndex);
  const observationRows = rowsOf(index.observationsOf, countryIndex);
  // Column readers, not `row()`: a project or good practice is read straight into its item, with
  // no object per row in between (250k projects and 125k practices per briefing at 1M rows).
  const projectValues = columnReaders(project, PROJECT_FIELDS);
  const practiceValues = columnReaders(lesson, GOOD_PRACTICE_FIELDS);
  const pilots = Array.from(pilotRows, (row) => pilot.row(row, PILOT_FIELDS));
  const milestones = Array.from(milestoneRows, (row) => milestone.row(row, MILESTONE_FIELDS));

  const achieved = milestones.filter((row) => row.status === 'achieved');
  const latest = [...achieved]
    .sort((a, b) => byText(String(a.date_achieved ?? ''), String(b.date_achieved ?? '')))
    .at(-1);
  const types = new Set(achieved.map((row) => String(row.milestone_type)));
  const allTypes = new Set(milestones.map((row) => String(row.milestone_type)));

  // Counts and the EUR total over the typed columns, in project order (the order of the sum
  // decides the last bits of the total).
  const byTheme = { remittances: 0, communities: 0, capacities: 0, rights: 0 };
  const amounts = project.numbers('total_budget_amount');
  const currencies = new ColumnText(project.codes('total_budget_currency'));
  let budgetEur = 0;
  let withdrawnBudgetEur = 0;
  let budgetOther = 0;
  let budgetNoCurrency = 0;
  for (let at = 0; at < projectRows.length; at += 1) {
    const row = projectRows[at]!;
    const theme = index.projectThemes.text(row);
    if (Object.hasOwn(byTheme, theme)) byTheme[theme as (typeof THEME_JMDI)[number]] += 1;
    if (amounts.valid[row]) {
      const currency = currencies.value(row);
      // A withdrawn project's budget was never spent on its aims: it is totalled apart.
      if (currency === 'EUR') {
        if (projectValues.selection_status(row) === 'withdrawn') withdrawnBudgetEur += amounts.values[row]!;
        else budgetEur += amounts.values[row]!;
      } else if (currency === undefined) budgetNoCurrency += 1;
      else budgetOther += 1;
    }
  }

  const runs: RefRun[] = [
    { table: pilot, rows: pilotRows },
    { table: pilotStatus, rows: statusRows },
    { table: milestone, rows: milestoneRows },
    { table: project, rows: projectRows },
    { table: lesson, rows: lessonRows },
    { table: event, rows: eventRows },
    ...(profile
      ? [
          { table: set.table('survey_respondent'), rows: profile.respondentRows },
          { table: set.table('survey_response'), rows: profile.responseRows },
        ]
      : []),
  ];
  const caveats: string[] = [];
  if (budgetOther > 0) caveats.push(nonEurBudgetsCaveat(budgetOther));
  if (budgetNoCurrency > 0) caveats.push(noCurrencyBudgetsCaveat(budgetNoCurrency));
  if (pilots.length > 1) caveats.push(SEVERAL_PILOTS_CAVEAT);
  const statuses = Array.from(statusRows, (row) => pilotStatus.row(row, PILOT_STATUS_FIELDS));
  caveats.push(...pilotListingCaveats(statuses));
  const figures = contextFigures(index, observationRows, caveats);
  runs.push({ table: observation, rows: observationRows });
  const sources = summariseRefs(set, runs);
  caveats.unshift(...provenanceCaveats(sources, lowConfidenceCount(runs)));
  // Derived sections are as weak as the rows they are derived from.
  const mainstreamingMarks = marksOf(summariseRefs(set, [{ table: milestone, rows: milestoneRows }]));
  const surveyMarks = marksOf(
    profile
      ? summariseRefs(set, [
          { table: set.table('survey_respondent'), rows: profile.respondentRows },
          { table: set.table('survey_response'), rows: profile.responseRows },
        ])
      : [],
  );
  // The good practices straight from the rows: no copy of the country's lesson rows, no filtered copy.
  const goodPractices: GoodPractice[] = [];
  for (let at = 0; at < lessonRows.length; at += 1) {
    const row = lessonRows[at]!;
    if (index.good[row] !== 1) continue;
    goodPractices.push({
      lesson_id: text(practiceValues.lesson_id(row)),
      project_id: text(practiceValues.project_id(row)),
      statement: text(practiceValues.statement_en(row)),
      evidence_strength: text(practiceValues.evidence_strength(row)),
      condition_tags: list(practiceValues.condition_tags(row)),
      source: sourceLink(set, lesson, row),
    });
  }
  const surveyCapacity = profile?.capacity ?? [];
  const surveyStatistics = index.survey.statistics([iso3]);
  const body: CountryBody = {
    iso3,
    name: country?.name_en ?? iso3,
    m49: country?.m49,
    subregion: country?.subregion_name,
    ldc: country?.ldc ?? false,
    lldc: country?.lldc ?? false,
    sids: country?.sids ?? false,
    pilots: pilots.map(
      (row, at): CountryPilot => ({
        pilot_id: text(row.pilot_id),
        programme: text(row.programme),
        phase: text(row.phase),
        participation_status: text(row.participation_status),
        status_as_of: text(row.status_as_of),
        start_date: text(row.start_date),
        lead_gov: text(row.lead_gov_name ?? row.lead_gov_org_id),
        un_leads: list(row.un_lead_org_ids),
        donors: list(row.donor_org_ids),
        national_strategy: text(row.national_strategy),
        confidence: text(row.confidence),
        source: sourceLink(set, pilot, pilotRows[at]!),
      }),
    ),
    pilot_status: statuses.map((values, at): CountryPilotStatus => {
      const row = statusRows[at]!;
      return {
        status_id: text(values.status_id),
        pilot_id: text(values.pilot_id),
        seq: num(values.seq),
        participation_status: text(values.participation_status),
        listing: text(values.listing),
        status_date: text(values.status_date),
        date_precision: text(values.date_precision),
        period: text(values.period),
        statement: text(values.statement_en),
        source_doc_id: text(values.source_doc_id),
        source_locator: text(values.source_locator),
        confidence: text(values.confidence),
        source: sourceLink(set, pilotStatus, row),
      };
    }),
    milestones: milestones.map(
      (row, at): CountryMilestone => ({
        milestone_id: text(row.milestone_id),
        milestone_type: text(row.milestone_type),
        status: text(row.status),
        date: text(row.date_achieved ?? row.date_planned),
        date_precision: text(row.date_precision),
        handbook_stage: text(row.handbook_stage),
        output_area: text(row.output_area),
        policy_dimension: text(row.policy_dimension),
        description: text(row.description_en),
        legal_basis: text(row.legal_basis),
        confidence: text(row.confidence),
        source: sourceLink(set, milestone, milestoneRows[at]!),
      }),
    ),
    mainstreaming: {
      milestones_achieved_n: achieved.length,
      latest_milestone_type: text(latest?.milestone_type),
      latest_milestone_date: text(latest?.date_achieved),
      strategy_status: strategyStatus(types, allTypes),
      emp_status: empStatus(types, allTypes),
      coordination_mechanism: types.has('coordination_mechanism_established'),
      me_framework: types.has('me_framework_established'),
      ...mainstreamingMarks,
    },
    survey: {
      unct_surveyed: profile !== undefined,
      respondents_n: profile?.respondents ?? 0,
      capacity: surveyCapacity,
      capacity_gaps: surveyCapacity
        .filter((entry) => entry.has_capacity === 'no' || entry.has_capacity === 'partial')
        .map((entry) => ({ capacity_area: entry.capacity_area, has_capacity: entry.has_capacity })),
      top_demands: surveyCapacity
        .filter((entry) => entry.demand_level === 'high')
        .map((entry) => entry.capacity_area),
      support_types_requested: SUPPORT_TYPE.flatMap((type, at) =>
        profile && profile.support[at]! > 0
          ? [{ support_type: type, respondents: profile.support[at]! }]
          : [],
      ),
      ...(surveyStatistics ? { statistics: surveyStatistics } : {}),
      ...surveyMarks,
    },
    jmdi: {
      is_jmdi1_target: country?.is_jmdi1_target ?? false,
      projects_n: projectRows.length,
      projects_by_theme: byTheme,
      budget_eur_total: budgetEur,
      withdrawn_budget_eur_total: withdrawnBudgetEur,
      projects: Array.from(projectRows, (row): CountryProject => {
        return {
          project_id: text(projectValues.project_id(row)),
          title: text(
            projectValues.title_en(row) ?? projectValues.title_fr(row) ?? projectValues.title_es(row),
          ),
          theme_primary: text(projectValues.theme_primary(row)),
          hld_rt: roundTablesOf(list(projectValues.hld_rt(row)), str(projectValues.theme_primary(row))),
          selection_status: text(projectValues.selection_status(row)),
          total_budget_amount: num(projectValues.total_budget_amount(row)),
          total_budget_currency: text(projectValues.total_budget_currency(row)),
          jmdi_grant_amount: num(projectValues.jmdi_grant_amount(row)),
          partner_countries_iso3: list(projectValues.partner_countries_iso3(row)),
          confidence: text(projectValues.confidence(row)),
          source: sourceLink(set, project, row),
        };
      }),
      good_practices: goodPractices,
    },
    context_figures: figures,
    events: Array.from(eventRows, (row): CountryEvent => {
      const values = event.row(row, EVENT_FIELDS);
      return {
        event_id: text(values.event_id),
        title: text(values.title),
        start_date: text(values.start_date),
        end_date: text(values.end_date),
        date_precision: text(values.date_precision),
        source: sourceLink(set, event, row),
      };
    }),
    caveats,
    sources,
    ...marksOf(sources),
  };
  return { type: 'country', id: iso3, body, lineage: lineageOf(set, runs) };
}
