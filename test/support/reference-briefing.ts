import { EVENT_BODY_FIELDS } from '#contracts/briefing/event.ts';
import { locatorRanges, rangeHolds } from '#contracts/briefing/locator-ranges.ts';
import type { BriefingLineage, LocatorRange } from '#contracts/briefing/provenance.ts';
import type { AgreeingClaims } from '#contracts/briefing/sources.ts';
import type { BriefingTheme } from '#contracts/briefing/vocabulary.ts';
import { MAX_SUMMARY_LOCATORS } from '#contracts/briefing/vocabulary.ts';
import { LOCATOR_COLUMN } from '#contracts/curated-columns.ts';
import { COUNTRY_COLUMNS, PRIMARY_KEYS, RELATIONS } from '#contracts/relations.ts';
import {
  type Confidence,
  effectiveConfidence,
  type RegisteredDocument,
  weakestConfidence,
} from '#contracts/source-registry.ts';
import {
  capacityAreasOfTheme,
  DEFAULT_INCLUDED_STATUSES,
  validationStatusOf,
} from '#contracts/survey-statistics.ts';
import {
  CAPACITY_AREA,
  CONFIDENCE,
  DEMAND_LEVEL,
  HAS_CAPACITY,
  SUPPORT_TYPE,
  THEME_HLD_RT,
  THEME_JMDI,
} from '#contracts/vocabularies.ts';
import { tableRows } from '#packages/arrow/read.ts';
import { STREAMED_TABLES } from '#packages/briefing/build.ts';
import type { CuratedSegment } from '#packages/briefing/curated-tables.ts';
import { DocumentRegistry } from '#packages/briefing/document-registry.ts';
import {
  agreeingClaimsNote,
  danglingReferenceCaveat,
  fileNameOf,
  keyConflictCaveats,
  PLACE_FIELDS,
} from '#packages/briefing/key-conflicts.ts';
import type {
  SourceRef as InputRef,
  CuratedRow as InputRow,
  CuratedTables as InputTables,
} from '#packages/briefing/model.ts';
import {
  ADDITIVE_UNITS,
  empStatus,
  evidenceRank,
  figureAmount,
  indicatorLabel,
  inHldPeriod,
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
  TOP_PRACTICES,
  themeLabel,
  unmappedSeriesCaveat,
  unmappedSeriesLabel,
} from '#packages/briefing/rules.ts';
import { citedSource, sourcesCaveats } from '#packages/briefing/sources-item.ts';
import { SurveyTally } from '#packages/briefing/survey-stats.ts';
import { countryReference } from '#packages/formats/countries.ts';

/**
 * The row-based briefing builder: a test oracle the columnar builder (packages/briefing/build.ts)
 * is checked against. Tests and the assemble benchmark require both to give the same items, byte
 * for byte. This is the builder as it was before the columnar one replaced it (every curated row
 * as an object, every theme × scope a filter over whole tables); production never runs it. The
 * briefing's rules (tolerances, caveat wording, status rules, the theme crosswalk) are imported
 * from packages/briefing/rules.ts, so only the mechanics are checked independently.
 */

type Row = Readonly<Record<string, unknown>>;

/** A row's provenance with what the registry says of it: its effective confidence, its flag, its title. */
interface SourceRef extends InputRef {
  readonly effective: Confidence;
  readonly illustrative: boolean;
  readonly title: string;
}
interface CuratedRow {
  readonly row: Row;
  readonly ref: SourceRef;
}
type CuratedTables = Readonly<Record<string, readonly CuratedRow[]>>;

/** Every row's ref with the registry's word on its document (effectiveConfidence: source-registry.ts). */
function withMarks(tables: InputTables, registered: readonly RegisteredDocument[]): CuratedTables {
  const registry = new DocumentRegistry(
    (tables.source_document ?? []).map((document) => document.row),
    registered,
  );
  return Object.fromEntries(
    Object.entries(tables).map(([name, rows]) => [
      name,
      rows.map(({ row, ref }) => {
        const illustrative = registry.illustrative(ref.source_doc_id);
        return {
          row,
          ref: {
            ...ref,
            illustrative,
            effective: effectiveConfidence(ref.confidence, illustrative),
            title: registry.get(ref.source_doc_id).title,
          },
        };
      }),
    ]),
  );
}

function marksOf(refs: readonly SourceRef[]) {
  return {
    confidence: weakestConfidence(refs.map((ref) => ref.effective)),
    illustrative: refs.some((ref) => ref.illustrative),
  };
}

/** An item as the oracle builds it: bodies untyped, compared as JSON with the builder's. */
export interface OracleItem {
  readonly type: string;
  readonly id: string;
  readonly body: unknown;
  readonly lineage?: BriefingLineage;
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;
const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function refsOf(rows: readonly CuratedRow[]): SourceRef[] {
  return rows.map((row) => row.ref);
}

/** The most frequent value; ties go to the value listed first in `order`. */
function mode(values: readonly string[], order: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  let best: string | undefined;
  for (const candidate of order) {
    const count = counts.get(candidate) ?? 0;
    if (count > 0 && (best === undefined || count > (counts.get(best) ?? 0))) best = candidate;
  }
  return best;
}

function projectRoundTables(row: Row): string[] {
  return roundTablesOf(list(row.hld_rt), str(row.theme_primary));
}

function lessonRoundTables(row: Row): string[] {
  return roundTablesOf(list(row.hld_rt), str(row.theme));
}

interface UnctProfile {
  readonly unct_id: string;
  readonly iso3: string;
  readonly respondents: number;
  readonly capacity: { capacity_area: string; has_capacity?: string; demand_level?: string }[];
  readonly support: Map<string, number>;
  readonly refs: SourceRef[];
}

const countedSubmission = (respondent: CuratedRow) =>
  DEFAULT_INCLUDED_STATUSES.includes(validationStatusOf(respondent.row.validation_status));

function unctProfiles(tables: CuratedTables): Map<string, UnctProfile> {
  const respondents = new Map<string, CuratedRow>();
  for (const respondent of tables.survey_respondent ?? []) {
    respondents.set(String(respondent.row.respondent_id), respondent);
  }
  const answers = new Map<string, Map<string, string[]>>();
  const support = new Map<string, Map<string, number>>();
  const refs = new Map<string, SourceRef[]>();
  for (const response of tables.survey_response ?? []) {
    const respondent = respondents.get(String(response.row.respondent_id));
    if (!respondent) continue;
    const iso3 = String(respondent.row.iso3);
    const question = String(response.row.question_name);
    const code = str(response.row.value_code);
    if (!code) continue;
    if (
      question !== 'support_requested' &&
      !question.startsWith('capacity/') &&
      !question.startsWith('demand/')
    )
      continue;
    refs.set(iso3, [...(refs.get(iso3) ?? []), response.ref]);
    // Counted as the survey statistics count: approved submissions only; left-out rows stay cited.
    if (!countedSubmission(respondent)) continue;
    if (question === 'support_requested') {
      const counts = support.get(iso3) ?? new Map<string, number>();
      counts.set(code, (counts.get(code) ?? 0) + 1);
      support.set(iso3, counts);
    } else if (question.startsWith('capacity/') || question.startsWith('demand/')) {
      const byQuestion = answers.get(iso3) ?? new Map<string, string[]>();
      byQuestion.set(question, [...(byQuestion.get(question) ?? []), code]);
      answers.set(iso3, byQuestion);
    }
  }
  const profiles = new Map<string, UnctProfile>();
  const byCountry = new Map<string, CuratedRow[]>();
  for (const respondent of respondents.values()) {
    const iso3 = String(respondent.row.iso3);
    byCountry.set(iso3, [...(byCountry.get(iso3) ?? []), respondent]);
  }
  for (const [iso3, rows] of byCountry) {
    const questions = answers.get(iso3) ?? new Map<string, string[]>();
    const capacity = CAPACITY_AREA.flatMap((area) => {
      const has = mode(questions.get(`capacity/${area}`) ?? [], HAS_CAPACITY);
      const demand = mode(questions.get(`demand/${area}`) ?? [], DEMAND_LEVEL);
      if (!has && !demand) return [];
      return [
        {
          capacity_area: area,
          ...(has ? { has_capacity: has } : {}),
          ...(demand ? { demand_level: demand } : {}),
        },
      ];
    });
    profiles.set(iso3, {
      unct_id: `UNCT-${iso3}`,
      iso3,
      respondents: rows.filter(countedSubmission).length,
      capacity,
      support: support.get(iso3) ?? new Map(),
      refs: [...refsOf(rows), ...(refs.get(iso3) ?? [])],
    });
  }
  return profiles;
}

/**
 * Documents behind an item, as content: which documents, tables, rows. File SHA-256s and raw
 * keys are provenance, not content: they go to the item's lineage (`lineageOf`), so a re-upload
 * that changes one row changes only the items that row feeds.
 */
function summariseRefs(refs: readonly SourceRef[]) {
  const grouped = new Map<
    string,
    { first: SourceRef; refs: SourceRef[]; tables: Set<string>; locators: string[] }
  >();
  for (const ref of refs) {
    const entry = grouped.get(ref.source_doc_id) ?? {
      first: ref,
      refs: [],
      tables: new Set<string>(),
      locators: [],
    };
    entry.refs.push(ref);
    entry.tables.add(ref.table);
    entry.locators.push(`${ref.table} ${ref.locator}`);
    grouped.set(ref.source_doc_id, entry);
  }
  return [...grouped.values()]
    .map((entry) => ({
      source_doc_id: entry.first.source_doc_id,
      title: entry.first.title,
      illustrative: entry.first.illustrative,
      confidence: marksOf(entry.refs).confidence,
      tables: [...entry.tables].sort(byText),
      rows: entry.locators.length,
      locators: entry.locators.slice(0, MAX_SUMMARY_LOCATORS),
    }))
    .sort((a, b) => byText(a.source_doc_id, b.source_doc_id));
}

/**
 * Lineage of an item: per document and file, the raw object (key + SHA-256) and every row locator,
 * listed in full and then cut into ranges by the contract's own rule (locator-ranges.ts).
 */
function lineageOf(refs: readonly SourceRef[]): BriefingLineage {
  const grouped = new Map<
    string,
    {
      source_doc_id: string;
      file_sha256: string;
      raw_key: string;
      tables: Set<string>;
      rows: { table: string; locator: string }[];
    }
  >();
  for (const ref of refs) {
    const key = `${ref.source_doc_id}|${ref.file_sha256}`;
    const entry = grouped.get(key) ?? {
      source_doc_id: ref.source_doc_id,
      file_sha256: ref.file_sha256,
      raw_key: ref.raw_key,
      tables: new Set<string>(),
      rows: [],
    };
    entry.tables.add(ref.table);
    entry.rows.push({ table: ref.table, locator: ref.locator });
    grouped.set(key, entry);
  }
  return {
    sources: [...grouped.values()]
      .map((entry) => ({
        source_doc_id: entry.source_doc_id,
        file_sha256: entry.file_sha256,
        raw_key: entry.raw_key,
        tables: [...entry.tables].sort(byText),
        rows: entry.rows.length,
        ranges: locatorRanges(entry.rows),
      }))
      .sort((a, b) => byText(`${a.source_doc_id}|${a.file_sha256}`, `${b.source_doc_id}|${b.file_sha256}`)),
  };
}

function sourceLink(ref: SourceRef) {
  return {
    source_doc_id: ref.source_doc_id,
    table: ref.table,
    locator: ref.locator,
    confidence: ref.effective,
    illustrative: ref.illustrative,
  };
}

/**
 * Context figures of one country: every value keeps its source, revision and year; values of
 * different sources stay side by side, and a caveat names sources that disagree. Values by sex
 * (`F`, `M`) stay beside both sexes', with a caveat where females + males is not both sexes.
 */
function contextFigures(rows: readonly CuratedRow[], caveats: string[]) {
  const byIndicator = new Map<string, CuratedRow[]>();
  for (const observation of rows) {
    if (observation.row.counterpart_iso3) continue;
    const indicator = String(observation.row.indicator_id);
    byIndicator.set(indicator, [...(byIndicator.get(indicator) ?? []), observation]);
  }
  const figureValueOf = (observation: CuratedRow) => ({
    value: observation.row.value ?? null,
    year: String(observation.row.time_period),
    unit: observation.row.unit,
    unit_mult: observation.row.unit_mult,
    source: String(observation.row.source),
    revision: String(observation.row.dataset_revision),
    obs_status: observation.row.obs_status,
    source_link: sourceLink(observation.ref),
  });
  const ofSex = (observations: readonly CuratedRow[], sex: string) =>
    observations
      .filter((observation) => (observation.row.sex ?? '_T') === sex)
      .map(figureValueOf)
      .sort((a, b) => byText(`${a.source}|${a.revision}|${a.year}`, `${b.source}|${b.revision}|${b.year}`));
  return [...byIndicator.keys()].sort(byText).map((indicator) => {
    const observations = byIndicator.get(indicator) ?? [];
    const values = ofSex(observations, '_T');
    caveats.push(
      ...sourceComparisonCaveats(
        indicator,
        values.flatMap((value) =>
          typeof value.value === 'number'
            ? [{ ...value, value: figureAmount(value.value, value.unit_mult as number | undefined) }]
            : [],
        ),
      ),
    );
    const bySex = (['F', 'M'] as const)
      .map((sex) => ({ sex, values: ofSex(observations, sex) }))
      .filter((entry) => entry.values.length > 0);
    const gaps = new Map<string, { source: string; revision: string; gaps: SexSumGap[] }>();
    for (const total of values) {
      if (typeof total.value !== 'number' || !ADDITIVE_UNITS.includes(String(total.unit ?? ''))) continue;
      const same = (sex: 'F' | 'M') => {
        const value = bySex
          .find((entry) => entry.sex === sex)
          ?.values.find(
            (value) =>
              value.source === total.source && value.revision === total.revision && value.year === total.year,
          );
        return typeof value?.value === 'number'
          ? figureAmount(value.value, value.unit_mult as number | undefined)
          : undefined;
      };
      const females = same('F');
      const males = same('M');
      if (typeof females !== 'number' || typeof males !== 'number') continue;
      const amount = figureAmount(total.value, total.unit_mult as number | undefined);
      if (!sexesDoNotAddUp(amount, females, males)) continue;
      const key = `${total.source}|${total.revision}`;
      const entry = gaps.get(key) ?? { source: total.source, revision: total.revision, gaps: [] };
      entry.gaps.push({ year: total.year, females, males, total: amount });
      gaps.set(key, entry);
    }
    for (const entry of gaps.values())
      caveats.push(sexSumCaveat(indicator, entry.source, entry.revision, entry.gaps));
    const mapped = isMappedIndicator(indicator);
    if (!mapped)
      caveats.push(
        unmappedSeriesCaveat(
          indicator,
          [...new Set(observations.map((row) => String(row.row.source)))].sort(),
        ),
      );
    return {
      indicator_id: indicator,
      label: mapped ? indicatorLabel(indicator) : unmappedSeriesLabel(indicator),
      ...(mapped ? {} : { unmapped: true }),
      values,
      ...(bySex.length > 0 ? { by_sex: bySex } : {}),
    };
  });
}

function buildCountry(
  iso3: string,
  tables: CuratedTables,
  profile: UnctProfile | undefined,
  survey: SurveyTally,
): OracleItem {
  const statistics = survey.statistics([iso3]);
  const country = countryReference().byIso3(iso3);
  const pilots = (tables.pilot ?? []).filter((pilot) => pilot.row.iso3 === iso3);
  const pilotIds = new Set(pilots.map((pilot) => String(pilot.row.pilot_id)));
  const statusKey = (row: CuratedRow['row']) =>
    `${row.pilot_id}|${String(typeof row.seq === 'number' ? row.seq : 0).padStart(6, '0')}`;
  const statuses = (tables.pilot_status ?? [])
    .filter((status) => pilotIds.has(String(status.row.pilot_id)))
    .sort((a, b) => byText(statusKey(a.row), statusKey(b.row)));
  const milestones = (tables.pilot_milestone ?? [])
    .filter((milestone) => pilotIds.has(String(milestone.row.pilot_id)))
    .sort((a, b) => byText(String(a.row.milestone_id), String(b.row.milestone_id)));
  const projects = (tables.jmdi_project ?? [])
    .filter((project) => project.row.target_country_iso3 === iso3)
    .sort((a, b) => byText(String(a.row.project_id), String(b.row.project_id)));
  const projectIds = new Set(projects.map((project) => String(project.row.project_id)));
  const lessons = (tables.jmdi_lesson ?? [])
    .filter((lesson) => lesson.row.iso3 === iso3 || projectIds.has(String(lesson.row.project_id)))
    .sort((a, b) => byText(String(a.row.lesson_id), String(b.row.lesson_id)));
  const events = (tables.event ?? [])
    .filter((event) => event.row.iso3 === iso3 || list(event.row.country_iso3s).includes(iso3))
    .sort((a, b) => byText(`${a.row.start_date}${a.row.event_id}`, `${b.row.start_date}${b.row.event_id}`));

  const achieved = milestones.filter((milestone) => milestone.row.status === 'achieved');
  const latest = [...achieved]
    .sort((a, b) => byText(String(a.row.date_achieved ?? ''), String(b.row.date_achieved ?? '')))
    .at(-1);
  const types = new Set(achieved.map((milestone) => String(milestone.row.milestone_type)));
  const allTypes = new Set(milestones.map((milestone) => String(milestone.row.milestone_type)));
  const byTheme = Object.fromEntries(THEME_JMDI.map((theme) => [theme, 0])) as Record<string, number>;
  let budgetEur = 0;
  let withdrawnBudgetEur = 0;
  let budgetOther = 0;
  let budgetNoCurrency = 0;
  for (const project of projects) {
    const theme = String(project.row.theme_primary);
    // Only the JMDI themes are counted (a project without one counts in none).
    if (theme in byTheme) byTheme[theme] = (byTheme[theme] ?? 0) + 1;
    const amount = project.row.total_budget_amount;
    if (typeof amount === 'number') {
      if (project.row.total_budget_currency === 'EUR') {
        if (project.row.selection_status === 'withdrawn') withdrawnBudgetEur += amount;
        else budgetEur += amount;
      } else if (project.row.total_budget_currency === undefined) budgetNoCurrency += 1;
      else budgetOther += 1;
    }
  }

  const refs = [
    ...refsOf(pilots),
    ...refsOf(statuses),
    ...refsOf(milestones),
    ...refsOf(projects),
    ...refsOf(lessons),
    ...refsOf(events),
    ...(profile?.refs ?? []),
  ];
  const lowConfidence = () => refs.filter((ref) => ref.effective === 'low').length;
  const caveats: string[] = [];
  if (budgetOther > 0) caveats.push(nonEurBudgetsCaveat(budgetOther));
  if (budgetNoCurrency > 0) caveats.push(noCurrencyBudgetsCaveat(budgetNoCurrency));
  if (pilots.length > 1) caveats.push(SEVERAL_PILOTS_CAVEAT);
  caveats.push(...pilotListingCaveats(statuses.map((status) => status.row)));

  const observations = (tables.observation ?? []).filter(
    (observation) => observation.row.ref_area_iso3 === iso3,
  );
  const figures = contextFigures(observations, caveats);
  refs.push(...refsOf(observations));
  const sources = summariseRefs(refs);
  caveats.unshift(...provenanceCaveats(sources, lowConfidence()));
  const surveyCapacity = profile?.capacity ?? [];
  const body = {
    iso3,
    name: country?.name_en ?? iso3,
    m49: country?.m49,
    subregion: country?.subregion_name,
    ldc: country?.ldc ?? false,
    lldc: country?.lldc ?? false,
    sids: country?.sids ?? false,
    pilots: pilots.map((pilot) => ({
      pilot_id: pilot.row.pilot_id,
      programme: pilot.row.programme,
      phase: pilot.row.phase,
      participation_status: pilot.row.participation_status,
      status_as_of: pilot.row.status_as_of,
      start_date: pilot.row.start_date,
      lead_gov: pilot.row.lead_gov_name ?? pilot.row.lead_gov_org_id,
      un_leads: list(pilot.row.un_lead_org_ids),
      donors: list(pilot.row.donor_org_ids),
      national_strategy: pilot.row.national_strategy,
      confidence: pilot.row.confidence,
      source: sourceLink(pilot.ref),
    })),
    pilot_status: statuses.map((status) => ({
      status_id: status.row.status_id,
      pilot_id: status.row.pilot_id,
      seq: status.row.seq,
      participation_status: status.row.participation_status,
      listing: status.row.listing,
      status_date: status.row.status_date,
      date_precision: status.row.date_precision,
      period: status.row.period,
      statement: status.row.statement_en,
      source_doc_id: status.row.source_doc_id,
      source_locator: status.row.source_locator,
      confidence: status.row.confidence,
      source: sourceLink(status.ref),
    })),
    milestones: milestones.map((milestone) => ({
      milestone_id: milestone.row.milestone_id,
      milestone_type: milestone.row.milestone_type,
      status: milestone.row.status,
      date: milestone.row.date_achieved ?? milestone.row.date_planned,
      date_precision: milestone.row.date_precision,
      handbook_stage: milestone.row.handbook_stage,
      output_area: milestone.row.output_area,
      policy_dimension: milestone.row.policy_dimension,
      description: milestone.row.description_en,
      legal_basis: milestone.row.legal_basis,
      confidence: milestone.row.confidence,
      source: sourceLink(milestone.ref),
    })),
    mainstreaming: {
      milestones_achieved_n: achieved.length,
      latest_milestone_type: latest?.row.milestone_type,
      latest_milestone_date: latest?.row.date_achieved,
      strategy_status: strategyStatus(types, allTypes),
      emp_status: empStatus(types, allTypes),
      coordination_mechanism: types.has('coordination_mechanism_established'),
      me_framework: types.has('me_framework_established'),
      ...marksOf(refsOf(milestones)),
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
      support_types_requested: SUPPORT_TYPE.filter((type) => profile?.support.has(type)).map((type) => ({
        support_type: type,
        respondents: profile?.support.get(type) ?? 0,
      })),
      ...(statistics ? { statistics } : {}),
      ...marksOf(profile?.refs ?? []),
    },
    jmdi: {
      is_jmdi1_target: country?.is_jmdi1_target ?? false,
      projects_n: projects.length,
      projects_by_theme: byTheme,
      budget_eur_total: budgetEur,
      withdrawn_budget_eur_total: withdrawnBudgetEur,
      projects: projects.map((project) => ({
        project_id: project.row.project_id,
        title: project.row.title_en ?? project.row.title_fr ?? project.row.title_es,
        theme_primary: project.row.theme_primary,
        hld_rt: projectRoundTables(project.row),
        selection_status: project.row.selection_status,
        total_budget_amount: project.row.total_budget_amount,
        total_budget_currency: project.row.total_budget_currency,
        jmdi_grant_amount: project.row.jmdi_grant_amount,
        partner_countries_iso3: list(project.row.partner_countries_iso3),
        confidence: project.row.confidence,
        source: sourceLink(project.ref),
      })),
      good_practices: lessons
        .filter((lesson) => lesson.row.good_practice === true)
        .map((lesson) => ({
          lesson_id: lesson.row.lesson_id,
          project_id: lesson.row.project_id,
          statement: lesson.row.statement_en,
          evidence_strength: lesson.row.evidence_strength,
          condition_tags: list(lesson.row.condition_tags),
          source: sourceLink(lesson.ref),
        })),
    },
    context_figures: figures,
    events: events.map((event) => ({
      event_id: event.row.event_id,
      title: event.row.title,
      start_date: event.row.start_date,
      end_date: event.row.end_date,
      date_precision: event.row.date_precision,
      source: sourceLink(event.ref),
    })),
    caveats,
    sources,
    ...marksOf(refs),
  };
  return { type: 'country', id: iso3, body, lineage: lineageOf(refs) };
}

function buildTheme(
  theme: string,
  scope: string,
  tables: CuratedTables,
  profiles: Map<string, UnctProfile>,
  survey: SurveyTally,
): OracleItem | undefined {
  const isRoundTable = (THEME_HLD_RT as readonly string[]).includes(theme);
  const themeAreas: readonly string[] = capacityAreasOfTheme(theme as BriefingTheme);
  const statistics = survey.statistics(
    scope === 'GLOBAL' ? 'all' : [scope],
    capacityAreasOfTheme(theme as BriefingTheme),
  );
  const inScope = (iso3: unknown) => scope === 'GLOBAL' || iso3 === scope;
  const projects = (tables.jmdi_project ?? [])
    .filter((project) => inScope(project.row.target_country_iso3))
    .filter((project) =>
      isRoundTable ? projectRoundTables(project.row).includes(theme) : project.row.theme_primary === theme,
    )
    .sort((a, b) => byText(String(a.row.project_id), String(b.row.project_id)));
  const projectIds = new Set(projects.map((project) => String(project.row.project_id)));
  // JMDI themes: the projects naming the theme as a secondary one, counted elsewhere.
  const secondary = isRoundTable
    ? []
    : (tables.jmdi_project ?? [])
        .filter((project) => inScope(project.row.target_country_iso3))
        .filter(
          (project) =>
            project.row.theme_primary !== theme && list(project.row.themes_secondary).includes(theme),
        )
        .sort((a, b) => byText(String(a.row.project_id), String(b.row.project_id)));
  const lessons = (tables.jmdi_lesson ?? [])
    .filter((lesson) => inScope(lesson.row.iso3) || projectIds.has(String(lesson.row.project_id)))
    .filter((lesson) =>
      isRoundTable ? lessonRoundTables(lesson.row).includes(theme) : lesson.row.theme === theme,
    )
    .sort((a, b) => byText(String(a.row.lesson_id), String(b.row.lesson_id)));
  const good = lessons.filter((lesson) => lesson.row.good_practice === true);
  const conditions = new Map<string, number>();
  for (const lesson of good)
    for (const tag of list(lesson.row.condition_tags)) conditions.set(tag, (conditions.get(tag) ?? 0) + 1);
  const corridors = new Map<string, string[]>();
  for (const project of projects) {
    for (const destination of list(project.row.partner_countries_iso3)) {
      const key = `${project.row.target_country_iso3}>${destination}`;
      corridors.set(key, [...(corridors.get(key) ?? []), String(project.row.project_id)]);
    }
  }
  const milestones =
    theme === 'RT3_partnerships_coherence_mainstreaming'
      ? (tables.pilot_milestone ?? []).filter((milestone) =>
          inScope(String(milestone.row.pilot_id).slice(3, 6)),
        )
      : [];
  const demands = new Map<string, number>();
  const surveyRefs: SourceRef[] = [];
  for (const profile of profiles.values()) {
    if (!inScope(profile.iso3)) continue;
    let counted = false;
    for (const entry of profile.capacity) {
      if (entry.demand_level === 'high' && themeAreas.includes(entry.capacity_area)) {
        demands.set(entry.capacity_area, (demands.get(entry.capacity_area) ?? 0) + 1);
        counted = true;
      }
    }
    if (counted) surveyRefs.push(...profile.refs);
  }
  if (
    projects.length === 0 &&
    secondary.length === 0 &&
    lessons.length === 0 &&
    milestones.length === 0 &&
    demands.size === 0 &&
    scope !== 'GLOBAL'
  ) {
    return undefined;
  }
  const jmdiThemes = Object.fromEntries(
    THEME_JMDI.map((jmdi) => [jmdi, projects.filter((p) => p.row.theme_primary === jmdi).length]),
  );
  const refs = [
    ...refsOf(projects),
    ...refsOf(secondary),
    ...refsOf(lessons),
    ...refsOf(milestones),
    ...surveyRefs,
  ];
  const sources = summariseRefs(refs);
  return {
    type: 'theme',
    id: `${theme}@${scope}`,
    body: {
      theme,
      label: themeLabel(theme),
      theme_kind: isRoundTable ? 'hld_round_table' : 'jmdi_theme',
      scope,
      n_projects: projects.length,
      projects: projects.map((project) => String(project.row.project_id)),
      ...(isRoundTable
        ? {}
        : {
            n_secondary_projects: secondary.length,
            secondary_projects: secondary.map((project) => String(project.row.project_id)),
          }),
      jmdi_themes: jmdiThemes,
      n_good_practices: good.length,
      top_practices: good
        .sort((a, b) =>
          byText(`${strength(a.row)}${a.row.lesson_id}`, `${strength(b.row)}${b.row.lesson_id}`),
        )
        .slice(0, TOP_PRACTICES)
        .map((lesson) => ({
          lesson_id: lesson.row.lesson_id,
          statement: lesson.row.statement_en,
          project_id: lesson.row.project_id,
          evidence_strength: lesson.row.evidence_strength,
          source: sourceLink(lesson.ref),
        })),
      common_conditions: [...conditions]
        .sort(([a, x], [b, y]) => y - x || byText(a, b))
        .map(([condition_tag, n]) => ({ condition_tag, n })),
      transnational_corridors: [...corridors]
        .sort(([a], [b]) => byText(a, b))
        .map(([key, ids]) => {
          const [origin_iso3, destination_iso3] = key.split('>');
          return { origin_iso3, destination_iso3, projects_n: ids.length, projects: ids };
        }),
      pilot_evidence: milestones.map((milestone) => ({
        milestone_id: milestone.row.milestone_id,
        milestone_type: milestone.row.milestone_type,
        status: milestone.row.status,
        source: sourceLink(milestone.ref),
      })),
      survey_demands: [...demands]
        .sort(([a, x], [b, y]) => y - x || byText(a, b))
        .map(([capacity_area, uncts_high_demand]) => ({ capacity_area, uncts_high_demand })),
      ...(statistics ? { survey_statistics: statistics } : {}),
      sources,
      caveats: provenanceCaveats(sources, refs.filter((ref) => ref.effective === 'low').length),
      ...marksOf(refs),
    },
    lineage: lineageOf(refs),
  };
}

function strength(row: Row): number {
  return evidenceRank(row.evidence_strength);
}

/**
 * Foreign keys across files (a lesson in one upload naming a project in another) can only be
 * checked here, once every source is in. Breaks are listed, never silently dropped.
 */
function integrityProblems(tables: CuratedTables) {
  const problems: {
    table: string;
    field: string;
    value: string;
    references: string;
    source_doc_id: string;
    rows: number;
    ranges: LocatorRange[];
  }[] = [];
  for (const relation of RELATIONS) {
    const parents = tables[relation.references.table];
    const children = tables[relation.table];
    if (!children?.length) continue;
    const keys = new Set((parents ?? []).map((parent) => String(parent.row[relation.references.field])));
    // Every row naming a missing parent, listed in full, then grouped by value and document.
    const broken = new Map<
      string,
      { value: string; doc: string; rows: { table: string; locator: string }[] }
    >();
    for (const child of children) {
      const value = child.row[relation.field];
      if (value === undefined || keys.has(String(value))) continue;
      const key = `${String(value)}\u0000${child.ref.source_doc_id}`;
      const entry = broken.get(key) ?? { value: String(value), doc: child.ref.source_doc_id, rows: [] };
      entry.rows.push({ table: relation.table, locator: child.ref.locator });
      broken.set(key, entry);
    }
    for (const entry of broken.values()) {
      problems.push({
        table: relation.table,
        field: relation.field,
        value: entry.value,
        references: `${relation.references.table}.${relation.references.field}`,
        source_doc_id: entry.doc,
        rows: entry.rows.length,
        ranges: locatorRanges(entry.rows),
      });
    }
  }
  return problems.sort((a, b) =>
    byText(
      `${a.table}|${a.field}|${a.value}|${a.source_doc_id}`,
      `${b.table}|${b.field}|${b.value}|${b.source_doc_id}`,
    ),
  );
}

function buildSources(
  tables: CuratedTables,
  registry: DocumentRegistry,
  conflicts: Conflict[],
  agreeing: AgreeingClaims[],
): OracleItem {
  const cited = new Map<string, { tables: Set<string>; rows: number; refs: SourceRef[] }>();
  for (const rows of Object.values(tables)) {
    for (const { ref } of rows) {
      const entry = cited.get(ref.source_doc_id) ?? { tables: new Set(), rows: 0, refs: [] };
      entry.tables.add(ref.table);
      entry.rows += 1;
      entry.refs.push(ref);
      cited.set(ref.source_doc_id, entry);
    }
  }
  const sources = [...cited]
    .sort(([a], [b]) => byText(a, b))
    .map(([docId, entry]) =>
      citedSource(registry.get(docId), {
        ...entry,
        rank: CONFIDENCE.indexOf(marksOf(entry.refs).confidence),
      }),
    );
  const allRefs = Object.values(tables).flatMap((rows) => rows.map((row) => row.ref));
  return {
    type: 'sources',
    id: 'all',
    body: {
      sources,
      integrity_problems: integrityProblems(tables),
      key_conflicts: conflicts,
      ...(agreeing.length ? { agreeing_claims: agreeing } : {}),
      caveats: [
        ...sourcesCaveats(sources),
        ...keyConflictCaveats(conflicts),
        ...agreeing.map(agreeingClaimsNote),
      ],
      confidence: weakestConfidence(sources.map((source) => source.confidence)),
      illustrative: sources.some((source) => source.illustrative),
    },
    lineage: lineageOf(allRefs),
  };
}

type Conflict = {
  table: string;
  key: string;
  claims: { file_name: string; file_sha256: string; locator: string; source_doc_id: string }[];
};

/** What a row says, all fields but where and when it was read (`PLACE_FIELDS`, `_` columns), absent = '' = []. */
function saysSame(a: Row, b: Row): boolean {
  const said = (row: Row) =>
    Object.entries(row)
      .filter(([field, value]) => {
        if (field.startsWith('_') || PLACE_FIELDS.has(field)) return false;
        return !(
          value === undefined ||
          value === null ||
          value === '' ||
          (Array.isArray(value) && !value.length)
        );
      })
      .map(([field, value]) => [
        field,
        Array.isArray(value) ? value.map((item) => String(item ?? '')) : String(value),
      ])
      .sort(([x], [y]) => byText(String(x), String(y)));
  return JSON.stringify(said(a)) === JSON.stringify(said(b));
}

/** Keys claimed by rows of several files: the conflicts, agreeing claims, the tables without the rows held back, caveats per country. */
function keyCheck(tables: CuratedTables) {
  const conflicts: Conflict[] = [];
  const agreeing: AgreeingClaims[] = [];
  const caveats = new Map<string, string[]>();
  const add = (iso3: unknown, caveat: string) => {
    if (typeof iso3 !== 'string' || !iso3) return;
    const list = caveats.get(iso3) ?? [];
    if (!list.includes(caveat)) list.push(caveat);
    caveats.set(iso3, list);
  };
  const conflictsOf = new Map<string, Conflict[]>();
  const kept: Record<string, CuratedRow[]> = {};
  for (const [name, rows] of Object.entries(tables)) {
    const fields = PRIMARY_KEYS[name];
    if (!fields) {
      kept[name] = [...rows];
      continue;
    }
    const byKey = new Map<string, CuratedRow[]>();
    for (const row of rows) {
      const key = fields.map((field) => String(row.row[field] ?? '')).join('\u0000');
      byKey.set(key, [...(byKey.get(key) ?? []), row]);
    }
    const held = new Set<CuratedRow>();
    for (const [key, claimants] of byKey) {
      if (new Set(claimants.map((row) => row.ref.file_sha256)).size < 2) continue;
      const keyText = key
        .split('\u0000')
        .filter((part) => part.length > 0)
        .join(' / ');
      const files = claimants.map((row) => ({
        file_name: fileNameOf(row.ref.raw_key, row.ref.file_sha256),
        file_sha256: row.ref.file_sha256,
      }));
      if (!STREAMED_TABLES.has(name) && claimants.every((row) => saysSame(row.row, claimants[0]!.row))) {
        for (const row of claimants.slice(1)) held.add(row);
        const same = agreeing.find(
          (entry) => entry.table === name && JSON.stringify(entry.files) === JSON.stringify(files),
        );
        if (same) {
          same.keys += 1;
          if (same.first_keys.length < 5) same.first_keys.push(keyText);
        } else agreeing.push({ table: name, files, keys: 1, first_keys: [keyText] });
        continue;
      }
      const conflict = {
        table: name,
        key: keyText,
        claims: claimants.map((row, at) => ({
          ...files[at]!,
          locator: row.ref.locator,
          source_doc_id: row.ref.source_doc_id,
        })),
      };
      conflicts.push(conflict);
      const column = COUNTRY_COLUMNS[name];
      for (const row of claimants) {
        held.add(row);
        const iso3 = column ? row.row[column] : undefined;
        if (typeof iso3 !== 'string' || !iso3) continue;
        const list = conflictsOf.get(iso3) ?? [];
        if (!list.includes(conflict)) list.push(conflict);
        conflictsOf.set(iso3, list);
      }
    }
    kept[name] = rows.filter((row) => !held.has(row));
  }
  for (const [iso3, list] of conflictsOf) for (const caveat of keyConflictCaveats(list)) add(iso3, caveat);
  conflicts.sort((a, b) => byText(`${a.table}|${a.key}`, `${b.table}|${b.key}`));
  const order = (entry: AgreeingClaims) =>
    `${entry.table}|${entry.files.map((file) => `${file.file_name}|${file.file_sha256}`).join('|')}`;
  agreeing.sort((a, b) => byText(order(a), order(b)));
  return { conflicts, agreeing, kept: kept as CuratedTables, caveats, add };
}

/** Every item of a briefing version, built row by row (the reference for `buildBriefing`). */
export function buildBriefingFromRows(
  input: InputTables,
  registered: readonly RegisteredDocument[] = [],
): OracleItem[] {
  const checked = keyCheck(withMarks(input, registered));
  // The registry is read from the rows that are published: a held-back source_document row registers nothing.
  const tables = withMarks(checked.kept, registered);
  const registry = new DocumentRegistry(
    (tables.source_document ?? []).map((document) => document.row),
    registered,
  );
  const profiles = unctProfiles(tables);
  const survey = new SurveyTally();
  for (const respondent of tables.survey_respondent ?? [])
    survey.respondent(
      String(respondent.row.respondent_id),
      String(respondent.row.iso3),
      respondent.row.validation_status,
    );
  for (const response of tables.survey_response ?? [])
    survey.answer(
      String(response.row.respondent_id),
      String(response.row.question_name),
      str(response.row.value_code),
    );
  const countries = new Set<string>();
  for (const pilot of tables.pilot ?? []) countries.add(String(pilot.row.iso3));
  for (const project of tables.jmdi_project ?? []) countries.add(String(project.row.target_country_iso3));
  for (const iso3 of profiles.keys()) countries.add(iso3);
  for (const event of tables.event ?? []) if (event.row.iso3) countries.add(String(event.row.iso3));
  for (const observation of tables.observation ?? []) countries.add(String(observation.row.ref_area_iso3));
  // A country whose every row is held back keeps its item, with the caveats saying why.
  for (const iso3 of checked.caveats.keys()) countries.add(iso3);

  const sources = buildSources(tables, registry, checked.conflicts, checked.agreeing);
  for (const problem of (sources.body as { integrity_problems: ReturnType<typeof integrityProblems> })
    .integrity_problems) {
    const column = COUNTRY_COLUMNS[problem.table];
    if (!column) continue;
    // A country's caveat names its own rows of the problem only.
    const byCountry = new Map<unknown, { table: string; locator: string }[]>();
    for (const row of tables[problem.table] ?? [])
      if (
        row.ref.source_doc_id === problem.source_doc_id &&
        String(row.row[problem.field]) === problem.value &&
        problem.ranges.some((range) => rangeHolds(range, problem.table, row.ref.locator))
      ) {
        const list = byCountry.get(row.row[column]) ?? [];
        byCountry.set(row.row[column], list);
        list.push({ table: problem.table, locator: row.ref.locator });
      }
    for (const [iso3, list] of byCountry)
      checked.add(
        iso3,
        danglingReferenceCaveat({ ...problem, rows: list.length, ranges: locatorRanges(list) }),
      );
  }
  const items: OracleItem[] = [];
  for (const iso3 of [...countries].sort(byText)) {
    const item = buildCountry(iso3, tables, profiles.get(iso3), survey);
    (item.body as { caveats: string[] }).caveats.push(...(checked.caveats.get(iso3) ?? []));
    items.push(item);
  }
  for (const theme of [...THEME_HLD_RT, ...THEME_JMDI]) {
    for (const scope of ['GLOBAL', ...[...countries].sort(byText)]) {
      const item = buildTheme(theme, scope, tables, profiles, survey);
      if (item) items.push(item);
    }
  }
  // briefing_event is the event table of the HLD preparation period, 2011–2013 (DOMAIN.md §4.8).
  const hldPeriod = (event: CuratedRow) => inHldPeriod(event.row.start_date);
  const periodEvents = (tables.event ?? []).filter(hldPeriod);
  for (const event of periodEvents.sort((a, b) => byText(String(a.row.event_id), String(b.row.event_id)))) {
    items.push({
      type: 'event',
      id: String(event.row.event_id),
      body: {
        ...eventFields(event.row),
        confidence: event.ref.effective,
        source: sourceLink(event.ref),
        illustrative: event.ref.illustrative,
        caveats: provenanceCaveats(summariseRefs([event.ref]), event.ref.effective === 'low' ? 1 : 0),
      },
      lineage: lineageOf([event.ref]),
    });
  }
  items.push(sources);
  return items;
}

/** The event row's fields an event body keeps, in the contract's order. */
function eventFields(row: Row): Record<string, unknown> {
  return Object.fromEntries(
    EVENT_BODY_FIELDS.filter((field) => row[field] !== undefined).map((field) => [field, row[field]]),
  );
}

/** Every row of the curated Arrow tables as an object with its lineage, as assemble read them before. */
export function curatedRowsFromSegments(segments: readonly CuratedSegment[]): Record<string, InputRow[]> {
  const tables: Record<string, InputRow[]> = {};
  for (const segment of segments) {
    const rows = tables[segment.table] ?? [];
    for (const row of tableRows(segment.arrow)) {
      const { [LOCATOR_COLUMN]: locator, ...values } = row;
      rows.push({
        row: values,
        ref: {
          table: segment.table,
          locator: String(locator),
          file_sha256: segment.file_sha256,
          raw_key: segment.raw_key,
          source_doc_id: String(values.source_doc_id ?? segment.doc_id ?? ''),
          ...(typeof values.confidence === 'string' ? { confidence: values.confidence } : {}),
        },
      });
    }
    tables[segment.table] = rows;
  }
  return tables;
}
