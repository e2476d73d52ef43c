import type { BriefingTheme } from './briefing/vocabulary.ts';
import type { THEME_HLD_RT, THEME_JMDI } from './vocabularies.ts';

/**
 * The themes a brief is about, with their full titles and where the titles come from. The four
 * round tables of the 2013 High-level Dialogue are quoted from General Assembly resolution
 * 67/219, which set them (wording as issue 11 quotes the resolution); the JMDI themes are the
 * four priority areas of the EC–UN Joint Migration and Development Initiative (DOMAIN.md §1).
 */

export interface ThemeTitle {
  /** `RT3`, `remittances`: what analysts type and file names use. */
  readonly short: string;
  /** The full title, word for word as its source has it. */
  readonly title: string;
  /** The document the title is quoted from. */
  readonly source: string;
}

export const GA_RES_67_219 =
  'United Nations General Assembly, resolution 67/219 "International migration and development" (A/RES/67/219)';
const JMDI_ABOUT =
  'EC–UN Joint Migration and Development Initiative, "About JMDI" (migration4development.org): the four priority areas of the 2008 call for proposals';

export const ROUND_TABLE_TITLES: Readonly<Record<(typeof THEME_HLD_RT)[number], ThemeTitle>> = {
  RT1_sustainable_dev_post2015: {
    short: 'RT1',
    title:
      'Assessing the effects of international migration on sustainable development and identifying relevant priorities in view of the preparation of the post-2015 development framework',
    source: GA_RES_67_219,
  },
  RT2_rights_protection_trafficking: {
    short: 'RT2',
    title:
      'Measures to ensure respect for and protection of the human rights of all migrants, with particular reference to women and children, as well as to prevent and combat smuggling of migrants and trafficking in persons, and to ensure regular, orderly and safe migration',
    source: GA_RES_67_219,
  },
  RT3_partnerships_coherence_mainstreaming: {
    short: 'RT3',
    title:
      'Strengthening partnerships and cooperation on international migration, mechanisms to effectively integrate migration into development policies and promoting coherence at all levels',
    source: GA_RES_67_219,
  },
  RT4_labour_mobility: {
    short: 'RT4',
    title: 'International and regional labour mobility and its impact on development',
    source: GA_RES_67_219,
  },
};

export const JMDI_THEME_TITLES: Readonly<Record<(typeof THEME_JMDI)[number], ThemeTitle>> = {
  remittances: { short: 'remittances', title: 'JMDI priority area: remittances', source: JMDI_ABOUT },
  communities: { short: 'communities', title: 'JMDI priority area: communities', source: JMDI_ABOUT },
  capacities: { short: 'capacities', title: 'JMDI priority area: capacities', source: JMDI_ABOUT },
  rights: { short: 'rights', title: 'JMDI priority area: rights', source: JMDI_ABOUT },
};

/** The title of any briefing theme. */
export function themeTitle(theme: BriefingTheme): ThemeTitle {
  return theme in ROUND_TABLE_TITLES
    ? ROUND_TABLE_TITLES[theme as (typeof THEME_HLD_RT)[number]]
    : JMDI_THEME_TITLES[theme as (typeof THEME_JMDI)[number]];
}
