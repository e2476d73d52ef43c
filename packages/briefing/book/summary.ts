import type { CountryItem } from '#contracts/briefing/item.ts';
import type { AreaStatistics } from '#contracts/briefing/survey.ts';
import { THEME_JMDI } from '#contracts/vocabularies.ts';
import { eurBudgetOf, jmdiEurTotals } from '../rules.ts';
import { type FigureSeries, latestPoint, type SeriesPoint } from './series.ts';

/**
 * The one-page summary of a country a desk officer hands a delegate (Markdown
 * `summaries/<ISO3>.md`, the first section of the HTML country page): three to five headline
 * figures with year and source, the top survey demands with their bases, the JMDI projects by
 * theme with their budgets. One view, so both formats say the same.
 */
export interface CountrySummary {
  readonly figures: readonly { readonly series: FigureSeries; readonly point: SeriesPoint }[];
  /** Capacity areas with the largest share of high demand among counted respondents (at most 3). */
  readonly topDemands: readonly { readonly area: AreaStatistics; readonly high: number }[];
  /** Per JMDI theme with projects: every project, those not withdrawn, their total budgets in EUR. */
  readonly byTheme: readonly {
    readonly theme: string;
    readonly projects: number;
    readonly active: number;
    readonly budgetEur: number;
    readonly lowConfidence: boolean;
  }[];
}

/** Headline indicators in order, each with the sources preferred for it. */
const HEADLINE = [
  ['IMM_STOCK', ['UNDESA_IMS']],
  ['IMM_STOCK_PCT', ['UNDESA_IMS']],
  ['EMIG_STOCK', ['UNDESA_IMS', 'WB_KNOMAD_BILAT']],
  ['REMIT_IN_USD', ['WB_WDI', 'WB_KNOMAD_BILAT']],
  ['REMIT_IN_PCT_GDP', ['WB_WDI']],
  ['REFUGEE_STOCK', ['UNDESA_IMS']],
] as const;

export function countrySummary(item: CountryItem): CountrySummary {
  const body = item.body;
  return {
    figures: HEADLINE.map(([indicator, sources]) => latestPoint(body, indicator, sources))
      .filter((entry) => entry !== undefined)
      .slice(0, 5),
    topDemands: (body.survey.statistics?.areas ?? [])
      .map((area) => ({ area, high: area.demand.choices.find((choice) => choice.choice === 'high')?.n ?? 0 }))
      .filter((entry) => entry.high > 0)
      .sort((a, b) => b.high / b.area.demand.base - a.high / a.area.demand.base)
      .slice(0, 3),
    byTheme: THEME_JMDI.map((theme) => {
      const projects = body.jmdi.projects.filter((project) => project.theme_primary === theme);
      const active = projects.filter((project) => project.selection_status !== 'withdrawn');
      return {
        theme,
        projects: projects.length,
        active: active.length,
        budgetEur: active.reduce((sum, project) => sum + eurBudgetOf(project), 0),
        lowConfidence: projects.some((project) => project.confidence === 'low'),
      };
    }).filter((entry) => entry.projects > 0),
  };
}

/**
 * A country's JMDI budgets in one line, saying what is summed: the projects' total budgets in
 * EUR, and apart from them the JMDI grants (part of those budgets), withdrawn projects left out
 * and counted.
 */
export function budgetText(body: CountryItem['body']): string {
  const projects = body.jmdi.projects;
  const active = projects.filter((project) => project.selection_status !== 'withdrawn');
  const withdrawn = projects.length - active.length;
  const { budgetEur: eur, withdrawnBudgetEur: withdrawnEur } = jmdiEurTotals(projects);
  const withoutCurrency = active.filter(
    (project) => project.total_budget_amount !== undefined && project.total_budget_currency === undefined,
  ).length;
  const grants = active.reduce((sum, project) => sum + (project.jmdi_grant_amount ?? 0), 0);
  const withoutGrant = active.filter((project) => project.jmdi_grant_amount === undefined).length;
  return (
    `${projects.length} project(s)${withdrawn > 0 ? `, ${withdrawn} withdrawn (EUR ${withdrawnEur.toLocaleString('en-GB')} in their total budgets, not included)` : ''}; ` +
    `EUR ${eur.toLocaleString('en-GB')} in total project budgets of the ${active.length} not withdrawn ` +
    '(total budgets, not JMDI grants; non-EUR budgets left out' +
    (withoutCurrency > 0 ? `, and ${withoutCurrency} budget(s) that state no currency` : '') +
    '), ' +
    `and EUR ${grants.toLocaleString('en-GB')} in JMDI grants` +
    (withoutGrant > 0 ? ` (${withoutGrant} project(s) state no grant)` : '')
  );
}
