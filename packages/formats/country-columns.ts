/**
 * The columns of `data-contracts/reference/country-codes.csv` the country reference uses.
 * `country-codes.json` beside the CSV holds exactly these columns (as a {@link CountryTable}) so
 * the reference can be bundled into Lambda functions (no file reads at run time); a unit test
 * keeps the two equal.
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

/**
 * `country-codes.json`: the column names once, then one row of cells per country, trailing empty
 * cells left out. Objects would repeat the 14 long column names in every record, which made up
 * two thirds of the ≈ 80 KB every function that resolves countries bundled and parsed.
 */
export interface CountryTable {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** The bundled table of projected records (see {@link CountryTable}). */
export function countryTable(records: readonly CountryRecord[]): CountryTable {
  return {
    columns: [...COUNTRY_COLUMNS],
    rows: records.map((record) => {
      const cells = COUNTRY_COLUMNS.map((column) => record[column] ?? '');
      while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
      return cells;
    }),
  };
}

/** The records of a bundled table, empty cells dropped as {@link projectCountryRecords} drops them. */
export function countryRecordsOf(table: CountryTable): CountryRecord[] {
  return table.rows.map((row) => {
    const record: Record<string, string> = {};
    table.columns.forEach((column, index) => {
      const value = row[index];
      if (value !== undefined && value !== '') record[column] = value;
    });
    return record as CountryRecord;
  });
}
