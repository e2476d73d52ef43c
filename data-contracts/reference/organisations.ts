/**
 * Organisation identifiers → names, for the organisations the evidence base names by code (IATI
 * organisation identifiers; the DAC channel codes UN agencies reported under in IATI 1.0x).
 * Source: IATI OrganisationIdentifier practice and the OECD DAC channel codes as listed in the
 * IATI codelists (IATI Standard, http://iatistandard.org/, CC BY 4.0); see DOMAIN.md §A1.
 * A code not listed here is shown as it is, never guessed.
 */
export const ORGANISATION_NAMES: Readonly<Record<string, { readonly name: string; readonly short: string }>> = {
  'XM-DAC-41114': { name: 'United Nations Development Programme', short: 'UNDP' },
  'XM-DAC-47066': { name: 'International Organization for Migration', short: 'IOM' },
  'XM-DAC-41146': { name: 'United Nations Entity for Gender Equality and the Empowerment of Women', short: 'UN Women' },
  'XM-DAC-41302': { name: 'International Labour Organization', short: 'ILO' },
  'XM-DAC-41119': { name: 'United Nations Population Fund', short: 'UNFPA' },
  'XM-DAC-41121': { name: 'Office of the United Nations High Commissioner for Refugees', short: 'UNHCR' },
  'XM-DAC-44000': { name: 'World Bank', short: 'World Bank' },
  'XI-IATI-EC_DEVCO': { name: 'European Commission, Directorate-General for Development and Cooperation', short: 'EC DEVCO' },
  'CH-4': { name: 'Swiss Agency for Development and Cooperation', short: 'SDC' },
};

/** The name of an organisation code (`XM-DAC-41114`, or the bare DAC code `41114`), else the code itself. */
export function organisationName(code: string, form: 'name' | 'short' = 'short'): string {
  const entry = ORGANISATION_NAMES[code] ?? (/^\d{5}$/.test(code) ? ORGANISATION_NAMES[`XM-DAC-${code}`] : undefined);
  return entry ? entry[form] : code;
}
