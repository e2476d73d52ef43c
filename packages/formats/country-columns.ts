/**
 * The columns of `data-contracts/reference/country-codes.csv` the country reference uses.
 * `country-codes.json` beside the CSV holds exactly these columns so the reference can be
 * bundled into Lambda functions (no file reads at run time); a unit test keeps the two equal.
 */
export const COUNTRY_COLUMNS = [
  'ISO3166-1-Alpha-3',
  'ISO3166-1-Alpha-2',
  'ISO3166-1-numeric',
  'M49',
  'UNTERM English Short',
  'UNTERM English Formal',
  'official_name_en',
  'CLDR display name',
  'Region Code',
  'Sub-region Code',
  'Sub-region Name',
  'Least Developed Countries (LDC)',
  'Land Locked Developing Countries (LLDC)',
  'Small Island Developing States (SIDS)',
] as const;

export type CountryRecord = Partial<Record<(typeof COUNTRY_COLUMNS)[number], string>>;

/** Project CSV records onto the columns the reference uses (empty cells dropped). */
export function projectCountryRecords(records: readonly Record<string, string>[]): CountryRecord[] {
  return records.map((record) => {
    const projected: Record<string, string> = {};
    for (const column of COUNTRY_COLUMNS) {
      const value = record[column];
      if (value !== undefined && value !== '') projected[column] = value;
    }
    return projected as CountryRecord;
  });
}
