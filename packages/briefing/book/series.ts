import type { CountryBody, FigureValue } from '#contracts/briefing/country.ts';
import type { CountryItem } from '#contracts/briefing/item.ts';
import { type FigureSex, SEX_LABELS } from '#contracts/briefing/vocabulary.ts';
import { ADDITIVE_UNITS, figureAmount, jmdiEurTotals } from '../rules.ts';
import { otherProgramme } from '../status-text.ts';

/**
 * Context figures over time: one series per indicator × source × revision, never merged across
 * sources, every point keeping its year, source, revision and the row it came from (for its
 * lineage link). Built from whatever observation rows reached the country item.
 */
export interface SeriesPoint extends Omit<FigureValue, 'unit_mult'> {
  /** The value as a plain number: the published value × 10^unit_mult. */
  readonly value: number;
}

/** The values of one sex in a series (same indicator, source and revision). */
export interface SexLine {
  readonly sex: FigureSex;
  /** `females`, `males`. */
  readonly label: string;
  /** Sorted by year; missing values are left out and counted. */
  readonly points: readonly SeriesPoint[];
  readonly missing: number;
}

export interface FigureSeries {
  readonly indicator_id: string;
  readonly label: string;
  readonly unit: string;
  readonly source: string;
  readonly revision: string;
  /** Both sexes, sorted by year; values that are missing (`..`) are left out and counted. */
  readonly points: readonly SeriesPoint[];
  readonly missing: number;
  /**
   * Females, then males, of the same source and revision, for counts and amounts. A share by sex
   * (`IMM_STOCK_PCT`) is of that sex's own population, not comparable with the share of both
   * sexes on one axis: it stays in the body and the export tables, not in the series.
   */
  readonly bySex: readonly SexLine[];
}

const byYear = (a: SeriesPoint, b: SeriesPoint) => (a.year < b.year ? -1 : a.year > b.year ? 1 : 0);
// A point is a plain number (value × 10^unit_mult): a chart, a table or a line of text shows it as is.
const pointsOf = (values: readonly FigureValue[]): SeriesPoint[] =>
  values
    .flatMap(({ unit_mult, ...value }) =>
      typeof value.value === 'number' ? [{ ...value, value: figureAmount(value.value, unit_mult) }] : [],
    )
    .sort(byYear);
const seriesKey = (value: FigureValue) => `${value.source}\u0000${value.revision}`;

/** Every series of a country, in indicator, source, revision order. */
export function figureSeries(body: CountryBody): FigureSeries[] {
  const series: FigureSeries[] = [];
  for (const figure of body.context_figures) {
    const groups = new Map<string, FigureValue[]>();
    for (const value of figure.values) {
      const key = seriesKey(value);
      groups.set(key, [...(groups.get(key) ?? []), value]);
    }
    // A source that gives a figure by sex only is still a series (with no point for both sexes).
    const firsts = new Map<string, FigureValue>();
    for (const value of [...figure.values, ...(figure.by_sex ?? []).flatMap((entry) => entry.values)]) {
      if (!firsts.has(seriesKey(value))) firsts.set(seriesKey(value), value);
      if (!groups.has(seriesKey(value))) groups.set(seriesKey(value), []);
    }
    for (const [key, values] of groups) {
      const first = firsts.get(key)!;
      const points = pointsOf(values);
      const unit = first.unit ?? '';
      const bySex = ADDITIVE_UNITS.includes(unit)
        ? (figure.by_sex ?? []).flatMap((entry): SexLine[] => {
            const sexValues = entry.values.filter((value) => seriesKey(value) === key);
            const sexPoints = pointsOf(sexValues);
            return sexValues.length === 0
              ? []
              : [
                  {
                    sex: entry.sex,
                    label: SEX_LABELS[entry.sex],
                    points: sexPoints,
                    missing: sexValues.length - sexPoints.length,
                  },
                ];
          })
        : [];
      series.push({
        indicator_id: figure.indicator_id,
        label: figure.label,
        unit,
        source: first.source,
        revision: first.revision,
        points,
        missing: values.length - points.length,
        bySex,
      });
    }
  }
  return series;
}

/** One year of a series with its sexes: each value the point it came from (undefined when not given). */
export interface SeriesYear {
  readonly year: string;
  readonly total: SeriesPoint | undefined;
  readonly sexes: readonly (SeriesPoint | undefined)[];
}

/** A series year by year, both sexes then each of `series.bySex` in order: the table beside a chart. */
export function seriesYears(series: FigureSeries): SeriesYear[] {
  const years = [
    ...new Set([...series.points, ...series.bySex.flatMap((line) => line.points)].map((point) => point.year)),
  ].sort();
  return years.map((year) => ({
    year,
    total: series.points.find((point) => point.year === year),
    sexes: series.bySex.map((line) => line.points.find((point) => point.year === year)),
  }));
}

/** The latest point of an indicator, preferring `sources` in order (a source's latest year). */
export function latestPoint(
  body: CountryBody,
  indicator: string,
  sources: readonly string[] = ['UNDESA_IMS'],
): { readonly series: FigureSeries; readonly point: SeriesPoint } | undefined {
  const all = figureSeries(body).filter(
    (series) => series.indicator_id === indicator && series.points.length > 0,
  );
  const ranked = [...all].sort((a, b) => {
    const rank = (series: FigureSeries) => {
      const at = sources.indexOf(series.source);
      return at < 0 ? sources.length : at;
    };
    return rank(a) - rank(b) || (a.revision < b.revision ? 1 : a.revision > b.revision ? -1 : 0);
  });
  const series = ranked[0];
  return series ? { series, point: series.points[series.points.length - 1]! } : undefined;
}

/** One row of the pilot-country comparison. */
export interface PilotComparisonRow {
  readonly item: CountryItem;
  readonly participation: string;
  readonly immigrantStock?: { readonly series: FigureSeries; readonly point: SeriesPoint };
  readonly immigrantShare?: { readonly series: FigureSeries; readonly point: SeriesPoint };
  readonly latestMilestone?: { readonly type: string; readonly date: string };
  readonly projects: number;
  /** Projects that were not withdrawn, and the sum of their total budgets in EUR. */
  readonly activeProjects: number;
  readonly activeBudgetEur: number;
  /** The JMDI grants (EUR) of the projects not withdrawn, and how many of them state none. */
  readonly activeGrantsEur: number;
  readonly activeWithoutGrant: number;
  readonly withdrawnProjects: number;
  /** Capacity areas with their high-demand share among counted respondents, largest first. */
  readonly highDemand: readonly { readonly area: string; readonly n: number; readonly base: number }[];
}

/** The pilot countries (a pilot record of any status), side by side. */
export function pilotComparison(countries: readonly CountryItem[]): PilotComparisonRow[] {
  return countries
    .filter((country) => country.body.pilots.length > 0)
    .map((item) => {
      const body = item.body;
      const pilot = body.pilots[body.pilots.length - 1]!;
      const stock = latestPoint(body, 'IMM_STOCK');
      const share = latestPoint(body, 'IMM_STOCK_PCT');
      const active = body.jmdi.projects.filter((project) => project.selection_status !== 'withdrawn');
      const highDemand = (body.survey.statistics?.areas ?? [])
        .map((area) => ({
          area: area.capacity_area,
          n: area.demand.choices.find((choice) => choice.choice === 'high')?.n ?? 0,
          base: area.demand.base,
        }))
        .filter((entry) => entry.n > 0)
        .sort((a, b) => b.n / b.base - a.n / a.base || (a.area < b.area ? -1 : 1));
      return {
        item,
        participation: `${pilot.participation_status ?? '?'}${otherProgramme(pilot.programme)} (as of ${pilot.status_as_of ?? '?'})`,
        ...(stock ? { immigrantStock: stock } : {}),
        ...(share ? { immigrantShare: share } : {}),
        ...(body.mainstreaming.latest_milestone_type
          ? {
              latestMilestone: {
                type: body.mainstreaming.latest_milestone_type,
                date: body.mainstreaming.latest_milestone_date ?? '',
              },
            }
          : {}),
        projects: body.jmdi.projects_n,
        activeProjects: active.length,
        activeBudgetEur: jmdiEurTotals(body.jmdi.projects).budgetEur,
        activeGrantsEur: active.reduce((sum, project) => sum + (project.jmdi_grant_amount ?? 0), 0),
        activeWithoutGrant: active.filter((project) => project.jmdi_grant_amount === undefined).length,
        withdrawnProjects: body.jmdi.projects.length - active.length,
        highDemand,
      };
    });
}

/** The values by sex of a series in one year, those the source gives, females first. */
export function sexesIn(
  series: FigureSeries,
  year: string,
): { readonly label: string; readonly point: SeriesPoint }[] {
  return series.bySex.flatMap((line) => {
    const point = line.points.find((entry) => entry.year === year);
    return point ? [{ label: line.label, point }] : [];
  });
}

/** `females 61,874, males 42,839`: a year's values by sex in words ('' when the source gives none). */
export function sexesText(series: FigureSeries, year: string): string {
  return sexesIn(series, year)
    .map((sex) => `${sex.label} ${sex.point.value.toLocaleString('en-GB')}`)
    .join(', ');
}
