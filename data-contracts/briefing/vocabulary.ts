import { THEME_HLD_RT, THEME_JMDI } from '../vocabularies.ts';

/**
 * The briefing contract's values, apart from its schemas: readers (the API, the CLI) use them
 * without loading zod.
 */

/** Every theme a briefing has items for: the four HLD round tables, then the four JMDI themes. */
export const BRIEFING_THEMES = [...THEME_HLD_RT, ...THEME_JMDI] as const;
export type BriefingTheme = (typeof BRIEFING_THEMES)[number];

/** What a theme item is about: an HLD round table or a JMDI theme. */
export const THEME_KINDS = ['hld_round_table', 'jmdi_theme'] as const;
export type ThemeKind = (typeof THEME_KINDS)[number];

/** The scope of a theme item that is not one country's. */
export const GLOBAL_SCOPE = 'GLOBAL';

/** How far migration is in the national strategy, from the pilot's milestones. */
export const STRATEGY_STATUS = ['none', 'drafting', 'adopted'] as const;

/** How far the Extended Migration Profile is, from the pilot's milestones. */
export const EMP_STATUS = ['none', 'in_progress', 'produced', 'template_adopted'] as const;

/** The sexes a context figure is broken down by (observation `sex`; both sexes, `_T`, are its `values`). */
export const FIGURE_SEXES = ['F', 'M'] as const;
export type FigureSex = (typeof FIGURE_SEXES)[number];

/** How a briefing names each sex of {@link FIGURE_SEXES}, and both sexes. */
export const SEX_LABELS = { _T: 'both sexes', F: 'females', M: 'males' } as const;

/** The id of the one `sources` item of a version. */
export const SOURCES_ITEM_ID = 'all';

/** Locators a document summary lists at most (the lineage lists every one). */
export const MAX_SUMMARY_LOCATORS = 50;
