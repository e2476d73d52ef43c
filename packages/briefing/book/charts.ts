import escapeHtml from 'escape-html';
import type { SurveyStatistics } from '#contracts/briefing/survey.ts';
import { SEX_LABELS } from '#contracts/briefing/vocabulary.ts';
import { percentOf } from '../survey-stats.ts';
import type { FigureSeries } from './series.ts';

/**
 * Static SVG charts for the briefing book, drawn by Vega-Lite compiled to Vega and rendered to
 * SVG in Node at build time (no chart code by hand, no script in the page). Vega is loaded on the
 * first chart only, so nothing that never draws a chart (the Lambdas) loads it.
 */
export interface Chart {
  /** The SVG (from Vega's renderer), with `role="img"` and an `aria-label`. */
  readonly svg: string;
  /** The text alternative: what the chart shows, in words. */
  readonly description: string;
}

type VegaLiteSpec = Record<string, unknown>;

let vegaModules: Promise<[typeof import('vega'), typeof import('vega-lite')]> | undefined;

async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  vegaModules ??= Promise.all([import('vega'), import('vega-lite')]);
  const [vega, vegaLite] = await vegaModules;
  const view = new vega.View(vega.parse(vegaLite.compile(spec as never).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Puts the text alternative on the SVG element itself (escaped: it holds data). */
function labelled(svg: string, description: string): string {
  return svg.replace(/^<svg /, `<svg role="img" aria-label="${escapeHtml(description)}" `);
}

const number = (value: number) => value.toLocaleString('en-GB');

const BOTH_SEXES = SEX_LABELS._T;

/**
 * A line (or, for one point, a dot) of one series over time; a series given by sex gets one line
 * per sex, both sexes included, told apart by colour and named in a legend.
 */
export async function seriesChart(series: FigureSeries): Promise<Chart> {
  const unit = series.unit ? ` ${series.unit}` : '';
  const pointsText = (points: FigureSeries['points']) =>
    points.map((point) => `${point.year} ${number(point.value)}${unit}`).join('; ');
  const lines = [
    { label: BOTH_SEXES, points: series.points },
    ...series.bySex.map((line) => ({ label: line.label, points: line.points })),
  ].filter((line) => line.points.length > 0);
  const bySex = series.bySex.length > 0;
  const description = bySex
    ? `${series.label} by sex, ${series.source} ${series.revision}: ${lines.map((line) => `${line.label}: ${pointsText(line.points)}`).join('. ')}`
    : `${series.label}, ${series.source} ${series.revision}: ${pointsText(series.points)}`;
  const several = lines.some((line) => line.points.length > 1);
  const svg = await renderSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description,
    width: 320,
    height: 140,
    data: {
      values: lines.flatMap((line) =>
        line.points.map((point) => ({
          year: Number(point.year.slice(0, 4)),
          value: point.value,
          sex: line.label,
        })),
      ),
    },
    mark: { type: several ? 'line' : 'point', point: true, tooltip: false },
    encoding: {
      x: {
        field: 'year',
        type: 'quantitative',
        title: 'Year',
        scale: { zero: false, nice: false, padding: 12 },
        axis: { format: 'd', tickMinStep: 1 },
      },
      y: { field: 'value', type: 'quantitative', title: series.unit || 'value', axis: { format: '~s' } },
      ...(bySex
        ? {
            color: {
              field: 'sex',
              type: 'nominal',
              title: 'Sex',
              sort: lines.map((line) => line.label),
              scale: { domain: lines.map((line) => line.label) },
            },
            // Dashes as well as colours, so the lines are told apart in print and without colour.
            strokeDash: {
              field: 'sex',
              type: 'nominal',
              title: 'Sex',
              sort: lines.map((line) => line.label),
              scale: { domain: lines.map((line) => line.label) },
            },
          }
        : {}),
    },
  });
  return { svg: labelled(svg, description), description };
}

/**
 * Horizontal bars: the pilot countries' immigrant stock as a share of population, each at its
 * source's latest year (named, with the source, in the text alternative and the table beside it).
 */
export async function pilotShareChart(
  rows: readonly {
    readonly country: string;
    readonly year: string;
    readonly source: string;
    readonly percent: number;
  }[],
): Promise<Chart> {
  const description =
    'Immigrant stock as a share of population, pilot countries, latest year of each source: ' +
    rows.map((row) => `${row.country} ${number(row.percent)} % (${row.year}, ${row.source})`).join('; ');
  const svg = await renderSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description,
    width: 320,
    height: { step: 18 },
    data: { values: rows.map((row) => ({ country: row.country, percent: row.percent })) },
    mark: { type: 'bar', tooltip: false },
    encoding: {
      y: { field: 'country', type: 'nominal', title: null, sort: null },
      x: { field: 'percent', type: 'quantitative', title: 'Immigrant stock (% of population)' },
    },
  });
  return { svg: labelled(svg, description), description };
}

/** Horizontal bars: the share of counted respondents reporting high demand, per capacity area. */
export async function surveyDemandChart(statistics: SurveyStatistics): Promise<Chart> {
  const rows = statistics.areas.map((area) => {
    const n = area.demand.choices.find((choice) => choice.choice === 'high')?.n ?? 0;
    return {
      area: area.capacity_area,
      n,
      base: area.demand.base,
      percent: percentOf(n, area.demand.base) ?? 0,
    };
  });
  const description =
    'High demand for support, share of respondents who answered, per capacity area: ' +
    rows.map((row) => `${row.area} ${row.n} of ${row.base} (${row.percent} %)`).join('; ');
  const svg = await renderSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description,
    width: 320,
    height: { step: 16 },
    data: { values: rows },
    mark: { type: 'bar', tooltip: false },
    encoding: {
      y: { field: 'area', type: 'nominal', title: null, sort: null },
      x: {
        field: 'percent',
        type: 'quantitative',
        title: 'High demand (% of base)',
        scale: { domain: [0, 100] },
      },
    },
  });
  return { svg: labelled(svg, description), description };
}
