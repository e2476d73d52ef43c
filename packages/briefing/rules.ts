import type { EMP_STATUS, STRATEGY_STATUS } from '#contracts/briefing/vocabulary.ts';
import { INDICATORS } from '#contracts/indicators.ts';
import { HLD_RT_LABELS, JMDI_TO_HLD_RT, THEME_HLD_RT, type THEME_JMDI } from '#contracts/vocabularies.ts';

/**
 * The briefing's rules, stated once: what counts as a disagreement between sources, what each
 * caveat says, which milestones make a strategy "adopted", which round tables a JMDI theme feeds.
 * The builder applies them; the row-based oracle in test/support imports them rather than
 * keeping a copy that could drift.
 */

/**
 * Two sources disagree on an indicator when, for a year both publish, their values differ by
 * more than this share (larger / smaller − 1); they are flagged, never averaged. A "source" is a
 * source and revision; values are both sexes' (`_T`), compared as plain numbers
 * ({@link figureAmount}). Values of different years are never compared: a change over time is
 * not a disagreement. See {@link sourceComparisonCaveats}.
 */
export const SOURCE_DISAGREEMENT_TOLERANCE = 0.25;
/** Good practices a theme item lists (the strongest first). */
export const TOP_PRACTICES = 10;

/** Evidence strength, strongest first: the order top practices are ranked in (unknown before all). */
export const EVIDENCE_STRENGTH_ORDER = ['strong', 'moderate', 'weak'] as const;

/** Rank of an evidence strength in {@link EVIDENCE_STRENGTH_ORDER}; -1 when unknown. */
export function evidenceRank(value: unknown): number {
  return (EVIDENCE_STRENGTH_ORDER as readonly string[]).indexOf(String(value));
}

/** The period whose events get an item of their own: the HLD preparation years, 2011–2013. */
export function inHldPeriod(startDate: unknown): boolean {
  return /^201[123]-/.test(String(startDate));
}

const INDICATOR_LABELS: Readonly<Record<string, string>> = {
  IMM_STOCK: 'Immigrant stock',
  IMM_STOCK_PCT: 'Immigrant stock (% of population)',
  EMIG_STOCK: 'Emigrant stock',
  BILAT_STOCK: 'Bilateral migrant stock',
  REMIT_IN_USD: 'Remittances received (US$)',
  REMIT_OUT_USD: 'Remittances paid (US$)',
  REMIT_IN_PCT_GDP: 'Remittances received (% of GDP)',
  REMIT_COST_PCT: 'Remittance cost (% of amount sent)',
  REFUGEE_STOCK: 'Refugee stock',
};

/**
 * True when the code is an indicator the evidence base knows (data-contracts/indicators.ts). A
 * reader keeps a source's own series code when no indicator map names it (SDMX `SM_POP_TOTL`):
 * such a series is shown under its code, never compared with a known indicator.
 */
export function isMappedIndicator(indicator: string): boolean {
  return Object.hasOwn(INDICATORS, indicator);
}

/** The label of a source series no indicator map names: its code, said to be unmapped. */
export function unmappedSeriesLabel(code: string): string {
  return `${code} (unmapped source series)`;
}

/** Caveat: a source series shown under its own code, with how to bring it in as an indicator. */
export function unmappedSeriesCaveat(code: string, sources: readonly string[]): string {
  return (
    `Unmapped source series: ${code} (${sources.join(', ')}) is not an indicator the evidence base knows; ` +
    'it is shown under its own code and unit and never compared with a known indicator (such as IMM_STOCK). ' +
    'To compare it, upload its figures as an observation CSV naming its indicator and unit.'
  );
}

const OBSERVATION_STATUS_WORDS: Readonly<Record<string, string>> = {
  B: 'break in series',
  E: 'estimate',
  F: 'forecast',
  I: 'imputed',
  M: 'missing',
  P: 'provisional',
  U: 'low reliability',
};

/**
 * What to print after a value whose observation status is not normal (SDMX OBS_STATUS: `E` →
 * ` (estimate)`): an estimate never reads as an observed value. Empty for `A` (normal) or none.
 */
export function observationStatusNote(status: string | undefined): string {
  if (status === undefined || status === '' || status === 'A') return '';
  return ` (${OBSERVATION_STATUS_WORDS[status] ?? `observation status ${status}`})`;
}

/** The label of an indicator code (the code itself when it has none). */
export function indicatorLabel(indicator: string): string {
  return INDICATOR_LABELS[indicator] ?? indicator;
}

/**
 * A figure as a plain number: the value as published times 10^unit_mult (SDMX UNIT_MULT: 130 with
 * unit_mult 3 is 130,000). Shifted in decimal, so 1.1 ×10^3 is 1,100, not 1,100.0000000000002.
 * Every comparison and every printed figure uses this, never the value as published alone.
 */
export function figureAmount(value: number, unitMult: number | undefined): number {
  if (!unitMult) return value;
  const [mantissa, exponent = '0'] = value.toExponential().split('e');
  return Number(`${mantissa}e${Number(exponent) + unitMult}`);
}

/** True when values of different sources for one year disagree beyond the tolerance. */
export function sourcesDisagree(values: readonly number[]): boolean {
  return (
    values.length > 1 &&
    Math.min(...values) > 0 &&
    Math.max(...values) / Math.min(...values) - 1 > SOURCE_DISAGREEMENT_TOLERANCE
  );
}

/** One source's value of an indicator for one year, as a plain number ({@link figureAmount}). */
export interface SourceValue {
  readonly source: string;
  readonly revision: string;
  readonly year: string;
  readonly value: number;
}

/**
 * The caveats comparing the sources of one indicator, year by year:
 * - where some year published by two or more sources has values beyond
 *   {@link SOURCE_DISAGREEMENT_TOLERANCE}, one caveat names the latest such year with each
 *   source's revision and value for it, then the other years that disagree too;
 * - where a source shares no year with any other source of the indicator, one caveat says so
 *   with each source's years, so its value is not read against another year's.
 * A source with two values for one year (held back elsewhere as a key conflict) is compared
 * by the first given.
 */
export function sourceComparisonCaveats(indicator: string, values: readonly SourceValue[]): string[] {
  const sources = new Map<string, { source: string; revision: string; years: Map<string, number> }>();
  for (const value of values) {
    const key = `${value.source}\u0000${value.revision}`;
    const entry = sources.get(key) ?? { source: value.source, revision: value.revision, years: new Map() };
    if (!entry.years.has(value.year)) entry.years.set(value.year, value.value);
    sources.set(key, entry);
  }
  const series = [...sources.values()];
  if (series.length < 2) return [];
  const years = [...new Set(series.flatMap((entry) => [...entry.years.keys()]))].sort().reverse();
  const publishers = (year: string) => series.filter((entry) => entry.years.has(year));
  const disagreeing = years.filter((year) =>
    sourcesDisagree(publishers(year).map((entry) => entry.years.get(year)!)),
  );
  const caveats: string[] = [];
  const [latest, ...earlier] = disagreeing;
  if (latest !== undefined)
    caveats.push(sourcesDisagreeCaveat(indicator, latest, publishers(latest), earlier));
  const alone = series.filter((entry) =>
    [...entry.years.keys()].every((year) => publishers(year).length === 1),
  );
  if (alone.length > 0) caveats.push(noCommonYearCaveat(indicator, alone, series));
  return caveats;
}

const amount = (value: number) => value.toLocaleString('en-GB');
const yearsOf = (entry: { years: Map<string, number> }) => [...entry.years.keys()].sort().join(', ');

/** Caveat: the sources of an indicator disagree in a year both publish (all values are shown, none merged). */
function sourcesDisagreeCaveat(
  indicator: string,
  year: string,
  series: readonly { source: string; revision: string; years: Map<string, number> }[],
  earlier: readonly string[],
): string {
  return `${indicatorLabel(indicator)} differs between sources: ${series
    .map((entry) => `${entry.source} ${entry.revision} (${year}: ${amount(entry.years.get(year)!)})`)
    .join(' vs ')}${
    earlier.length > 0 ? `; they also differ in ${earlier.join(', ')}` : ''
  }; all values are shown, none is averaged or merged.`;
}

/** Caveat: sources of an indicator that share no year with another source are not compared. */
function noCommonYearCaveat(
  indicator: string,
  alone: readonly { source: string; revision: string; years: Map<string, number> }[],
  series: readonly { source: string; revision: string; years: Map<string, number> }[],
): string {
  const named = (entries: typeof alone) =>
    entries.map((entry) => `${entry.source} ${entry.revision} (${yearsOf(entry)})`).join(' and ');
  const others = series.filter((entry) => !alone.includes(entry));
  return others.length === 0
    ? `${indicatorLabel(indicator)} from ${named(alone)}: no year in common, not compared; values of different years are not a disagreement between sources.`
    : `${indicatorLabel(indicator)} from ${named(alone)}: no year in common with ${named(others)}, not compared with them.`;
}

/** Units whose values for females and males add up to both sexes' (counts and amounts, not shares). */
export const ADDITIVE_UNITS: readonly string[] = ['persons', 'USD', 'number'];

/** How far females + males may be from both sexes, in the unit as published, from rounding alone. */
export const SEX_SUM_TOLERANCE = 1;

/** One period where females + males is not both sexes' value beyond rounding. */
export interface SexSumGap {
  readonly year: string;
  readonly females: number;
  readonly males: number;
  readonly total: number;
}

/** True when females + males differs from both sexes beyond {@link SEX_SUM_TOLERANCE}. */
export function sexesDoNotAddUp(total: number, females: number, males: number): boolean {
  return Math.abs(females + males - total) > SEX_SUM_TOLERANCE;
}

/** Caveat: a source's values by sex do not add up to its value for both sexes (all are shown as given). */
export function sexSumCaveat(
  indicator: string,
  source: string,
  revision: string,
  gaps: readonly SexSumGap[],
): string {
  const number = (value: number) => value.toLocaleString('en-GB');
  return `${indicatorLabel(indicator)}, ${source} ${revision}: females + males is not the value for both sexes in ${gaps
    .map(
      (gap) =>
        `${gap.year} (${number(gap.females)} + ${number(gap.males)} = ${number(gap.females + gap.males)}, both sexes ${number(gap.total)})`,
    )
    .join(', ')}; every value is shown as the source gives it.`;
}

/** Caveat: project budgets in other currencies are left out of the EUR total. */
export function nonEurBudgetsCaveat(projects: number): string {
  return `${projects} project budgets are not in EUR and are not included in the EUR total.`;
}

/**
 * Caveat: project budgets that state no currency are left out of the EUR total: an amount is
 * never summed in a currency it does not state (DOMAIN.md: never sum across currencies).
 */
export function noCurrencyBudgetsCaveat(projects: number): string {
  return `${projects} project budgets state no currency and are not included in the EUR total.`;
}

/** A project's total budget if it is stated in EUR, else 0: no currency is never read as EUR. */
export function eurBudgetOf(project: {
  readonly total_budget_amount?: number | undefined;
  readonly total_budget_currency?: string | undefined;
}): number {
  return project.total_budget_currency === 'EUR' ? (project.total_budget_amount ?? 0) : 0;
}

/** An amount with its currency (`EUR 120,000`), or saying that it states none. */
export function moneyText(amount: number, currency: string | undefined): string {
  const number = amount.toLocaleString('en-GB');
  return currency === undefined ? `${number} (no currency stated)` : `${currency} ${number}`;
}

/** Caveat: a country has more than one pilot record. */
export const SEVERAL_PILOTS_CAVEAT =
  'More than one pilot record: sources disagree or the pilot has several phases; all are listed.';

/** Caveat: the sources of a pilot's status disagree on whether the country is a pilot country. */
export function pilotListingCaveat(
  pilotId: string,
  listedBy: readonly string[],
  notListedBy: readonly string[],
): string {
  return `Sources disagree on pilot ${pilotId}: listed by ${listedBy.join(', ')}, not listed by ${notListedBy.join(', ')}; each statement is shown with its date and source, none is taken as the correction of another.`;
}

/** The listing caveat of each pilot whose status statements disagree, in pilot order. */
export function pilotListingCaveats(
  statuses: readonly {
    readonly pilot_id?: unknown;
    readonly listing?: unknown;
    readonly source_doc_id?: unknown;
  }[],
): string[] {
  const byPilot = new Map<string, { listed: string[]; notListed: string[] }>();
  for (const status of statuses) {
    const pilot = String(status.pilot_id ?? '');
    const entry = byPilot.get(pilot) ?? { listed: [], notListed: [] };
    const into = status.listing === 'not_listed' ? entry.notListed : entry.listed;
    const doc = String(status.source_doc_id ?? '?');
    if (!into.includes(doc)) into.push(doc);
    byPilot.set(pilot, entry);
  }
  return [...byPilot.entries()]
    .filter(([, entry]) => entry.listed.length > 0 && entry.notListed.length > 0)
    .map(([pilot, entry]) => pilotListingCaveat(pilot, entry.listed, entry.notListed));
}

/** Caveat (listed first): rows of confidence 'low' behind the item. */
export function lowConfidenceCaveat(low: number, rows: number): string {
  return `${low} of ${rows} rows behind this briefing have confidence 'low' (illustrative or unverified); do not cite them as fact.`;
}

/** Caveat (listed first): rows behind the item that rest on illustrative documents, named. */
export function illustrativeCaveat(rows: number, total: number, documents: readonly string[]): string {
  return `Illustrative content: ${rows} of ${total} rows behind this item rest on invented sample documents (${documents.join(', ')}); they are not evidence and must not be cited as fact.`;
}

/** Caveat of the sources item: documents nobody registered (no sidecar, no source_document row). */
export function untitledUploadsCaveat(documents: readonly string[]): string {
  return `Untitled uploads: ${documents.join(', ')} ${documents.length === 1 ? 'was' : 'were'} uploaded without a registered source document (no <file>.source.json and no source_document row); their title, publisher and licence are unknown.`;
}

/**
 * The provenance caveats of an item, first in its caveats: illustrative content (named by
 * document) and rows of confidence 'low', from the documents it rests on and its low rows.
 */
export function provenanceCaveats(
  sources: readonly { source_doc_id: string; illustrative: boolean; rows: number }[],
  lowRows: number,
): string[] {
  const total = sources.reduce((sum, source) => sum + source.rows, 0);
  const illustrative = sources.filter((source) => source.illustrative);
  const caveats: string[] = [];
  if (illustrative.length > 0)
    caveats.push(
      illustrativeCaveat(
        illustrative.reduce((sum, source) => sum + source.rows, 0),
        total,
        illustrative.map((source) => source.source_doc_id),
      ),
    );
  if (lowRows > 0) caveats.push(lowConfidenceCaveat(lowRows, total));
  return caveats;
}

/**
 * Migration in the national strategy: adopted once the adoption milestone is achieved, drafting
 * while a drafting or adoption milestone is on record, else none.
 */
export function strategyStatus(
  achievedTypes: ReadonlySet<string>,
  allTypes: ReadonlySet<string>,
): (typeof STRATEGY_STATUS)[number] {
  if (achievedTypes.has('strategy_or_action_plan_adopted')) return 'adopted';
  if (allTypes.has('strategy_or_action_plan_drafted') || allTypes.has('strategy_or_action_plan_adopted'))
    return 'drafting';
  return 'none';
}

/** The Extended Migration Profile's status from the achieved and recorded milestone types. */
export function empStatus(
  achievedTypes: ReadonlySet<string>,
  allTypes: ReadonlySet<string>,
): (typeof EMP_STATUS)[number] {
  if (achievedTypes.has('emp_template_adopted')) return 'template_adopted';
  if (achievedTypes.has('emp_produced')) return 'produced';
  if (allTypes.has('emp_produced') || allTypes.has('emp_template_adopted')) return 'in_progress';
  return 'none';
}

/** A project's (or lesson's) round tables: its own, else those its JMDI theme feeds. */
export function roundTablesOf(explicit: readonly string[], jmdiTheme: string | undefined): string[] {
  if (explicit.length > 0) return [...explicit];
  return jmdiTheme && Object.hasOwn(JMDI_TO_HLD_RT, jmdiTheme)
    ? [...JMDI_TO_HLD_RT[jmdiTheme as (typeof THEME_JMDI)[number]]]
    : [];
}

/** The label of a theme item: the round table's title, or `JMDI theme: <name>`. */
export function themeLabel(theme: string): string {
  return (THEME_HLD_RT as readonly string[]).includes(theme)
    ? HLD_RT_LABELS[theme as (typeof THEME_HLD_RT)[number]]
    : `JMDI theme: ${theme}`;
}

/**
 * A country's JMDI EUR totals from its projects, as `jmdi.budget_eur_total` and
 * `jmdi.withdrawn_budget_eur_total` give them (briefing_item 4.0.0): the EUR budgets of the
 * projects not withdrawn, and apart from them those of the withdrawn ones. Every surface derives
 * them from the projects, so a version published under 3.x (whose `budget_eur_total` included
 * withdrawn projects) reads the same way.
 */
export function jmdiEurTotals(
  projects: readonly {
    readonly selection_status?: string | undefined;
    readonly total_budget_amount?: number | undefined;
    readonly total_budget_currency?: string | undefined;
  }[],
): { readonly budgetEur: number; readonly withdrawnBudgetEur: number } {
  let budgetEur = 0;
  let withdrawnBudgetEur = 0;
  for (const project of projects) {
    if (project.selection_status === 'withdrawn') withdrawnBudgetEur += eurBudgetOf(project);
    else budgetEur += eurBudgetOf(project);
  }
  return { budgetEur, withdrawnBudgetEur };
}

/**
 * The line a theme page gives the projects that name the theme as a secondary one: listed,
 * never counted (a project counts once, on its primary theme), or nothing when there are none.
 */
export function secondaryProjectsLine(
  theme: string,
  projects: readonly string[] | undefined,
): string | undefined {
  if (!projects?.length) return undefined;
  const subject = projects.length === 1 ? '1 more project names' : `${projects.length} more projects name`;
  return `${subject} ${theme} as a secondary theme (listed, not counted above): ${projects.join(', ')}`;
}
