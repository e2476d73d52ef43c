// Bundled as data (no file read at run time, so Lambda bundles carry it); kept equal to the
// CSV by test/unit/formats/country-data.test.ts.
import countryCodes from '../../data-contracts/reference/country-codes.json' with { type: 'json' };
import { type CountryRecord, countryRecordsOf } from './country-columns.ts';

/**
 * The country reference (ISO 3166-1 / UN M49) and the resolver every reader uses to turn an
 * ISO2/ISO3/M49 code or a country name into the `iso3` join key (DOMAIN.md A6, §4.2).
 *
 * The table ships as `data-contracts/reference/country-codes.csv` (datasets/country-codes).
 * Names are matched through an alias table, case-, accent-, punctuation- and
 * whitespace-insensitively; an unknown value is never guessed: `resolve` returns the nearest
 * names as a hint and the caller reports the problem.
 */

/** One row of the `country` contract (data-contracts/reference.ts). */
export interface CountryRow {
  readonly iso3: string;
  readonly iso2: string;
  /** Zero-padded 3-digit UN M49 code. */
  readonly m49: string;
  readonly name_en: string;
  readonly region_m49?: string;
  readonly subregion_m49?: string;
  readonly subregion_name?: string;
  readonly ldc?: boolean;
  readonly lldc?: boolean;
  readonly sids?: boolean;
  readonly is_jmdi1_target: boolean;
}

export type CountryResolutionVia = 'iso3' | 'iso2' | 'm49' | 'alias';

export type CountryResolution =
  | {
      readonly ok: true;
      readonly iso3: string;
      readonly via: CountryResolutionVia;
      /** True for codes in use but not in ISO 3166-1 (World Bank `XKX` Kosovo, `CHI` Channel Islands). */
      readonly nonIso?: boolean;
    }
  | { readonly ok: false; readonly value: string; readonly message: string; readonly hint: string };

export interface CountryReference {
  /** Every ISO 3166-1 country or area of the reference, in file order. */
  readonly rows: readonly CountryRow[];
  byIso3(code: string): CountryRow | undefined;
  /** Resolve an ISO3, ISO2 or M49 code or a country name to its ISO3 code. */
  resolve(value: string): CountryResolution;
}

/** The 16 target countries of JMDI phase 1 (DOMAIN.md A6). */
export const JMDI1_TARGET_ISO3: readonly string[] = [
  'DZA',
  'CPV',
  'ECU',
  'EGY',
  'ETH',
  'GEO',
  'GHA',
  'JAM',
  'MLI',
  'MDA',
  'MAR',
  'NGA',
  'PHL',
  'SEN',
  'LKA',
  'TUN',
];

/** Codes that statistical sources use for areas outside ISO 3166-1 (World Bank, KNOMAD). */
const NON_ISO_AREAS: readonly { iso3: string; iso2?: string; m49?: string; names: readonly string[] }[] = [
  { iso3: 'XKX', iso2: 'XK', names: ['Kosovo', 'Kosovo (under UNSC res. 1244)', 'Kosovo (UNSCR 1244)'] },
  { iso3: 'CHI', m49: '830', names: ['Channel Islands'] },
];

/**
 * Names used by the World Bank (WDI, KNOMAD), the 2012 UNDP note and common usage that are not
 * in the reference file. Keys are display names; values ISO3.
 */
const EXTRA_ALIASES: Readonly<Record<string, string>> = {
  'Egypt, Arab Rep.': 'EGY',
  Moldova: 'MDA',
  'Republic of Moldova': 'MDA',
  'Moldova, Republic of': 'MDA',
  'Cape Verde': 'CPV',
  'Cabo Verde': 'CPV',
  'West Bank and Gaza': 'PSE',
  Palestine: 'PSE',
  'Occupied Palestinian Territory': 'PSE',
  "Côte d'Ivoire": 'CIV',
  "Cote d'Ivoire": 'CIV',
  'Ivory Coast': 'CIV',
  'Iran, Islamic Rep.': 'IRN',
  Iran: 'IRN',
  'Korea, Rep.': 'KOR',
  'South Korea': 'KOR',
  'Korea, Dem. Rep.': 'PRK',
  "Korea, Dem. People's Rep.": 'PRK',
  'North Korea': 'PRK',
  'Congo, Dem. Rep.': 'COD',
  'DR Congo': 'COD',
  'Congo, Rep.': 'COG',
  'Gambia, The': 'GMB',
  'Bahamas, The': 'BHS',
  'Venezuela, RB': 'VEN',
  Venezuela: 'VEN',
  Bolivia: 'BOL',
  'Yemen, Rep.': 'YEM',
  'Lao PDR': 'LAO',
  Laos: 'LAO',
  'Kyrgyz Republic': 'KGZ',
  'Slovak Republic': 'SVK',
  'Czech Republic': 'CZE',
  'Micronesia, Fed. Sts.': 'FSM',
  Micronesia: 'FSM',
  'St. Lucia': 'LCA',
  'St. Kitts and Nevis': 'KNA',
  'St. Vincent and the Grenadines': 'VCT',
  'St. Martin (French part)': 'MAF',
  'Hong Kong SAR, China': 'HKG',
  'Hong Kong': 'HKG',
  'Macao SAR, China': 'MAC',
  Macao: 'MAC',
  Macau: 'MAC',
  Syria: 'SYR',
  Russia: 'RUS',
  Tanzania: 'TZA',
  Vietnam: 'VNM',
  'Viet Nam': 'VNM',
  Turkey: 'TUR',
  Turkiye: 'TUR',
  Türkiye: 'TUR',
  Swaziland: 'SWZ',
  'Macedonia, FYR': 'MKD',
  Macedonia: 'MKD',
  'The former Yugoslav Republic of Macedonia': 'MKD',
  'United States': 'USA',
  USA: 'USA',
  'United Kingdom': 'GBR',
  UK: 'GBR',
  'Great Britain': 'GBR',
  Curacao: 'CUW',
  'Sao Tome and Principe': 'STP',
  'Virgin Islands (U.S.)': 'VIR',
  'British Virgin Islands': 'VGB',
  'Sint Maarten (Dutch part)': 'SXM',
  Brunei: 'BRN',
  Burma: 'MMR',
  'East Timor': 'TLS',
  Vatican: 'VAT',
  'Vatican City': 'VAT',
  Netherlands: 'NLD',
  Holland: 'NLD',
  'Saint Helena, Ascension and Tristan da Cunha': 'SHN',
  Reunion: 'REU',
};

/** UN M49 region and group codes that are not countries (besides every code ≥ 900). */
// biome-ignore format: a code table reads better packed
const M49_GROUP_CODES: ReadonlySet<string> = new Set([
  // Regions, sub-regions and intermediate regions.
  '001', '002', '003', '005', '009', '011', '013', '014', '015', '017', '018', '019', '021', '029',
  '030', '034', '035', '039', '053', '054', '057', '061', '142', '143', '145', '150', '151', '154',
  '155', '202', '419',
  // Development groups: LDC, LLDC, SIDS, developed/developing.
  '199', '432', '722', '514', '515',
]);

/** True for an M49 code that denotes a region or a group of countries, never a country. */
export function isAggregateM49(code: string | number): boolean {
  const text = String(code).trim().replace(/\.0+$/, '');
  if (!/^\d{1,4}$/.test(text)) return false;
  const numeric = Number(text);
  if (numeric >= 900) return true;
  return M49_GROUP_CODES.has(text.padStart(3, '0'));
}

/** Lower-case, accent-free, punctuation-free form of a name, used as alias key. */
export function normaliseCountryName(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[’‘`´]/g, "'")
    .replace(/\*/g, ' ')
    .replace(/\(the\)/g, ' ')
    .replace(/^the\s+/, '')
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .replace(/\s+/g, ' ');
}

/** UNTERM short names carry articles and footnote stars: `Republic of Moldova (the)`, `Niue **`. */
function cleanUntermName(name: string): string {
  return name
    .replace(/\*+/g, '')
    .replace(/\s*\(the\)\s*/g, ' ')
    .trim()
    .replace(/\s+/g, ' ');
}

function padM49(value: string | undefined): string | undefined {
  const text = (value ?? '').trim().replace(/\.0+$/, '');
  return /^\d{1,3}$/.test(text) ? text.padStart(3, '0') : undefined;
}

interface AliasEntry {
  readonly iso3: string;
  readonly display: string;
  readonly nonIso: boolean;
}

function buildReference(records: readonly CountryRecord[]): CountryReference {
  const rows: CountryRow[] = [];
  const aliases = new Map<string, AliasEntry>();
  const byIso2 = new Map<string, string>();
  const byM49 = new Map<string, AliasEntry>();
  const addAlias = (name: string | undefined, iso3: string, nonIso = false) => {
    if (!name?.trim()) return;
    const key = normaliseCountryName(name);
    if (key && !aliases.has(key)) aliases.set(key, { iso3, display: cleanUntermName(name), nonIso });
  };

  for (const record of records) {
    const iso3 = (record['ISO3166-1-Alpha-3'] ?? '').trim();
    const m49 = padM49(record.M49) ?? padM49(record['ISO3166-1-numeric']);
    if (!/^[A-Z]{3}$/.test(iso3) || !m49) continue;
    // The upstream file lost Namibia's alpha-2 `NA` to a missing-value rule.
    const iso2 = (record['ISO3166-1-Alpha-2'] ?? '').trim() || (iso3 === 'NAM' ? 'NA' : '');
    const unShort = cleanUntermName(record['UNTERM English Short'] ?? '');
    const official = (record.official_name_en ?? '').trim();
    const name = iso3 === 'CIV' ? "Côte d'Ivoire" : unShort || official || iso3;
    const flag = (column: keyof CountryRecord) => (record[column] ?? '').trim().toLowerCase() === 'x';
    const row: CountryRow = {
      iso3,
      iso2,
      m49,
      name_en: name,
      ...optional('region_m49', padM49(record['Region Code'])),
      ...optional('subregion_m49', padM49(record['Sub-region Code'])),
      ...optional('subregion_name', record['Sub-region Name']?.trim() || undefined),
      ldc: flag('Least Developed Countries (LDC)'),
      lldc: flag('Land Locked Developing Countries (LLDC)'),
      sids: flag('Small Island Developing States (SIDS)'),
      is_jmdi1_target: JMDI1_TARGET_ISO3.includes(iso3),
    };
    rows.push(row);
    if (iso2) byIso2.set(iso2, iso3);
    byM49.set(m49, { iso3, display: name, nonIso: false });
    addAlias(name, iso3);
    addAlias(record['UNTERM English Short'], iso3);
    addAlias(record['UNTERM English Formal'], iso3);
    addAlias(official, iso3);
    addAlias(record['CLDR display name'], iso3);
  }
  for (const [alias, iso3] of Object.entries(EXTRA_ALIASES)) addAlias(alias, iso3);
  for (const area of NON_ISO_AREAS) {
    for (const alias of area.names) addAlias(alias, area.iso3, true);
    if (area.iso2) byIso2.set(area.iso2, area.iso3);
    if (area.m49) byM49.set(area.m49, { iso3: area.iso3, display: area.names[0] ?? area.iso3, nonIso: true });
  }

  const byIso3Map = new Map(rows.map((row) => [row.iso3, row]));
  const nonIsoCodes = new Set(NON_ISO_AREAS.map((area) => area.iso3));

  const resolve = (value: string): CountryResolution => {
    const trimmed = value.trim();
    const upper = trimmed.toUpperCase();
    if (/^[A-Z]{3}$/.test(upper)) {
      if (byIso3Map.has(upper)) return { ok: true, iso3: upper, via: 'iso3' };
      if (nonIsoCodes.has(upper)) return { ok: true, iso3: upper, via: 'iso3', nonIso: true };
    }
    if (/^[A-Z]{2}$/.test(upper)) {
      const iso3 = byIso2.get(upper);
      if (iso3)
        return nonIsoCodes.has(iso3)
          ? { ok: true, iso3, via: 'iso2', nonIso: true }
          : { ok: true, iso3, via: 'iso2' };
    }
    const m49 = padM49(trimmed);
    if (m49) {
      const entry = byM49.get(m49);
      if (entry)
        return entry.nonIso
          ? { ok: true, iso3: entry.iso3, via: 'm49', nonIso: true }
          : { ok: true, iso3: entry.iso3, via: 'm49' };
    }
    const alias = aliases.get(normaliseCountryName(trimmed));
    if (alias)
      return alias.nonIso
        ? { ok: true, iso3: alias.iso3, via: 'alias', nonIso: true }
        : { ok: true, iso3: alias.iso3, via: 'alias' };
    const nearest = nearestNames(trimmed, aliases);
    return {
      ok: false,
      value,
      message: `Unknown country '${value}': not an ISO2/ISO3/M49 code or a known name`,
      hint: nearest.length
        ? `Did you mean ${nearest.map((entry) => `'${entry.display}' (${entry.iso3})`).join(', ')}? Write the ISO3 code to be unambiguous.`
        : 'Write the ISO 3166-1 alpha-3 code (e.g. MDA) or the UN English short name.',
    };
  };

  return { rows, byIso3: (code) => byIso3Map.get(code.trim().toUpperCase()), resolve };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Up to three aliases closest to `value` by edit distance on normalised names (one per country). */
function nearestNames(value: string, aliases: ReadonlyMap<string, AliasEntry>): AliasEntry[] {
  const key = normaliseCountryName(value);
  if (!key) return [];
  const best = new Map<string, { entry: AliasEntry; distance: number }>();
  for (const [aliasKey, entry] of aliases) {
    const distance = editDistance(key, aliasKey, Math.max(3, Math.ceil(key.length / 2)));
    const previous = best.get(entry.iso3);
    if (!previous || distance < previous.distance) best.set(entry.iso3, { entry, distance });
  }
  return [...best.values()]
    .filter((candidate) => candidate.distance <= Math.max(2, Math.ceil(key.length / 2)))
    .sort((a, b) => a.distance - b.distance || a.entry.display.localeCompare(b.entry.display))
    .slice(0, 3)
    .map((candidate) => candidate.entry);
}

/** Levenshtein distance, cut off early once it exceeds `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const cell = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      current.push(cell);
      rowMin = Math.min(rowMin, cell);
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length] ?? limit + 1;
}

let reference: CountryReference | undefined;

/** The shipped country reference, loaded once per process. */
export function countryReference(): CountryReference {
  if (!reference) {
    reference = buildReference(countryRecordsOf(countryCodes));
  }
  return reference;
}
