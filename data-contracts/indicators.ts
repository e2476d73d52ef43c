/**
 * The statistical indicators the evidence base knows (DOMAIN.md §4.7), with the unit each is
 * stored in. Readers map a source's own series (a WDI code, a UN DESA table block, an SDMX series)
 * to one of these or keep the source's code; the `observation` contract holds a known indicator to
 * its unit, so a percentage can never be stored as persons.
 */

/**
 * Units of `observation.unit`. `percent` is a share (0–100); a rate of change is `percent_change`
 * (it may be negative); `number` is a count whose unit the source does not name.
 */
export const UNITS = ['persons', 'percent', 'percent_change', 'USD', 'number'] as const;

export type Unit = (typeof UNITS)[number];

export interface IndicatorDefinition {
  /** What the figure is, as a briefing labels it. */
  readonly label: string;
  readonly unit: Unit;
  /** A stock or an amount: never negative. */
  readonly nonNegative: boolean;
}

export const INDICATORS = {
  IMM_STOCK: { label: 'International migrant stock (immigrants)', unit: 'persons', nonNegative: true },
  EMIG_STOCK: { label: 'Emigrant stock', unit: 'persons', nonNegative: true },
  BILAT_STOCK: { label: 'Bilateral migrant stock', unit: 'persons', nonNegative: true },
  REFUGEE_STOCK: { label: 'Refugee stock', unit: 'persons', nonNegative: true },
  POP_TOTAL: { label: 'Total population', unit: 'persons', nonNegative: true },
  IMM_STOCK_PCT: {
    label: 'International migrant stock as a percentage of the total population',
    unit: 'percent',
    nonNegative: true,
  },
  IMM_STOCK_FEMALE_PCT: {
    label: 'Female migrants as a percentage of the international migrant stock',
    unit: 'percent',
    nonNegative: true,
  },
  REFUGEE_PCT_IMM_STOCK: {
    label: 'Refugees as a percentage of the international migrant stock',
    unit: 'percent',
    nonNegative: true,
  },
  REMIT_IN_USD: { label: 'Remittances received', unit: 'USD', nonNegative: true },
  REMIT_OUT_USD: { label: 'Remittances paid', unit: 'USD', nonNegative: true },
  REMIT_IN_PCT_GDP: {
    label: 'Remittances received as a percentage of GDP',
    unit: 'percent',
    nonNegative: true,
  },
  REMIT_COST_PCT: {
    label: 'Average cost of sending remittances, percentage of the amount sent',
    unit: 'percent',
    nonNegative: true,
  },
} as const satisfies Readonly<Record<string, IndicatorDefinition>>;

export type IndicatorId = keyof typeof INDICATORS;

/** The definition of a known indicator id, or undefined for a source's own code. */
export function indicatorDefinition(id: string): IndicatorDefinition | undefined {
  return Object.hasOwn(INDICATORS, id) ? INDICATORS[id as IndicatorId] : undefined;
}
